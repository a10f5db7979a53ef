/**
 * Helm values for Loki (grafana-community `loki` chart 18.11.0, Loki 3.7): a pure function of the
 * cluster's facts. dev runs one Monolithic pod; prod runs the Distributed (microservices) mode.
 * Both write to object storage (S3 on AWS, GCS on GCP) through workload identity, both are reached
 * only through the nginx gateway `loki-gateway` (topology.ts), and both keep logs for
 * `input.retention.logsMs` via compactor retention.
 */
import { toHours } from "../duration";
import { HELPER_RESOURCES, LOKI_CANARY_RESOURCES, LOKI_LIGHT_RESOURCES, resourceValues, SIZING } from "../sizing";
import { RELEASES } from "./topology";
import type { RenderInput, Tier } from "./types";

/**
 * Start date of the one schema period (tsdb, v13). Loki looks up which schema to read a chunk
 * with by this date, so it must NEVER change once a cluster has stored data: changing it makes
 * existing chunks and indexes unreadable. A future schema change is made by APPENDING a new
 * period with a later `from`, never by editing this one.
 */
export const LOKI_SCHEMA_FROM = "2026-01-01";

/**
 * Deployment mode per tier.
 *
 * dev: `Monolithic`, one single-binary pod (the chart's own recommendation for small installs).
 *
 * prod: `Distributed`, not `SimpleScalable`. The chart deprecates SimpleScalable and says it
 * "will be removed in Loki 4". Starting on it would force a later migration of every prod
 * cluster through the `SimpleScalable<->Distributed` transitional mode. Distributed is the mode
 * Loki keeps. It runs 8 components instead of 3. The replica math still fits SIZING:
 * SimpleScalable would run 9 pods (3 write, 3 read, 3 backend) sized at SIZING.loki.resources.
 * Distributed runs the same count (SIZING.loki.replicas) of each component. Only the components
 * that do the heavy work get SIZING.loki.resources: ingesters (hold unflushed chunks), queriers
 * (run queries) and the single compactor (retention). The rest are light routers and schedulers
 * sized at LOKI_LIGHT_RESOURCES (sizing.ts). Requests stay close to SimpleScalable's: about
 * 5 CPU / 18 GiB against 4.5 CPU / 18 GiB (gateway and caches excluded in both).
 */
export const LOKI_DEPLOYMENT_MODE = { dev: "Monolithic", prod: "Distributed" } as const satisfies Record<Tier, string>;

/**
 * Tenancy. Loki (`loki.auth_enabled`, chart default true) requires an `X-Scope-OrgID` on every
 * request when multi-tenant. One Loki per cluster serves one platform, so it runs single-tenant.
 * Loki then files everything under its built-in tenant `fake`, and Alloy and Grafana send no
 * tenant header. Consequence: the per-tenant limits (`limits_config`: ingestion rate, streams)
 * apply to the whole cluster's logs.
 */
export const LOKI_TENANCY = {
    authEnabled: false,
    rationale: "Single tenant (auth_enabled: false): one Loki per cluster serves one platform, so Alloy and Grafana send no X-Scope-OrgID and per-tenant limits apply to the whole cluster.",
} as const;

/** On the data volume (`/var/loki`). Retention marks live here until they are acted on, so prod gives the compactor a PVC. */
const COMPACTOR_WORKING_DIRECTORY = "/var/loki/compactor";

/** Every workload the chart can run in any mode. validate.yaml rejects non-zero replicas across modes, so each one is set. */
const COMPONENTS = [
    "singleBinary", "write", "read", "backend",
    "ingester", "distributor", "querier", "queryFrontend", "queryScheduler", "indexGateway", "compactor", "ruler",
] as const;
type Component = (typeof COMPONENTS)[number];

/** Components that hold data or run queries get SIZING.loki.resources; the rest get LOKI_LIGHT_RESOURCES. */
const HEAVY: ReadonlySet<Component> = new Set<Component>(["singleBinary", "ingester", "querier", "compactor"]);

/**
 * Replicas per component; anything not running is 0.
 * In prod, every Distributed component runs SIZING.loki.replicas. For the ingesters this must be
 * at least the replication factor, since each copy of a stream lives on a different ingester
 * (3 and 3 in prod; the tests assert it). The compactor is a singleton by design (one compactor
 * applies retention), so it runs 1.
 * The ruler runs in prod too. The gateway routes the rules API to it, and it is what reads the
 * ruler bucket. The monolith runs it in dev.
 */
function replicaCounts(tier: Tier): Record<Component, number> {
    const n = SIZING[tier].loki.replicas;
    const zero = Object.fromEntries(COMPONENTS.map(c => [c, 0])) as Record<Component, number>;
    if (tier === "dev") return { ...zero, singleBinary: n };
    return { ...zero, ingester: n, distributor: n, querier: n, queryFrontend: n, queryScheduler: n, indexGateway: n, ruler: n, compactor: 1 };
}


