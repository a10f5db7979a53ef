/**
 * The policy pack on whole graphs: the committed dev and prod stacks (captured under mocks, every
 * release rendered by Helm) pass every policy with their own config, except for the defects listed
 * in KNOWN_DEFECTS; each graph under the other environment's config fails exactly where the bounds
 * differ; and mutated stack files fail the offline preview with exit code 3 and the expected
 * mandatory violations in out/<stack>/policy.json.
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, stringify } from "yaml";
import type { ResourceRecord } from "../tools/lib/mock-runtime";
import { renderReleases } from "../tools/lib/manifests";
import { checkGraph, objectsByUrn, readPolicyConfig } from "../policy/lib/offline";
import { renderedObjects, useHelmRendering } from "../policy/lib/manifests";
import { policyResources, Violation } from "../policy/lib/runner";
import { runStack } from "./lib/run";

const ROOT = path.resolve(__dirname, "..");
const CONFIG = (env: string) => readPolicyConfig(path.join(ROOT, "policy/config", `${env}.json`));

/**
 * Violations of the committed graphs that are known and being fixed elsewhere; the one place that
 * lists them. Remove an entry when its fix merges (the whole-graph tests then hold it to zero).
 */
export const KNOWN_DEFECTS: readonly { readonly policy: string; readonly message?: RegExp; readonly why: string }[] = [];
const known = (v: Violation) => KNOWN_DEFECTS.some(d => d.policy === v.policy && (!d.message || d.message.test(v.message)));
const short = (v: Violation) => `${v.enforcementLevel} ${v.policy} ${v.urn.split("::").pop()}: ${v.message}`;

const rendered = new Map<string, Promise<Awaited<ReturnType<typeof renderReleases>>>>();
function renderedOf(stack: string, records: readonly ResourceRecord[]) {
    if (!rendered.has(stack)) {
        const versions = new Map<string, string>();
        for (const r of records) {
            if (r.type === "aws:eks/cluster:Cluster") versions.set(String(r.inputs.name), String(r.inputs.version));
            if (r.type === "gcp:container/cluster:Cluster") versions.set(String(r.inputs.name), String(r.inputs.minMasterVersion));
        }
        rendered.set(stack, renderReleases(stack, records, c => versions.get(c)!));
    }
    return rendered.get(stack)!;
}

async function violations(stack: string, env: string): Promise<Violation[]> {
    const { records } = await runStack(stack);
    try {
        return await checkGraph(records, await renderedOf(stack, records), CONFIG(env));
    } finally {
        useHelmRendering();
    }
}

describe("policy pack on the committed graphs", function () {
    this.timeout(600_000);
    for (const stack of ["dev", "prod"]) {
        it(`${stack} passes every policy with policy/config/${stack}.json (known defects aside)`, async () => {
            const v = await violations(stack, stack);
            assert.deepStrictEqual(v.filter(x => !known(x)).map(short), []);
        });
    }
    it("under the CLI (no rendered objects handed over) the pack renders every release with Helm: the offline preview's objects, by release", async () => {
        const { records } = await runStack("prod");
        useHelmRendering();
        const byHelm = await renderedObjects(policyResources(records));
        const offline = objectsByUrn(records, await renderedOf("prod", records));
        assert.strictEqual(byHelm.size, 14);
        assert.deepStrictEqual([...byHelm.keys()].sort(), [...offline.keys()].sort());
        for (const [urn, objects] of offline) assert.deepStrictEqual(byHelm.get(urn), objects, urn);
        // A stack component whose state does not carry its cluster is matched by name (prod-eks-obs → prod-eks).
        const bare = records.map(r => (r.type === "obs:k8s:ObservabilityStack" ? { ...r, inputs: {}, outputs: {} } : r));
        assert.deepStrictEqual([...(await renderedObjects(policyResources(bare))).keys()].sort(), [...offline.keys()].sort());
    });
    it("prod under the dev config fails exactly on Prometheus's 90d metrics retention (dev allows 7d–30d)", async () => {
        const v = (await violations("prod", "dev")).filter(x => !known(x));
        assert.deepStrictEqual(v.map(short), ["prod-eks", "prod-gke"].map(c =>
            `mandatory obs-release-configure-retention ${c}-obs-metrics-kps: Prometheus keeps data for 90d (prometheus.prometheusSpec.retention), outside the allowed 7d–30d; set observability:retention.metrics between 7d and 30d.`));
    });
    it("dev under the prod config fails exactly on 15d metrics, 50 % sampling and the unprotected cluster, buckets, KMS key and StorageClass", async () => {
        const v = (await violations("dev", "prod")).filter(x => !known(x));
        const unprotected = (what: string, name: string) => `mandatory obs-stateful-enable-protection ${name}: ${what} ${name} is not protected; register it with { protect: true } (and retainOnDelete) when observability:tier is prod.`;
        assert.deepStrictEqual(v.map(short).sort(), [
            "mandatory obs-release-configure-retention dev-gke-obs-metrics-kps: Prometheus keeps data for 15d (prometheus.prometheusSpec.retention), outside the allowed 30d–400d; set observability:retention.metrics between 30d and 400d.",
            "mandatory obs-collector-configure-sampling dev-gke-obs-traces-otel-gateway: The collector keeps 50 % of ordinary traces (processors.tail_sampling), outside the allowed 1–25 %; set observability:sampling.percentage between 1 and 25.",
            unprotected("GKE cluster", "dev-gke"),
            unprotected("GCS bucket", "dev-gke-loki-chunks"),
            unprotected("GCS bucket", "dev-gke-loki-ruler"),
            unprotected("GCS bucket", "dev-gke-tempo"),
            unprotected("Cloud KMS key", "dev-gke-secrets"),
            "mandatory obs-stateful-enable-protection dev-gke-pd-balanced: StorageClass dev-gke-pd-balanced deletes its volumes with their claims (reclaimPolicy \"Delete\"); set reclaimPolicy: Retain when observability:tier is prod.",
        ].sort());
    });
});

