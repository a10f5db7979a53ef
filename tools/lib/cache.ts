/**
 * The project's caches under .cache/ stay bounded. Every cache entry is a file named `<key>.<…>`
 * (a sha256 key; a rendered manifest and the objects parsed from it share one key and are one entry).
 * Reading an entry marks it used (its mtime); `pruneCaches` then removes the least recently used
 * entries of a cache above its budget, down to 80 % of it, so one run over the budget does not prune
 * on every run after it. A full `npm test` plus `npm run test:charts` writes about 1,200 renders
 * (325 MB) to .cache/helm-template, and every change of values or sources writes new ones, so without
 * this the caches grow by that much per change on a developer's machine.
 */
import * as fs from "fs";
import * as path from "path";
import { VENDORED } from "../../components/charts";
import { CACHE_DIR } from "./charts";

/**
 * Budgets per cache, in MB (the one place they are set). `OBS_CACHE_MAX_MB` overrides the Helm
 * renders' budget, the only large one.
 */
export const CACHE_BUDGETS_MB: Readonly<Record<string, number>> = {
    "helm-template": 1024,
    checks: 16,
    ts: 64,
};

/** The manifest checks' findings (tools/lib/preview-checks.ts) and the policy config validators (policy/lib/runner.ts). */
export const CHECKS_CACHE = path.join(CACHE_DIR, "checks");

/** After pruning, a cache holds at most this share of its budget. */
const PRUNE_TO = 0.8;
/** A temporary file older than this is a crashed writer's leftover. */
const STALE_TMP_MS = 60 * 60 * 1000;

/** Reads a cache file and marks it used; undefined when it is not there (never cached, or pruned meanwhile). */
export function readCached(file: string): string | undefined {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw e;
    }
    const now = new Date();
    try {
        fs.utimesSync(file, now, now);
    } catch {
        // Pruned between the read and the touch: the caller has the text already.
    }
    return text;
}

/**
 * Writes a cache file atomically (a temporary file renamed into place), creating its folder:
 * concurrent readers and writers of the same entry see either nothing or the whole of it.
 */
export function writeCached(file: string, text: string): void {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, file);
}

export interface PruneResult {
    /** Entries (keys) removed, oldest first. */
    readonly removed: readonly string[];
    readonly removedBytes: number;
    /** What the cache holds afterwards; for the unpacked charts, undefined when nothing was removed (not measured). */
    readonly keptBytes: number | undefined;
}

/** The names in a cache folder; undefined when it does not exist (an empty cache). */
function entriesOf(dir: string): string[] | undefined {
    try {
        return fs.readdirSync(dir);
    } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw e;
    }
}

/** Removes the least recently used entries of `dir` while it holds more than `maxBytes`, down to 80 % of it. */
export function pruneCache(dir: string, maxBytes: number, now = Date.now()): PruneResult {
    const names = entriesOf(dir);
    if (names === undefined) return { removed: [], removedBytes: 0, keptBytes: 0 };
    const entries = new Map<string, { files: string[]; bytes: number; used: number }>();
    let total = 0;
    for (const name of names) {
        const file = path.join(dir, name);
        let st: fs.Stats;
        try {
            st = fs.statSync(file);
        } catch {
            continue; // removed by another process meanwhile
        }
        if (!st.isFile()) continue;
        if (name.endsWith(".tmp")) {
            // Another process is writing it (renamed into place when done), unless it is a crash's leftover.
            if (now - st.mtimeMs > STALE_TMP_MS) fs.rmSync(file, { force: true });
            continue;
        }
        const key = name.split(".")[0]!;
        const e = entries.get(key) ?? { files: [], bytes: 0, used: 0 };
        e.files.push(file);
        e.bytes += st.size;
        e.used = Math.max(e.used, st.mtimeMs);
        entries.set(key, e);
        total += st.size;
    }
    const removed: string[] = [];
    let removedBytes = 0;
    if (total > maxBytes) {
        const oldestFirst = [...entries].sort((a, b) => a[1].used - b[1].used || a[0].localeCompare(b[0]));
        for (const [key, e] of oldestFirst) {
            if (total - removedBytes <= maxBytes * PRUNE_TO) break;
            for (const f of e.files) fs.rmSync(f, { force: true });
            removed.push(key);
            removedBytes += e.bytes;
        }
    }
    return { removed, removedBytes, keptBytes: total - removedBytes };
}

