/**
 * Every default and every bound of the environment model, in one place. The schema
 * (stacks/schema.ts) applies these; components never invent their own. README's config reference
 * is written from this file: change both together.
 */

/** Allowed ranges for retention, from the design: metrics weeks to months, logs days to a week or two, traces hours to days. */
export const RETENTION_BOUNDS = {
    metrics: { min: "7d", max: "400d" },
    logs: { min: "1d", max: "14d" },
    traces: { min: "1h", max: "14d" },
} as const;

/** Trace sampling. Errors and slow traces are always kept; `percentage` applies to the rest. */
export const SAMPLING = {
    /** Percentage of ordinary traces kept: 0.01 to 100. */
    percentage: { min: 0.01, max: 100 },
    /** A trace slower than this is always kept. Defaults to 2s; allowed 100ms to 60s. */
    latencyThreshold: { default: "2s", min: "100ms", max: "60s" },
} as const;

/** Prometheus scrape interval. Defaults to 30s; the design allows 15s to 30s. */
export const SCRAPE_INTERVAL = { default: "30s", min: "15s", max: "30s" } as const;

/**
 * Service-level objectives (alerting.slos). Objectives are percentages from `min` up to (not
 * including) `max`: below about 93.1 % the fast-burn alert could never fire (14.4 × a budget above
 * 6.9 % exceeds 100 % errors), so 95 is the floor; 100 % leaves no budget to burn. The compliance window is 30 days (the burn-rate
 * factors 14.4, 6 and 1 of the multi-window alerts are derived from it).
 */
export const SLO_BOUNDS = {
    availability: { min: 95, max: 100 },
    latency: { min: 95, max: 100 },
    maxServices: 50,
    window: "30d",
} as const;

/** Node pool sizes. */
export const NODE_POOL = {
    min: { min: 1, max: 100 },
    max: { min: 1, max: 200 },
    /** Root disk per node in GiB. Defaults to 100. */
    diskSizeGb: { default: 100, min: 20, max: 2000 },
} as const;

/** Network ranges used when the stack does not bring its own VPC. */
export const NETWORK = {
    /** AWS: VPC CIDR. Two /19 private and two /24 public subnets are carved from it, one per AZ. */
    awsVpcCidr: "10.0.0.0/16",
    /** AWS: number of availability zones to spread subnets and nodes over. Defaults to 2 (the minimum EKS accepts), 3 in prod. */
    awsAzCount: { dev: 2, prod: 3 },
    /** GCP: node subnet, and the secondary ranges for pods and services (VPC-native). */
    gcpNodeCidr: "10.10.0.0/20",
    gcpPodCidr: "10.16.0.0/14",
    gcpServiceCidr: "10.20.0.0/20",
    /** GCP: the control plane's private range (a /28 that must not overlap the ranges above). */
    gcpMasterCidr: "172.16.0.0/28",
} as const;

/** Control-plane CIDRs per cluster (EKS accepts 40 publicAccessCidrs, GKE 50 authorized networks). */
export const AUTHORIZED_NETWORKS_MAX = 40;

/** CloudWatch log groups (EKS control plane, VPC flow logs): days kept, per tier. */
export const CLOUDWATCH_RETENTION_DAYS = { dev: 7, prod: 90 } as const;

/** VPC flow logs on GCP subnets: sampled share of flows and aggregation interval. */
export const GCP_FLOW_LOGS = { flowSampling: 0.5, aggregationInterval: "INTERVAL_5_SEC", metadata: "INCLUDE_ALL_METADATA" } as const;

/** Prod GKE upgrades happen only in this weekly window (UTC, weekend nights). */
export const GKE_MAINTENANCE_WINDOW = {
    startTime: "2026-01-03T01:00:00Z", endTime: "2026-01-03T07:00:00Z", recurrence: "FREQ=WEEKLY;BYDAY=SA,SU",
} as const;

/** Cloud KMS key rotation for GKE Secrets encryption (CIS GKE 5.3.1): every 90 days. */
export const GCP_KMS_ROTATION_PERIOD = "7776000s";

/** GKE release channel. Defaults to REGULAR. */
export const GKE_RELEASE_CHANNELS = ["RAPID", "REGULAR", "STABLE"] as const;
export const GKE_RELEASE_CHANNEL_DEFAULT = "REGULAR";

/**
 * Object-store lifecycle: objects expire this many whole days after the retention of the data they
 * hold (rounded up to whole days), so the store never deletes before Loki/Tempo would, and the
 * compactors' own delete delay (Loki retention_delete_delay 2h) has room.
 */
export const LIFECYCLE_MARGIN_DAYS = 1;

/** Days a scheduled KMS key deletion waits (the maximum, 30, in prod). */
export const KMS_DELETION_WINDOW_DAYS = { dev: 7, prod: 30 } as const;

/** Incomplete multipart uploads are aborted after this many days on every S3 bucket. */
export const ABORT_MULTIPART_DAYS = 1;

/**
 * The Kubernetes namespace and service account of each workload that reaches object storage.
 * IAM trust (IRSA) and Workload Identity bindings are made for exactly these, and the Helm values
 * of issue 3 create the service accounts with these names.
 */
export const WORKLOADS = {
    loki: { namespace: "logging", serviceAccount: "loki" },
    tempo: { namespace: "tracing", serviceAccount: "tempo" },
} as const;
export type WorkloadKey = keyof typeof WORKLOADS;

/** The tags every AWS resource of a stack gets (the AWS provider's defaultTags). */
export function stackTags(stack: string): Record<string, string> {
    return { "managed-by": "pulumi", "pulumi-project": "observability", "pulumi-stack": stack };
}

/** The tags/labels put on every cloud resource of one cluster that takes them. */
export function commonTags(stack: string, cluster: string): Record<string, string> {
    return { ...stackTags(stack), "obs-cluster": cluster };
}
