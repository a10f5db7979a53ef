/**
 * Replica counts, resources and storage per tier for every workload the stack deploys: the one place
 * to change sizing. dev is one small replica of everything; prod runs HA with PodDisruptionBudgets.
 */
import type { Tier } from "./render/types";

export interface Resources {
    readonly requests: { readonly cpu: string; readonly memory: string };
    readonly limits: { readonly memory: string; readonly cpu?: string };
}

export interface WorkloadSizing {
    readonly replicas: number;
    readonly resources: Resources;
    /** PersistentVolume size, where the workload keeps local state. */
    readonly storage?: string;
}

/** Resources as Helm values expect them (a plain copy, so values never alias SIZING). */
export function resourceValues(r: Resources): Record<string, unknown> {
    return { requests: { ...r.requests }, limits: { ...r.limits } };
}

function res(cpu: string, memory: string, memoryLimit: string = memory): Resources {
    return { requests: { cpu, memory }, limits: { memory: memoryLimit } };
}

export const SIZING: Record<Tier, {
    readonly prometheus: WorkloadSizing & { readonly retentionSize: string };
    readonly alertmanager: WorkloadSizing;
    readonly grafana: WorkloadSizing;
    readonly prometheusOperator: WorkloadSizing;
    readonly loki: {
        /** Monolithic (dev) replicas, or replicas of each Distributed component (prod; the compactor stays at 1, see render/loki.ts). */
        readonly replicas: number;
        readonly replicationFactor: number;
        readonly resources: Resources;
        readonly storage: string;
        /** Memcached allocations in MB. */
        readonly chunksCacheMb: number;
        readonly resultsCacheMb: number;
    };
    readonly tempo: WorkloadSizing & { readonly replicationFactor: number };
    readonly collector: WorkloadSizing & { readonly maxReplicas: number; readonly memoryLimitMib: number };
    readonly collectorLoadBalancer: WorkloadSizing;
    readonly alloy: { readonly resources: Resources };
    readonly podDisruptionBudgets: boolean;
}> = {
    dev: {
        prometheus: { replicas: 1, resources: res("200m", "1Gi", "2Gi"), storage: "20Gi", retentionSize: "18GiB" },
        alertmanager: { replicas: 1, resources: res("20m", "64Mi", "128Mi"), storage: "1Gi" },
        grafana: { replicas: 1, resources: res("50m", "256Mi", "512Mi"), storage: "5Gi" },
        prometheusOperator: { replicas: 1, resources: res("50m", "128Mi", "256Mi") },
        loki: { replicas: 1, replicationFactor: 1, resources: res("200m", "512Mi", "1Gi"), storage: "10Gi", chunksCacheMb: 256, resultsCacheMb: 128 },
        tempo: { replicas: 1, replicationFactor: 1, resources: res("200m", "512Mi", "1Gi"), storage: "10Gi" },
        collector: { replicas: 1, maxReplicas: 1, resources: res("100m", "256Mi", "512Mi"), memoryLimitMib: 400 },
        collectorLoadBalancer: { replicas: 0, resources: res("50m", "128Mi", "256Mi") },
        alloy: { resources: res("50m", "128Mi", "256Mi") },
        podDisruptionBudgets: false,
    },
    prod: {
        prometheus: { replicas: 2, resources: res("1", "8Gi", "12Gi"), storage: "200Gi", retentionSize: "180GiB" },
        alertmanager: { replicas: 3, resources: res("50m", "128Mi", "256Mi"), storage: "5Gi" },
        /**
         * One replica: HA Grafana needs a shared database, not provided yet. Each replica would keep
         * its own SQLite (sessions, users, UI edits), logging users out at random behind the Service.
         */
        grafana: { replicas: 1, resources: res("200m", "512Mi", "1Gi"), storage: "10Gi" },
        prometheusOperator: { replicas: 1, resources: res("100m", "256Mi", "512Mi") },
        loki: { replicas: 3, replicationFactor: 3, resources: res("500m", "2Gi", "4Gi"), storage: "50Gi", chunksCacheMb: 2048, resultsCacheMb: 1024 },
        tempo: { replicas: 3, replicationFactor: 3, resources: res("500m", "2Gi", "4Gi"), storage: "50Gi" },
        collector: { replicas: 3, maxReplicas: 10, resources: res("500m", "1Gi", "2Gi"), memoryLimitMib: 1600 },
        collectorLoadBalancer: { replicas: 2, resources: res("200m", "256Mi", "512Mi") },
        alloy: { resources: res("100m", "256Mi", "512Mi") },
        podDisruptionBudgets: true,
    },
};

// ---- Sizing of individual workloads, beyond the per-tier table ----

/**
 * Requests and limits of the small helper containers the charts add beside the main processes, the
 * same in both tiers (their load does not grow with the tier): config reloaders and Grafana's
 * dashboard/datasource sidecars (watch the API, copy files), metric exporters (nginx and memcached
 * exporters, node-exporter, kube-state-metrics) and the prometheus-operator's admission webhook
 * certificate Jobs (create/patch, run once per upgrade). Every container gets requests and a memory
 * limit so the scheduler accounts for it and a leak cannot starve its node.
 */