export class CacheBudgetError extends Error {}

/** Each cache's budget in bytes, with `OBS_CACHE_MAX_MB` applied; a bad value is a CacheBudgetError naming it. */
export function cacheBudgets(env: NodeJS.ProcessEnv = process.env): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, mb] of Object.entries(CACHE_BUDGETS_MB)) {
        const budget = name === "helm-template" && env.OBS_CACHE_MAX_MB !== undefined ? Number(env.OBS_CACHE_MAX_MB) : mb;
        if (!Number.isFinite(budget) || budget <= 0) throw new CacheBudgetError(`OBS_CACHE_MAX_MB must be a positive number of MB, got ${JSON.stringify(env.OBS_CACHE_MAX_MB)}`);
        out[name] = budget * 1024 * 1024;
    }
    return out;
}

/** Bytes under a file or folder. */
function sizeOf(p: string): number {
    const st = fs.lstatSync(p);
    if (!st.isDirectory()) return st.size;
    return fs.readdirSync(p).reduce((n, name) => n + sizeOf(path.join(p, name)), 0);
}

/**
 * Removes the unpacked charts (`.cache/charts/<sha256>/`, tools/lib/charts.ts) of packages that
 * charts/lock.json no longer lists: a bumped pin leaves its old folder (up to 7 MB) behind, never read
 * again. Folders of listed packages stay, whatever their age. What they hold is measured only when
 * something went (for the report): walking them on every run cost ~10 ms of each preview.
 */
export function pruneUnpackedCharts(dir: string, keep: ReadonlySet<string>): PruneResult {
    const names = entriesOf(dir);
    if (names === undefined) return { removed: [], removedBytes: 0, keptBytes: undefined };
    const removed: string[] = [];
    let removedBytes = 0;
    for (const name of names.filter(n => !keep.has(n)).sort()) {
        const full = path.join(dir, name);
        let bytes: number;
        try {
            bytes = sizeOf(full);
        } catch {
            continue; // removed by another process meanwhile
        }
        fs.rmSync(full, { recursive: true, force: true });
        removed.push(name);
        removedBytes += bytes;
    }
    if (removed.length === 0) return { removed, removedBytes, keptBytes: undefined };
    let keptBytes = 0;
    for (const name of names.filter(n => keep.has(n))) {
        try {
            keptBytes += sizeOf(path.join(dir, name));
        } catch {
            // removed by another process meanwhile
        }
    }
    return { removed, removedBytes, keptBytes };
}

/** Prunes every budgeted cache under .cache/, and the unpacked charts of old pins; returns what each removed. */
export function pruneCaches(root = CACHE_DIR, env: NodeJS.ProcessEnv = process.env, lock: readonly { sha256: string }[] = VENDORED): Record<string, PruneResult> {
    return {
        ...Object.fromEntries(Object.entries(cacheBudgets(env)).map(([name, bytes]) => [name, pruneCache(path.join(root, name), bytes)])),
        charts: pruneUnpackedCharts(path.join(root, "charts"), new Set(lock.map(c => c.sha256))),
    };
}

const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(0);

/**
 * Prunes every budgeted cache, best effort: one line per cache that lost entries (`cache: pruned …`),
 * none otherwise, and `cache: not pruned: …` when pruning failed (a cache is only an optimisation:
 * its failure never fails the command that ran before it).
 */
export function pruneCachesReport(root = CACHE_DIR, env: NodeJS.ProcessEnv = process.env): string[] {
    let results: Record<string, PruneResult>;
    try {
        results = pruneCaches(root, env);
    } catch (e) {
        return [`cache: not pruned: ${(e as Error).message}`];
    }
    return Object.entries(results).filter(([, r]) => r.removed.length > 0).map(([name, r]) => name === "charts"
        ? `cache: removed ${r.removed.length} unpacked charts no longer in charts/lock.json (${mb(r.removedBytes)} MB) from .cache/charts, ${mb(r.keptBytes!)} MB kept`
        : `cache: pruned ${r.removed.length} least recently used entries (${mb(r.removedBytes)} MB) from .cache/${name}, ${mb(r.keptBytes!)} MB kept`);
}