/** Runs the offline preview on a temporary stack file (the committed one with `mutate` applied). */
function previewMutated(base: string, name: string, mutate: (config: Record<string, any>) => void, extra: string[] = []) {
    const stack = `policytest-${process.pid}-${name}`;
    const file = path.join(ROOT, `Pulumi.${stack}.yaml`);
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "obs-policy-"));
    const doc = parse(fs.readFileSync(path.join(ROOT, `Pulumi.${base}.yaml`), "utf8"));
    mutate(doc.config);
    fs.writeFileSync(file, stringify(doc));
    try {
        const r = spawnSync(process.execPath, ["-r", "./tools/lib/register.js", "tools/preview-offline.ts", "--stack", stack, "--out", out, "--quiet", "--no-manifests",
            "--policy-config", `policy/config/${base}.json`, ...extra], { cwd: ROOT, encoding: "utf8" });
        const report = path.join(out, stack, "policy.json");
        const violations: Violation[] = fs.existsSync(report) ? JSON.parse(fs.readFileSync(report, "utf8")).violations : [];
        return { status: r.status, stderr: r.stderr, stdout: r.stdout, violations: violations.map(v => ({ ...v, urn: v.urn.replace(stack, base) })) };
    } finally {
        fs.rmSync(file, { force: true });
        fs.rmSync(out, { recursive: true, force: true });
    }
}

describe("offline preview: policy step, exit code 3 on mandatory violations", function () {
    this.timeout(300_000);
    const baseline = new Map<string, ReturnType<typeof previewMutated>>();
    const base = (stack: string) => {
        if (!baseline.has(stack)) baseline.set(stack, previewMutated(stack, "base", () => undefined));
        return baseline.get(stack)!;
    };
    const added = (stack: string, r: ReturnType<typeof previewMutated>) => {
        const before = new Set(base(stack).violations.map(short));
        return r.violations.filter(v => !before.has(short(v))).map(short);
    };
    it("the committed dev stack: exit 0, policy.json lists no violation", () => {
        const r = base("dev");
        assert.strictEqual(r.status, 0, r.stderr);
        assert.deepStrictEqual(r.violations, []);
        assert.match(r.stdout, /^policy: 0 violation\(s\), 0 mandatory$/m);
    });
    it("dev with metrics kept 90d: exit 3, Prometheus retention outside 7d–30d (its size limit and disk follow the retention)", () => {
        const r = previewMutated("dev", "metrics90d", c => { c["observability:retention"].metrics = "90d"; });
        assert.strictEqual(r.status, 3, r.stderr);
        assert.deepStrictEqual(added("dev", r), [
            "mandatory obs-release-configure-retention dev-gke-obs-metrics-kps: Prometheus keeps data for 90d (prometheus.prometheusSpec.retention), outside the allowed 7d–30d; set observability:retention.metrics between 7d and 30d.",
        ]);
        assert.match(r.stdout, /\[mandatory\] obs-release-configure-retention {2}dev-gke-obs-metrics-kps: Prometheus keeps data for 90d/);
    });
    it("prod sampling 100 %: exit 3, sampling outside 1–25 % on both gateways", () => {
        const r = previewMutated("prod", "sampling100", c => { c["observability:sampling"].percentage = 100; });
        assert.strictEqual(r.status, 3, r.stderr);
        assert.deepStrictEqual(added("prod", r).sort(), ["prod-eks", "prod-gke"].map(c =>
            `mandatory obs-collector-configure-sampling ${c}-obs-traces-otel-gateway: The collector keeps 100 % of ordinary traces (processors.tail_sampling), outside the allowed 1–25 %; set observability:sampling.percentage between 1 and 25.`));
    });
    it("prod traces kept 14 days: exit 3, Tempo retention outside 1d–7d on both clusters", () => {
        const r = previewMutated("prod", "traces14d", c => { c["observability:retention"].traces = "14d"; });
        assert.strictEqual(r.status, 3, r.stderr);
        assert.deepStrictEqual(added("prod", r).sort(), ["prod-eks", "prod-gke"].map(c =>
            `mandatory obs-release-configure-retention ${c}-obs-traces-tempo: Tempo keeps data for 14d (compactor.config.compaction.block_retention), outside the allowed 1d–7d; set observability:retention.traces between 1d and 7d.`));
    });
    it("a policy config with an unknown key is a config error: exit 2, one line naming policy and key", () => {
        const bad = path.join(os.tmpdir(), `obs-policy-bad-${process.pid}.json`);
        fs.writeFileSync(bad, JSON.stringify({ "obs-collector-configure-sampling": { percentMax: 5 } }));
        try {
            const r = previewMutated("dev", "badconfig", () => undefined, ["--policy-config", bad]);
            assert.strictEqual(r.status, 2);
            // The program's own warnings (e.g. dev's open control-plane endpoint) may precede the error.
            assert.deepStrictEqual(r.stderr.trim().split("\n").filter(l => !l.startsWith("warning: ")),
                ["config error: policy config: obs-collector-configure-sampling.percentMax: must NOT have additional properties (allowed: percentageMin, percentageMax)"]);
        } finally {
            fs.rmSync(bad, { force: true });
        }
    });
});
