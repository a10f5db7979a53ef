/**
 * The caches under .cache/ stay bounded (tools/lib/cache.ts): least recently used entries go first,
 * an entry's files go together, reads mark an entry used, and the Helm render cache's hits do.
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CACHE_BUDGETS_MB, CacheBudgetError, cacheBudgets, pruneCache, pruneCaches, pruneCachesReport, readCached } from "../tools/lib/cache";
import { VENDORED } from "../components/charts";
import { pinnedPackage } from "../tools/lib/charts";
import { helmTemplate, TEMPLATE_CACHE, templateStats } from "../tools/lib/helm";

const MB = 1024 * 1024;
const HOUR = 3600_000;

/** A temporary cache folder with `<key>.yaml` (and `<key>.objects.json` where given) of these sizes, last used `hoursAgo`. */
const made: string[] = [];
function tempDir(prefix: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    made.push(dir);
    return dir;
}

function cacheDir(entries: { key: string; yaml: number; objects?: number; hoursAgo: number }[], now: number): string {
    const dir = tempDir("obs-cache-");
    for (const e of entries) {
        const t = new Date(now - e.hoursAgo * HOUR);
        const write = (name: string, bytes: number) => {
            fs.writeFileSync(path.join(dir, name), Buffer.alloc(bytes));
            fs.utimesSync(path.join(dir, name), t, t);
        };
        write(`${e.key}.yaml`, e.yaml);
        if (e.objects !== undefined) write(`${e.key}.objects.js-yaml.json`, e.objects);
    }
    return dir;
}

