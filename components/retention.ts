/** How long object stores keep each kind of data, derived from the signal's retention. */
import { LIFECYCLE_MARGIN_DAYS } from "./defaults";
import { ceilDays } from "./duration";

/**
 * Days until objects expire: the retention rounded up to whole days, plus a margin, so the store
 * never deletes data the application still serves (the compactors delete on time themselves).
 */
export function expirationDays(retentionMs: number): number {
    return ceilDays(retentionMs) + LIFECYCLE_MARGIN_DAYS;
}

/** Which retention governs each bucket; `undefined` means the bucket holds configuration, not data. */
export const BUCKET_RETENTION = {
    lokiChunks: "logs",
    lokiRuler: undefined,
    tempo: "traces",
} as const;
export type BucketKey = keyof typeof BUCKET_RETENTION;
export const BUCKET_KEYS = Object.keys(BUCKET_RETENTION) as BucketKey[];

export function bucketExpirationDays(bucket: BucketKey, retention: { readonly logsMs: number; readonly tracesMs: number }): number | undefined {
    const signal = BUCKET_RETENTION[bucket];
    if (signal === undefined) return undefined;
    return expirationDays(signal === "logs" ? retention.logsMs : retention.tracesMs);
}

/**
 * The object prefixes a bucket's expiry applies to; `undefined` expires the whole bucket.
 * Loki's chunks bucket also holds the compactor's delete-requests database under
 * `index/delete_requests/`, which must never expire (pending and processed deletion requests would
 * be lost). Expiry therefore covers only the data: the chunks of Loki's single tenant (`fake/`, see
 * render/loki.ts) and the TSDB index tables (`index/index_`, the schema's index prefix `index_`).
 */
export const BUCKET_EXPIRY_PREFIXES: Readonly<Record<BucketKey, readonly string[] | undefined>> = {
    lokiChunks: ["fake/", "index/index_"],
    lokiRuler: undefined,
    tempo: undefined,
};

/** Never expired by any rule, whatever the retention: Loki's delete-requests database. */
export const NEVER_EXPIRED_PREFIXES = ["index/delete_requests/"] as const;

/** A bucket's expiry: days, and the prefixes it applies to (undefined: the whole bucket). */
export interface BucketExpiry {
    readonly days: number;
    readonly prefixes?: readonly string[];
}

export function bucketExpiry(bucket: BucketKey, retention: { readonly logsMs: number; readonly tracesMs: number }): BucketExpiry | undefined {
    const days = bucketExpirationDays(bucket, retention);
    if (days === undefined) return undefined;
    const prefixes = BUCKET_EXPIRY_PREFIXES[bucket];
    return prefixes === undefined ? { days } : { days, prefixes };
}

/** Kebab-case resource-name suffix of a bucket key. */
export function bucketSuffix(bucket: BucketKey): string {
    return bucket.replace(/[A-Z]/g, c => `-${c.toLowerCase()}`);
}
