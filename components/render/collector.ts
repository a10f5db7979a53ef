/**
 * OpenTelemetry Collector: the collector config and the Helm values of the opentelemetry-collector
 * chart (0.170.0, collector 0.158.0) for the two collector tiers.
 *
 * - gateway (RELEASES.collector, both tiers): the sampling tier. OTLP in, then
 *   memory_limiter -> k8s_attributes, and from there every span goes to the span_metrics and
 *   servicegraph connectors (RED metrics and the service graph from ALL spans, before sampling)
 *   and, through a forward connector, to tail_sampling -> batch -> Tempo (OTLP gRPC). Metrics go to
 *   every Prometheus replica (remote write, one exporter each), logs to Loki (native OTLP at `/otlp`).
 * - loadbalancer (RELEASES.collectorLoadBalancer, prod only): what applications talk to in prod.
 *   Tail sampling needs every span of a trace on the same sampler, and prod runs several samplers,
 *   so this tier routes spans by trace ID (`load_balancing` exporter, DNS resolver on the samplers'
 *   headless service). Metrics and logs need no such affinity: it sends them straight to their
 *   backends (see renderCollectorLoadBalancerConfig).
 *
 * Component names: the pinned collector 0.158.0 knows the lower_snake_case names introduced by the
 * upstream renames (core v0.144: otlp -> otlp_grpc, otlphttp -> otlp_http; contrib v0.146:
 * k8sattributes -> k8s_attributes; contrib, merged May 2026: prometheusremotewrite ->
 * prometheus_remote_write, loadbalancing -> load_balancing). The old names are deprecated aliases
 * that log a warning on every start, and the chart (rewriteDeprecatedComponentNames, default true)
 * already rewrites them, so we write the new names: what we render is what runs.
 */
import { formatDuration } from "../duration";
import { OTLP_MESSAGE_LIMITS, resourceValues, SERVICE_GRAPH_STORE, SIZING, TAIL_SAMPLING_NUM_TRACES } from "../sizing";
import { endpoints, RELEASES } from "./topology";
import type { RenderInput, Tier } from "./types";

export type CollectorRole = "gateway" | "loadbalancer";

/**
 * The contrib distribution, for both tiers. The k8s distribution has tail_sampling, k8s_attributes
 * and load_balancing, but not prometheus_remote_write, which both tiers use; contrib has all of them.
 * ghcr.io rather than Docker Hub: no anonymous pull rate limit on node scale-ups. The tag is left to
 * the chart (its appVersion, 0.158.0), so a chart bump moves the collector with it.
 */
export const COLLECTOR_IMAGE = {
    repository: "ghcr.io/open-telemetry/opentelemetry-collector-releases/opentelemetry-collector-contrib",
    command: "otelcol-contrib",
} as const;

/**
 * The shortest decision_wait; it grows with the latency threshold (see decisionWaitMs).
 * OTel SDKs export spans every 5 s by default (OTEL_BSP_SCHEDULE_DELAY), hence the margin.
 */
const MIN_DECISION_WAIT_MS = 10_000;
const SDK_EXPORT_DELAY_MS = 5_000;

/**
 * Names of the components in the rendered configs. One OTLP receiver for gRPC 4317 and HTTP 4318
 * (`otlp` was not renamed: it serves both protocols). `prometheus(i)` names the remote-write exporter
 * of Prometheus replica i (one per replica, see prometheusExporters).
 */
export const COLLECTOR_COMPONENTS = {
    receiver: "otlp",
    memoryLimiter: "memory_limiter",
    k8sAttributes: "k8s_attributes",
    tailSampling: "tail_sampling",
    batch: "batch",
    tempo: "otlp_grpc/tempo",
    prometheus: (replica: number) => `prometheus_remote_write/prometheus-${replica}`,
    loki: "otlp_http/loki",
    loadBalancing: "load_balancing",
    healthCheck: "health_check",
    spanMetrics: "span_metrics",
    serviceGraph: "servicegraph",
    /** Hands every span from the ingest pipeline to the sampling pipeline. */
    toSampling: "forward/sampling",
    /** Tags service-graph metrics with the sampler pod that computed them (see serviceGraphInstance). */
    serviceGraphInstance: "resource/servicegraph-instance",
} as const;

