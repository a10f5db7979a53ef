/**
 * Object-store lifecycle against the retention of the backend that writes to each bucket: a data
 * bucket (Loki chunks, Tempo blocks) expires objects no earlier than that retention (no data
 * vanishes while the backend still serves it) and no later than the retention, rounded up to whole
 * days, plus a margin (cost stays capped). A bucket that holds configuration (the Loki ruler)
 * never expires. The writers and their retention are read from the Helm release values.
 * Expiry may be scoped by prefix (S3 rule filters, GCS `matchesPrefixes`): every prefix that holds
 * data must then be covered by a rule within those bounds, and Loki's delete-requests database in
 * its chunks bucket (`index/delete_requests/`) must be covered by none.
 */
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { dig, durationMs, fmt, isChart, Props, T } from "../lib/common";

export interface LifecycleConfig {
    /** Whole days an expiry may exceed the retention (rounded up to days). */
    readonly marginDays: number;
}

const DAY_MS = 86_400_000;

/** What a backend stores in one bucket. */
interface Writer {
    readonly backend: string;
    /** The retention of the data, or undefined for a bucket holding configuration only. */
    readonly retentionMs: number | undefined;
    readonly configKey: string | undefined;
    /** Object prefixes that hold the data and must expire ("" = the whole bucket). */
    readonly dataPrefixes: readonly string[];
    /** Object prefixes that must never expire (Loki's delete-requests database). */
    readonly keepPrefixes: readonly string[];
}

/**
 * Where Loki keeps data and state in its chunks bucket. Chunks go under `<tenant>/`: with
 * `auth_enabled: false` the one tenant is `fake`, otherwise tenants are unknown and the whole
 * bucket holds data. TSDB index tables go under `index/<schema index prefix>`. The compactor's
 * delete-requests database lives under `<delete_request_store_key_prefix, default index/>delete_requests/`.
 */
function lokiChunksLayout(values: Props): { dataPrefixes: string[]; keepPrefixes: string[] } {
    const indexRoot = "index/";
    const keyPrefix = dig(values, "loki", "compactor", "delete_request_store_key_prefix");
    const keepPrefixes = [`${typeof keyPrefix === "string" ? keyPrefix : indexRoot}delete_requests/`];
    if (dig(values, "loki", "auth_enabled") !== false) return { dataPrefixes: [""], keepPrefixes };
    const configs: unknown = dig(values, "loki", "schemaConfig", "configs");
    const indexPrefixes = (Array.isArray(configs) ? configs : [])
        .map(c => dig(c, "index", "prefix"))
        .filter((p): p is string => typeof p === "string");
    return { dataPrefixes: ["fake/", ...[...new Set(indexPrefixes)].map(p => `${indexRoot}${p}`)], keepPrefixes };
}

/** Buckets named in the Loki and Tempo release values, with the retention of what goes there. */
export function bucketWriters(resources: readonly PolicyResource[]): Map<string, Writer> {
    const out = new Map<string, Writer>();
    for (const r of resources) {
        if (r.type !== T.release) continue;
        const values: Props = r.props.values ?? {};
        if (isChart(r.props, "loki")) {
            const retentionMs = durationMs(dig(values, "loki", "limits_config", "retention_period"));
            const names = dig(values, "loki", "storage", "bucketNames") ?? {};
            for (const [kind, bucket] of Object.entries<unknown>(names)) {
                if (typeof bucket !== "string") continue;
                out.set(bucket, kind === "ruler"
                    ? { backend: "Loki (ruler)", retentionMs: undefined, configKey: undefined, dataPrefixes: [], keepPrefixes: [] }
                    : { backend: `Loki (${kind})`, retentionMs, configKey: "observability:retention.logs", ...(kind === "chunks" ? lokiChunksLayout(values) : { dataPrefixes: [""], keepPrefixes: [] }) });
            }
        } else if (isChart(r.props, "tempo", "tempo-distributed")) {
            const distributed = isChart(r.props, "tempo-distributed");
            const retentionMs = durationMs(distributed ? dig(values, "compactor", "config", "compaction", "block_retention") : dig(values, "tempo", "retention"));
            const trace = distributed ? dig(values, "storage", "trace") : dig(values, "tempo", "storage", "trace");
            for (const bucket of [dig(trace, "s3", "bucket"), dig(trace, "gcs", "bucket_name"), dig(trace, "azure", "container_name")]) {
                if (typeof bucket === "string") out.set(bucket, { backend: "Tempo", retentionMs, configKey: "observability:retention.traces", dataPrefixes: [""], keepPrefixes: [] });
            }
        }
    }
    return out;
}

/**
 * One enabled expiry: after `days`, deletes current objects under `prefix` ("" = the whole bucket),
 * or, when `prefix` is undefined, only some objects selected by other conditions (tags, sizes,
 * suffixes, storage classes), which count for "deletes too early" but cover no prefix.
 */
interface ExpiryRule {
    readonly days: number;
    readonly prefix: string | undefined;
}

function s3Rules(rules: Props[]): ExpiryRule[] {
    return rules.filter(r => r.status === "Enabled" && typeof dig(r, "expiration", "days") === "number").map(r => {
        const f: Props = r.filter ?? {};
        const onlyPrefix = !f.tag && !f.and && f.objectSizeGreaterThan === undefined && f.objectSizeLessThan === undefined;
        const prefix = [f.prefix, r.prefix].find(p => typeof p === "string" && p !== "") ?? "";
        return { days: r.expiration.days as number, prefix: onlyPrefix ? prefix : undefined };
    });
}

