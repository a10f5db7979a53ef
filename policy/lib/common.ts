/**
 * What every policy of the pack shares: the resource type strings it compares (the pack never
 * imports a provider SDK, so it loads fast), readers for Helm release values and collector
 * configs, and duration/size parsing. Nothing here touches the network or the disk.
 */
import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import { vendoredByPath } from "../../components/charts";
import { formatDuration, parseDuration } from "../../components/duration";

/** Pulumi type tokens the pack looks at. */
export const T = {
    release: "kubernetes:helm.sh/v3:Release",
    chartV4: "kubernetes:helm.sh/v4:Chart",
    chartV3: "kubernetes:helm.sh/v3:Chart",
    namespace: "kubernetes:core/v1:Namespace",
    configMap: "kubernetes:core/v1:ConfigMap",
    secret: "kubernetes:core/v1:Secret",
    service: "kubernetes:core/v1:Service",
    networkPolicy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
    storageClass: "kubernetes:storage.k8s.io/v1:StorageClass",
    persistentVolume: "kubernetes:core/v1:PersistentVolume",
    observabilityStack: "obs:k8s:ObservabilityStack",
    s3Bucket: "aws:s3/bucket:Bucket",
    s3BucketV2: "aws:s3/bucketV2:BucketV2",
    s3Lifecycle: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    s3LifecycleV2: "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2",
    s3Encryption: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    s3EncryptionV2: "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
    s3PublicAccessBlock: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    s3Policy: "aws:s3/bucketPolicy:BucketPolicy",
    s3Acl: "aws:s3/bucketAcl:BucketAcl",
    s3AclV2: "aws:s3/bucketAclV2:BucketAclV2",
    iamRolePolicy: "aws:iam/rolePolicy:RolePolicy",
    iamPolicy: "aws:iam/policy:Policy",
    iamRolePolicyAttachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    kmsKey: "aws:kms/key:Key",
    eksCluster: "aws:eks/cluster:Cluster",
    ebsVolume: "aws:ebs/volume:Volume",
    gcsBucket: "gcp:storage/bucket:Bucket",
    gcsBucketIamMember: "gcp:storage/bucketIAMMember:BucketIAMMember",
    gcsBucketIamBinding: "gcp:storage/bucketIAMBinding:BucketIAMBinding",
    gcpProjectIamMember: "gcp:projects/iAMMember:IAMMember",
    gcpProjectIamBinding: "gcp:projects/iAMBinding:IAMBinding",
    gkeCluster: "gcp:container/cluster:Cluster",
    gcpKmsKey: "gcp:kms/cryptoKey:CryptoKey",
    gceDisk: "gcp:compute/disk:Disk",
    gceRegionDisk: "gcp:compute/regionDisk:RegionDisk",
} as const;

/** Releases and charts whose chart is rendered by Helm. */
export const HELM_TYPES: readonly string[] = [T.release, T.chartV4, T.chartV3];

export type Props = Record<string, any>;

/**
 * The chart a Helm resource deploys: the vendored package's chart name when `chart` names one
 * (`./charts/<file>`), otherwise the chart's own name from whatever was given (`loki`,
 * `grafana/promtail`, `oci://…/loki-stack`, `./x/promtail-6.16.6.tgz`).
 */
export function chartName(props: Props): string {
    const input = String(props.chart ?? "");
    const vendored = vendoredByPath(input);
    if (vendored) return vendored.chart;
    const base = input.split("/").pop() ?? input;
    return base.replace(/\.tgz$/, "").replace(/-v?\d+\.\d+\.\d+.*$/, "");
}

/** The release name of a Helm resource (its `name` input, else the resource name). */
export function releaseName(props: Props, resourceName: string): string {
    return typeof props.name === "string" && props.name ? props.name : resourceName;
}

/** `obj.a.b.c` without throwing; undefined when any step is missing. */
export function dig(obj: unknown, ...keys: string[]): any {
    let v: any = obj;
    for (const k of keys) {
        if (v === null || typeof v !== "object") return undefined;
        v = v[k];
    }
    return v;
}

/** Milliseconds of a duration value from values or config, or undefined. */
export function durationMs(v: unknown): number | undefined {
    return typeof v === "string" ? parseDuration(v) : undefined;
}