/** The gateway's pipelines, by name. Only `traces`, `metrics` and `logs` get the chart's k8s_attributes preset check. */
export const COLLECTOR_PIPELINES = {
    /** OTLP in, enriched, fanned out to the connectors and the sampler. */
    ingest: "traces",
    sampling: "traces/sampling",
    metrics: "metrics",
    spanMetrics: "metrics/span-metrics",
    serviceGraph: "metrics/service-graph",
    logs: "logs",
} as const;

/**
 * The RED and service-graph series as Prometheus stores them: the single source of these names for
 * Grafana (render/kubePrometheusStack.ts) and for alert rules. The span_metrics connector (namespace
 * `traces.span.metrics`, histogram unit `s`) emits `traces.span.metrics.calls` and
 * `traces.span.metrics.duration`; prometheus_remote_write (add_metric_suffixes, default on) turns
 * them into `_calls_total` and `_duration_seconds_*`. The servicegraph connector emits Tempo's
 * names (`traces_service_graph_request_total`, `_failed_total`, `_server_seconds`,
 * `_client_seconds`), which Grafana's service map reads. Dimensions become labels with dots turned
 * into underscores: service.name -> service_name, status.code -> status_code (values
 * STATUS_CODE_OK / STATUS_CODE_ERROR / STATUS_CODE_UNSET). Each sampler replica writes its own series
 * (label collector_instance_id), so queries aggregate with sum by (...).
 */
export const TRACE_METRICS = {
    spanMetricsNamespace: "traces.span.metrics",
    calls: "traces_span_metrics_calls_total",
    durationBucket: "traces_span_metrics_duration_seconds_bucket",
    serviceGraphRequests: "traces_service_graph_request_total",
    serviceGraphFailedRequests: "traces_service_graph_request_failed_total",
    serviceGraphServerBucket: "traces_service_graph_request_server_seconds_bucket",
    labels: { service: "service_name", spanName: "span_name", spanKind: "span_kind", statusCode: "status_code", collectorInstance: "collector_instance_id" },
    errorStatus: "STATUS_CODE_ERROR",
    /** Label of the trace ID on exemplars written by prometheus_remote_write (OTel's trace_id). */
    exemplarTraceIdLabel: "trace_id",
} as const;
const C = COLLECTOR_COMPONENTS;

/** The in-cluster Service the load balancer resolves: `<RELEASES.collector>-headless`, as in topology.ts. */
export const COLLECTOR_HEADLESS_SERVICE = `${RELEASES.collector}-headless`;

const OTLP_GRPC_PORT = 4317;

/** The samplers' HPA target: average CPU utilisation of the requests, in percent. */
export const COLLECTOR_HPA_TARGET_CPU_PERCENT = 80;
/** The chart injects MY_POD_IP; its own defaults bind every endpoint to it. */
const POD_IP = "${env:MY_POD_IP}";

/**
 * The sampling tier's collector config.
 *
 * Traces take two pipelines joined by a forward connector. `traces` (OTLP -> memory_limiter ->
 * k8s_attributes) hands every span, before any sampling, to span_metrics and servicegraph, whose
 * metrics go to Prometheus; and to `traces/sampling` (tail_sampling -> batch -> Tempo). So request
 * rates, error ratios and latencies count all spans, while Tempo keeps the sampled traces. In prod
 * the load balancer routes by trace ID, so one sampler sees every span of its traces: the service
 * graph pairs client and server spans of a call on one replica. Each replica writes its own series
 * (span_metrics adds collector.instance.id; servicegraph's are tagged by serviceGraphInstance), so
 * replicas never overwrite each other's cumulative counters.
 */
