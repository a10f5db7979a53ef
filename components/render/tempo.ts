/**
 * Helm values for Tempo. dev runs the single-binary `tempo` chart; prod runs `tempo-distributed`
 * 2.x (see TEMPO_PROD_MODE_RATIONALE). Both write traces to the cluster's object-storage bucket
 * through workload identity and accept OTLP (only) from the collector gateway. The metrics generator
 * stays off (TEMPO_METRICS_GENERATOR_RATIONALE): RED metrics and the service graph come from the
 * collector's connectors, which see every span before sampling.
 *
 * Service names follow topology.ts: fullnameOverride = RELEASES.tempo, so dev exposes `tempo`
 * (3200 HTTP, 4317/4318 OTLP) and prod `tempo-query-frontend` (3200) and `tempo-distributor`
 * (4317/4318); tempo-distributed names every resource `<fullname>-<component>`.
 */
import { toHours } from "../duration";
import { OTLP_MESSAGE_LIMITS, resourceValues, SIZING, TEMPO_MEMCACHED_RESOURCES, TEMPO_PROD_COMPONENTS } from "../sizing";
import type { ChartKey } from "../versions";
import { RELEASES } from "./topology";
import type { RenderInput } from "./types";

export type TempoChartKey = Extract<ChartKey, "tempo" | "tempoDistributed">;

export interface TempoValues {
    /** Key of CHARTS in versions.ts that these values are for. */
    readonly chart: TempoChartKey;
    readonly values: Record<string, unknown>;
}

/** Why prod runs tempo-distributed 2.x rather than 3.x, for the README. */
export const TEMPO_PROD_MODE_RATIONALE =
    "prod runs the tempo-distributed chart 2.26.2 (Tempo 2.10.7), not 3.x. tempo-distributed 3.x " +
    "(Tempo 3.0) drops the ingester and the compactor and puts a Kafka log on the write path: " +
    "`ingest.kafka.address` is required, and the block-builder and live-store replica counts must " +
    "equal the Kafka partition count. This product provides no Kafka. The single-binary `tempo` " +
    "chart 3.x runs Tempo 3 without Kafka, but as one process, without HA. Chart 2.26.2 still runs " +
    "the classic write path: 3 ingesters with replication factor 3 (writes survive one lost " +
    "ingester), a WAL on a persistent volume, blocks flushed to object storage, and a compactor " +
    "that applies retention. Move prod to tempo-distributed 3.x once a managed Kafka (Amazon MSK, " +
    "Google Managed Service for Apache Kafka) is part of the stack.";

/**
 * Why Tempo's metrics generator is off, for the README. It only sees what the collector's
 * tail_sampling kept: with 10 % of ordinary traces and every error kept, its request rates were about
 * 10x too low and its error ratios inflated. The collector's span_metrics and servicegraph connectors
 * now compute RED metrics and the service graph from every span, before sampling
 * (render/collector.ts), under the names Grafana reads. Keeping the generator for TraceQL metrics
 * (its local-blocks processor) was weighed and left out: those queries would again count sampled
 * traces only, i.e. the same skewed rates, under another name; and the generator would cost 2 pods
 * at 2-4 GiB in prod plus a second writer to Prometheus.
 */
export const TEMPO_METRICS_GENERATOR_RATIONALE =
    "Tempo's metrics generator is off: it sees only sampled traces, so its rates and error ratios are " +
    "skewed; the collector's span_metrics and servicegraph connectors compute them from every span " +
    "before tail sampling. TraceQL metrics (local-blocks) would count sampled traces too, so they are " +
    "not offered rather than offered wrong.";

/** OTLP gRPC receiver limit and Tempo's own gRPC server limits (distributor -> ingester pushes carry the same batches), in bytes. */
const GRPC_MAX_MSG_BYTES = OTLP_MESSAGE_LIMITS.maxRecvMib * 1024 * 1024;

