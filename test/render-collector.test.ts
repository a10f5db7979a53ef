import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { HOUR_MS } from "../components/duration";
import {
    COLLECTOR_COMPONENTS as C,
    COLLECTOR_PIPELINES,
    TRACE_METRICS,
    COLLECTOR_HEADLESS_SERVICE,
    COLLECTOR_IMAGE,
    decisionWaitMs,
    renderCollectorConfig,
    renderCollectorLoadBalancerConfig,
    renderCollectorValues,
} from "../components/render/collector";
import { endpoints, RELEASES } from "../components/render/topology";
import type { Cloud, RenderInput, Tier } from "../components/render/types";
import { OTLP_MESSAGE_LIMITS, SERVICE_GRAPH_STORE, SIZING, TAIL_SAMPLING_NUM_TRACES } from "../components/sizing";
import { at, chartDir, helmMerge, schemaErrors, unknownKeys } from "./lib/chart-keys";

const CHART = "opentelemetry-collector";

function fixture(tier: Tier, cloud: Cloud, sampling = { percentage: 10, latencyThresholdMs: 2000 }): RenderInput {
    const region = cloud === "aws" ? "eu-west-1" : "europe-west1";
    const annotations: Record<string, string> =
        cloud === "aws" ? { "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/x" } : { "iam.gke.io/gcp-service-account": "x@p.iam.gserviceaccount.com" };
    return {
        stack: `${tier}-${cloud}`,
        tier,
        cluster: { name: `obs-${tier}-${cloud}`, cloud, region },
        retention: { metricsMs: 30 * 24 * HOUR_MS, logsMs: 7 * 24 * HOUR_MS, tracesMs: 72 * HOUR_MS },
        sampling,
        scrapeInterval: "30s",
        storage: { type: cloud === "aws" ? "s3" : "gcs", region, buckets: { lokiChunks: "c", lokiRuler: "r", tempo: "t" } },
        identities: {
            loki: { namespace: "logging", serviceAccount: "loki", annotations },
            tempo: { namespace: "tracing", serviceAccount: "tempo", annotations },
        },
    };
}

const INGEST = ["memory_limiter", "k8s_attributes"];

/** Remote-write exporters, one per Prometheus replica (SIZING: 1 in dev, 2 in prod), by exact URL. */
const PROMETHEUS_EXPORTERS: Record<Tier, Record<string, { endpoint: string; resource_to_telemetry_conversion: { enabled: boolean } }>> = {
    dev: {
        "prometheus_remote_write/prometheus-0": { endpoint: "http://prometheus-kps-prometheus-0.prometheus-operated.monitoring.svc.cluster.local:9090/api/v1/write", resource_to_telemetry_conversion: { enabled: true } },
    },
    prod: {
        "prometheus_remote_write/prometheus-0": { endpoint: "http://prometheus-kps-prometheus-0.prometheus-operated.monitoring.svc.cluster.local:9090/api/v1/write", resource_to_telemetry_conversion: { enabled: true } },
        "prometheus_remote_write/prometheus-1": { endpoint: "http://prometheus-kps-prometheus-1.prometheus-operated.monitoring.svc.cluster.local:9090/api/v1/write", resource_to_telemetry_conversion: { enabled: true } },
    },
};
const ENRICH_ONLY = ["memory_limiter", "k8s_attributes", "batch"];

/** Component types the collector-contrib 0.158.0 build registers under these (non-deprecated) names. */
const KNOWN_TYPES = {
    receivers: ["otlp"],
    processors: ["memory_limiter", "k8s_attributes", "tail_sampling", "batch", "resource"],
    exporters: ["otlp_grpc", "otlp_http", "prometheus_remote_write", "load_balancing"],
    connectors: ["span_metrics", "servicegraph", "forward"],
    extensions: ["health_check"],
} as const;

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => {
    assert.ok(typeof v === "object" && v !== null && !Array.isArray(v), `expected an object, got ${JSON.stringify(v)}`);
    return v as Obj;
};

