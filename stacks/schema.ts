/**
 * The one typed model of an environment, as `observability:*` stack config declares it.
 * Every leaf carries the text of what it allows, so a bad value becomes one message naming the key,
 * the value and what is allowed (see stacks/config.ts). Objects are strict: unknown keys are errors.
 */
import { z } from "zod";
import { CHARTS, CHART_KEYS, KUBERNETES_SUPPORT, KUBERNETES_VERSIONS, supportClock, supportStatus, supportedVersions } from "../components/versions";
import {
    AUTHORIZED_NETWORKS_MAX, GKE_RELEASE_CHANNELS, GKE_RELEASE_CHANNEL_DEFAULT, NODE_POOL, RETENTION_BOUNDS, SAMPLING, SCRAPE_INTERVAL,
} from "../components/defaults";
import { formatDuration, parseDuration } from "../components/duration";
import { SLO_BOUNDS } from "../components/defaults";
import { SPAN_METRICS } from "../components/render/rules";
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
/**
 * A Kubernetes minor the cloud still gives standard support today (dates and their source in
 * components/versions.ts). Within SUPPORT_WARNING_DAYS of the end the program warns; past it, an error.
 */
function kubernetesVersion(cloud: "aws" | "gcp") {
    const service = cloud === "aws" ? "EKS" : "GKE";
    const allowed = () => `one of ${supportedVersions(cloud, supportClock.now()).map(v => JSON.stringify(v)).join(", ")} (in ${service} standard support today)`;
    return z.enum(KUBERNETES_VERSIONS, {
        error: iss => `${allowed()}${typeof iss.input === "number" ? " (quote the version in YAML: \"1.35\", not 1.35)" : ""}`,
    }).superRefine((v, ctx) => {
        const status = supportStatus(cloud, v, supportClock.now());
        if (status.state === "ended") {
            ctx.addIssue({ code: "custom", input: v,
                message: `${allowed()}; ${JSON.stringify(v)} left ${service} standard support on ${status.ends} (${KUBERNETES_SUPPORT[cloud].source.split(" ")[0]})` });
        }
    });
}

const CIDR_ALLOWED = "an IPv4 CIDR narrower than 0.0.0.0/0, like \"203.0.113.0/24\"";
const CIDR = text(/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d|[12]\d|3[0-2])$/, CIDR_ALLOWED)
    .refine(c => c.split("/")[0]!.split(".").every(o => Number(o) <= 255) && Number(c.split("/")[1]) > 0, { error: CIDR_ALLOWED });

/**
 * Who may reach the control plane: the CIDRs of the operators and CI runners (EKS publicAccessCidrs,
 * GKE master authorized networks), or a private endpoint only. Prod requires one of the two.
 */
const controlPlaneAccess = {
    authorizedNetworks: z.array(CIDR, { error: "a list of IPv4 CIDRs" })
        .min(1, { error: "at least one CIDR; leave the key out for an open endpoint (dev only)" })
        .max(AUTHORIZED_NETWORKS_MAX, { error: `at most ${AUTHORIZED_NETWORKS_MAX} CIDRs` }).optional(),
    privateEndpoint: bool().default(false),
};

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
    kubernetesVersion: kubernetesVersion("aws"),
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
    /**
     * The IAM role (or user) that runs `pulumi up`: it gets its own cluster-admin access entry and
     * administers the KMS keys; the program checks before creating anything that it is the caller.
     */
    deployRole: AWS_ROLE_OR_USER_ARN,
    ...controlPlaneAccess,
}, "an AWS cluster").superRefine((c, ctx) => {
    const i = c.admins.indexOf(c.deployRole);
    if (i >= 0) {
        ctx.addIssue({ code: "custom", path: ["admins", i], input: c.admins[i],
            message: "an ARN other than deployRole (the deploy role gets its own access entry; listing it again would fail with ResourceInUseException)" });
    }
});