/**
 * The dev chart's tempo.yaml template (its top-level `config`, run through `tpl`), copied from
 * tempo 2.2.4 with ONE line changed: `distributor.receivers` renders the receivers without `jaeger`.
 * The chart's Service template (`_ports.tpl`) reads `tempo.receivers.jaeger.protocols.*`, so the key
 * cannot be removed (a null breaks the Service: "nil pointer evaluating interface {}.protocols");
 * instead the config leaves it out, and the Jaeger endpoints are emptied so the Service exposes no
 * Jaeger port (see singleBinaryValues). test/render-tempo.test.ts checks this is the chart's own
 * template but for that line, so a chart bump that changes it fails there.
 */
export const TEMPO_DEV_CONFIG_RECEIVERS_LINE = '    {{- toYaml (omit .Values.tempo.receivers "jaeger") | nindent 8 }}';
export const TEMPO_DEV_CONFIG_TEMPLATE = [
    "stream_over_http_enabled: {{ .Values.tempo.streamOverHttpEnabled }}",
    "memberlist:",
    '  cluster_label: "{{ .Release.Name }}.{{ .Release.Namespace }}"',
    "multitenancy_enabled: {{ .Values.tempo.multitenancyEnabled }}",
    "usage_report:",
    "  reporting_enabled: {{ .Values.tempo.reportingEnabled }}",
    "compactor:",
    "  compaction:",
    "    block_retention: {{ .Values.tempo.retention }}",
    "distributor:",
    "  receivers:",
    TEMPO_DEV_CONFIG_RECEIVERS_LINE,
    "ingester:",
    "  {{- toYaml .Values.tempo.ingester | nindent 6 }}",
    "server:",
    "  {{- toYaml .Values.tempo.server | nindent 6 }}",
    "storage:",
    "  {{- toYaml .Values.tempo.storage | nindent 6 }}",
    "querier:",
    "  {{- toYaml .Values.tempo.querier | nindent 6 }}",
    "query_frontend:",
    "  {{- toYaml .Values.tempo.queryFrontend | nindent 6 }}",
    "overrides:",
    "  {{- toYaml .Values.tempo.overrides | nindent 6 }}",
    "  {{- if .Values.tempo.metricsGenerator.enabled }}",
    "metrics_generator:",
    "  {{- if .Values.tempo.metricsGenerator.processor }}",
    "  processor:",
    "    {{- toYaml .Values.tempo.metricsGenerator.processor | nindent 8 }}",
    "  {{- end }}",
    "  {{- if .Values.tempo.metricsGenerator.registry }}",
    "  registry:",
    "    {{- toYaml .Values.tempo.metricsGenerator.registry | nindent 8 }}",
    "  {{- end }}",
    "  storage:",
    "    path: {{ .Values.tempo.metricsGenerator.storage.path | quote }}",
    "    {{- if .Values.tempo.metricsGenerator.storage.remote_write }}",
    "    remote_write:",
    "      {{- toYaml .Values.tempo.metricsGenerator.storage.remote_write | nindent 10 }}",
    "    {{- else }}",
    "    remote_write:",
    "      - url: {{ .Values.tempo.metricsGenerator.remoteWriteUrl }}",
    "    {{- end }}",
    "  traces_storage:",
    "    path: {{ .Values.tempo.metricsGenerator.traces_storage.path | quote }}",
    "  {{- end }}",
    "",
].join("\n");

/** The Jaeger protocols of the dev chart's defaults; each gets an empty endpoint so `_ports.tpl` renders no Service port for it. */
const CHART_JAEGER_PROTOCOLS = ["grpc", "thrift_binary", "thrift_compact", "thrift_http"] as const;

/**
 * OTLP receivers listen on all interfaces. Tempo 2.7 took the OpenTelemetry Collector's receiver
 * change (v0.104): an OTLP protocol with no endpoint now binds to localhost, so the collector in
 * another pod could not reach it. The charts fill in 0.0.0.0 today; setting it ourselves does not
 * rely on that.
 */