export const HELPER_RESOURCES = {
    /** Alloy's config-reloader sidecar. */
    configReloader: res("10m", "32Mi", "64Mi"),
    /** Grafana's k8s-sidecar (one container per watched kind: dashboards, datasources). */
    grafanaSidecar: res("20m", "64Mi", "128Mi"),
    /** memcached-exporter beside every memcached pod (Loki chunks/results caches). */
    memcachedExporter: res("10m", "32Mi", "64Mi"),
    /** The Loki gateway's nginx exporter (access-log and stub_status metrics). */
    gatewayExporter: res("10m", "32Mi", "64Mi"),
    /** node-exporter DaemonSet, one per node. */
    nodeExporter: res("20m", "32Mi", "64Mi"),
    /** kube-state-metrics: memory grows with the object count of the cluster. */
    kubeStateMetrics: res("50m", "128Mi", "256Mi"),
    /** prometheus-operator admission webhook certificate Jobs (kube-webhook-certgen). */
    admissionJobs: res("10m", "32Mi", "64Mi"),
} as const;

/**
 * prod tempo-distributed memcached (the querier's bloom/index cache). The chart starts memcached
 * with `-m 64` (MB) by default; the limit leaves headroom over that for connections and threads.
 */
export const TEMPO_MEMCACHED_RESOURCES: Resources = res("50m", "128Mi", "256Mi");

/**
 * Requests and limits of the light Loki components: the nginx gateway (both tiers) and, in prod,
 * the distributor, query-frontend, query-scheduler, index-gateway and ruler. These route, queue
 * or look up index entries. SIZING.loki sizes the processes that hold data or run queries
 * (see render/loki.ts).
 */
export const LOKI_LIGHT_RESOURCES: Resources = res("100m", "256Mi", "512Mi");

/** The Loki canary is a tiny Go process that pushes and reads back a line a second. */
export const LOKI_CANARY_RESOURCES: Resources = res("10m", "32Mi", "128Mi");

/**
 * prod Tempo (tempo-distributed): replicas of the stateless components and the resources of the
 * two light request routers (distributor, query-frontend). Ingesters, queriers and the compactor
 * use SIZING.prod.tempo.resources. Two replicas of each stateless component keep
 * one serving while the PodDisruptionBudget (maxUnavailable 1) lets a node drain. One compactor is
 * enough: it only pauses compaction and retention while rescheduled.
 */
export const TEMPO_PROD_COMPONENTS = {
    replicas: { distributor: 2, querier: 2, queryFrontend: 2, compactor: 1 },
    routerResources: res("200m", "512Mi", "1Gi"),
} as const;

/**
 * Prometheus's in-memory exemplar buffer (`exemplars.maxSize`, shared by all series). 100000 is
 * Prometheus's own default; prod keeps more because span-metric and remote-written exemplars from
 * every service share it (a few hundred bytes each, so ~100-150 MB at 500k, well inside prod limits).
 */
export const EXEMPLARS_MAX_SIZE: Readonly<Record<Tier, number>> = { dev: 100_000, prod: 500_000 };

/**
 * The collector's tail_sampling `num_traces` per sampler replica: traces held in memory while
 * waiting for their decision. Sized to fit well under SIZING.collector.memoryLimitMib (400 MiB dev,
 * 1600 MiB prod) at a few dozen spans per trace. Past this count the oldest pending traces are
 * decided early (on partial data).
 */
export const TAIL_SAMPLING_NUM_TRACES: Readonly<Record<Tier, number>> = { dev: 20_000, prod: 100_000 };

/**
 * OTLP gRPC message size along the trace path. Every receiver that takes batches from a collector
 * (the samplers' OTLP receiver, fed by the prod load balancer; Tempo's distributor, fed by the
 * samplers; and the load balancer itself, fed by applications) accepts messages of up to
 * `maxRecvMib`; gRPC's default is 4 MiB, and a larger message is refused with ResourceExhausted,
 * which the exporters do not retry, so the batch is lost. The batch processors cap a request at
 * `batchMaxSpans` spans. Assumption: an average span, attributes and resource included, stays under
 * `assumedMaxAvgSpanBytes` (8 KiB: typical instrumented HTTP/gRPC/DB spans are 0.5-2 KiB; 8 KiB
 * leaves room for attribute-heavy spans such as SQL statements or large headers). Then the largest
 * batch, `batchMaxSpans * assumedMaxAvgSpanBytes` = 16 MiB, fits `maxRecvMib` (tested).
 */
export const OTLP_MESSAGE_LIMITS = {
    batchSpans: 1024,
    batchMaxSpans: 2048,
    assumedMaxAvgSpanBytes: 8 * 1024,
    maxRecvMib: 16,
} as const;

/**
 * The servicegraph connector's edge store per sampler replica: client/server span pairs waiting for
 * their other half. `ttl` covers the SDKs' 5 s export delay between the two halves of one call;
 * `maxItems` bounds memory (an edge is a few hundred bytes: ~20 MB at 100k), and past it new edges
 * are dropped (counted in otelcol_connector_servicegraph_dropped_spans).
 */
