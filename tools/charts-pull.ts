/**
 * `npm run charts:pull -- <key> <version> [--repo <url>]`: vendors one chart version. Runs
 * `helm pull` from the chart's repository (components/versions.ts; --repo overrides it, e.g. a
 * mirror), writes charts/<chart>-<version>.tgz and records it in charts/lock.json with its sha256
 * and where it came from. Needs a network that reaches the repository; nothing else does.
 * To move a pin, change components/versions.ts afterwards and run `npm test`.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseArgs, promisify } from "util";
import { CHARTS_DIR, VendoredChart } from "../components/charts";
import { CHARTS, ChartKey } from "../components/versions";
import { ROOT, sha256File } from "./lib/charts";
import { helmBinary, helmEnv } from "./lib/helm";

const USAGE = "usage: npm run charts:pull -- <key> <version> [--repo <url>]\n  key: one of " + Object.keys(CHARTS).join(", ");

export interface PullOptions {
    readonly key: ChartKey;
    readonly version: string;
    readonly repo?: string;
    /** Project root holding charts/ (tests use a copy). */
    readonly root?: string;
    readonly today?: string;
}

/** Pulls the package, adds or replaces its lock entry, and returns that entry. */
export async function pullChart(o: PullOptions): Promise<VendoredChart> {
    const root = o.root ?? ROOT;
    const { chart } = CHARTS[o.key];
    const repository = o.repo ?? CHARTS[o.key].repo;
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "charts-pull-"));
    try {
        await promisify(execFile)(helmBinary(), ["pull", chart, "--repo", repository, "--version", o.version, "--destination", tmp], { env: helmEnv() });
        const file = `${chart}-${o.version}.tgz`;
        const pulled = path.join(tmp, file);
        if (!fs.existsSync(pulled)) throw new Error(`helm pull wrote ${fs.readdirSync(tmp).join(", ") || "nothing"}, expected ${file}`);
        fs.copyFileSync(pulled, path.join(root, CHARTS_DIR, file));
        const entry: VendoredChart = {
            key: o.key, chart, version: o.version, repository, file, sha256: sha256File(pulled),
            source: `helm pull ${chart} --repo ${repository} --version ${o.version}`,
            vendored: o.today ?? new Date().toISOString().slice(0, 10),
        };
        const lockPath = path.join(root, CHARTS_DIR, "lock.json");
        const lock = JSON.parse(fs.readFileSync(lockPath, "utf8")) as { comment: string; charts: VendoredChart[] };
        lock.charts = [...lock.charts.filter(c => c.file !== file), entry].sort((a, b) => a.file.localeCompare(b.file));
        fs.writeFileSync(lockPath, JSON.stringify(lock, null, 2) + "\n");
        return entry;
    } catch (e) {
        const err = e as { stderr?: string; message: string };
        throw new Error(`helm pull ${chart} ${o.version} from ${repository} failed: ${err.stderr?.toString().trim() || err.message}`);
    } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
    }
}

async function main(): Promise<number> {
    const { values, positionals } = parseArgs({ allowPositionals: true, options: { repo: { type: "string" } } });
    const [key, version] = positionals;
    if (!key || !version || !(key in CHARTS) || !/^\d+\.\d+\.\d+$/.test(version)) {
        console.error(USAGE);
        return 2;
    }
    try {
        const e = await pullChart({ key: key as ChartKey, version, ...(values.repo ? { repo: values.repo } : {}) });
        console.log(`vendored ${CHARTS_DIR}/${e.file} (sha256 ${e.sha256}); pin it in components/versions.ts, then npm test`);
        return 0;
    } catch (e) {
        console.error((e as Error).message);
        return 1;
    }
}

if (require.main === module) main().then(code => process.exit(code));
