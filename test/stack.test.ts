/**
 * The observability stack on every cluster of both committed stacks: releases, their pinned charts,
 * where each config setting lands in the values, Secrets, namespaces and dependency edges.
 */
import * as assert from "assert";
import { CHARTS } from "../components/versions";
import { FORBIDDEN_CHARTS } from "../components/versions";
import { chartNameOf, criticalPath } from "../tools/lib/report";
import type { ResourceRecord } from "../tools/lib/mock-runtime";
import { readStackFile } from "../tools/lib/stack-file";
import { at } from "./lib/chart-keys";
import { byType, one, runConfig, runStack, VALID_SECRET_KEYS, validConfig } from "./lib/run";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const CHART_V4 = "kubernetes:helm.sh/v4:Chart";
const CLUSTERS: Record<string, string[]> = { dev: ["dev-gke"], prod: ["prod-eks", "prod-gke"] };

/** Dependency names of a record, with the kind of each, sorted. */
function deps(records: readonly ResourceRecord[], r: ResourceRecord): string[] {
    const byUrn = new Map(records.map(x => [x.urn, x]));
    return r.dependencies.map(d => { const x = byUrn.get(d)!; return `${x.type.split(":").pop()} ${x.name}`; }).sort();
}

const values = (r: ResourceRecord) => r.inputs.values as Record<string, unknown>;

