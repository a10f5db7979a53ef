/**
 * The one typed model of an environment, as `observability:*` stack config declares it.
 * Every leaf carries the text of what it allows, so a bad value becomes one message naming the key,
 * the value and what is allowed (see stacks/config.ts). Objects are strict: unknown keys are errors.
 */
import { z } from "zod";
import { CHARTS, CHART_KEYS, KUBERNETES_VERSIONS } from "../components/versions";
import {
    GKE_RELEASE_CHANNELS, GKE_RELEASE_CHANNEL_DEFAULT, NODE_POOL, RETENTION_BOUNDS, SAMPLING, SCRAPE_INTERVAL,
} from "../components/defaults";
import { formatDuration, parseDuration } from "../components/duration";
import { vendoredVersions } from "../components/charts";
import { cloudIssues } from "./cloud-checks";

// ---- leaf builders: each passes the same "allowed" text to the type check and every refinement ----

function text(re: RegExp, allowed: string) {
    return z.string({ error: allowed }).regex(re, { error: allowed });
}

function int(min: number, max: number, what = "an integer") {
    const allowed = `${what} from ${min} to ${max}`;
    return z.number({ error: allowed }).int({ error: allowed }).min(min, { error: allowed }).max(max, { error: allowed });
}

function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
    return z.enum(values, { error: `one of ${values.map(v => JSON.stringify(v)).join(", ")}` });
}

function bool() {
    return z.boolean({ error: "true or false" });
}

/** A duration string between `min` and `max` inclusive. */
export function duration(min: string, max: string) {
    const lo = parseDuration(min)!;
    const hi = parseDuration(max)!;
    const allowed = `a duration like "${max}" from ${formatDuration(lo)} to ${formatDuration(hi)}`;
    return z.string({ error: allowed }).refine(v => {
        const ms = parseDuration(v);
        return ms !== undefined && ms >= lo && ms <= hi;
    }, { error: allowed });
}

/** A strict object whose unknown-key error lists the allowed keys. */
function obj<S extends z.ZodRawShape>(shape: S, what = "an object") {
    const keys = Object.keys(shape);
    return z.strictObject(shape, {
        error: iss => iss.code === "unrecognized_keys"
            ? `allowed keys are ${keys.join(", ")}`
            : `${what} with keys ${keys.join(", ")}`,
    });
}

// ---- clusters ----

const CLUSTER_NAME = text(/^[a-z][a-z0-9-]{1,18}[a-z0-9]$/,
    "3 to 20 characters of lowercase letters, digits and '-', starting with a letter and ending with a letter or digit");
const K8S_VERSION = z.enum(KUBERNETES_VERSIONS, {
    error: iss => `one of ${KUBERNETES_VERSIONS.map(v => JSON.stringify(v)).join(", ")}${typeof iss.input === "number" ? " (quote the version in YAML: \"1.34\", not 1.34)" : ""}`,
});

function nodePool(machineType: z.ZodString) {
    return obj({
        machineType,
        min: int(NODE_POOL.min.min, NODE_POOL.min.max),
        max: int(NODE_POOL.max.min, NODE_POOL.max.max),
        diskSizeGb: int(NODE_POOL.diskSizeGb.min, NODE_POOL.diskSizeGb.max).default(NODE_POOL.diskSizeGb.default),
    }).superRefine((p, ctx) => {
        if (p.max < p.min) {
            ctx.addIssue({ code: "custom", path: ["max"], input: p.max, message: `an integer ≥ nodePool.min (${p.min})` });
        }
    });
}

const AWS_ROLE_OR_USER_ARN = text(/^arn:aws(-[a-z]+)*:iam::\d{12}:(role|user)\/[\w+=,.@\/-]+$/,
    "an IAM role or user ARN like \"arn:aws:iam::123456789012:role/platform-admin\"");

const AwsCluster = obj({
    name: CLUSTER_NAME,
    cloud: z.literal("aws"),
    region: text(/^[a-z]{2,4}(-[a-z]+)+-\d$/, "an AWS region like \"eu-west-1\""),
    kubernetesVersion: K8S_VERSION,
    nodePool: nodePool(text(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, "an EC2 instance type like \"m6i.xlarge\"")),
    /** Use an existing VPC (the one these subnets are in) instead of creating one. */
    network: obj({
        privateSubnetIds: z.array(text(/^subnet-[0-9a-f]{8,17}$/, "a subnet id like \"subnet-0abc12345def67890\""),
            { error: "a list of subnet ids" }).min(2, { error: "at least 2 private subnets in different AZs" })
            .superRefine((ids, ctx) => ids.forEach((id, i) => {
                if (ids.indexOf(id) !== i) ctx.addIssue({ code: "custom", path: [i], input: id, message: "a subnet id not listed before" });
            })),
    }).optional(),
    /** IAM principals granted cluster-admin through EKS access entries. */
    admins: z.array(AWS_ROLE_OR_USER_ARN, { error: "a list of IAM role or user ARNs" }).default([]),
}, "an AWS cluster");