const GcpCluster = obj({
    name: CLUSTER_NAME,
    cloud: z.literal("gcp"),
    region: text(/^[a-z]+-[a-z]+\d+$/, "a GCP region like \"europe-west1\""),
    project: text(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, "a GCP project id like \"acme-obs-prod\""),
    kubernetesVersion: kubernetesVersion("gcp"),
    releaseChannel: oneOf(GKE_RELEASE_CHANNELS).default(GKE_RELEASE_CHANNEL_DEFAULT),
    nodePool: nodePool(text(/^[a-z][a-z0-9]*-[a-z0-9-]+$/, "a GCE machine type like \"e2-standard-4\"")),
    /** Customer-managed encryption key for the GCS buckets. Optional; Google-managed keys otherwise. */
    cmekKeyName: text(/^projects\/[^/]+\/locations\/[^/]+\/keyRings\/[^/]+\/cryptoKeys\/[^/]+$/,
        "a Cloud KMS key name like \"projects/p/locations/europe-west1/keyRings/r/cryptoKeys/k\"").optional(),
    ...controlPlaneAccess,
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

// ---- alerting ----

const EMAIL = text(/^[^\s@,<>"]+@[^\s@,<>"]+\.[a-z]{2,}$/i, "an email address like \"oncall@acme.example\"");
const EMAILS = z.array(EMAIL, { error: "a list of email addresses" }).min(1, { error: "at least one email address" });
const HTTPS_URL = text(/^https:\/\/[^\s"'<>{}]+[^/\s"'<>{}]$/, "an https URL without a trailing slash, like \"https://grafana.acme.example\"");
const objective = (lo: number, hi: number) => {
    const allowed = `a percentage from ${lo} to below ${hi}, like 99.9`;
    return z.number({ error: allowed }).min(lo, { error: allowed }).lt(hi, { error: allowed });
};
const LATENCY_THRESHOLDS = SPAN_METRICS.durationBucketsSeconds.map(s => formatDuration(s * 1000));

/** One service-level objective, evaluated from the collector's span metrics (server and consumer spans). */
const Slo = obj({
    /** The OpenTelemetry `service.name`, as the span metrics carry it in `service_name`. */
    service: text(/^[A-Za-z0-9][A-Za-z0-9._\/-]{0,62}$/, "a service.name of letters, digits, '.', '_', '/', '-' (at most 63)"),
    /** Share of requests that must succeed (not end with span status ERROR), in percent. */
    availability: objective(SLO_BOUNDS.availability.min, SLO_BOUNDS.availability.max),
    /** Optional: `percentage` of requests must be faster than `threshold`. */
    latency: obj({
        threshold: z.string({ error: `one of the span-metrics histogram buckets: ${LATENCY_THRESHOLDS.join(", ")}` })
            .refine(v => { const ms = parseDuration(v); return ms !== undefined && (SPAN_METRICS.durationBucketsSeconds as readonly number[]).includes(ms / 1000); },
                { error: `one of the span-metrics histogram buckets: ${LATENCY_THRESHOLDS.join(", ")}` }),
        percentage: objective(SLO_BOUNDS.latency.min, SLO_BOUNDS.latency.max),
    }).optional(),
}, "an SLO");

const ALERTING = obj({
    slack: obj({
        /** Channel per severity; `critical` and `warning` are required, `info` is optional. */
        channels: obj({ critical: SLACK_CHANNEL, warning: SLACK_CHANNEL, info: SLACK_CHANNEL.optional() }),
    }),
    pagerduty: obj({
        enabled: bool(),
        /** Severities that page. Defaults to ["critical"]. */
        severities: z.array(oneOf(SEVERITIES), { error: "a list of severities" })
            .min(1, { error: "at least one severity" }).default(["critical"]),
        /**
         * PagerDuty as code: one service for this environment on an existing escalation policy, with
         * an Events API v2 integration whose key goes to Alertmanager. Without it, the routing key is
         * the `pagerdutyRoutingKey` stack secret.
         */
        service: obj({
            escalationPolicy: text(/^\S(.{0,253}\S)?$/, "the name of an existing PagerDuty escalation policy"),
        }).optional(),
    }).superRefine((pd, ctx) => {
        if (pd.service && !pd.enabled) ctx.addIssue({ code: "custom", path: ["enabled"], input: pd.enabled, message: "true when pagerduty.service is set" });
    }),
    /** Email notifications; the SMTP password is the `smtpPassword` stack secret. */
    email: obj({
        from: EMAIL,
        smarthost: text(/^[A-Za-z0-9.-]+:\d{1,5}$/, "host:port of the SMTP server, like \"smtp.acme.example:587\""),
        username: text(/^\S{1,254}$/, "the SMTP username"),
        /** Recipients per severity; a severity without recipients gets no email. */
        to: obj({ critical: EMAILS.optional(), warning: EMAILS.optional(), info: EMAILS.optional() }),
    }).optional(),
    /** Dead man's switch: the always-firing Watchdog goes to the `heartbeatUrl` stack secret. */
    heartbeat: obj({ enabled: bool() }).default({ enabled: true }),
    /** Links in notifications: Grafana (Explore) and the runbooks (`<runbooks>/<alertname>`). */
    links: obj({ grafana: HTTPS_URL, runbooks: HTTPS_URL }),
    /** Service-level objectives: burn-rate alerts, recording rules and dashboard panels. */
    slos: z.array(Slo, { error: "a list of SLOs" }).max(SLO_BOUNDS.maxServices, { error: `at most ${SLO_BOUNDS.maxServices} SLOs` })
        .superRefine((slos, ctx) => {
            const seen = new Set<string>();
            slos.forEach((s, i) => {
                if (seen.has(s.service)) ctx.addIssue({ code: "custom", path: [i, "service"], input: s.service, message: "a service no other SLO names" });
                seen.add(s.service);
            });
        }).default([]),
});

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
    alerting: ALERTING,
    /** Chart version overrides; defaults come from components/versions.ts. */
    charts: obj(Object.fromEntries(CHART_KEYS.map(k => [k, chartVersion(k).optional()])) as
        Record<keyof typeof CHARTS, z.ZodOptional<z.ZodString>>).default({}),
}, "an environment").superRefine((env, ctx) => {
    // The clouds' own rules and what the stack runs (stacks/cloud-checks.ts), once the shape is valid.
    for (const issue of cloudIssues(env)) ctx.addIssue({ code: "custom", ...issue });
    const projects = new Map<string, number>();
    env.clusters.forEach((c, i) => {
        if (env.tier === "prod" && c.authorizedNetworks === undefined && !c.privateEndpoint) {
            ctx.addIssue({ code: "custom", path: ["clusters", i, "authorizedNetworks"], input: undefined,
                message: "a list of IPv4 CIDRs allowed to reach the control plane (or privateEndpoint: true): required in prod" });
        }
        // Workload Identity trusts <project>.svc.id.goog[<ns>/<ksa>] in every cluster of a project:
        // one GKE cluster per project keeps each cluster's identities its own (README "Workload Identity").
        if (c.cloud === "gcp") {
            const first = projects.get(c.project);
            if (first !== undefined) {
                ctx.addIssue({ code: "custom", path: ["clusters", i, "project"], input: c.project,
                    message: `a project no other GKE cluster uses (clusters[${first}] is in it; Workload Identity is shared by every cluster of a project)` });
            }
            projects.set(c.project, i);
        }
    });
    if (env.tier === "dev" && env.alerting.pagerduty.enabled) {
        ctx.addIssue({ code: "custom", path: ["alerting", "pagerduty", "enabled"], input: true, message: "false on tier dev (dev never pages)" });
    }
});

export type Environment = z.output<typeof EnvironmentSchema>;
export type ClusterConfig = Environment["clusters"][number];
export type AwsClusterConfig = Extract<ClusterConfig, { cloud: "aws" }>;
export type AlertingConfig = Environment["alerting"];
export type GcpClusterConfig = Extract<ClusterConfig, { cloud: "gcp" }>;

/** The stack config keys the schema knows (after the `observability:` namespace). */
export const CONFIG_KEYS = Object.keys(EnvironmentSchema.shape);
