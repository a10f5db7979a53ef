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

/** Kebab-case resource-name suffix of a bucket key. */
export function bucketSuffix(bucket: BucketKey): string {
    return bucket.replace(/[A-Z]/g, c => `-${c.toLowerCase()}`);
}