/** A duration for messages, in the unit retention is written in: days when whole days, else hours, else the shortest exact notation. */
export function fmt(ms: number): string {
    if (ms % 86_400_000 === 0) return `${ms / 86_400_000}d`;
    if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
    return formatDuration(ms);
}

/** A Prometheus byte size ("180GiB", "512MB") in bytes. */
export function prometheusBytes(v: unknown): number | undefined {
    const m = typeof v === "string" ? /^(\d+(?:\.\d+)?)(?:([KMGTPE])(i)?)?B$/.exec(v) : null;
    if (!m) return undefined;
    const exp = m[2] ? "KMGTPE".indexOf(m[2]) + 1 : 0;
    return Number(m[1]) * (m[3] ? 1024 : 1000) ** exp;
}

/** A Kubernetes quantity of bytes ("200Gi", "50G", "1024") in bytes. */
export function quantityBytes(v: unknown): number | undefined {
    const m = typeof v === "string" || typeof v === "number" ? /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|Pi|Ei|k|K|M|G|T|P|E)?$/.exec(String(v)) : null;
    if (!m) return undefined;
    const suffix = m[2] ?? "";
    const binary = suffix.endsWith("i");
    const exp = suffix ? "KMGTPE".indexOf(suffix[0]!.toUpperCase()) + 1 : 0;
    return Number(m[1]) * (binary ? 1024 : 1000) ** exp;
}

export const GIB = 1024 ** 3;

/** JSON schema of a duration in config ("30d", "72h"). */
export const DURATION_SCHEMA: PolicyConfigJSONSchema = {
    type: "string",
    pattern: "^(\\d+(ms|s|m|h|d|w))+$",
    description: "A duration in the Prometheus notation: 30d, 72h, 1h30m.",
};

/** The OpenTelemetry Collector's own config inside the chart's values (`alternateConfig` replaces the chart's, `config` merges). */
export function collectorConfig(values: Props | undefined): Props | undefined {
    const c = values?.alternateConfig ?? values?.config;
    return c && typeof c === "object" ? c : undefined;
}

const componentType = (id: string) => id.split("/")[0]!;

/** The pipelines of a collector config whose signal is `signal` (`traces`, `traces/in`, …). */
export function pipelines(config: Props, signal: "traces" | "metrics" | "logs"): [string, { receivers?: string[]; processors?: string[]; exporters?: string[] }][] {
    return Object.entries<any>(dig(config, "service", "pipelines") ?? {}).filter(([id]) => componentType(id) === signal);
}

/** Components of a pipeline list of type `type` (`tail_sampling`, `tail_sampling/x`). */
export const ofType = (ids: readonly string[] | undefined, type: string) => (ids ?? []).filter(id => componentType(id) === type);

/** The load-balancing exporter's type (renamed from `loadbalancing` to `load_balancing`). */
const LOAD_BALANCING = ["loadbalancing", "load_balancing"];

/**
 * A collector that samples and stores traces: some traces pipeline exports to something other than
 * the `loadbalancing` exporter or a connector. A pure load-balancing tier forwards every span to
 * the samplers and is not itself the sampling tier.
 */
export function isTraceStoringCollector(config: Props): boolean {
    const connectors = new Set(Object.keys(config.connectors ?? {}));
    return pipelines(config, "traces").some(([, p]) => (p.exporters ?? []).some(e => !LOAD_BALANCING.includes(componentType(e)) && !connectors.has(e)));
}

/** The Helm resources of a chart (by chart name) in a list of resources. */
export function isChart(props: Props, ...names: string[]): boolean {
    return names.includes(chartName(props));
}

/** A value or list as a list (IAM's Action, Resource, Principal; IAM members). */
export const asList = (v: unknown): any[] => (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v]);

/** The statements of an IAM/KMS policy document (JSON text or object), or undefined when it does not parse. */
export function policyStatements(policy: unknown): Props[] | undefined {
    try {
        const doc = typeof policy === "string" ? JSON.parse(policy) : policy;
        return doc && typeof doc === "object" ? asList((doc as Props).Statement) : undefined;
    } catch {
        return undefined;
    }
}