describe("cache budgets", () => {
    const now = Date.now();
    after(() => made.forEach(d => fs.rmSync(d, { recursive: true, force: true })));

    it("removes the least recently used entries, both files of each, until 80 % of the budget", () => {
        const dir = cacheDir([
            { key: "a", yaml: 3 * MB, objects: 1 * MB, hoursAgo: 50 },
            { key: "b", yaml: 2 * MB, hoursAgo: 40 },
            { key: "c", yaml: 2 * MB, objects: 1 * MB, hoursAgo: 30 },
            { key: "d", yaml: 1 * MB, hoursAgo: 1 },
        ], now);
        // 10 MB held, budget 8 MB: prune to 6.4 MB, oldest first: a (4 MB) leaves 6 MB.
        const r = pruneCache(dir, 8 * MB, now);
        assert.deepStrictEqual(r, { removed: ["a"], removedBytes: 4 * MB, keptBytes: 6 * MB });
        assert.deepStrictEqual(fs.readdirSync(dir).sort(), ["b.yaml", "c.objects.js-yaml.json", "c.yaml", "d.yaml"]);
    });

    it("an entry is as recent as its most recently used file; nothing goes while the cache is within budget", () => {
        const dir = cacheDir([
            { key: "a", yaml: 3 * MB, objects: 1 * MB, hoursAgo: 50 },
            { key: "b", yaml: 3 * MB, hoursAgo: 40 },
        ], now);
        const t = new Date(now);
        fs.utimesSync(path.join(dir, "a.objects.js-yaml.json"), t, t);
        assert.deepStrictEqual(pruneCache(dir, 7 * MB, now), { removed: [], removedBytes: 0, keptBytes: 7 * MB });
        assert.deepStrictEqual(pruneCache(dir, 6 * MB, now), { removed: ["b"], removedBytes: 3 * MB, keptBytes: 4 * MB });
    });

    it("leaves a writer's temporary file alone, removes one older than an hour (a crash's leftover)", () => {
        const dir = cacheDir([{ key: "a", yaml: 10, hoursAgo: 0 }], now);
        const fresh = path.join(dir, "b.yaml.123.tmp");
        const stale = path.join(dir, "c.yaml.456.tmp");
        fs.writeFileSync(fresh, "x");
        fs.writeFileSync(stale, "x");
        fs.utimesSync(stale, new Date(now - 2 * HOUR), new Date(now - 2 * HOUR));
        pruneCache(dir, MB, now);
        assert.deepStrictEqual(fs.readdirSync(dir).sort(), ["a.yaml", "b.yaml.123.tmp"]);
    });

    it("a missing cache folder is an empty cache", () => {
        assert.deepStrictEqual(pruneCache(path.join(os.tmpdir(), `obs-cache-none-${process.pid}`), MB, now), { removed: [], removedBytes: 0, keptBytes: 0 });
    });

    it("reading an entry marks it used; a missing entry reads as undefined", () => {
        const dir = cacheDir([{ key: "a", yaml: 3, hoursAgo: 10 }], now);
        const file = path.join(dir, "a.yaml");
        assert.strictEqual(readCached(file), "\0\0\0");
        assert.ok(Date.now() - fs.statSync(file).mtimeMs < HOUR);
        assert.strictEqual(readCached(path.join(dir, "gone.yaml")), undefined);
    });

    it("budgets: one per cache, OBS_CACHE_MAX_MB for the Helm renders; a bad value names the variable", () => {
        assert.deepStrictEqual(CACHE_BUDGETS_MB, { "helm-template": 1024, checks: 16, ts: 64 });
        const root = tempDir("obs-cache-root-");
        fs.cpSync(cacheDir([{ key: "a", yaml: 2 * MB, hoursAgo: 2 }, { key: "b", yaml: 1 * MB, hoursAgo: 1 }], now), path.join(root, "helm-template"), { recursive: true, preserveTimestamps: true });
        const r = pruneCaches(root, { OBS_CACHE_MAX_MB: "2" });
        assert.deepStrictEqual(r["helm-template"], { removed: ["a"], removedBytes: 2 * MB, keptBytes: 1 * MB });
        assert.deepStrictEqual(r.checks, { removed: [], removedBytes: 0, keptBytes: 0 });
        fs.writeFileSync(path.join(root, "helm-template", "c.yaml"), Buffer.alloc(1.5 * MB));
        assert.deepStrictEqual(pruneCachesReport(root, { OBS_CACHE_MAX_MB: "2" }), ["cache: pruned 1 least recently used entries (1 MB) from .cache/helm-template, 2 MB kept"]);
        assert.deepStrictEqual(pruneCachesReport(root, { OBS_CACHE_MAX_MB: "2" }), []);
        assert.throws(() => pruneCaches(root, { OBS_CACHE_MAX_MB: "lots" }), { message: 'OBS_CACHE_MAX_MB must be a positive number of MB, got "lots"' });
        assert.throws(() => cacheBudgets({ OBS_CACHE_MAX_MB: "0" }), CacheBudgetError);
        assert.deepStrictEqual(pruneCachesReport(root, { OBS_CACHE_MAX_MB: "" }), ['cache: not pruned: OBS_CACHE_MAX_MB must be a positive number of MB, got ""']);
    });

    it("unpacked charts of packages charts/lock.json no longer lists are removed; listed ones stay", () => {
        const root = tempDir("obs-cache-charts-");
        const unpacked = (sha: string, bytes: number) => {
            fs.mkdirSync(path.join(root, "charts", sha, "chart", "templates"), { recursive: true });
            fs.writeFileSync(path.join(root, "charts", sha, "chart", "templates", "a.yaml"), Buffer.alloc(bytes));
            fs.writeFileSync(path.join(root, "charts", sha, ".complete"), "");
        };
        const listed = VENDORED[0]!.sha256;
        unpacked(listed, 1 * MB);
        unpacked("0".repeat(64), 2 * MB);
        unpacked("f".repeat(64), 3 * MB);
        assert.deepStrictEqual(pruneCaches(root, {}).charts, { removed: ["0".repeat(64), "f".repeat(64)], removedBytes: 5 * MB, keptBytes: 1 * MB });
        assert.deepStrictEqual(fs.readdirSync(path.join(root, "charts")), [listed]);
        unpacked("0".repeat(64), 2 * MB);
        assert.deepStrictEqual(pruneCachesReport(root, {}), ["cache: removed 1 unpacked charts no longer in charts/lock.json (2 MB) from .cache/charts, 1 MB kept"]);
        assert.deepStrictEqual(pruneCachesReport(root, {}), []);
        // Nothing to remove: the listed folders are not walked.
        assert.deepStrictEqual(pruneCaches(root, {}).charts, { removed: [], removedBytes: 0, keptBytes: undefined });
        // Another lock (a bumped pin): the folder it no longer lists goes.
        assert.deepStrictEqual(pruneCaches(root, {}, []).charts.removed, [listed]);
    });

    it("a Helm render served from the cache marks its entry used", async function () {
        this.timeout(120_000);
        const req = { chart: pinnedPackage("alloy"), release: "cache-touch", namespace: "logging", values: {}, kubeVersion: "1.34", apiVersions: [] };
        const { key } = await helmTemplate(req);
        const file = path.join(TEMPLATE_CACHE, `${key}.yaml`);
        const old = new Date(now - 48 * HOUR);
        fs.utimesSync(file, old, old);
        const hits = templateStats.cacheHits;
        await helmTemplate(req);
        assert.strictEqual(templateStats.cacheHits, hits + 1);
        assert.ok(Date.now() - fs.statSync(file).mtimeMs < HOUR);
    });
});

describe("the transpile cache (tools/lib/register.js)", () => {
    it("a cache that cannot be written (a read-only checkout) still loads the TypeScript, transpiled in memory", () => {
        // Every write under .cache/ts fails as on a read-only file system; the module is new, so it is a cache miss.
        const script = `
const fs = require("fs"), os = require("os"), path = require("path");
const write = fs.writeFileSync;
fs.writeFileSync = function (f, ...rest) {
    if (String(f).includes(path.join(".cache", "ts") + path.sep)) throw Object.assign(new Error("EROFS: read-only file system, open " + f), { code: "EROFS" });
    return write.call(this, f, ...rest);
};
require("./tools/lib/register.js");
const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "obs-ts-")), "m.ts");
fs.writeFileSync(file, "export const answer: number = 6 * 7;");
console.log(require(file).answer);`;
        const r = spawnSync(process.execPath, ["-e", script], { cwd: path.resolve(__dirname, ".."), encoding: "utf8" });
        assert.strictEqual(r.status, 0, r.stderr);
        assert.strictEqual(r.stdout.trim(), "42");
    });
});