export function renderCollectorConfig(input: RenderInput): Record<string, unknown> {
    const limitMib = SIZING[input.tier].collector.memoryLimitMib;
    const numTraces = TAIL_SAMPLING_NUM_TRACES[input.tier];
    const prometheus = Object.keys(prometheusExporters(input.tier));
    const P = COLLECTOR_PIPELINES;
    return {
        receivers: otlpReceiver(),
        connectors: {
            [C.spanMetrics]: spanMetrics(input),
            [C.serviceGraph]: serviceGraph(input),
            [C.toSampling]: {},
        },
        processors: {
            // Refuses data (receivers return a retryable error) before the pod reaches its memory limit;
            // spike 25% of the limit, checked every second as upstream recommends (the chart's default is 5s).
            [C.memoryLimiter]: { check_interval: "1s", limit_mib: limitMib, spike_limit_mib: Math.round(limitMib / 4) },
            [C.k8sAttributes]: k8sAttributes(),
            [C.tailSampling]: {
                decision_wait: formatDuration(decisionWaitMs(input.sampling.latencyThresholdMs)),
                num_traces: numTraces,
                // Remember "keep" decisions past the in-memory window, so spans that arrive late for a kept
                // trace are kept too. No non-sampled cache on purpose: a late span of a dropped trace is
                // re-evaluated, which keeps the late root span of a long trace (latency) or a late error.
                decision_cache: { sampled_cache_size: numTraces },
                policies: samplingPolicies(input),
            },
            [C.batch]: batch(),
            [C.serviceGraphInstance]: serviceGraphInstance(),
        },
        exporters: backendExporters(input.tier),
        extensions: healthCheck(),
        service: {
            extensions: [C.healthCheck],
            telemetry: selfTelemetry(),
            pipelines: {
                [P.ingest]: { receivers: [C.receiver], processors: [C.memoryLimiter, C.k8sAttributes], exporters: [C.spanMetrics, C.serviceGraph, C.toSampling] },
                [P.sampling]: { receivers: [C.toSampling], processors: [C.tailSampling, C.batch], exporters: [C.tempo] },
                [P.metrics]: pipeline([C.memoryLimiter, C.k8sAttributes, C.batch], ...prometheus),
                [P.spanMetrics]: { receivers: [C.spanMetrics], processors: [C.batch], exporters: prometheus },
                [P.serviceGraph]: { receivers: [C.serviceGraph], processors: [C.serviceGraphInstance, C.batch], exporters: prometheus },
                [P.logs]: pipeline([C.memoryLimiter, C.k8sAttributes, C.batch], C.loki),
            },
        },
    };
}

/**
 * RED metrics per service, span name, span kind and status from every span (TRACE_METRICS names).
 * Durations in seconds (Prometheus convention; the connector's default is ms) with the connector's
 * default buckets (2 ms - 15 s). Flushed at the scrape interval. A series whose service stopped
 * sending is dropped after 5 minutes rather than kept (and re-sent) forever.
 *
 * Exemplars: each data point carries recent spans as exemplars (trace_id, span_id), which Grafana
 * links to Tempo. The connector runs before sampling, so an exemplar points at a trace that Tempo
 * keeps when that trace is an error (the status_code policy keeps every trace with an error span),
 * slower than the latency threshold (a span above the threshold makes its trace at least as long),
 * or in the sampled share; exemplars on error series and on latency buckets above the threshold
 * always resolve, others resolve with probability `sampling.percentage`. The collector has no way to
 * attach only the exemplars of traces the sampler will keep later.
 */
function spanMetrics(input: RenderInput): Record<string, unknown> {
    return {
        namespace: TRACE_METRICS.spanMetricsNamespace,
        histogram: { unit: "s" },
        exemplars: { enabled: true },
        metrics_flush_interval: input.scrapeInterval,
        metrics_expiration: "5m",
    };
}

/**
 * Requests, failures and latency between services, from client/server (and producer/consumer)
 * span pairs of all spans, under Tempo's metric names (what Grafana's service map reads). The
 * store holds unpaired halves for SERVICE_GRAPH_STORE.ttl.
 */
function serviceGraph(input: RenderInput): Record<string, unknown> {
    const store = SERVICE_GRAPH_STORE[input.tier];
    return {
        store: { ttl: store.ttl, max_items: store.maxItems },
        metrics_flush_interval: input.scrapeInterval,
    };
}

/**
 * servicegraph emits its metrics with an empty resource, so several sampler replicas would write
 * the very same series (client, server, connection_type) with their own counts and Prometheus would
 * store a mix of them. The sampler's pod name (OTEL_K8S_POD_NAME, set by the chart) tells them apart
 * as `collector.instance.id` (a label through resource_to_telemetry_conversion), the attribute
 * span_metrics adds to its own series.
 */
function serviceGraphInstance(): Record<string, unknown> {
    return { attributes: [{ key: "collector.instance.id", value: "${env:OTEL_K8S_POD_NAME}", action: "upsert" }] };
}