/**
 * PodDisruptionBudget of a running component. The chart renders one only when the component has
 * more than one replica AND a budget is set; `enabled` alone renders nothing.
 * prod: at most one pod of each component evicted at a time. With 3 ingesters and replication
 * factor 3, that keeps a write quorum of 2.
 * dev: off (SIZING.podDisruptionBudgets).
 */
function pdb(tier: Tier): Record<string, unknown> {
    return SIZING[tier].podDisruptionBudgets ? { enabled: true, maxUnavailable: 1 } : { enabled: false };
}

/**
 * The gateway's rollout. The chart gives its pods a REQUIRED anti-affinity per node, and runs as
 * many as the other components (3 in prod, on node pools of 3 nodes at minimum). With the default
 * RollingUpdate surge, a rollout first adds a 4th pod that no node may take, and the rollout (and
 * the atomic Helm upgrade) hangs. Replacing pods one at a time, with no surge, needs no spare node:
 * one pod of 3 is down while its replacement starts on the node it left (2 keep serving; the PDB
 * allows the same 1). In dev (1 replica) the gateway is briefly down during a rollout.
 */
export const GATEWAY_DEPLOYMENT_STRATEGY = { type: "RollingUpdate", rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } } as const;

/** replicas, resources and PDB of every component. Per-mode extras (persistence) are merged on top in renderLokiValues. */
function workloads(tier: Tier): Record<Component, Record<string, unknown>> {
    const counts = replicaCounts(tier);
    const out = {} as Record<Component, Record<string, unknown>>;
    for (const c of COMPONENTS) {
        const replicas = counts[c];
        out[c] = replicas === 0 ? { replicas } : {
            replicas,
            resources: resourceValues(HEAVY.has(c) ? SIZING[tier].loki.resources : LOKI_LIGHT_RESOURCES),
            // A budget only where there is more than one pod: the chart renders none for one replica
            // (the singleton compactor, dev's monolith), so the key would do nothing there.
            ...(replicas > 1 ? { podDisruptionBudget: pdb(tier) } : {}),
        };
    }
    return out;
}

