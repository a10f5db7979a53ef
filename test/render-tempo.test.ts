import * as assert from "assert";
import { HOUR_MS } from "../components/duration";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import {
    renderTempoValues,
    TEMPO_DEV_CONFIG_RECEIVERS_LINE,
    TEMPO_DEV_CONFIG_TEMPLATE,
    TEMPO_METRICS_GENERATOR_RATIONALE,
    TEMPO_PROD_MODE_RATIONALE,
} from "../components/render/tempo";
import { TEMPO_PROD_COMPONENTS } from "../components/sizing";
import type { Cloud, RenderInput, Tier } from "../components/render/types";
import { CHARTS } from "../components/versions";
import { at, chartDir, unknownKeys } from "./lib/chart-keys";

const AWS_ROLE = "arn:aws:iam::123456789012:role/obs-prod-tempo";
const GCP_GSA = "tempo@obs-dev.iam.gserviceaccount.com";

function fixture(tier: Tier, cloud: Cloud): RenderInput {
    const region = cloud === "aws" ? "eu-west-1" : "europe-west1";
    const annotations: Record<string, string> = cloud === "aws" ? { "eks.amazonaws.com/role-arn": AWS_ROLE } : { "iam.gke.io/gcp-service-account": GCP_GSA };
    return {
        stack: `${tier}-${cloud}`,
        tier,
        cluster: { name: `obs-${tier}`, cloud, region },
        retention: { metricsMs: 30 * 24 * HOUR_MS, logsMs: 7 * 24 * HOUR_MS, tracesMs: tier === "dev" ? 36 * HOUR_MS : 7 * 24 * HOUR_MS + 1 },
        sampling: { percentage: 10, latencyThresholdMs: 2000 },
        scrapeInterval: "30s",
        storage: {
            type: cloud === "aws" ? "s3" : "gcs",
            region,
            buckets: { lokiChunks: "obs-loki-chunks", lokiRuler: "obs-loki-ruler", tempo: `obs-${tier}-tempo-traces` },
        },
        identities: {
            loki: { namespace: "logging", serviceAccount: "loki", annotations },
            tempo: { namespace: "tracing", serviceAccount: "tempo", annotations },
        },
    };
}


/**
 * Keys Tempo reads under `storage.trace.s3` / `.gcs` (tempodb/backend/{s3,gcs}/config.go). The
 * charts toYaml these blocks into tempo.yaml without declaring them, so the chart key check cannot
 * see a misspelt one; Tempo would then ignore it silently. Static credentials (access_key,
 * secret_key, session_token) are left out on purpose: storage is reached through workload identity.
 */
const TEMPO_STORAGE_KEYS: Readonly<Record<"s3" | "gcs", readonly string[]>> = {
    s3: [
        "bucket", "prefix", "endpoint", "region", "insecure", "part_size", "hedge_requests_at", "hedge_requests_up_to",
        "forcepathstyle", "enable_dual_stack", "bucket_lookup_type", "tags", "storage_class", "metadata", "list_blocks_concurrency", "sse",
    ],
    gcs: [
        "bucket_name", "prefix", "chunk_buffer_size", "endpoint", "hedge_requests_at", "hedge_requests_up_to", "insecure",
        "object_cache_control", "object_metadata",
    ],
};

/** Keys under `trace.s3` / `trace.gcs` that Tempo does not know (or that carry credentials). */
function unknownStorageKeys(trace: unknown): string[] {
    return (["s3", "gcs"] as const).flatMap(backend => {
        const block = at(trace, backend);
        if (block === undefined) return [];
        return Object.keys(block as Record<string, unknown>)
            .filter(k => !TEMPO_STORAGE_KEYS[backend].includes(k))
            .map(k => `${backend}.${k}`);
    });
}

describe("Tempo storage key allow-list", () => {
    it("rejects keys Tempo does not read and static credentials", () => {
        assert.deepStrictEqual(unknownStorageKeys({ backend: "s3", s3: { bucket: "b", bukket: "b", access_key: "AKIA" } }), ["s3.bukket", "s3.access_key"]);
        assert.deepStrictEqual(unknownStorageKeys({ backend: "gcs", gcs: { bucket: "b" } }), ["gcs.bucket"]);
        assert.deepStrictEqual(unknownStorageKeys({ backend: "gcs", gcs: { bucket_name: "b" } }), []);
    });
});

