/**
 * The vendored chart packages on disk, for the tools and tests: digests checked, packages unpacked
 * once into an ignored cache (.cache/charts/<sha256>/) so values.yaml, values.schema.json and the
 * templates can be read. Nothing outside the repository is read.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as tar from "tar";
import { CHARTS_DIR, VENDORED, VendoredChart } from "../../components/charts";
import { CHARTS, ChartKey } from "../../components/versions";

export const ROOT = path.resolve(__dirname, "../..");
export const CACHE_DIR = path.join(ROOT, ".cache");

export function packagePath(c: VendoredChart): string {
    return path.join(ROOT, CHARTS_DIR, c.file);
}

export function sha256File(file: string): string {
    return crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex");
}

/** The pinned package of a chart key (components/versions.ts), from charts/lock.json. */
export function pinnedPackage(key: ChartKey): VendoredChart {
    const found = VENDORED.find(c => c.key === key && c.version === CHARTS[key].version);
    if (!found) throw new Error(`${key} ${CHARTS[key].version} has no package in ${CHARTS_DIR}/ (npm run charts:pull -- ${key} ${CHARTS[key].version})`);
    return found;
}

/**
 * The unpacked chart folder of a vendored package (charts/<file> → .cache/charts/<sha256>/<chart>/).
 * The package's digest is checked against the lock before it is unpacked.
 */
export function unpackedChart(c: VendoredChart): string {
    const dir = path.join(CACHE_DIR, "charts", c.sha256);
    const chartDir = path.join(dir, c.chart);
    if (fs.existsSync(path.join(dir, ".complete"))) return chartDir;
    const actual = sha256File(packagePath(c));
    if (actual !== c.sha256) throw new Error(`${CHARTS_DIR}/${c.file}: sha256 ${actual} does not match charts/lock.json (${c.sha256})`);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    tar.x({ file: packagePath(c), cwd: dir, sync: true });
    fs.writeFileSync(path.join(dir, ".complete"), "");
    return chartDir;
}

/**
 * Where a chart's files are, by the name tests use: a vendored chart (`loki`, `tempo-distributed`,
 * …, at its pinned version) or a subchart inside one (`grafana` is kube-prometheus-stack's).
 */
export const SUBCHARTS: Readonly<Record<string, { readonly parent: ChartKey; readonly dir: string }>> = {
    grafana: { parent: "kubePrometheusStack", dir: "charts/grafana" },
    "kube-state-metrics": { parent: "kubePrometheusStack", dir: "charts/kube-state-metrics" },
    "prometheus-node-exporter": { parent: "kubePrometheusStack", dir: "charts/prometheus-node-exporter" },
};

export function chartDir(name: string): string {
    const sub = SUBCHARTS[name];
    if (sub) return path.join(unpackedChart(pinnedPackage(sub.parent)), sub.dir);
    const key = (Object.keys(CHARTS) as ChartKey[]).find(k => CHARTS[k].chart === name);
    if (!key) throw new Error(`no vendored chart named ${name}`);
    return unpackedChart(pinnedPackage(key));
}