/**
 * The prod load-balancing tier. Traces: `load_balancing` with routing_key traceID over the DNS
 * resolver (the A records of the samplers' headless Service, re-resolved every 5 s), so all spans of
 * a trace reach the same sampler. Metrics and logs go directly to Prometheus and Loki: they need no
 * trace affinity, and a second hop through the samplers would cost another serialise/deserialise,
 * pin each LB pod's gRPC connection to a single sampler, and make them hostage to the samplers'
 * memory_limiter, which trips first on tail_sampling's buffered traces.
 *
 * k8s_attributes runs here in full, because this tier sees the applications' connections: it
 * enriches metrics and logs and stamps k8s.pod.ip on spans, which the samplers then associate on
 * (their pod_association tries k8s.pod.ip before the connection, which would be this LB pod).
 */
export function renderCollectorLoadBalancerConfig(input: RenderInput): Record<string, unknown> {
    assertProd(input.tier);
    const e = endpoints(input.tier);
    const prometheus = prometheusExporters(input.tier);
    return {
        receivers: otlpReceiver(),
        processors: {
            // No SIZING number for this tier: the limit follows the container's memory limit (cgroup).
            [C.memoryLimiter]: { check_interval: "1s", limit_percentage: 80, spike_limit_percentage: 25 },
            [C.k8sAttributes]: k8sAttributes(),
            [C.batch]: batch(),
        },
        exporters: {
            [C.loadBalancing]: {
                routing_key: "traceID",
                // Template of the per-sampler OTLP gRPC exporter (`protocol.otlp` is the config key, its
                // endpoint is filled in per resolved IP). Plaintext inside the cluster.
                protocol: { otlp: { tls: { insecure: true } } },
                resolver: { dns: { hostname: e.collectorSamplersHeadless, port: String(OTLP_GRPC_PORT) } },
            },
            ...prometheus,
            [C.loki]: lokiExporter(input.tier),
        },
        extensions: healthCheck(),
        service: {
            extensions: [C.healthCheck],
            telemetry: selfTelemetry(),
            pipelines: {
                traces: pipeline([C.memoryLimiter, C.k8sAttributes, C.batch], C.loadBalancing),
                metrics: pipeline([C.memoryLimiter, C.k8sAttributes, C.batch], ...Object.keys(prometheus)),
                logs: pipeline([C.memoryLimiter, C.k8sAttributes, C.batch], C.loki),
            },
        },
    };
}

/**
 * Chart values for one tier. The config goes under `alternateConfig`, not `config`: Helm deep-merges
 * `config` into the chart's defaults, which would keep the jaeger/zipkin/prometheus receivers, the
 * debug exporter and memory_limiter's limit_percentage next to our limit_mib, and removing them needs
 * `null`s that do not survive every values pipeline. `alternateConfig` replaces the config wholesale.
 * The kubernetesAttributes preset (enabled for its ClusterRole) is still applied to it: it merges
 * its k8s_attributes defaults under ours and prepends k8s_attributes only to pipelines that lack it;
 * every pipeline here already lists it after memory_limiter, so the effective pipelines are exactly
 * the rendered ones.
 */
export function renderCollectorValues(input: RenderInput, role: CollectorRole): Record<string, unknown> {
    const sizing = role === "gateway" ? SIZING[input.tier].collector : SIZING[input.tier].collectorLoadBalancer;
    const values: Record<string, unknown> = {
        mode: "deployment",
        fullnameOverride: role === "gateway" ? RELEASES.collector : RELEASES.collectorLoadBalancer,
        image: { repository: COLLECTOR_IMAGE.repository },
        command: { name: COLLECTOR_IMAGE.command },
        alternateConfig: role === "gateway" ? renderCollectorConfig(input) : renderCollectorLoadBalancerConfig(input),
        presets: { kubernetesAttributes: { enabled: true } },
        resources: resourceValues(sizing.resources),
        // OTLP only. The chart enables the Jaeger and Zipkin ports by default; metrics (8888) is off by
        // default and the ServiceMonitor scrapes it.
        ports: {
            otlp: { enabled: true },
            "otlp-http": { enabled: true },
            "jaeger-compact": { enabled: false },
            "jaeger-thrift": { enabled: false },
            "jaeger-grpc": { enabled: false },
            zipkin: { enabled: false },
            metrics: { enabled: true },
        },
        // The release label lets kube-prometheus-stack pick it up even with its release-only selectors.
        serviceMonitor: { enabled: true, extraLabels: { release: RELEASES.kubePrometheusStack } },
    };
    if (SIZING[input.tier].podDisruptionBudgets) {
        // minAvailable/maxUnavailable are documented (commented out) in the chart's values.yaml.
        values.podDisruptionBudget = { enabled: true, maxUnavailable: 1 };
    }
    if (input.tier === "prod" && role === "gateway") {
        /**
         * The HPA owns the replica count (the chart then renders no `replicas`, so `replicaCount`
         * is not set). It scales on CPU, a resource metric served by metrics-server (on EKS a
         * managed add-on the cluster installs; GKE runs its own). Memory is no signal here: Go
         * returns memory slowly and tail_sampling holds it by design, so it would never scale down.
         */
        values.autoscaling = {
            enabled: true,
            minReplicas: sizing.replicas,
            maxReplicas: SIZING[input.tier].collector.maxReplicas,
            targetCPUUtilizationPercentage: COLLECTOR_HPA_TARGET_CPU_PERCENT,
            // Every change of the sampler set re-routes ~1/N of the trace IDs, splitting traces in flight
            // across two samplers: scale down slowly (upstream default window is 300 s).
            behavior: { scaleDown: { stabilizationWindowSeconds: 600 } },
        };
        values.extraManifests = [headlessService()];
    } else {
        values.replicaCount = sizing.replicas;
    }
    return values;
}