describe("renderTempoValues", () => {
    it("documents the prod mode decision", () => {
        assert.match(TEMPO_PROD_MODE_RATIONALE, /2\.26\.2/);
        assert.match(TEMPO_PROD_MODE_RATIONALE, /Kafka/);
    });

    describe("dev (single-binary tempo chart)", () => {
        for (const cloud of ["gcp", "aws"] as const) {
            const input = fixture("dev", cloud);
            const { chart, values } = renderTempoValues(input);

            it(`${cloud}: uses the tempo chart and only keys it defines`, () => {
                assert.strictEqual(chart, "tempo");
                assert.ok(chart in CHARTS);
                // tempo.storage is toYaml'd verbatim into tempo.yaml; upstream only lists the local backend,
                // so the s3/gcs blocks are checked against Tempo's own keys instead.
                // tempo.server and tempo.receivers are toYaml'd verbatim into tempo.yaml `server` and `distributor.receivers` (Tempo's and the OTLP receiver's own keys).
                assert.deepStrictEqual(unknownKeys(values, "tempo", { open: ["tempo.storage.trace.s3", "tempo.storage.trace.gcs", "tempo.server", "tempo.receivers"] }), []);
                assert.deepStrictEqual(unknownStorageKeys(at(values, "tempo.storage.trace")), []);
            });

            it(`${cloud}: names the release so the service is tempo:3200 / :4317; OTLP only, Jaeger endpoints emptied for the Service`, () => {
                assert.strictEqual(at(values, "fullnameOverride"), "tempo");
                assert.strictEqual(at(values, "replicas"), 1);
                assert.deepStrictEqual(at(values, "tempo.receivers"), {
                    otlp: { protocols: { grpc: { endpoint: "0.0.0.0:4317", max_recv_msg_size_mib: 16 }, http: { endpoint: "0.0.0.0:4318" } } },
                    jaeger: { protocols: { grpc: { endpoint: "" }, thrift_binary: { endpoint: "" }, thrift_compact: { endpoint: "" }, thrift_http: { endpoint: "" } } },
                });
                assert.deepStrictEqual(at(values, "tempo.server"), { grpc_server_max_recv_msg_size: 16 * 1024 * 1024, grpc_server_max_send_msg_size: 16 * 1024 * 1024 });
            });

            it(`${cloud}: renders tempo.yaml with the chart's own template but for the receivers line (Jaeger left out)`, () => {
                assert.strictEqual(at(values, "config"), TEMPO_DEV_CONFIG_TEMPLATE);
                const chartTemplate = (parse(fs.readFileSync(path.join(chartDir("tempo"), "values.yaml"), "utf8")) as { config: string }).config;
                const chartLine = "    {{- toYaml .Values.tempo.receivers | nindent 8 }}";
                assert.strictEqual(chartTemplate.split("\n").filter(l => l === chartLine).length, 1, "the chart's receivers line moved: re-copy TEMPO_DEV_CONFIG_TEMPLATE");
                assert.strictEqual(TEMPO_DEV_CONFIG_TEMPLATE, chartTemplate.replace(chartLine, TEMPO_DEV_CONFIG_RECEIVERS_LINE));
            });

            it(`${cloud}: writes to the tempo bucket through workload identity`, () => {
                const trace = at(values, "tempo.storage.trace") as Record<string, unknown>;
                if (cloud === "gcp") {
                    assert.deepStrictEqual(trace, { backend: "gcs", gcs: { bucket_name: "obs-dev-tempo-traces" } });
                } else {
                    assert.deepStrictEqual(trace, {
                        backend: "s3",
                        s3: { bucket: "obs-dev-tempo-traces", endpoint: "s3.eu-west-1.amazonaws.com", region: "eu-west-1" },
                    });
                }
                assert.deepStrictEqual(at(values, "serviceAccount"), {
                    create: true,
                    name: "tempo",
                    annotations: input.identities.tempo.annotations,
                });
            });

            it(`${cloud}: retention, tenancy, monitoring, sizing`, () => {
                assert.strictEqual(at(values, "tempo.retention"), "36h");
                assert.strictEqual(at(values, "tempo.multitenancyEnabled"), false);
                assert.strictEqual(at(values, "tempo.reportingEnabled"), false);
                assert.deepStrictEqual(at(values, "serviceMonitor"), { enabled: true, interval: "30s" });
                assert.deepStrictEqual(at(values, "persistence"), { enabled: true, size: "10Gi" });
                assert.deepStrictEqual(at(values, "tempo.resources"), { requests: { cpu: "200m", memory: "512Mi" }, limits: { memory: "1Gi" } });
                assert.strictEqual(at(values, "tempo.memBallastSizeMbs"), 0);
                assert.deepStrictEqual(at(values, "tempo.extraEnv"), [{ name: "GOMEMLIMIT", value: "870MiB" }]);
            });

            it(`${cloud}: runs no metrics generator (RED metrics come from the collector)`, () => {
                assert.deepStrictEqual(at(values, "tempo.metricsGenerator"), { enabled: false });
                assert.strictEqual(at(values, "tempo.overrides"), undefined);
                assert.match(TEMPO_METRICS_GENERATOR_RATIONALE, /sampled/);
            });
        }
    });

    describe("prod (tempo-distributed 2.x)", () => {
        for (const cloud of ["aws", "gcp"] as const) {
            const input = fixture("prod", cloud);
            const { chart, values } = renderTempoValues(input);

            it(`${cloud}: uses tempo-distributed 2.26.2 and only keys it defines`, () => {
                assert.strictEqual(chart, "tempoDistributed");
                assert.strictEqual(CHARTS[chart].version, "2.26.2");
                // storage.trace.s3/.gcs are toYaml'd verbatim into tempo.yaml; upstream declares no default
                // for them, so they are checked against Tempo's own keys instead.
                assert.deepStrictEqual(unknownKeys(values, "tempo-distributed", { open: ["storage.trace.s3", "storage.trace.gcs"] }), []);
                assert.deepStrictEqual(unknownStorageKeys(at(values, "storage.trace")), []);
            });

            it(`${cloud}: names the release so services are tempo-distributor:4317 and tempo-query-frontend:3200`, () => {
                assert.strictEqual(at(values, "fullnameOverride"), "tempo");
                assert.deepStrictEqual(at(values, "traces.otlp"), {
                    grpc: { enabled: true, receiverConfig: { endpoint: "0.0.0.0:4317", max_recv_msg_size_mib: 16 } },
                    http: { enabled: true, receiverConfig: { endpoint: "0.0.0.0:4318" } },
                });
                assert.deepStrictEqual(at(values, "server"), { grpc_server_max_recv_msg_size: 16 * 1024 * 1024, grpc_server_max_send_msg_size: 16 * 1024 * 1024 });
            });

            it(`${cloud}: writes to the tempo bucket through workload identity`, () => {
                const trace = at(values, "storage.trace") as Record<string, unknown>;
                if (cloud === "gcp") {
                    assert.deepStrictEqual(trace, { backend: "gcs", gcs: { bucket_name: "obs-prod-tempo-traces" } });
                } else {
                    assert.deepStrictEqual(trace, {
                        backend: "s3",
                        s3: { bucket: "obs-prod-tempo-traces", endpoint: "s3.eu-west-1.amazonaws.com", region: "eu-west-1" },
                    });
                    assert.ok(!JSON.stringify(values).includes("access_key"));
                }
                assert.deepStrictEqual(at(values, "serviceAccount"), {
                    create: true,
                    name: "tempo",
                    annotations: input.identities.tempo.annotations,
                });
            });

            it(`${cloud}: retention lands in the compactor (backend scheduler off), rounded up to hours`, () => {
                assert.strictEqual(at(values, "compactor.config.compaction.block_retention"), "169h");
                assert.strictEqual(at(values, "backendScheduler.enabled"), false);
            });

            it(`${cloud}: ingesters replicated on persistent WAL`, () => {
                assert.strictEqual(at(values, "ingester.enabled"), true);
                assert.strictEqual(at(values, "ingester.replicas"), 3);
                assert.strictEqual(at(values, "ingester.config.replication_factor"), 3);
                assert.deepStrictEqual(at(values, "ingester.persistence"), { enabled: true, size: "50Gi" });
                assert.deepStrictEqual(at(values, "ingester.resources"), { requests: { cpu: "500m", memory: "2Gi" }, limits: { memory: "4Gi" } });
            });

            it(`${cloud}: replicas, resources and PDBs of every component`, () => {
                const { replicas } = TEMPO_PROD_COMPONENTS;
                assert.strictEqual(at(values, "distributor.replicas"), replicas.distributor);
                assert.strictEqual(at(values, "querier.replicas"), replicas.querier);
                assert.strictEqual(at(values, "queryFrontend.replicas"), replicas.queryFrontend);
                assert.strictEqual(at(values, "compactor.replicas"), replicas.compactor);
                for (const c of ["distributor", "querier", "queryFrontend"]) {
                    assert.ok((at(values, `${c}.replicas`) as number) >= 2, `${c} is HA`);
                }
                for (const c of ["ingester", "distributor", "querier", "queryFrontend"]) {
                    assert.strictEqual(at(values, `${c}.podDisruptionBudget.enabled`), true, `${c} PDB`);
                }
                for (const c of ["compactor", "memcached"]) {
                    assert.strictEqual(at(values, `${c}.podDisruptionBudget`), undefined, `${c} runs one replica: the chart renders no PDB`);
                }
                assert.deepStrictEqual(at(values, "distributor.resources"), { requests: { cpu: "200m", memory: "512Mi" }, limits: { memory: "1Gi" } });
                assert.deepStrictEqual(at(values, "querier.resources.requests"), { cpu: "500m", memory: "2Gi" });
            });

            it(`${cloud}: single tenant, no usage reports, ServiceMonitors on`, () => {
                assert.strictEqual(at(values, "multitenancyEnabled"), false);
                assert.strictEqual(at(values, "reportingEnabled"), false);
                assert.deepStrictEqual(at(values, "metaMonitoring.serviceMonitor"), { enabled: true, interval: "30s" });
            });

            it(`${cloud}: runs no metrics generator (RED metrics come from the collector)`, () => {
                assert.deepStrictEqual(at(values, "metricsGenerator"), { enabled: false });
                assert.strictEqual(at(values, "overrides"), undefined);
            });
        }
    });
});