/** What `otelcol validate` checks structurally: every pipeline entry is defined, every defined component is used. */
function assertWellFormed(config: Obj): void {
    const service = obj(config.service);
    const pipelines = obj(service.pipelines);
    const connectors = Object.keys(obj(config.connectors ?? {}));
    for (const id of connectors) assert.ok((KNOWN_TYPES.connectors as readonly string[]).includes(id.split("/")[0]!), `connectors: unknown type ${id}`);
    for (const kind of ["receivers", "processors", "exporters"] as const) {
        const defined = Object.keys(obj(config[kind]));
        for (const id of defined) assert.ok((KNOWN_TYPES[kind] as readonly string[]).includes(id.split("/")[0]!), `${kind}: unknown type ${id}`);
        // A connector is an exporter of one pipeline and a receiver of another.
        const used = new Set(Object.values(pipelines).flatMap(p => obj(p)[kind] as string[]).filter(id => kind === "processors" || !connectors.includes(id)));
        assert.deepStrictEqual([...used].sort(), [...defined].sort(), `${kind}: defined and used must match`);
    }
    for (const id of connectors) {
        const asExporter = Object.values(pipelines).filter(p => (obj(p).exporters as string[]).includes(id)).length;
        const asReceiver = Object.values(pipelines).filter(p => (obj(p).receivers as string[]).includes(id)).length;
        assert.ok(asExporter >= 1 && asReceiver >= 1, `connector ${id} must end one pipeline and start another`);
    }
    assert.deepStrictEqual(Object.keys(obj(config.extensions)), service.extensions);
    for (const id of service.extensions as string[]) assert.ok((KNOWN_TYPES.extensions as readonly string[]).includes(id));
    assert.doesNotMatch(JSON.stringify(config), /\{\{/, "the chart runs the config through tpl");
}


/** podDisruptionBudget.{minAvailable,maxUnavailable} exist in the chart only as commented-out lines of values.yaml. */
const PDB_DOCUMENTED = /^podDisruptionBudget:\n\s+enabled: false\n#\s+minAvailable: \d+\n#\s+maxUnavailable: \d+$/m;

describe("renderCollectorConfig (sampling tier)", () => {
    for (const [tier, cloud] of [["dev", "gcp"], ["prod", "aws"], ["prod", "gcp"]] as const) {
        describe(`${tier} ${cloud}`, () => {
            const input = fixture(tier, cloud);
            const config = renderCollectorConfig(input);
            const e = endpoints(tier);

            it("is a well-formed config with the new component names", () => assertWellFormed(config));

            it("feeds RED connectors from every span BEFORE tail_sampling, then samples and exports to Tempo", () => {
                const prometheus = Object.keys(PROMETHEUS_EXPORTERS[tier]);
                assert.deepStrictEqual(at(config, "service.pipelines"), {
                    traces: { receivers: ["otlp"], processors: INGEST, exporters: ["span_metrics", "servicegraph", "forward/sampling"] },
                    "traces/sampling": { receivers: ["forward/sampling"], processors: ["tail_sampling", "batch"], exporters: ["otlp_grpc/tempo"] },
                    metrics: { receivers: ["otlp"], processors: ENRICH_ONLY, exporters: prometheus },
                    "metrics/span-metrics": { receivers: ["span_metrics"], processors: ["batch"], exporters: prometheus },
                    "metrics/service-graph": { receivers: ["servicegraph"], processors: ["resource/servicegraph-instance", "batch"], exporters: prometheus },
                    logs: { receivers: ["otlp"], processors: ENRICH_ONLY, exporters: ["otlp_http/loki"] },
                });
                assert.deepStrictEqual(Object.values(COLLECTOR_PIPELINES).sort(), Object.keys(obj(at(config, "service.pipelines"))).sort());
            });

            it("computes span metrics (seconds, exemplars) and the service graph under the names TRACE_METRICS gives", () => {
                assert.deepStrictEqual(at(config, "connectors"), {
                    span_metrics: { namespace: "traces.span.metrics", histogram: { unit: "s" }, exemplars: { enabled: true }, metrics_flush_interval: "30s", metrics_expiration: "5m" },
                    servicegraph: { store: { ttl: "10s", max_items: SERVICE_GRAPH_STORE[tier].maxItems }, metrics_flush_interval: "30s" },
                    "forward/sampling": {},
                });
                // Namespace "traces.span.metrics" + "calls"/"duration" (unit s) through prometheus_remote_write's suffixes.
                assert.strictEqual(TRACE_METRICS.calls, `${TRACE_METRICS.spanMetricsNamespace.replace(/\./g, "_")}_calls_total`);
                assert.strictEqual(TRACE_METRICS.durationBucket, `${TRACE_METRICS.spanMetricsNamespace.replace(/\./g, "_")}_duration_seconds_bucket`);
                assert.deepStrictEqual(at(config, "processors.resource/servicegraph-instance"),
                    { attributes: [{ key: "collector.instance.id", value: "${env:OTEL_K8S_POD_NAME}", action: "upsert" }] });
            });

            it("receives OTLP gRPC 4317 (up to the batch limit) and HTTP 4318 on the pod IP", () => {
                assert.deepStrictEqual(at(config, "receivers.otlp.protocols"), {
                    grpc: { endpoint: "${env:MY_POD_IP}:4317", max_recv_msg_size_mib: 16 },
                    http: { endpoint: "${env:MY_POD_IP}:4318" },
                });
            });

            it("batches at most as many spans as fit the receivers' gRPC limit at the assumed span size", () => {
                const b = obj(at(config, "processors.batch"));
                assert.deepStrictEqual(b, { send_batch_size: 1024, send_batch_max_size: 2048, timeout: "1s" });
                const limitBytes = (at(config, "receivers.otlp.protocols.grpc.max_recv_msg_size_mib") as number) * 1024 * 1024;
                assert.ok((b.send_batch_max_size as number) * OTLP_MESSAGE_LIMITS.assumedMaxAvgSpanBytes <= limitBytes);
            });

            it("limits memory from SIZING", () => {
                const mib = SIZING[tier].collector.memoryLimitMib;
                assert.deepStrictEqual(at(config, "processors.memory_limiter"), { check_interval: "1s", limit_mib: mib, spike_limit_mib: mib / 4 });
            });

            it("enriches with pod metadata and the app labels", () => {
                const k8s = obj(at(config, "processors.k8s_attributes"));
                assert.deepStrictEqual(at(k8s, "extract.metadata"), ["k8s.namespace.name", "k8s.pod.name", "k8s.deployment.name", "k8s.node.name", "k8s.container.name"]);
                assert.deepStrictEqual((at(k8s, "extract.labels") as Obj[]).map(l => l.key), ["app.kubernetes.io/name", "app"]);
                // Resource attributes before the connection: in prod the connection is the load balancer.
                assert.deepStrictEqual((k8s.pod_association as Obj[]).map(a => JSON.stringify(a.sources)), [
                    JSON.stringify([{ from: "resource_attribute", name: "k8s.pod.ip" }]),
                    JSON.stringify([{ from: "resource_attribute", name: "k8s.pod.uid" }]),
                    JSON.stringify([{ from: "connection" }]),
                ]);
            });

            it("keeps errors, slow traces and 10% of the rest", () => {
                const ts = obj(at(config, "processors.tail_sampling"));
                assert.strictEqual(ts.decision_wait, "10s");
                assert.strictEqual(ts.num_traces, TAIL_SAMPLING_NUM_TRACES[tier]);
                assert.deepStrictEqual(ts.decision_cache, { sampled_cache_size: TAIL_SAMPLING_NUM_TRACES[tier] });
                assert.deepStrictEqual(ts.policies, [
                    { name: "keep-errors", type: "status_code", status_code: { status_codes: ["ERROR"] } },
                    { name: "keep-slow", type: "latency", latency: { threshold_ms: 2000 } },
                    { name: "sample-rest", type: "probabilistic", probabilistic: { sampling_percentage: 10 } },
                ]);
            });

            it("exports to Tempo, every Prometheus replica and Loki's OTLP endpoint in-cluster", () => {
                assert.deepStrictEqual(at(config, "exporters"), {
                    "otlp_grpc/tempo": { endpoint: e.tempoOtlpGrpc, tls: { insecure: true } },
                    ...PROMETHEUS_EXPORTERS[tier],
                    "otlp_http/loki": { endpoint: `${e.loki}/otlp` },
                });
                assert.strictEqual(Object.keys(PROMETHEUS_EXPORTERS[tier]).length, SIZING[tier].prometheus.replicas);
                assert.deepStrictEqual(Object.keys(PROMETHEUS_EXPORTERS[tier]), Object.keys(PROMETHEUS_EXPORTERS[tier]).map((_, i) => C.prometheus(i)));
            });

            it("serves health_check on 13133 and its own metrics on 8888", () => {
                assert.deepStrictEqual(at(config, "extensions"), { health_check: { endpoint: "${env:MY_POD_IP}:13133" } });
                assert.deepStrictEqual(at(config, "service.extensions"), ["health_check"]);
                assert.deepStrictEqual(at(config, "service.telemetry"), {
                    metrics: { readers: [{ pull: { exporter: { prometheus: { host: "${env:MY_POD_IP}", port: 8888 } } } }] },
                });
            });
        });
    }

    it("tier endpoints differ: dev Tempo single binary, prod distributor", () => {
        const tempo = (tier: Tier) => obj(obj(at(renderCollectorConfig(fixture(tier, "aws")), "exporters"))[C.tempo]).endpoint;
        assert.strictEqual(tempo("dev"), "tempo.tracing.svc.cluster.local:4317");
        assert.strictEqual(tempo("prod"), "tempo-distributor.tracing.svc.cluster.local:4317");
    });

    it("takes the sampling percentage and latency threshold from input", () => {
        const config = renderCollectorConfig(fixture("prod", "aws", { percentage: 2.5, latencyThresholdMs: 30_000 }));
        const ts = obj(at(config, "processors.tail_sampling"));
        const policies = ts.policies as Obj[];
        assert.deepStrictEqual(policies[1]!.latency, { threshold_ms: 30_000 });
        assert.deepStrictEqual(policies[2]!.probabilistic, { sampling_percentage: 2.5 });
        // The decision waits for the threshold plus the SDK export delay.
        assert.strictEqual(ts.decision_wait, "35s");
    });

    it("decision_wait: at least 10s, whole seconds, threshold + 5s", () => {
        assert.strictEqual(decisionWaitMs(100), 10_000);
        assert.strictEqual(decisionWaitMs(5_000), 10_000);
        assert.strictEqual(decisionWaitMs(5_500), 11_000);
        assert.strictEqual(decisionWaitMs(60_000), 65_000);
    });
});

describe("renderCollectorLoadBalancerConfig (prod)", () => {
    for (const cloud of ["aws", "gcp"] as const) {
        const config = renderCollectorLoadBalancerConfig(fixture("prod", cloud));
        const e = endpoints("prod");

        it(`${cloud}: is well-formed`, () => assertWellFormed(config));

        it(`${cloud}: routes traces by trace ID to the samplers' headless service`, () => {
            assert.deepStrictEqual(at(config, "exporters.load_balancing"), {
                routing_key: "traceID",
                protocol: { otlp: { tls: { insecure: true } } },
                resolver: { dns: { hostname: e.collectorSamplersHeadless, port: "4317" } },
            });
            assert.strictEqual(e.collectorSamplersHeadless, `${COLLECTOR_HEADLESS_SERVICE}.tracing.svc.cluster.local`);
        });

        it(`${cloud}: sends metrics and logs straight to the backends, no tail sampling here`, () => {
            assert.deepStrictEqual(at(config, "service.pipelines"), {
                traces: { receivers: ["otlp"], processors: ENRICH_ONLY, exporters: ["load_balancing"] },
                metrics: {
                    receivers: ["otlp"],
                    processors: ENRICH_ONLY,
                    exporters: ["prometheus_remote_write/prometheus-0", "prometheus_remote_write/prometheus-1"],
                },
                logs: { receivers: ["otlp"], processors: ENRICH_ONLY, exporters: ["otlp_http/loki"] },
            });
            const { load_balancing: _lb, ...backends } = obj(at(config, "exporters"));
            assert.deepStrictEqual(backends, { ...PROMETHEUS_EXPORTERS.prod, "otlp_http/loki": { endpoint: `${e.loki}/otlp` } });
            assert.deepStrictEqual(at(config, "processors.memory_limiter"), { check_interval: "1s", limit_percentage: 80, spike_limit_percentage: 25 });
        });
    }

    it("refuses dev (no load balancer tier there)", () => {
        assert.throws(() => renderCollectorLoadBalancerConfig(fixture("dev", "gcp")), /prod only/);
        assert.throws(() => renderCollectorValues(fixture("dev", "aws"), "loadbalancer"), /prod only/);
    });
});

describe("renderCollectorValues", () => {
    const cases = [
        { tier: "dev", cloud: "gcp", role: "gateway" },
        { tier: "dev", cloud: "aws", role: "gateway" },
        { tier: "prod", cloud: "aws", role: "gateway" },
        { tier: "prod", cloud: "gcp", role: "gateway" },
        { tier: "prod", cloud: "aws", role: "loadbalancer" },
    ] as const;

    it("the schema check rejects what the chart's schema rejects", () => {
        const bad = helmMerge(renderCollectorValues(fixture("dev", "gcp"), "gateway"),
            { mode: "sidecar", image: { tag: 1, nope: "x" }, ports: { otlp: { hostPort: "4317" } }, alternateConfig: [] });
        const errors = schemaErrors(bad, CHART);
        for (const expected of ["/alternateConfig: must be object", "/image: must NOT have additional properties", "/image/tag: must be string",
            "/mode: must be equal to one of the allowed values", "/ports/otlp/hostPort: must be integer"]) {
            assert.ok(errors.includes(expected), `${expected} not in ${JSON.stringify(errors)}`);
        }
    });

    it("the chart documents the PDB keys it only shows as comments", () => {
        assert.match(fs.readFileSync(path.join(chartDir(CHART), "values.yaml"), "utf8"), PDB_DOCUMENTED);
    });

    for (const { tier, cloud, role } of cases) {
        describe(`${tier} ${cloud} ${role}`, () => {
            const input = fixture(tier, cloud);
            const values = renderCollectorValues(input, role);
            const sizing = role === "gateway" ? SIZING[tier].collector : SIZING[tier].collectorLoadBalancer;

            it("sets only keys the chart defines", () => {
                const open = values.podDisruptionBudget ? ["podDisruptionBudget"] : []; // see PDB_DOCUMENTED
                assert.deepStrictEqual(unknownKeys(values, CHART, { open }), []);
            });

            it("passes values.schema.json once merged over the chart defaults", () => {
                assert.deepStrictEqual(schemaErrors(values, CHART), []);
            });

            it("runs the contrib image as a Deployment under the release name", () => {
                assert.strictEqual(values.mode, "deployment");
                assert.deepStrictEqual(values.image, { repository: COLLECTOR_IMAGE.repository });
                assert.deepStrictEqual(values.command, { name: "otelcol-contrib" });
                assert.match(COLLECTOR_IMAGE.repository, /opentelemetry-collector-contrib$/);
                assert.strictEqual(values.fullnameOverride, role === "gateway" ? RELEASES.collector : RELEASES.collectorLoadBalancer);
            });

            it("replaces the chart's config wholesale with ours", () => {
                assert.strictEqual(values.config, undefined);
                const expected = role === "gateway" ? renderCollectorConfig(input) : renderCollectorLoadBalancerConfig(input);
                assert.deepStrictEqual(values.alternateConfig, expected);
                // The preset (RBAC) only prepends k8s_attributes to the pipelines named traces, metrics
                // and logs where they lack it: none does.
                assert.deepStrictEqual(at(values, "presets.kubernetesAttributes"), { enabled: true });
                const pipelines = obj(at(values, "alternateConfig.service.pipelines"));
                for (const name of ["traces", "metrics", "logs"]) {
                    assert.deepStrictEqual((obj(pipelines[name]).processors as string[]).slice(0, 2), ["memory_limiter", "k8s_attributes"]);
                }
            });

            it("sizes from SIZING (the replica count from the HPA where there is one)", () => {
                assert.strictEqual(values.replicaCount, values.autoscaling ? undefined : sizing.replicas);
                assert.deepStrictEqual(values.resources, { requests: sizing.resources.requests, limits: sizing.resources.limits });
            });

            it("opens OTLP and metrics ports only, and a ServiceMonitor", () => {
                const ports = obj(values.ports);
                const enabled = Object.entries(ports).filter(([, p]) => obj(p).enabled).map(([k]) => k);
                assert.deepStrictEqual(enabled.sort(), ["metrics", "otlp", "otlp-http"]);
                assert.deepStrictEqual(Object.keys(ports).sort(), ["jaeger-compact", "jaeger-grpc", "jaeger-thrift", "metrics", "otlp", "otlp-http", "zipkin"]);
                assert.deepStrictEqual(values.serviceMonitor, { enabled: true, extraLabels: { release: "kps" } });
            });

            it("HPA, PDB and headless service only where they belong", () => {
                if (tier === "dev") {
                    assert.strictEqual(values.autoscaling, undefined);
                    assert.strictEqual(values.podDisruptionBudget, undefined);
                    assert.strictEqual(values.extraManifests, undefined);
                    return;
                }
                assert.deepStrictEqual(values.podDisruptionBudget, { enabled: true, maxUnavailable: 1 });
                if (role === "loadbalancer") {
                    assert.strictEqual(values.autoscaling, undefined);
                    assert.strictEqual(values.extraManifests, undefined);
                    return;
                }
                assert.deepStrictEqual(values.autoscaling, {
                    enabled: true,
                    minReplicas: SIZING.prod.collector.replicas,
                    maxReplicas: SIZING.prod.collector.maxReplicas,
                    targetCPUUtilizationPercentage: 80,
                    behavior: { scaleDown: { stabilizationWindowSeconds: 600 } },
                });
                const [svc, ...rest] = values.extraManifests as Obj[];
                assert.strictEqual(rest.length, 0);
                assert.strictEqual(at(svc, "kind"), "Service");
                assert.strictEqual(at(svc, "metadata.name"), COLLECTOR_HEADLESS_SERVICE);
                assert.strictEqual(endpoints("prod").collectorSamplersHeadless.split(".")[0], COLLECTOR_HEADLESS_SERVICE);
                assert.strictEqual(at(svc, "metadata.labels"), undefined, "must not match the chart's ServiceMonitor selector");
                assert.strictEqual(at(svc, "spec.clusterIP"), "None");
                assert.deepStrictEqual(at(svc, "spec.selector"), {
                    "app.kubernetes.io/name": '{{ include "opentelemetry-collector.name" . }}',
                    "app.kubernetes.io/instance": "{{ .Release.Name }}",
                    component: "standalone-collector",
                });
                assert.deepStrictEqual(at(svc, "spec.ports"), [{ name: "otlp", port: 4317, targetPort: 4317, protocol: "TCP", appProtocol: "grpc" }]);
            });
        });
    }
});