/**
 * The chart has one Service and no headless variant; `service.clusterIP: None` would make that one
 * headless under the release name, not the `<release>-headless` name topology.ts gives the load
 * balancer. So the headless Service is an extra manifest (the chart renders `extraManifests` through
 * `tpl`, hence the template strings), selecting the chart's pod labels. It carries none of the
 * chart's labels, so the ServiceMonitor (which selects the chart's Service by them) does not scrape
 * every pod twice. It only lists ready pods: a sampler is routed traces once its health check passes.
 */
function headlessService(): Record<string, unknown> {
    return {
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: COLLECTOR_HEADLESS_SERVICE, namespace: "{{ .Release.Namespace }}" },
        spec: {
            clusterIP: "None",
            selector: {
                "app.kubernetes.io/name": '{{ include "opentelemetry-collector.name" . }}',
                "app.kubernetes.io/instance": "{{ .Release.Name }}",
                component: "standalone-collector",
            },
            ports: [{ name: "otlp", port: OTLP_GRPC_PORT, targetPort: OTLP_GRPC_PORT, protocol: "TCP", appProtocol: "grpc" }],
        },
    };
}

/**
 * Top-level tail_sampling policies are OR-ed: a trace is kept when any policy says "sample" (only a
 * `drop` policy can veto). So errors and slow traces are always kept, and the plain `probabilistic`
 * policy keeps `percentage`% of all traces by trace-ID hash, which for traces that are neither errors
 * nor slow is exactly "keep X% of the rest" (for the others it changes nothing: they are kept anyway).
 */
function samplingPolicies(input: RenderInput): Record<string, unknown>[] {
    return [
        { name: "keep-errors", type: "status_code", status_code: { status_codes: ["ERROR"] } },
        { name: "keep-slow", type: "latency", latency: { threshold_ms: input.sampling.latencyThresholdMs } },
        { name: "sample-rest", type: "probabilistic", probabilistic: { sampling_percentage: input.sampling.percentage } },
    ];
}

/**
 * The latency policy measures the spans seen when the decision is made, so the wait must cover the
 * threshold plus the SDKs' export delay, or a trace slower than the threshold is judged before its
 * long spans arrive. At least 10 s; whole seconds.
 */
export function decisionWaitMs(latencyThresholdMs: number): number {
    return Math.max(MIN_DECISION_WAIT_MS, Math.ceil((latencyThresholdMs + SDK_EXPORT_DELAY_MS) / 1000) * 1000);
}

/**
 * OTLP in. gRPC accepts messages up to OTLP_MESSAGE_LIMITS.maxRecvMib (default 4 MiB): the samplers
 * receive the load balancer's batches, which are as large as the batch processor allows.
 */
function otlpReceiver(): Record<string, unknown> {
    return {
        [C.receiver]: {
            protocols: {
                grpc: { endpoint: `${POD_IP}:${OTLP_GRPC_PORT}`, max_recv_msg_size_mib: OTLP_MESSAGE_LIMITS.maxRecvMib },
                http: { endpoint: `${POD_IP}:4318` },
            },
        },
    };
}

