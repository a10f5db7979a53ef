/**
 * Helm values for Tempo. dev runs the single-binary `tempo` chart; prod runs `tempo-distributed`
 * 2.x (see TEMPO_PROD_MODE_RATIONALE). Both write traces to the cluster's object-storage bucket
 * through workload identity, accept OTLP from the collector gateway, and run the metrics generator
 * (service graphs + span metrics) remote-writing to every Prometheus replica.
 *
 * Service names follow topology.ts: fullnameOverride = RELEASES.tempo, so dev exposes `tempo`
 * (3200 HTTP, 4317/4318 OTLP) and prod `tempo-query-frontend` (3200) and `tempo-distributor`
 * (4317/4318); tempo-distributed names every resource `<fullname>-<component>`.
 */
import { toHours } from "../duration";
import { resourceValues, SIZING, TEMPO_PROD_COMPONENTS } from "../sizing";
import type { ChartKey } from "../versions";
import { endpoints, RELEASES } from "./topology";
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

/** The metrics-generator processors enabled for the (single) tenant. */
export const TEMPO_METRICS_GENERATOR_PROCESSORS = ["service-graphs", "span-metrics"] as const;

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

/**
 * Metrics-generator remote write, one entry per Prometheus replica: the replicas do not share data,
 * so each needs every sample. Exemplars link span-metric samples to their traces in Grafana.
 */
function remoteWrite(input: RenderInput): Array<Record<string, unknown>> {
    return endpoints(input.tier).prometheusRemoteWriteReplicas.map(url => ({ url, send_exemplars: true }));
}

/**
 * Both charts render `overrides` verbatim into tempo.yaml in the new (Tempo >= 2.3) format. Its
 * `defaults` block applies to every tenant, including the implicit "single-tenant". The legacy
 * flat `metrics_generator_processors` key does not belong in it. The generator produces no metrics
 * until the processors are listed here.
 */
function overrides(): Record<string, unknown> {
    return { defaults: { metrics_generator: { processors: [...TEMPO_METRICS_GENERATOR_PROCESSORS] } } };
}

/** Plain copy of a SIZING resources block (values must be plain data). */

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
        /** The WAL and the generator's remote-write WAL sit under /var/tempo, and this keeps them across restarts. */
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
             * OTLP, as the collector exports. Helm merges maps, so the chart's default Jaeger
             * receivers stay: removing them with null breaks the chart's Service template
             * (templates/_ports.tpl reads `tempo.receivers.jaeger.protocols.*`: "nil pointer
             * evaluating interface {}.protocols", found by rendering with Helm).
             */
            receivers: { otlp: { protocols: { grpc: { endpoint: OTLP_GRPC_ENDPOINT }, http: { endpoint: OTLP_HTTP_ENDPOINT } } } },
            metricsGenerator: {
                enabled: true,
                /** On the persistent volume (the chart's own advice), not the default /tmp/tempo. */
                storage: { path: "/var/tempo/metrics", remote_write: remoteWrite(input) },
            },
            overrides: overrides(),
        },
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
        metricsGenerator: {
            enabled: true,
            replicas: replicas.metricsGenerator,
            resources: resourceValues(size.resources),
            podDisruptionBudget: pdb,
            config: { storage: { remote_write: remoteWrite(input) } },
        },
        /** OTLP only, as the collector gateway exports. The distributor Service exposes 4317/4318 only when these are enabled (default off). */
        traces: {
            otlp: {
                grpc: { enabled: true, receiverConfig: { endpoint: OTLP_GRPC_ENDPOINT } },
                http: { enabled: true, receiverConfig: { endpoint: OTLP_HTTP_ENDPOINT } },
            },
        },
        /** `storage.trace.s3` / `.gcs` are toYaml'd verbatim into tempo.yaml. The chart declares no default for them. */
        storage: { trace: traceStorage(input) },
        overrides: overrides(),
    };
}
