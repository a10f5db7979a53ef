import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { LOKI_CANARY_RESOURCES, LOKI_LIGHT_RESOURCES, SIZING } from "../components/sizing";
import { DAY_MS, HOUR_MS } from "../components/duration";
import {
    LOKI_DEPLOYMENT_MODE, LOKI_SCHEMA_FROM, LOKI_TENANCY, renderLokiValues,
} from "../components/render/loki";
import { renderAlloyConfig } from "../components/render/alloy";
import { COLLECTOR_COMPONENTS, renderCollectorConfig, renderCollectorLoadBalancerConfig } from "../components/render/collector";
import { renderKubePrometheusStackValues } from "../components/render/kubePrometheusStack";
import { endpoints, RELEASES } from "../components/render/topology";
import type { Cloud, RenderInput, Tier } from "../components/render/types";
import { at, chartDir, schemaErrors, unknownKeys } from "./lib/chart-keys";

const LOKI_ROLE = "arn:aws:iam::123456789012:role/obs-prod-loki";
const LOKI_GSA = "loki-dev@obs-dev.iam.gserviceaccount.com";

function fixture(tier: Tier, cloud: Cloud, logsMs: number): RenderInput {
    const aws = cloud === "aws";
    const region = aws ? "eu-west-1" : "europe-west1";
    return {
        stack: `${tier}-${cloud}`,
        tier,
        cluster: { name: `obs-${tier}`, cloud, region },
        retention: { metricsMs: 30 * DAY_MS, logsMs, tracesMs: 3 * DAY_MS },
        sampling: { percentage: 10, latencyThresholdMs: 2000 },
        scrapeInterval: tier === "dev" ? "30s" : "15s",
        storage: {
            type: aws ? "s3" : "gcs",
            region,
            buckets: { lokiChunks: `obs-${tier}-loki-chunks`, lokiRuler: `obs-${tier}-loki-ruler`, tempo: `obs-${tier}-tempo` },
        },
        identities: {
            loki: {
                namespace: "logging",
                serviceAccount: "loki",
                annotations: aws ? { "eks.amazonaws.com/role-arn": LOKI_ROLE } : { "iam.gke.io/gcp-service-account": LOKI_GSA },
            },
            tempo: { namespace: "tracing", serviceAccount: "tempo", annotations: {} },
        },
    };
}

/** Both tiers on both clouds, each with a different log retention so the rendered string is traceable. */
const FIXTURES = [
    { name: "dev on GCP", input: fixture("dev", "gcp", 3 * DAY_MS), retention: "72h" },
    { name: "prod on AWS", input: fixture("prod", "aws", 14 * DAY_MS), retention: "336h" },
    { name: "dev on AWS", input: fixture("dev", "aws", 36 * HOUR_MS), retention: "36h" },
    { name: "prod on GCP", input: fixture("prod", "gcp", 7 * DAY_MS), retention: "168h" },
] as const;

/** Every workload the chart can run, and the modes it belongs to (mirrors validate.yaml's groups). */
const SCALABLE = ["write", "read", "backend"];
const DISTRIBUTED = ["ingester", "distributor", "querier", "queryFrontend", "queryScheduler", "indexGateway", "compactor", "ruler"];
const DISTRIBUTED_MULTI = DISTRIBUTED.filter(c => c !== "compactor");
const HEAVY_DISTRIBUTED = ["ingester", "querier", "compactor"];
const LIGHT_DISTRIBUTED = ["distributor", "queryFrontend", "queryScheduler", "indexGateway", "ruler"];

function replicas(values: unknown, component: string): number {
    const n = at(values, `${component}.replicas`);
    assert.strictEqual(typeof n, "number", `${component}.replicas must be set explicitly`);
    return n as number;
}

/** The replica checks of the chart's templates/validate.yaml, for object storage (the only kind used here). */
function validateYamlFailures(values: Record<string, unknown>): string[] {
    const mode = values.deploymentMode;
    const mono = replicas(values, "singleBinary");
    const scalable = SCALABLE.some(c => replicas(values, c) > 0);
    const distributed = DISTRIBUTED.some(c => replicas(values, c) > 0);
    const out: string[] = [];
    if (scalable && distributed && mode !== "SimpleScalable<->Distributed") out.push("scalable and distributed replicas");
    if (mono > 0 && distributed) out.push("monolithic and distributed replicas");
    if (mono > 0 && scalable && mode !== "Monolithic<->SimpleScalable") out.push("monolithic and scalable replicas");
    if (at(values, "test.enabled") === true && at(values, "lokiCanary.enabled") !== true) out.push("helm test without canary");
    if (at(values, "minio.enabled") === true) out.push("minio");
    return out;
}

