/**
 * OpenTelemetry Collector: the collector config and the Helm values of the opentelemetry-collector
 * chart (0.170.0, collector 0.158.0) for the two collector tiers.
 *
 * - gateway (RELEASES.collector, both tiers): the sampling tier. OTLP in, then
 *   memory_limiter -> k8s_attributes -> tail_sampling -> batch, and out to Tempo (OTLP gRPC),
 *   every Prometheus replica (remote write, one exporter each) and Loki (native OTLP at `/otlp`).
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
import { resourceValues, SIZING, TAIL_SAMPLING_NUM_TRACES } from "../sizing";
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
} as const;
const C = COLLECTOR_COMPONENTS;

/** The in-cluster Service the load balancer resolves: `<RELEASES.collector>-headless`, as in topology.ts. */
export const COLLECTOR_HEADLESS_SERVICE = `${RELEASES.collector}-headless`;

const OTLP_GRPC_PORT = 4317;
/** The chart injects MY_POD_IP; its own defaults bind every endpoint to it. */
const POD_IP = "${env:MY_POD_IP}";

/** The sampling tier's collector config. */
export function renderCollectorConfig(input: RenderInput): Record<string, unknown> {
    const limitMib = SIZING[input.tier].collector.memoryLimitMib;
    const numTraces = TAIL_SAMPLING_NUM_TRACES[input.tier];
    return {
        receivers: otlpReceiver(),
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
        },
        exporters: backendExporters(input.tier),
        extensions: healthCheck(),
        service: {
            extensions: [C.healthCheck],
            telemetry: selfTelemetry(),
            pipelines: {
                traces: pipeline([C.memoryLimiter, C.k8sAttributes, C.tailSampling, C.batch], C.tempo),
                metrics: pipeline([C.memoryLimiter, C.k8sAttributes, C.batch], ...Object.keys(prometheusExporters(input.tier))),
                logs: pipeline([C.memoryLimiter, C.k8sAttributes, C.batch], C.loki),
            },
        },
    };
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
        replicaCount: sizing.replicas,
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
        values.autoscaling = {
            enabled: true,
            minReplicas: sizing.replicas,
            maxReplicas: SIZING[input.tier].collector.maxReplicas,
            // Every change of the sampler set re-routes ~1/N of the trace IDs, splitting traces in flight
            // across two samplers: scale down slowly (upstream default window is 300 s).
            behavior: { scaleDown: { stabilizationWindowSeconds: 600 } },
        };
        values.extraManifests = [headlessService()];
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

function otlpReceiver(): Record<string, unknown> {
    return {
        [C.receiver]: {
            protocols: {
                grpc: { endpoint: `${POD_IP}:${OTLP_GRPC_PORT}` },
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
 * at ~2 KiB/span well under the 4 MiB default gRPC message limit of Tempo's OTLP receiver.
 */
function batch(): Record<string, unknown> {
    return { send_batch_size: 1024, send_batch_max_size: 2048, timeout: "1s" };
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
    return Object.fromEntries(endpoints(tier).prometheusRemoteWriteReplicas.map((endpoint, i) => [C.prometheus(i), { endpoint }]));
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