/**
 * Pod association: k8s.pod.ip / k8s.pod.uid when the resource already carries them (spans that came
 * through the load balancer), else the connection's peer IP (the application itself). Labels get
 * explicit semantic-convention names (k8s.pod.label.<key>) rather than the processor's legacy
 * `k8s.pod.labels.<key>` default.
 */
function k8sAttributes(): Record<string, unknown> {
    return {
        pod_association: [
            { sources: [{ from: "resource_attribute", name: "k8s.pod.ip" }] },
            { sources: [{ from: "resource_attribute", name: "k8s.pod.uid" }] },
            { sources: [{ from: "connection" }] },
        ],
        extract: {
            // k8s.container.name is only added when the resource carries container.id or k8s.container.name.
            metadata: ["k8s.namespace.name", "k8s.pod.name", "k8s.deployment.name", "k8s.node.name", "k8s.container.name"],
            labels: [
                { tag_name: "k8s.pod.label.app.kubernetes.io/name", key: "app.kubernetes.io/name", from: "pod" },
                { tag_name: "k8s.pod.label.app", key: "app", from: "pod" },
            ],
        },
    };
}

/**
 * tail_sampling releases kept traces one by one; batch regroups them. The max size bounds a request
 * so it fits the receivers' gRPC limit at the assumed span size (OTLP_MESSAGE_LIMITS).
 */
function batch(): Record<string, unknown> {
    return { send_batch_size: OTLP_MESSAGE_LIMITS.batchSpans, send_batch_max_size: OTLP_MESSAGE_LIMITS.batchMaxSpans, timeout: "1s" };
}

/** The three backends, by their in-cluster endpoints (topology.ts). Plain HTTP/gRPC inside the cluster. */
function backendExporters(tier: Tier): Record<string, Record<string, unknown>> {
    return {
        [C.tempo]: { endpoint: endpoints(tier).tempoOtlpGrpc, tls: { insecure: true } },
        ...prometheusExporters(tier),
        [C.loki]: lokiExporter(tier),
    };
}

/**
 * One remote-write exporter per Prometheus replica, in ordinal order, keyed by component name. The
 * replicas do not share data, so each must receive every sample (through the Service, each request
 * would reach one replica only). Each exporter has its own sending queue and retries, so a replica
 * that is down fills only its own queue while the others keep receiving. Needs the remote-write
 * receiver (kube-prometheus-stack enableRemoteWriteReceiver).
 */
function prometheusExporters(tier: Tier): Record<string, Record<string, unknown>> {
    return Object.fromEntries(endpoints(tier).prometheusRemoteWriteReplicas.map((endpoint, i) => [C.prometheus(i), {
        endpoint,
        /**
         * Resource attributes (k8s.namespace.name, k8s.pod.name, k8s.deployment.name, service.name,
         * ...) become labels on every series, not only on `target_info`: dashboards and alerts filter
         * by namespace or pod directly instead of joining every query with
         * `* on (job, instance) group_left(...) target_info`. The attributes are constant per
         * process, whose series are already apart by `instance` (service.instance.id), so this adds
         * labels, not series.
         */
        resource_to_telemetry_conversion: { enabled: true },
    }]));
}

/** Loki's native OTLP endpoint; the exporter appends /v1/logs. There is no loki exporter anymore. */
function lokiExporter(tier: Tier): Record<string, unknown> {
    return { endpoint: `${endpoints(tier).loki}/otlp` };
}

/** Mandatory for the chart: its liveness and readiness probes GET :13133/. */
function healthCheck(): Record<string, unknown> {
    return { [C.healthCheck]: { endpoint: `${POD_IP}:13133` } };
}

/** The collector's own metrics on :8888 (the chart's `metrics` port), scraped by the ServiceMonitor. */
function selfTelemetry(): Record<string, unknown> {
    return { metrics: { readers: [{ pull: { exporter: { prometheus: { host: POD_IP, port: 8888 } } } }] } };
}

function pipeline(processors: readonly string[], ...exporters: string[]): Record<string, string[]> {
    return { receivers: [C.receiver], processors: [...processors], exporters };
}


function assertProd(tier: Tier): void {
    if (tier !== "prod") {
        throw new Error(`the collector load balancer runs in prod only (tier ${tier} sends straight to the single sampler)`);
    }
}