const OTLP_GRPC_ENDPOINT = "0.0.0.0:4317";
const OTLP_HTTP_ENDPOINT = "0.0.0.0:4318";

export function renderTempoValues(input: RenderInput): TempoValues {
    return input.tier === "dev"
        ? { chart: "tempo", values: singleBinaryValues(input) }
        : { chart: "tempoDistributed", values: distributedValues(input) };
}

/** `storage.trace` backend block. S3 is reached through IRSA (no access keys) and GCS through Workload Identity. */
function traceStorage(input: RenderInput): Record<string, unknown> {
    const { type, region, buckets } = input.storage;
    return type === "s3"
        ? { backend: "s3", s3: { bucket: buckets.tempo, endpoint: `s3.${region}.amazonaws.com`, region } }
        : { backend: "gcs", gcs: { bucket_name: buckets.tempo } };
}

/** The chart creates the service account that IAM (IRSA / GKE Workload Identity) trusts. */
function serviceAccount(input: RenderInput): Record<string, unknown> {
    const id = input.identities.tempo;
    return { create: true, name: id.serviceAccount, annotations: { ...id.annotations } };
}


/** GOMEMLIMIT at 85% of the memory limit, the factor tempo-distributed injects on its own. */
function goMemLimit(limit: string): string {
    const m = /^(\d+)(Mi|Gi)$/.exec(limit);
    if (!m) throw new Error(`tempo: memory limit "${limit}" must be in Mi or Gi`);
    const mib = Number(m[1]) * (m[2] === "Gi" ? 1024 : 1);
    return `${Math.floor(mib * 0.85)}MiB`;
}

/** dev: the single-binary `tempo` chart (one StatefulSet, service `tempo`). */
function singleBinaryValues(input: RenderInput): Record<string, unknown> {
    const size = SIZING.dev.tempo;
    return {
        fullnameOverride: RELEASES.tempo,
        replicas: size.replicas,
        serviceAccount: serviceAccount(input),
        /** Scraped by kube-prometheus-stack, at the stack's scrape interval. */
        serviceMonitor: { enabled: true, interval: input.scrapeInterval },
        /** The WAL sits under /var/tempo, and this keeps it across restarts. */
        persistence: { enabled: true, size: size.storage },
        tempo: {
            /** Single tenant: clients send no X-Scope-OrgID. */
            multitenancyEnabled: false,
            /** No usage reports to Grafana Labs from customer clusters. */
            reportingEnabled: false,
            /**
             * The chart passes -mem-ballast-size-mbs (default 1024). A 1 GiB ballast delays GC until
             * the heap is about 2 GiB, past the 1Gi limit: OOM. GOMEMLIMIT bounds the heap instead.
             */
            memBallastSizeMbs: 0,
            extraEnv: [{ name: "GOMEMLIMIT", value: goMemLimit(size.resources.limits.memory) }],
            resources: resourceValues(size.resources),
            /** Rendered into compactor.compaction.block_retention. */
            retention: toHours(input.retention.tracesMs),
            /** The chart's `storage` is free-form: toYaml'd into tempo.yaml `storage`. */
            storage: { trace: traceStorage(input) },
            /**
             * OTLP only, as the collector exports (TEMPO_DEV_CONFIG_TEMPLATE leaves `jaeger` out of
             * tempo.yaml; its emptied endpoints keep the chart's Service template working without
             * Jaeger ports). gRPC takes the collector's largest batches (OTLP_MESSAGE_LIMITS).
             */
            receivers: {
                otlp: { protocols: { grpc: { endpoint: OTLP_GRPC_ENDPOINT, max_recv_msg_size_mib: OTLP_MESSAGE_LIMITS.maxRecvMib }, http: { endpoint: OTLP_HTTP_ENDPOINT } } },
                jaeger: { protocols: Object.fromEntries(CHART_JAEGER_PROTOCOLS.map(p => [p, { endpoint: "" }])) },
            },
            /** tempo.yaml `server` (merged over the chart's http_listen_port): gRPC limits for the distributor's pushes to the ingester. */
            server: { grpc_server_max_recv_msg_size: GRPC_MAX_MSG_BYTES, grpc_server_max_send_msg_size: GRPC_MAX_MSG_BYTES },
            /** Off: TEMPO_METRICS_GENERATOR_RATIONALE. */
            metricsGenerator: { enabled: false },
        },
        config: TEMPO_DEV_CONFIG_TEMPLATE,
    };
}