/** The pod(s) that ingest, whose count bounds the replication factor. */
function ingestReplicas(values: Record<string, unknown>): number {
    return values.deploymentMode === "Monolithic" ? replicas(values, "singleBinary") : replicas(values, "ingester");
}


const LOKI_CHART = chartDir("loki");
const UPSTREAM_VALUES_TEXT = fs.readFileSync(path.join(LOKI_CHART, "values.yaml"), "utf8");

/**
 * Keys the chart reads but documents only as a comment in values.yaml, so the key checker cannot
 * see them: `loki.storage.bucketNames` (read by the `loki.commonStorageConfig` and
 * `loki.rulerStorageConfig` helpers). The last test checks that the comment is still there.
 */
const COMMENTED_UPSTREAM_KEYS = ["loki.storage.bucketNames"];

/**
 * `loki.limits_config` is copied verbatim (through `tpl`) into Loki's own `limits_config` block,
 * so any Loki limit is a valid key; the chart's defaults list only a few of them.
 * `gateway.deploymentStrategy` is the Deployment's `spec.strategy`, rendered verbatim (toYaml).
 */
const OPEN = ["loki.limits_config", "gateway.deploymentStrategy"];

function mebibytes(q: string): number {
    const m = /^(\d+)(Mi|Gi)$/.exec(q);
    assert.ok(m, `unexpected memory quantity ${q}`);
    return Number(m[1]) * (m[2] === "Gi" ? 1024 : 1);
}

