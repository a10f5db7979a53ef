/**
 * What every pure renderer (Helm values, collector config, Alloy config) receives: plain, already
 * resolved values for one cluster. Components resolve Outputs (bucket names, role ARNs) and then
 * call the renderers inside `apply`, so the renderers stay pure and testable offline.
 */
import type { WorkloadKey } from "../defaults";

export type Tier = "dev" | "prod";
export type Cloud = "aws" | "gcp";

/** The Kubernetes identity of a workload that reaches object storage. */
export interface WorkloadIdentityFacts {
    readonly namespace: string;
    readonly serviceAccount: string;
    /** e.g. {"eks.amazonaws.com/role-arn": "arn:aws:iam::…"} or {"iam.gke.io/gcp-service-account": "loki@p.iam.gserviceaccount.com"}. */
    readonly annotations: Readonly<Record<string, string>>;
}

export interface ObjectStorageFacts {
    /** Loki's `storage.type` / Tempo's `backend`: "s3" on AWS, "gcs" on GCP. */
    readonly type: "s3" | "gcs";
    /** Cloud region of the buckets (used for the S3 endpoint). */
    readonly region: string;
    readonly buckets: { readonly lokiChunks: string; readonly lokiRuler: string; readonly tempo: string };
}

/** Retention per signal, in milliseconds (components/duration.ts formats them). */
export interface Retention {
    readonly metricsMs: number;
    readonly logsMs: number;
    readonly tracesMs: number;
}

export interface RenderInput {
    readonly stack: string;
    readonly tier: Tier;
    readonly cluster: { readonly name: string; readonly cloud: Cloud; readonly region: string };
    /** Retention per signal, as milliseconds (see components/duration.ts to format). */
    readonly retention: Retention;
    /** Tail sampling: keep `percentage` of ordinary traces; errors and traces slower than the threshold are always kept. */
    readonly sampling: { readonly percentage: number; readonly latencyThresholdMs: number };
    /** Prometheus scrape interval, e.g. "30s". */
    readonly scrapeInterval: string;
    readonly storage: ObjectStorageFacts;
    readonly identities: Readonly<Record<WorkloadKey, WorkloadIdentityFacts>>;
}