describe("observability stack per cluster", () => {
    for (const stack of ["dev", "prod"]) {
        describe(stack, () => {
            const env = readStackFile(stack).config as any;

            it("deploys exactly the expected releases per cluster, from pinned, non-deprecated charts", async () => {
                const { records } = await runStack(stack);
                for (const cluster of CLUSTERS[stack]!) {
                    const releases = byType(records, RELEASE).filter(r => r.name.startsWith(`${cluster}-obs-`));
                    const expected = stack === "prod"
                        ? [["alloy", "alloy"], ["kps", "kube-prometheus-stack"], ["loki", "loki"], ["otel-gateway", "opentelemetry-collector"], ["otel-lb", "opentelemetry-collector"], ["tempo", "tempo-distributed"]]
                        : [["alloy", "alloy"], ["kps", "kube-prometheus-stack"], ["loki", "loki"], ["otel-gateway", "opentelemetry-collector"], ["tempo", "tempo"]];
                    assert.deepStrictEqual(releases.map(r => [r.inputs.name, chartNameOf(r)]).sort(), expected);
                    for (const r of releases) {
                        const pinned = Object.values(CHARTS).find(c => c.chart === chartNameOf(r))!;
                        // Installed from the vendored package, never from a repository at `pulumi up` time.
                        assert.deepStrictEqual([r.inputs.chart, r.inputs.version, r.inputs.repositoryOpts], [`./charts/${pinned.chart}-${pinned.version}.tgz`, pinned.version, undefined], r.name);
                        assert.ok(!FORBIDDEN_CHARTS.includes(chartNameOf(r)));
                        assert.deepStrictEqual([r.inputs.atomic, r.inputs.cleanupOnFail, r.inputs.createNamespace, r.inputs.allowNullValues], [true, true, false, true]);
                    }
                    const crds = one(records, CHART_V4, `${cluster}-obs-prometheus-crds`);
                    assert.deepStrictEqual([crds.inputs.chart, crds.inputs.version, crds.inputs.namespace, crds.retainOnDelete, crds.transforms],
                        [`./charts/prometheus-operator-crds-${CHARTS.prometheusOperatorCrds.version}.tgz`, CHARTS.prometheusOperatorCrds.version, "monitoring", true, 1]);
                }
            });

            it("namespaces carry Pod Security labels (node-exporter alone privileged)", async () => {
                const { records } = await runStack(stack);
                const cluster = CLUSTERS[stack]![0]!;
                const labels = byType(records, "kubernetes:core/v1:Namespace").filter(n => n.name.startsWith(cluster))
                    .map(n => [(n.inputs.metadata as any).name, (n.inputs.metadata as any).labels["pod-security.kubernetes.io/enforce"], (n.inputs.metadata as any).labels["pod-security.kubernetes.io/warn"]]);
                assert.deepStrictEqual(labels.sort(), [
                    ["logging", "baseline", "restricted"], ["monitoring", "baseline", "restricted"],
                    ["node-exporter", "privileged", "restricted"], ["tracing", "baseline", "restricted"],
                ]);
            });

            it("each config setting lands where the chart reads it", async () => {
                const { records } = await runStack(stack);
                for (const cluster of CLUSTERS[stack]!) {
                    const kps = values(one(records, RELEASE, `${cluster}-obs-metrics-kps`));
                    assert.strictEqual(at(kps, "prometheus.prometheusSpec.retention"), env.retention.metrics);
                    assert.strictEqual(at(kps, "prometheus.prometheusSpec.scrapeInterval"), env.scrapeInterval);
                    assert.strictEqual(at(kps, "crds.enabled"), false);
                    assert.deepStrictEqual(at(kps, "prometheus.prometheusSpec.externalLabels"), { cluster, environment: stack });
                    const loki = values(one(records, RELEASE, `${cluster}-obs-logs-loki`));
                    const logsHours = `${Number(env.retention.logs.replace("d", "")) * 24}h`;
                    assert.strictEqual(at(loki, "loki.limits_config.retention_period"), logsHours);
                    assert.strictEqual(at(loki, "loki.compactor.retention_enabled"), true);
                    assert.strictEqual(at(loki, "loki.storage.type"), cluster.endsWith("eks") ? "s3" : "gcs");
                    assert.deepStrictEqual(at(loki, "loki.storage.bucketNames"), { chunks: `${cluster}-loki-chunks`, ruler: `${cluster}-loki-ruler` });
                    assert.strictEqual(at(loki, "deploymentMode"), stack === "prod" ? "Distributed" : "Monolithic");
                    const tempo = values(one(records, RELEASE, `${cluster}-obs-traces-tempo`));
                    const tracesHours = env.retention.traces;
                    assert.strictEqual(stack === "prod" ? at(tempo, "compactor.config.compaction.block_retention") : at(tempo, "tempo.retention"), tracesHours);
                    const gateway = values(one(records, RELEASE, `${cluster}-obs-traces-otel-gateway`));
                    const policies = at(gateway, "alternateConfig.processors.tail_sampling.policies") as any[];
                    const probabilistic = policies.find(p => p.type === "probabilistic");
                    assert.strictEqual(probabilistic.probabilistic.sampling_percentage, env.sampling.percentage);
                    const latency = policies.find(p => p.type === "latency");
                    assert.strictEqual(latency.latency.threshold_ms, Number(env.sampling.latencyThreshold.replace(/s$/, "")) * 1000);
                    assert.ok(policies.some(p => p.type === "status_code" && p.status_code.status_codes.includes("ERROR")), "errors always kept");
                }
            });

            it("workloads reach object storage through their cloud identity, never static keys", async () => {
                const { records } = await runStack(stack);
                for (const cluster of CLUSTERS[stack]!) {
                    const aws = cluster.endsWith("eks");
                    const annotation = (sa: string) => aws
                        ? { "eks.amazonaws.com/role-arn": `arn:aws:iam::123456789012:role/${cluster}-${sa}` }
                        : { "iam.gke.io/gcp-service-account": `${cluster}-${sa}@${env.clusters.find((c: any) => c.name === cluster).project}.iam.gserviceaccount.com` };
                    const loki = values(one(records, RELEASE, `${cluster}-obs-logs-loki`));
                    assert.deepStrictEqual(at(loki, "serviceAccount.annotations"), annotation("loki"));
                    assert.strictEqual(at(loki, "serviceAccount.name"), "loki");
                    const tempo = values(one(records, RELEASE, `${cluster}-obs-traces-tempo`));
                    assert.deepStrictEqual(at(tempo, "serviceAccount.annotations"), annotation("tempo"));
                    for (const r of byType(records, RELEASE)) {
                        assert.ok(!/accessKeyId|secretAccessKey|access_key|secret_key|adminPassword/.test(JSON.stringify(r.inputs.values)), `${r.name} carries a credential key`);
                    }
                }
            });

            it("Secrets hold the receivers and the Grafana password as secrets; values only name them", async () => {
                const { records } = await runStack(stack);
                for (const cluster of CLUSTERS[stack]!) {
                    const receivers = one(records, "kubernetes:core/v1:Secret", `${cluster}-obs-metrics-alertmanager-receivers`);
                    assert.deepStrictEqual(receivers.secretPaths, ["stringData"]);
                    const keys = Object.keys(receivers.rawInputs.stringData as object).sort();
                    assert.deepStrictEqual(keys, stack === "prod" ? ["pagerduty-routing-key", "slack-webhook-url"] : ["slack-webhook-url"]);
                    const grafana = one(records, "kubernetes:core/v1:Secret", `${cluster}-obs-metrics-grafana-admin`);
                    assert.deepStrictEqual(grafana.secretPaths, ["stringData"]);
                    const kps = values(one(records, RELEASE, `${cluster}-obs-metrics-kps`));
                    assert.deepStrictEqual(at(kps, "grafana.admin"), { existingSecret: "grafana-admin", userKey: "admin-user", passwordKey: "admin-password" });
                    assert.deepStrictEqual(at(kps, "alertmanager.alertmanagerSpec.secrets"), ["alertmanager-receivers"]);
                }
            });

            it("no secret value appears outside a secret input anywhere in the graph", async () => {
                const { records } = await runStack(stack);
                const secretValues = new Set<string>();
                for (const r of records) for (const p of r.secretPaths) {
                    const v = p.split(".").reduce<any>((o, k) => o?.[k], r.rawInputs);
                    for (const s of typeof v === "object" ? Object.values(v ?? {}) : [v]) if (typeof s === "string" && s.length >= 8) secretValues.add(s);
                }
                assert.ok(secretValues.size >= (stack === "prod" ? 3 : 2), `found ${secretValues.size} secret values`);
                for (const r of records) {
                    const text = JSON.stringify(r.inputs);
                    for (const s of secretValues) assert.ok(!text.includes(s), `${r.type} ${r.name} exposes a secret`);
                }
            });
        });
    }

    describe("dependency edges (prod)", () => {
        const expectEdges = async (cluster: string, volumes: string[], identity: Record<string, string[]>) => {
            const { records } = await runStack("prod");
            const d = (name: string) => deps(records, one(records, RELEASE, name));
            const crds = `Chart ${cluster}-obs-prometheus-crds`;
            const nodes = cluster.endsWith("eks") ? `NodeGroup ${cluster}-nodes` : `NodePool ${cluster}-nodes`;
            const ns = (n: string) => `Namespace ${cluster}-obs-${n}`;
            assert.deepStrictEqual(d(`${cluster}-obs-metrics-kps`), [crds, nodes, ns("monitoring"), ns("node-exporter"), `Secret ${cluster}-obs-metrics-alertmanager-receivers`, `Secret ${cluster}-obs-metrics-grafana-admin`, ...volumes].sort());
            assert.deepStrictEqual(d(`${cluster}-obs-logs-loki`), [crds, nodes, ns("logging"), ...volumes, ...identity.loki!].sort());
            assert.deepStrictEqual(d(`${cluster}-obs-traces-tempo`), [crds, nodes, ns("tracing"), ...volumes, ...identity.tempo!].sort());
            assert.deepStrictEqual(d(`${cluster}-obs-logs-alloy`), [crds, nodes, ns("logging")].sort());
            assert.deepStrictEqual(d(`${cluster}-obs-traces-otel-gateway`), [crds, nodes, ns("tracing")].sort());
            assert.deepStrictEqual(d(`${cluster}-obs-traces-otel-lb`), [crds, nodes, ns("tracing")].sort());
            assert.deepStrictEqual(deps(records, one(records, CHART_V4, `${cluster}-obs-prometheus-crds`)), [ns("monitoring")]);
            for (const n of ["monitoring", "logging", "tracing", "node-exporter"]) {
                const namespace = one(records, "kubernetes:core/v1:Namespace", `${cluster}-obs-${n}`);
                assert.deepStrictEqual(namespace.dependencies, []);
                assert.ok(namespace.provider.includes(`pulumi:providers:kubernetes::${cluster}-k8s`));
            }
        };

        it("EKS: releases wait only for what they need (volumes need the EBS CSI add-on and gp3 class)", () =>
            expectEdges("prod-eks", ["Addon prod-eks-ebs-csi", "StorageClass prod-eks-gp3"], {
                loki: ["Bucket prod-eks-loki-chunks", "Bucket prod-eks-loki-ruler", "Role prod-eks-loki", "RolePolicy prod-eks-loki-access"],
                tempo: ["Bucket prod-eks-tempo", "Role prod-eks-tempo", "RolePolicy prod-eks-tempo-access"],
            }));

        it("GKE: releases wait only for what they need (the identity bindings included)", () =>
            expectEdges("prod-gke", [], {
                loki: ["Bucket prod-gke-loki-chunks", "Bucket prod-gke-loki-ruler", "Account prod-gke-loki", "BucketIAMMember prod-gke-loki-bucket-0", "BucketIAMMember prod-gke-loki-bucket-1", "IAMMember prod-gke-loki-wi"],
                tempo: ["Bucket prod-gke-tempo", "Account prod-gke-tempo", "BucketIAMMember prod-gke-tempo-bucket-0", "IAMMember prod-gke-tempo-wi"],
            }));

        it("the critical path is cluster → nodes → (volumes) → kube-prometheus-stack", async () => {
            const { records } = await runStack("prod");
            const { chain, seconds } = criticalPath(records);
            assert.deepStrictEqual(chain.map(s => s.type).filter(t => !t.startsWith("aws:ec2/")),
                ["aws:eks/cluster:Cluster", "aws:eks/nodeGroup:NodeGroup", "aws:eks/addon:Addon", RELEASE]);
            assert.strictEqual(chain.at(-1)!.name, "prod-eks-obs-metrics-kps");
            assert.strictEqual(seconds, chain.at(-1)!.finish);
        });
    });

    it("two clusters in one stack: no two releases share a URN, each on its own provider", async () => {
        const config = validConfig();
        config.tier = "prod";
        // prod's Prometheus requests 8Gi and 3 Loki ingesters need 3 nodes: a node of 32 GiB, 3 of them.
        config.clusters[1].nodePool = { machineType: "m6i.2xlarge", min: 3, max: 6 };
        config.alerting.pagerduty = { enabled: true };
        config.pagerdutyRoutingKey = "0123456789abcdef0123456789ABCDEF";
        const { records } = await runConfig(config, [...VALID_SECRET_KEYS, "pagerdutyRoutingKey"]);
        const releases = records.filter(r => r.type.startsWith("kubernetes:helm.sh/"));
        assert.strictEqual(releases.length, 2 * 7);
        assert.strictEqual(new Set(releases.map(r => r.urn)).size, releases.length);
        for (const cluster of ["dev-gke", "dev-eks"]) {
            const mine = releases.filter(r => r.name.startsWith(`${cluster}-`));
            assert.strictEqual(mine.length, 7);
            for (const r of mine) assert.ok(r.provider.includes(`pulumi:providers:kubernetes::${cluster}-k8s`), r.name);
        }
    });

    it("the CRDs' transform retains every child the engine creates under the chart", async () => {
        const { retainOnDelete } = await import("../components/k8s/prometheusCrds");
        const out = await retainOnDelete({ custom: true, type: "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition", name: "x", props: { a: 1 }, opts: { protect: false } });
        assert.deepStrictEqual(out, { props: { a: 1 }, opts: { protect: false, retainOnDelete: true } });
    });

    it("a chart version override from config reaches the release, from its vendored package", async () => {
        const config = validConfig();
        config.charts = { loki: "18.11.0" };
        const { records } = await runConfig(config, VALID_SECRET_KEYS);
        assert.deepStrictEqual(byType(records, RELEASE).filter(r => chartNameOf(r) === "loki").map(r => [r.inputs.chart, r.inputs.version]),
            [["./charts/loki-18.11.0.tgz", "18.11.0"], ["./charts/loki-18.11.0.tgz", "18.11.0"]]);
    });
});