/** The Loki chart's values for one cluster. */
export function renderLokiValues(input: RenderInput): Record<string, unknown> {
    const { tier } = input;
    const sizing = SIZING[tier];
    const storageType = input.storage.type;
    const identity = input.identities.loki;
    const w = workloads(tier);

    return {
        /** Fixes every object name to `loki-*`, so the gateway Service is `loki-gateway` as topology.ts expects. */
        fullnameOverride: RELEASES.loki,
        deploymentMode: LOKI_DEPLOYMENT_MODE[tier],

        loki: {
            auth_enabled: LOKI_TENANCY.authEnabled,
            /**
             * Copies of each stream (chart default 3). From SIZING: 1 in dev (one pod), 3 in prod.
             * Never more than the ingesters that hold the copies.
             */
            commonConfig: { replication_factor: sizing.loki.replicationFactor },
            /**
             * Mandatory: the chart fails to render without a schema. tsdb + v13 is what Loki 3
             * needs for structured metadata and hence native OTLP. Compactor retention needs
             * the 24h index period.
             */
            schemaConfig: {
                configs: [{
                    from: LOKI_SCHEMA_FROM,
                    store: "tsdb",
                    object_store: storageType,
                    schema: "v13",
                    index: { prefix: "index_", period: "24h" },
                }],
            },
            /**
             * Object storage, no credentials. S3: the region only. IRSA provides credentials
             * through the service account, and the SDK derives the endpoint from the region.
             * GCS: ADC via GKE Workload Identity, so only the bucket names are needed.
             * `bucketNames.admin` is Enterprise-only (GEL), so it is not set here.
             */
            storage: {
                type: storageType,
                bucketNames: { chunks: input.storage.buckets.lokiChunks, ruler: input.storage.buckets.lokiRuler },
                ...(storageType === "s3" ? { s3: { region: input.storage.region } } : {}),
            },
            /**
             * Merged by Helm into the chart's limits_config.
             * Retention is in whole hours. `allow_structured_metadata` is already true in Loki 3.x.
             * It is set explicitly because OTLP ingestion (the collector's otlphttp → /otlp) needs it.
             */
            limits_config: {
                retention_period: toHours(input.retention.logsMs),
                allow_structured_metadata: true,
            },
            /**
             * The chart leaves the compactor unconfigured (`{}`), which means no retention at all.
             * `delete_request_store` is required once retention is enabled.
             * The 2h delete delay is the one LIFECYCLE_MARGIN_DAYS (defaults.ts) leaves room for:
             * the buckets' lifecycle rules expire objects a day after the retention.
             */
            compactor: {
                working_directory: COMPACTOR_WORKING_DIRECTORY,
                retention_enabled: true,
                retention_delete_delay: "2h",
                delete_request_store: storageType,
            },
            /**
             * No anonymous usage reports to Grafana Labs from customer clusters (Loki's
             * `analytics.reporting_enabled`, default true), as for Tempo and Alloy. The chart
             * renders `loki.analytics` verbatim as the config's `analytics` block.
             */
            analytics: { reporting_enabled: false },
        },

        /**
         * One service account for every Loki component (the per-component ones stay off). Its
         * name and annotations are the ones the IAM role / GCP service account trusts.
         */
        serviceAccount: { create: true, name: identity.serviceAccount, annotations: { ...identity.annotations } },

        /**
         * No rules sidecar, and RBAC in the namespace only. The chart's sidecar watches ConfigMaps and
         * Secrets for rule files (nothing here writes any: the ruler reads the ruler bucket), and for
         * it the chart binds a ClusterRole that reads Secrets in every namespace to Loki's service
         * account, which is also its cloud identity. With both off the chart renders no ClusterRole,
         * ClusterRoleBinding, Role or RoleBinding at all.
         */
        sidecar: { rules: { enabled: false } },
        rbac: { namespaced: true },

        /** dev: the monolith, with its data (WAL, index cache, compactor marks) on a PVC of SIZING's size. */
        singleBinary: {
            ...w.singleBinary,
            ...(tier === "dev" ? { persistence: { enabled: true, size: sizing.loki.storage } } : {}),
        },
        write: w.write,
        read: w.read,
        backend: w.backend,

        /**
         * prod write path: the ingesters' WAL goes on a PVC of SIZING's size (the chart default is
         * no PVC, so a restart would lose unflushed chunks). Zone-aware replication (chart
         * default on) is turned off. Its three per-zone StatefulSets are only rolled safely by
         * rollout-operator, which the chart leaves off. Without it, Kubernetes updates the three
         * at once, restarting every ingester together. One StatefulSet rolls one pod at a time,
         * with hard per-node anti-affinity.
         */
        ingester: {
            ...w.ingester,
            ...(tier === "prod" ? {
                zoneAwareReplication: { enabled: false },
                persistence: { enabled: true, claims: [{ name: "data", accessModes: ["ReadWriteOnce"], size: sizing.loki.storage }] },
            } : {}),
        },
        distributor: w.distributor,
        querier: w.querier,
        queryFrontend: w.queryFrontend,
        queryScheduler: w.queryScheduler,
        indexGateway: w.indexGateway,
        /** prod: the compactor's working directory on a PVC (chart default size). */
        compactor: { ...w.compactor, ...(tier === "prod" ? { persistence: { enabled: true } } : {}) },
        ruler: w.ruler,

        /**
         * Memcached caches. allocatedMemory comes from SIZING: small in dev, large in prod. The
         * chart defaults are 8192 MB for chunks and 1024 MB for results. The chart derives the
         * pod memory limit from allocatedMemory.
         */
        chunksCache: { enabled: true, allocatedMemory: sizing.loki.chunksCacheMb },
        resultsCache: { enabled: true, allocatedMemory: sizing.loki.resultsCacheMb },
        /** The memcached-exporter sidecar of both caches (chart default: no resources). */
        memcachedExporter: { resources: resourceValues(HELPER_RESOURCES.memcachedExporter) },

        /**
         * The single entry point: Alloy pushes (/loki/api/v1/push), the collector sends OTLP
         * (/otlp), Grafana queries, and the gateway routes each to the right component. It runs
         * the same replica count as the other components.
         * `verboseLogging` (chart default true) would log every successful push. Alloy would
         * ship that line back to Loki, so only non-2xx/3xx requests are logged; the exporter
         * sidecar still counts them all.
         */
        gateway: {
            enabled: true,
            replicas: sizing.loki.replicas,
            verboseLogging: false,
            resources: resourceValues(LOKI_LIGHT_RESOURCES),
            /** The nginx exporter sidecar. */
            metrics: { resources: resourceValues(HELPER_RESOURCES.gatewayExporter) },
            ...(sizing.loki.replicas > 1 ? { podDisruptionBudget: pdb(tier) } : {}),
            deploymentStrategy: GATEWAY_DEPLOYMENT_STRATEGY,
        },

        /**
         * The canary stays on in both tiers as one small Deployment (chart default: a DaemonSet,
         * one pod per node). It writes a line a second through the gateway and reads it back,
         * so its metrics are an end-to-end probe of the write and read paths.
         * `test.enabled` is left alone: chart 18.11.0 ships no test pod, and its only reader
         * (validate.yaml) merely requires the canary when it is on, which it is.
         */
        lokiCanary: { enabled: true, kind: "Deployment", replicas: 1, resources: resourceValues(LOKI_CANARY_RESOURCES) },

        /** Deprecated bundled MinIO stays off (chart default false; the shipped examples turn it on). */
        minio: { enabled: false },

        /**
         * The chart's ServiceMonitor scrapes `http-metrics` on every Service of the release.
         * kube-prometheus-stack selects every ServiceMonitor, and
         * the `release` label keeps it selected if those selectors are ever narrowed back. It
         * scrapes at the platform's interval. The chart's 15s default exists for its own
         * recording rules, which are not installed.
         */
        monitoring: {
            serviceMonitor: {
                enabled: true,
                labels: { release: RELEASES.kubePrometheusStack },
                interval: input.scrapeInterval,
            },
        },
    };
}