const GcpCluster = obj({
    name: CLUSTER_NAME,
    cloud: z.literal("gcp"),
    region: text(/^[a-z]+-[a-z]+\d+$/, "a GCP region like \"europe-west1\""),
    project: text(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, "a GCP project id like \"acme-obs-prod\""),
    kubernetesVersion: K8S_VERSION,
    releaseChannel: oneOf(GKE_RELEASE_CHANNELS).default(GKE_RELEASE_CHANNEL_DEFAULT),
    nodePool: nodePool(text(/^[a-z][a-z0-9]*-[a-z0-9-]+$/, "a GCE machine type like \"e2-standard-4\"")),
    /** Customer-managed encryption key for the GCS buckets. Optional; Google-managed keys otherwise. */
    cmekKeyName: text(/^projects\/[^/]+\/locations\/[^/]+\/keyRings\/[^/]+\/cryptoKeys\/[^/]+$/,
        "a Cloud KMS key name like \"projects/p/locations/europe-west1/keyRings/r/cryptoKeys/k\"").optional(),
}, "a GCP cluster");

const Cluster = z.discriminatedUnion("cloud", [AwsCluster, GcpCluster], {
    error: iss => iss.code === "invalid_union" ? "one of \"aws\", \"gcp\"" : "a cluster object with cloud \"aws\" or \"gcp\"",
});

// ---- environment ----

const SEVERITIES = ["critical", "warning", "info"] as const;
const SLACK_CHANNEL = text(/^#[a-z0-9][a-z0-9._-]{0,79}$/, "a Slack channel like \"#obs-alerts\"");
const PERCENTAGE = `a number from ${SAMPLING.percentage.min} to ${SAMPLING.percentage.max}`;
/** A chart version override: exact, and one that has a package in charts/ (components/charts.ts). */
function chartVersion(key: (typeof CHART_KEYS)[number]) {
    const have = vendoredVersions(key);
    const allowed = `a vendored version of ${CHARTS[key].chart} (${have.map(v => JSON.stringify(v)).join(", ")}; add one with npm run charts:pull -- ${key} <version>)`;
    return z.string({ error: allowed }).refine(v => have.includes(v), { error: allowed });
}

export const EnvironmentSchema = obj({
    tier: oneOf(["dev", "prod"]),
    clusters: z.array(Cluster, { error: "a list of clusters" })
        .min(1, { error: "at least one cluster" }).max(8, { error: "at most 8 clusters" })
        .superRefine((cs, ctx) => {
            const seen = new Set<string>();
            cs.forEach((c, i) => {
                if (seen.has(c.name)) {
                    ctx.addIssue({ code: "custom", path: [i, "name"], input: c.name, message: "a name no other cluster of this stack uses" });
                }
                seen.add(c.name);
            });
        }),
    retention: obj({
        metrics: duration(RETENTION_BOUNDS.metrics.min, RETENTION_BOUNDS.metrics.max),
        logs: duration(RETENTION_BOUNDS.logs.min, RETENTION_BOUNDS.logs.max),
        traces: duration(RETENTION_BOUNDS.traces.min, RETENTION_BOUNDS.traces.max),
    }),
    sampling: obj({
        percentage: z.number({ error: PERCENTAGE }).min(SAMPLING.percentage.min, { error: PERCENTAGE }).max(SAMPLING.percentage.max, { error: PERCENTAGE }),
        latencyThreshold: duration(SAMPLING.latencyThreshold.min, SAMPLING.latencyThreshold.max)
            .default(SAMPLING.latencyThreshold.default),
    }),
    scrapeInterval: duration(SCRAPE_INTERVAL.min, SCRAPE_INTERVAL.max).default(SCRAPE_INTERVAL.default),
    alerting: obj({
        slack: obj({
            /** Channel per severity; `critical` and `warning` are required, `info` is optional. */
            channels: obj({ critical: SLACK_CHANNEL, warning: SLACK_CHANNEL, info: SLACK_CHANNEL.optional() }),
        }),
        pagerduty: obj({
            enabled: bool(),
            /** Severities that page. Defaults to ["critical"]. */
            severities: z.array(oneOf(SEVERITIES), { error: "a list of severities" })
                .min(1, { error: "at least one severity" }).default(["critical"]),
        }),
    }),
    /** Chart version overrides; defaults come from components/versions.ts. */
    charts: obj(Object.fromEntries(CHART_KEYS.map(k => [k, chartVersion(k).optional()])) as
        Record<keyof typeof CHARTS, z.ZodOptional<z.ZodString>>).default({}),
}, "an environment").superRefine((env, ctx) => {
    // The clouds' own rules and what the stack runs (stacks/cloud-checks.ts), once the shape is valid.
    for (const issue of cloudIssues(env)) ctx.addIssue({ code: "custom", ...issue });
});

export type Environment = z.output<typeof EnvironmentSchema>;
export type ClusterConfig = Environment["clusters"][number];
export type AwsClusterConfig = Extract<ClusterConfig, { cloud: "aws" }>;
export type GcpClusterConfig = Extract<ClusterConfig, { cloud: "gcp" }>;

/** The stack config keys the schema knows (after the `observability:` namespace). */
export const CONFIG_KEYS = Object.keys(EnvironmentSchema.shape);
