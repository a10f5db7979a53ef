/**
 * Object-store lifecycle against the retention of the backend that writes to each bucket: a data
 * bucket (Loki chunks, Tempo blocks) expires objects no earlier than that retention (no data
 * vanishes while the backend still serves it) and no later than the retention, rounded up to whole
 * days, plus a margin (cost stays capped). A bucket that holds configuration (the Loki ruler)
 * never expires. The writers and their retention are read from the Helm release values.
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
                    ? { backend: "Loki (ruler)", retentionMs: undefined, configKey: undefined }
                    : { backend: `Loki (${kind})`, retentionMs, configKey: "observability:retention.logs" });
            }
        } else if (isChart(r.props, "tempo", "tempo-distributed")) {
            const distributed = isChart(r.props, "tempo-distributed");
            const retentionMs = durationMs(distributed ? dig(values, "compactor", "config", "compaction", "block_retention") : dig(values, "tempo", "retention"));
            const trace = distributed ? dig(values, "storage", "trace") : dig(values, "tempo", "storage", "trace");
            for (const bucket of [dig(trace, "s3", "bucket"), dig(trace, "gcs", "bucket_name"), dig(trace, "azure", "container_name")]) {
                if (typeof bucket === "string") out.set(bucket, { backend: "Tempo", retentionMs, configKey: "observability:retention.traces" });
            }
        }
    }
    return out;
}

interface Expiry {
    /** The earliest day any enabled rule deletes current objects (some or all). */
    readonly earliest: number | undefined;
    /** The day a whole-bucket rule deletes every current object, if any. */
    readonly all: number | undefined;
}

const isWholeBucket = (filter: unknown) => {
    if (filter === undefined || filter === null) return true;
    const f = filter as Props;
    return !f.tag && !f.and && !f.objectSizeGreaterThan && !f.objectSizeLessThan && (f.prefix === undefined || f.prefix === "");
};

function minOf(xs: number[]): number | undefined {
    return xs.length ? Math.min(...xs) : undefined;
}

function s3Expiry(rules: Props[]): Expiry {
    const enabled = rules.filter(r => r.status === "Enabled" && typeof dig(r, "expiration", "days") === "number");
    return {
        earliest: minOf(enabled.map(r => r.expiration.days)),
        all: minOf(enabled.filter(r => isWholeBucket(r.filter) && (r.prefix === undefined || r.prefix === "")).map(r => r.expiration.days)),
    };
}

function gcsExpiry(rules: Props[]): Expiry {
    const deletes = rules.filter(r => dig(r, "action", "type") === "Delete" && typeof dig(r, "condition", "age") === "number");
    const whole = (r: Props) => {
        const c = r.condition ?? {};
        return !c.matchesPrefixes?.length && !c.matchesSuffixes?.length && !c.matchesStorageClasses?.length && c.withState !== "ARCHIVED" && c.noAge !== true;
    };
    return { earliest: minOf(deletes.map(r => r.condition.age)), all: minOf(deletes.filter(whole).map(r => r.condition.age)) };
}

/** Every bucket of the stack with its name and expiry. */
function buckets(resources: readonly PolicyResource[]): { resource: PolicyResource; name: string; expiry: Expiry }[] {
    const s3Rules = new Map<string, Props[]>();
    for (const r of resources) {
        if (r.type === T.s3Lifecycle || r.type === T.s3LifecycleV2) s3Rules.set(String(r.props.bucket), [...(s3Rules.get(String(r.props.bucket)) ?? []), ...(r.props.rules ?? [])]);
    }
    const out = [];
    for (const r of resources) {
        if (r.type === T.s3Bucket || r.type === T.s3BucketV2) {
            const name = String(r.props.bucket ?? r.name);
            out.push({ resource: r, name, expiry: s3Expiry(s3Rules.get(name) ?? []) });
        } else if (r.type === T.gcsBucket) {
            const name = String(r.props.name ?? r.name);
            out.push({ resource: r, name, expiry: gcsExpiry(r.props.lifecycleRules ?? []) });
        }
    }
    return out;
}

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
            const { earliest, all } = b.expiry;
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
            if (all === undefined) {
                reportViolation(`Bucket ${b.name} never expires ${w.backend}'s data, which is kept ${retention}, so storage cost grows without bound; add a lifecycle rule expiring objects after ${max} days (components/retention.ts).`, b.resource.urn);
            } else if (all > max) {
                reportViolation(`Bucket ${b.name} keeps objects ${all} days, longer than ${w.backend}'s ${retention} retention plus ${marginDays} day(s) margin (${max} days); expire after at most ${max} days (components/retention.ts).`, b.resource.urn);
            }
        }
    },
};