describe("renderLokiValues", () => {
    for (const { name, input, retention } of FIXTURES) {
        describe(name, () => {
            const values = renderLokiValues(input);
            const sizing = SIZING[input.tier];
            const prod = input.tier === "prod";

            it("sets only keys the pinned chart defines, with the schema's types", () => {
                assert.deepStrictEqual(unknownKeys(values, "loki", { open: OPEN }).filter(k => !COMMENTED_UPSTREAM_KEYS.includes(k)), []);
                assert.deepStrictEqual(schemaErrors(values, "loki"), []);
            });

            it("names objects loki-* so the gateway is the endpoint topology.ts publishes", () => {
                assert.strictEqual(values.fullnameOverride, RELEASES.loki);
                assert.strictEqual(at(values, "gateway.enabled"), true);
                assert.ok(endpoints(input.tier).lokiPush.startsWith(`http://${values.fullnameOverride}-gateway.logging.svc.cluster.local:80/`));
            });

            it("picks the tier's deployment mode and zeroes every other mode (validate.yaml passes)", () => {
                assert.strictEqual(values.deploymentMode, prod ? "Distributed" : "Monolithic");
                assert.strictEqual(values.deploymentMode, LOKI_DEPLOYMENT_MODE[input.tier]);
                assert.deepStrictEqual(validateYamlFailures(values), []);
                for (const c of SCALABLE) assert.strictEqual(replicas(values, c), 0, c);
                if (prod) {
                    assert.strictEqual(replicas(values, "singleBinary"), 0);
                    for (const c of DISTRIBUTED_MULTI) assert.strictEqual(replicas(values, c), sizing.loki.replicas, c);
                    assert.strictEqual(replicas(values, "compactor"), 1);
                } else {
                    assert.strictEqual(replicas(values, "singleBinary"), sizing.loki.replicas);
                    for (const c of DISTRIBUTED) assert.strictEqual(replicas(values, c), 0, c);
                }
            });

            it("keeps the replication factor from SIZING and within the ingest replica count", () => {
                const rf = at(values, "loki.commonConfig.replication_factor");
                assert.strictEqual(rf, sizing.loki.replicationFactor);
                assert.strictEqual(rf, prod ? 3 : 1);
                assert.ok((rf as number) <= ingestReplicas(values), `replication_factor ${rf} > ${ingestReplicas(values)} ingest replicas`);
            });

            it("declares one tsdb/v13 schema period on the cloud's object store from a fixed date", () => {
                assert.deepStrictEqual(at(values, "loki.schemaConfig"), {
                    configs: [{
                        from: "2026-01-01", store: "tsdb", object_store: input.storage.type, schema: "v13",
                        index: { prefix: "index_", period: "24h" },
                    }],
                });
                assert.strictEqual(LOKI_SCHEMA_FROM, "2026-01-01");
                assert.strictEqual(at(values, "loki.useTestSchema"), undefined);
            });

            it("stores chunks and rules in the stack's buckets without credentials", () => {
                assert.strictEqual(at(values, "loki.storage.type"), input.storage.type);
                assert.deepStrictEqual(at(values, "loki.storage.bucketNames"), {
                    chunks: `obs-${input.tier}-loki-chunks`, ruler: `obs-${input.tier}-loki-ruler`,
                });
                if (input.storage.type === "s3") {
                    assert.deepStrictEqual(at(values, "loki.storage.s3"), { region: "eu-west-1" });
                } else {
                    assert.strictEqual(at(values, "loki.storage.s3"), undefined);
                    assert.strictEqual(at(values, "loki.storage.gcs"), undefined);
                }
                const serialized = JSON.stringify(values);
                for (const secretish of ["accessKeyId", "secretAccessKey", "access_key", "secret", "password", "endpoint", "service_account\""]) {
                    assert.ok(!serialized.includes(secretish), `values mention ${secretish}`);
                }
                assert.strictEqual(at(values, "minio.enabled"), false);
            });

            it("creates the workload-identity service account", () => {
                assert.deepStrictEqual(values.serviceAccount, {
                    create: true,
                    name: "loki",
                    annotations: input.cluster.cloud === "aws"
                        ? { "eks.amazonaws.com/role-arn": LOKI_ROLE }
                        : { "iam.gke.io/gcp-service-account": LOKI_GSA },
                });
            });

            it("enforces log retention through the compactor", () => {
                assert.strictEqual(at(values, "loki.limits_config.retention_period"), retention);
                assert.deepStrictEqual(at(values, "loki.compactor"), {
                    working_directory: "/var/loki/compactor",
                    retention_enabled: true,
                    retention_delete_delay: "2h",
                    delete_request_store: input.storage.type,
                });
            });

            it("runs single-tenant and accepts structured metadata (OTLP)", () => {
                assert.strictEqual(at(values, "loki.auth_enabled"), false);
                assert.strictEqual(at(values, "loki.auth_enabled"), LOKI_TENANCY.authEnabled);
                assert.strictEqual(at(values, "loki.limits_config.allow_structured_metadata"), true);
            });

            it("sends no usage reports to Grafana Labs", () => {
                // The chart renders loki.analytics verbatim as Loki's `analytics` block (reporting_enabled defaults to true).
                assert.deepStrictEqual(at(values, "loki.analytics"), { reporting_enabled: false });
                assert.match(UPSTREAM_VALUES_TEXT, /\{\{- with \.Values\.loki\.analytics \}\}\n\s*analytics:/);
            });

            it("sizes the memcached caches from SIZING", () => {
                assert.deepStrictEqual(values.chunksCache, { enabled: true, allocatedMemory: prod ? 2048 : 256 });
                assert.deepStrictEqual(values.resultsCache, { enabled: true, allocatedMemory: prod ? 1024 : 128 });
            });

            it("runs the gateway, a one-pod canary and its ServiceMonitor", () => {
                assert.strictEqual(at(values, "gateway.replicas"), sizing.loki.replicas);
                assert.strictEqual(at(values, "gateway.verboseLogging"), false);
                assert.deepStrictEqual(at(values, "gateway.resources"), LOKI_LIGHT_RESOURCES);
                assert.deepStrictEqual(values.lokiCanary, { enabled: true, kind: "Deployment", replicas: 1, resources: LOKI_CANARY_RESOURCES });
                // No `test` key: the chart has no test pod, so it would change nothing.
                assert.strictEqual(values.test, undefined);
                assert.deepStrictEqual(at(values, "monitoring.serviceMonitor"), {
                    enabled: true, labels: { release: "kps" }, interval: input.scrapeInterval,
                });
            });

            it("takes resources and volumes from SIZING", () => {
                if (prod) {
                    for (const c of HEAVY_DISTRIBUTED) assert.deepStrictEqual(at(values, `${c}.resources`), sizing.loki.resources, c);
                    for (const c of LIGHT_DISTRIBUTED) assert.deepStrictEqual(at(values, `${c}.resources`), LOKI_LIGHT_RESOURCES, c);
                    assert.deepStrictEqual(at(values, "ingester.persistence"), {
                        enabled: true, claims: [{ name: "data", accessModes: ["ReadWriteOnce"], size: "50Gi" }],
                    });
                    assert.strictEqual(at(values, "ingester.zoneAwareReplication.enabled"), false);
                    assert.deepStrictEqual(at(values, "compactor.persistence"), { enabled: true });
                    assert.strictEqual(at(values, "singleBinary.persistence"), undefined);
                    assert.deepStrictEqual(at(values, "singleBinary"), { replicas: 0 });
                } else {
                    assert.deepStrictEqual(at(values, "singleBinary.resources"), sizing.loki.resources);
                    assert.deepStrictEqual(at(values, "singleBinary.persistence"), { enabled: true, size: "10Gi" });
                    for (const c of DISTRIBUTED) assert.deepStrictEqual(at(values, c), { replicas: 0 }, c);
                }
            });

            it("sets a PodDisruptionBudget on every replicated component in prod, and no PDB key where one pod runs", () => {
                if (prod) {
                    for (const c of [...DISTRIBUTED_MULTI, "gateway"]) assert.deepStrictEqual(at(values, `${c}.podDisruptionBudget`), { enabled: true, maxUnavailable: 1 }, c);
                }
                // The chart renders no budget for one replica, so these keys would do nothing.
                const single = prod ? ["compactor"] : ["singleBinary", "gateway"];
                for (const c of single) assert.strictEqual(at(values, `${c}.podDisruptionBudget`), undefined, c);
                // The deprecated top-level key only fed the monolith's (single-replica) budget.
                assert.strictEqual(values.podDisruptionBudget, undefined);
            });

            it("rolls the gateway out one pod at a time with no surge (required per-node anti-affinity)", () => {
                assert.deepStrictEqual(at(values, "gateway.deploymentStrategy"), { type: "RollingUpdate", rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } });
            });

            it("runs no rules sidecar and keeps RBAC in the namespace", () => {
                assert.deepStrictEqual(values.sidecar, { rules: { enabled: false } });
                assert.deepStrictEqual(values.rbac, { namespaced: true });
            });

            it("is pure", () => {
                const copy = JSON.parse(JSON.stringify(input)) as RenderInput;
                assert.deepStrictEqual(renderLokiValues(copy), values);
                assert.deepStrictEqual(copy, JSON.parse(JSON.stringify(input)));
            });
        });
    }

    it("keeps prod's Distributed requests within SimpleScalable's budget (9 pods at SIZING.loki)", () => {
        const values = renderLokiValues(fixture("prod", "aws", 7 * DAY_MS));
        const loki = SIZING.prod.loki;
        const memoryMi = DISTRIBUTED.reduce((sum, c) =>
            sum + replicas(values, c) * mebibytes(at(values, `${c}.resources.requests.memory`) as string), 0);
        assert.ok(memoryMi <= 9 * mebibytes(loki.resources.requests.memory), `${memoryMi}Mi`);
    });

    it("is single-tenant end to end: no Loki client sends a tenant (X-Scope-OrgID)", () => {
        // With auth_enabled false Loki files everything under `fake`; a client that sent a tenant
        // header would write to (or query) another tenant than the rest.
        assert.strictEqual(LOKI_TENANCY.authEnabled, false);
        for (const { input } of FIXTURES) {
            assert.strictEqual(at(renderLokiValues(input), "loki.auth_enabled"), false);
            const alloy = renderAlloyConfig(input);
            assert.ok(!/tenant_id|X-Scope-OrgID/i.test(alloy), "Alloy's loki.write sends a tenant");
            const collectors = [renderCollectorConfig(input), ...(input.tier === "prod" ? [renderCollectorLoadBalancerConfig(input)] : [])];
            for (const config of collectors) {
                assert.deepStrictEqual(at(config, `exporters.${COLLECTOR_COMPONENTS.loki}`), { endpoint: `${endpoints(input.tier).loki}/otlp` });
            }
            const grafana = at(renderKubePrometheusStackValues(input), "grafana.additionalDataSources") as unknown[];
            const lokiDs = grafana.find(d => at(d, "uid") === "loki");
            assert.ok(lokiDs);
            assert.ok(!JSON.stringify(lokiDs).includes("httpHeaderName"), "Grafana's Loki datasource sends a header");
        }
    });

    it("relies on the chart's commented bucketNames key, which upstream still documents", () => {
        assert.match(UPSTREAM_VALUES_TEXT, /#\s*bucketNames:\s*\n\s*#\s*chunks:[^\n]*\n\s*#\s*ruler:/);
    });
});
