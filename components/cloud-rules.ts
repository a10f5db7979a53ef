/**
 * The clouds' own rules for the physical names this program creates: length, characters, reserved
 * prefixes, suffixes and substrings. One entry per kind of name, each with its source. Data plus
 * one pure check; which names are checked is stacks/cloud-checks.ts (the names come from
 * components/naming.ts, the functions the components use).
 */

export interface NameRule {
    /** What the name is, for messages. */
    readonly what: string;
    /** Where the rule is documented. */
    readonly source: string;
    readonly min: number;
    readonly max: number;
    readonly pattern: RegExp;
    /** The pattern in words. */
    readonly allowed: string;
    readonly reservedPrefixes?: readonly string[];
    readonly reservedSuffixes?: readonly string[];
    /** Substrings the name must not contain (regular expressions, for "close misspellings"). */
    readonly reservedSubstrings?: readonly { readonly re: RegExp; readonly text: string }[];
    readonly noIpAddress?: boolean;
    readonly noAdjacentPeriods?: boolean;
}

/** GCP names: RFC 1035 labels. */
function rfc1035(what: string, source: string, min: number, max: number): NameRule {
    return { what, source, min, max, pattern: /^[a-z](?:[-a-z0-9]*[a-z0-9])?$/, allowed: "lowercase letters, digits and '-', starting with a letter and not ending with '-'" };
}

/** EKS cluster and node group names. */
function eksName(what: string, source: string, max: number): NameRule {
    return { what, source, min: 1, max, pattern: /^[0-9A-Za-z][A-Za-z0-9_-]*$/, allowed: "letters, digits, '-' and '_', starting with a letter or digit" };
}

export const NAME_RULES = {
    s3Bucket: {
        what: "S3 bucket name",
        source: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html, general purpose buckets",
        min: 3, max: 63,
        pattern: /^[a-z0-9][a-z0-9.-]*[a-z0-9]$/,
        allowed: "lowercase letters, digits, '.' and '-', starting and ending with a letter or digit",
        reservedPrefixes: ["xn--", "sthree-", "amzn-s3-demo-"],
        reservedSuffixes: ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"],
        noIpAddress: true,
        noAdjacentPeriods: true,
    },
    gcsBucket: {
        what: "Cloud Storage bucket name",
        source: "https://cloud.google.com/storage/docs/buckets#naming",
        min: 3, max: 63,
        pattern: /^[a-z0-9][a-z0-9._-]*[a-z0-9]$/,
        allowed: "lowercase letters, digits, '-', '_' and '.', starting and ending with a letter or digit",
        reservedPrefixes: ["goog"],
        reservedSubstrings: [{ re: /g[o0][o0]g(?:l|1)e/, text: "google (or a close misspelling such as g00gle)" }],
        noIpAddress: true,
    },
    eksCluster: eksName("EKS cluster name", "https://docs.aws.amazon.com/eks/latest/APIReference/API_CreateCluster.html, name", 100),
    eksNodeGroup: eksName("EKS node group name", "https://docs.aws.amazon.com/eks/latest/APIReference/API_CreateNodegroup.html, nodegroupName", 63),
    iamRole: {
        what: "IAM role name",
        source: "https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html, RoleName",
        min: 1, max: 64,
        pattern: /^[\w+=,.@-]+$/,
        allowed: "letters, digits and + = , . @ _ -",
    },
    kmsAlias: {
        what: "KMS alias name",
        source: "https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateAlias.html, AliasName",
        min: 7, max: 256,
        pattern: /^alias\/[a-zA-Z0-9/_-]+$/,
        allowed: "'alias/' then letters, digits, '/', '_' and '-'",
        reservedPrefixes: ["alias/aws/"],
    },
    gkeCluster: rfc1035("GKE cluster name", "https://cloud.google.com/kubernetes-engine/docs/reference/rest/v1/projects.locations.clusters#Cluster, name", 1, 40),
    gkeNodePool: rfc1035("GKE node pool name", "https://cloud.google.com/kubernetes-engine/docs/reference/rest/v1/projects.locations.clusters.nodePools#NodePool, name", 1, 40),
    gcpServiceAccountId: rfc1035("GCP service account id", "https://cloud.google.com/iam/docs/reference/rest/v1/projects.serviceAccounts/create, accountId", 6, 30),
    computeName: rfc1035("Compute Engine resource name", "https://cloud.google.com/compute/docs/naming-resources", 1, 63),
} as const satisfies Record<string, NameRule>;

export type NameRuleKey = keyof typeof NAME_RULES;

/** Why `name` breaks `rule`, or undefined when it obeys it. */
export function nameViolation(rule: NameRule, name: string): string | undefined {
    if (name.length < rule.min || name.length > rule.max) {
        return `is ${name.length} characters; ${rule.min}–${rule.max} allowed`;
    }
    if (!rule.pattern.test(name)) return `may contain only ${rule.allowed}`;
    const prefix = rule.reservedPrefixes?.find(p => name.startsWith(p));
    if (prefix !== undefined) return `starts with the reserved prefix "${prefix}"`;
    const suffix = rule.reservedSuffixes?.find(s => name.endsWith(s));
    if (suffix !== undefined) return `ends with the reserved suffix "${suffix}"`;
    const sub = rule.reservedSubstrings?.find(s => s.re.test(name));
    if (sub !== undefined) return `contains ${sub.text}, which is reserved`;
    if (rule.noIpAddress && /^\d{1,3}(\.\d{1,3}){3}$/.test(name)) return "is formatted as an IP address";
    if (rule.noAdjacentPeriods && name.includes("..")) return "contains two adjacent periods";
    return undefined;
}