export const SERVICE_GRAPH_STORE: Readonly<Record<Tier, { readonly ttl: string; readonly maxItems: number }>> = {
    dev: { ttl: "10s", maxItems: 10_000 },
    prod: { ttl: "10s", maxItems: 100_000 },
};

// ---- Prometheus disk: the size follows the retention ----

/**
 * Expected active series per Prometheus replica, by tier: what the clusters this product is sized
 * for expose (kube-state-metrics, node-exporter, cAdvisor, the stack's own components, span metrics
 * from the collector's connectors) plus headroom for applications' own metrics. A cluster that exposes more
 * needs a larger `SIZING.prometheus.retentionSize`.
 */
export const PROMETHEUS_EXPECTED_SERIES: Readonly<Record<Tier, number>> = { dev: 200_000, prod: 350_000 };

/**
 * Bytes on disk per stored sample, compressed. Prometheus's "Storage: operational aspects" gives
 * 1–2 bytes per sample (`needed_disk_space = retention_time_seconds * ingested_samples_per_second *
 * bytes_per_sample`); the upper end is taken so the estimate holds for high-churn series.
 */
export const PROMETHEUS_BYTES_PER_SAMPLE = 2;

const GIB = 1024 ** 3;
const gib = (s: string) => Number(/^(\d+)Gi/.exec(s)?.[1]);

/**
 * Prometheus's retentionSize and volume for a retention: the tier's size (SIZING), or more when the
 * retention needs more at the expected series count and scrape interval, so the size cap never
 * deletes data younger than the configured retention. The volume keeps the tier's ratio of ~10 %
 * headroom over retentionSize (WAL, compaction).
 */
export function prometheusDisk(tier: Tier, retentionMs: number, scrapeIntervalMs: number): {
    readonly neededGiB: number; readonly retentionSize: string; readonly storage: string;
} {
    const samples = PROMETHEUS_EXPECTED_SERIES[tier] * (retentionMs / scrapeIntervalMs);
    const neededGiB = Math.ceil(samples * PROMETHEUS_BYTES_PER_SAMPLE / GIB);
    const base = SIZING[tier].prometheus;
    const sizeGiB = Math.max(gib(base.retentionSize), neededGiB);
    if (sizeGiB === gib(base.retentionSize)) return { neededGiB, retentionSize: base.retentionSize, storage: base.storage! };
    return { neededGiB, retentionSize: `${sizeGiB}GiB`, storage: `${Math.ceil(sizeGiB / 0.9)}Gi` };
}

// ---- Node capacity ----

/**
 * Requests of the DaemonSets every node runs besides Alloy: on EKS aws-node, kube-proxy and the
 * EBS CSI node plugin; on GKE kube-proxy, gke-metadata-server, the PD CSI node plugin and the
 * logging/metrics agents. A rounded upper bound of their requests on either cloud.
 */
export const SYSTEM_DAEMONSET_REQUESTS = { cpuMillis: 400, memoryMiB: 400 } as const;

/**
 * How many nodes a tier needs at least because workloads require separate nodes: the charts give
 * prod's Loki components and Tempo ingesters required pod anti-affinity on the hostname (upstream
 * default values), so each of their replicas needs its own node.
 */
export function nodesRequiredBySpread(tier: Tier): { readonly nodes: number; readonly why: string } {
    if (tier === "dev") return { nodes: 1, why: "dev runs one replica of everything" };
    const loki = SIZING.prod.loki.replicas;
    const tempo = SIZING.prod.tempo.replicas;
    return loki >= tempo
        ? { nodes: loki, why: `prod runs ${loki} Loki ingesters with required pod anti-affinity (one per node)` }
        : { nodes: tempo, why: `prod runs ${tempo} Tempo ingesters with required pod anti-affinity (one per node)` };
}

/** Every pod request of a tier, named, for the capacity check. */
export function podRequests(tier: Tier): { readonly workload: string; readonly requests: Resources["requests"] }[] {
    const s = SIZING[tier];
    const out = [
        { workload: "prometheus", requests: s.prometheus.resources.requests },
        { workload: "alertmanager", requests: s.alertmanager.resources.requests },
        { workload: "grafana", requests: s.grafana.resources.requests },
        { workload: "prometheus-operator", requests: s.prometheusOperator.resources.requests },
        { workload: "loki", requests: s.loki.resources.requests },
        { workload: "tempo", requests: s.tempo.resources.requests },
        { workload: "otel-gateway", requests: s.collector.resources.requests },
        { workload: "loki gateway", requests: LOKI_LIGHT_RESOURCES.requests },
    ];
    if (s.collectorLoadBalancer.replicas > 0) out.push({ workload: "otel-lb", requests: s.collectorLoadBalancer.resources.requests });
    if (tier === "prod") out.push({ workload: "tempo distributor", requests: TEMPO_PROD_COMPONENTS.routerResources.requests });
    return out;
}