/** prod: tempo-distributed 2.x (ingesters replicated 3x on persistent WAL, blocks in object storage). */
function distributedValues(input: RenderInput): Record<string, unknown> {
    const size = SIZING.prod.tempo;
    const { replicas, routerResources } = TEMPO_PROD_COMPONENTS;
    /**
     * Per-component PodDisruptionBudget toggle; each chart PDB allows maxUnavailable 1. The chart
     * renders a PDB only for components with more than one replica, so the single compactor and
     * memcached get none (a one-pod budget would block every node drain anyway).
     */
    const pdb = { enabled: SIZING.prod.podDisruptionBudgets };
    return {
        fullnameOverride: RELEASES.tempo,
        multitenancyEnabled: false,
        reportingEnabled: false,
        serviceAccount: serviceAccount(input),
        /** ServiceMonitors for every component, scraped by kube-prometheus-stack. */
        metaMonitoring: { serviceMonitor: { enabled: true, interval: input.scrapeInterval } },
        /**
         * Ingesters: SIZING replicas, replication factor 3, WAL on a PersistentVolume (/var/tempo).
         * The chart's PDB allows replicas - (RF/2 + 1) = 1 unavailable, so a write quorum remains.
         */
        ingester: {
            enabled: true,
            replicas: size.replicas,
            config: { replication_factor: size.replicationFactor },
            persistence: { enabled: true, size: size.storage },
            resources: resourceValues(size.resources),
            podDisruptionBudget: pdb,
        },
        distributor: { replicas: replicas.distributor, resources: resourceValues(routerResources), podDisruptionBudget: pdb },
        querier: { replicas: replicas.querier, resources: resourceValues(size.resources), podDisruptionBudget: pdb },
        queryFrontend: { replicas: replicas.queryFrontend, resources: resourceValues(routerResources), podDisruptionBudget: pdb },
        /**
         * The compactor applies retention. Its `compaction` block renders only while the Tempo 3
         * backend-scheduler is disabled, so that stays pinned off here.
         */
        compactor: {
            replicas: replicas.compactor,
            resources: resourceValues(size.resources),
            config: { compaction: { block_retention: toHours(input.retention.tracesMs) } },
        },
        backendScheduler: { enabled: false },
        /** The chart's memcached (on by default) gets no resources from the chart. Its exporter stays off (chart default). */
        memcached: { resources: resourceValues(TEMPO_MEMCACHED_RESOURCES) },
        /** Off: TEMPO_METRICS_GENERATOR_RATIONALE. */
        metricsGenerator: { enabled: false },
        /**
         * OTLP only, as the collector gateway exports. The distributor Service exposes 4317/4318 only
         * when these are enabled (default off). gRPC takes the collector's largest batches.
         */
        traces: {
            otlp: {
                grpc: { enabled: true, receiverConfig: { endpoint: OTLP_GRPC_ENDPOINT, max_recv_msg_size_mib: OTLP_MESSAGE_LIMITS.maxRecvMib } },
                http: { enabled: true, receiverConfig: { endpoint: OTLP_HTTP_ENDPOINT } },
            },
        },
        /** Distributor -> ingester pushes carry the same batches: gRPC server limits to match (chart default 4 MiB). */
        server: { grpc_server_max_recv_msg_size: GRPC_MAX_MSG_BYTES, grpc_server_max_send_msg_size: GRPC_MAX_MSG_BYTES },
        /** `storage.trace.s3` / `.gcs` are toYaml'd verbatim into tempo.yaml. The chart declares no default for them. */
        storage: { trace: traceStorage(input) },
    };
}
