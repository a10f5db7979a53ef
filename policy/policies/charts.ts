/**
 * Every Helm release installs a vendored chart package (charts/*.tgz, listed in charts/lock.json)
 * whose bytes still match the lock's sha256, so what was reviewed and rendered is what is
 * installed; and no deprecated or end-of-life chart is deployed (components/versions.ts
 * FORBIDDEN_CHARTS, plus Grafana's Enterprise Logs chart, which is not an OSS Loki chart).
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { CHARTS_DIR, vendoredByPath } from "../../components/charts";
import { FORBIDDEN_CHARTS } from "../../components/versions";
import { chartName, HELM_TYPES } from "../lib/common";

/** The project root, where `pulumi up` runs and where release `chart` paths are relative to. */
const ROOT = path.resolve(__dirname, "../..");

/** Deprecated or end-of-life charts, with why. */
export const FORBIDDEN: ReadonlyMap<string, string> = new Map([
    ...FORBIDDEN_CHARTS.map(c => [c, "deprecated or end-of-life upstream (components/versions.ts FORBIDDEN_CHARTS)"] as [string, string]),
    ["enterprise-logs", "Grafana Enterprise Logs, licensed software, not the OSS Loki chart"],
]);

const digests = new Map<string, string>();
/** sha256 of a file under the project root, once per process. */
function sha256(file: string): string | undefined {
    if (!digests.has(file)) {
        if (!fs.existsSync(file)) return undefined;
        digests.set(file, crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex"));
    }
    return digests.get(file);
}

export const chartsPolicy: ResourceValidationPolicy = {
    name: "obs-release-disallow-unvetted-charts",
    description: "Every Helm release installs a vendored chart package whose digest matches charts/lock.json, and never a deprecated or end-of-life chart (promtail, loki-distributed, loki-stack, Grafana Enterprise Logs for OSS Loki).",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (!HELM_TYPES.includes(args.type)) return;
        const input = String(args.props.chart ?? "");
        const name = chartName(args.props);
        const forbidden = FORBIDDEN.get(name);
        if (forbidden) {
            reportViolation(`Release ${args.name} deploys the chart ${name}, which is ${forbidden}; use the loki chart with Alloy (components/versions.ts CHARTS).`);
            return;
        }
        const vendored = vendoredByPath(input);
        if (!vendored) {
            reportViolation(`Release ${args.name} installs ${JSON.stringify(input)}, not a vendored package: pin the chart in components/versions.ts, add it with npm run charts:pull, and install it from ./${CHARTS_DIR}/<chart>-<version>.tgz.`);
            return;
        }
        const actual = sha256(path.join(ROOT, CHARTS_DIR, vendored.file));
        if (actual === undefined) {
            reportViolation(`Release ${args.name} installs ./${CHARTS_DIR}/${vendored.file}, which is missing from the checkout; restore it (npm run charts:pull -- ${vendored.key} ${vendored.version}).`);
        } else if (actual !== vendored.sha256) {
            reportViolation(`Release ${args.name} installs ./${CHARTS_DIR}/${vendored.file} with sha256 ${actual}, not the ${vendored.sha256} of charts/lock.json; restore the package or re-vendor it with npm run charts:pull -- ${vendored.key} ${vendored.version}.`);
        }
    },
};