function gcsRules(rules: Props[]): ExpiryRule[] {
    return rules.filter(r => dig(r, "action", "type") === "Delete" && typeof dig(r, "condition", "age") === "number").flatMap((r): ExpiryRule[] => {
        const c: Props = r.condition;
        const days = c.age as number;
        const onlyPrefix = !c.matchesSuffixes?.length && !c.matchesStorageClasses?.length && c.withState !== "ARCHIVED" && c.noAge !== true;
        if (!onlyPrefix) return [{ days, prefix: undefined }];
        const prefixes: string[] = c.matchesPrefixes?.length ? c.matchesPrefixes : [""];
        return prefixes.map(prefix => ({ days, prefix }));
    });
}

/** Every bucket of the stack with its name and expiry rules. */
function buckets(resources: readonly PolicyResource[]): { resource: PolicyResource; name: string; rules: ExpiryRule[] }[] {
    const s3 = new Map<string, Props[]>();
    for (const r of resources) {
        if (r.type === T.s3Lifecycle || r.type === T.s3LifecycleV2) s3.set(String(r.props.bucket), [...(s3.get(String(r.props.bucket)) ?? []), ...(r.props.rules ?? [])]);
    }
    const out = [];
    for (const r of resources) {
        if (r.type === T.s3Bucket || r.type === T.s3BucketV2) {
            const name = String(r.props.bucket ?? r.name);
            out.push({ resource: r, name, rules: s3Rules(s3.get(name) ?? []) });
        } else if (r.type === T.gcsBucket) {
            const name = String(r.props.name ?? r.name);
            out.push({ resource: r, name, rules: gcsRules(r.props.lifecycleRules ?? []) });
        }
    }
    return out;
}

const where = (prefix: string) => prefix === "" ? "" : ` under ${prefix}`;

export const lifecyclePolicy: StackValidationPolicy = {
    name: "obs-bucket-configure-lifecycle",
    description: "Every bucket's lifecycle matches the retention of the backend that writes to it: objects expire no earlier than that retention and no later than the retention plus a margin, and buckets that hold configuration rather than data never expire.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            marginDays: { type: "integer", minimum: 0, maximum: 30, default: 1, description: "Whole days an expiry may exceed the retention (rounded up to days)." },
        },
    },
    validateStack: (args, reportViolation) => {
        const { marginDays } = args.getConfig<LifecycleConfig>();
        const writers = bucketWriters(args.resources);
        for (const b of buckets(args.resources)) {
            const w = writers.get(b.name);
            if (!w) continue;
            const earliest = b.rules.length ? Math.min(...b.rules.map(r => r.days)) : undefined;
            if (w.retentionMs === undefined) {
                if (earliest !== undefined) {
                    reportViolation(`Bucket ${b.name} holds ${w.backend} configuration, not data, yet a lifecycle rule deletes objects after ${earliest} days; remove the expiry (components/retention.ts BUCKET_RETENTION).`, b.resource.urn);
                }
                continue;
            }
            const retention = fmt(w.retentionMs);
            if (earliest !== undefined && earliest * DAY_MS < w.retentionMs) {
                reportViolation(`Bucket ${b.name} deletes objects after ${earliest} days, before ${w.backend}'s ${retention} retention ends, so data vanishes early; expire after at least ${Math.ceil(w.retentionMs / DAY_MS)} days (components/retention.ts), or lower ${w.configKey}.`, b.resource.urn);
            }
            const max = Math.ceil(w.retentionMs / DAY_MS) + marginDays;
            for (const keep of w.keepPrefixes) {
                const hits = b.rules.filter(r => r.prefix !== undefined && (keep.startsWith(r.prefix) || r.prefix.startsWith(keep)));
                if (hits.length) {
                    const scopes = [...new Set(hits.map(r => r.prefix === "" ? "the whole bucket" : `prefix ${r.prefix}`))].join(", ");
                    reportViolation(`Bucket ${b.name} deletes ${w.backend}'s delete-requests database under ${keep} after ${Math.min(...hits.map(r => r.days))} days (a rule on ${scopes}), losing pending and processed deletion requests; expire only the data prefixes (components/retention.ts BUCKET_EXPIRY_PREFIXES).`, b.resource.urn);
                }
            }
            for (const prefix of w.dataPrefixes) {
                const covering = b.rules.filter(r => r.prefix !== undefined && prefix.startsWith(r.prefix));
                const days = covering.length ? Math.min(...covering.map(r => r.days)) : undefined;
                if (days === undefined) {
                    reportViolation(`Bucket ${b.name} never expires ${w.backend}'s data${where(prefix)}, which is kept ${retention}, so storage cost grows without bound; add a lifecycle rule expiring objects${where(prefix)} after ${max} days (components/retention.ts).`, b.resource.urn);
                } else if (days > max) {
                    reportViolation(`Bucket ${b.name} keeps objects${where(prefix)} ${days} days, longer than ${w.backend}'s ${retention} retention plus ${marginDays} day(s) margin (${max} days); expire after at most ${max} days (components/retention.ts).`, b.resource.urn);
                }
            }
        }
    },
};
