/**
 * Object storage is encrypted, private and reached only over TLS, and the identities that use it
 * hold no wildcard: every S3 bucket has a default encryption configuration, a public-access block
 * with all four settings on, no public ACL and a bucket policy denying non-TLS requests; every GCS
 * bucket has uniform bucket-level access, enforced public access prevention and no member
 * `allUsers`/`allAuthenticatedUsers`; IAM policies that reach S3 name their actions and buckets,
 * and no Google identity gets storage roles project-wide or `roles/storage.admin` on a bucket.
 */
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { asList, dig, policyStatements as statements, Props, T } from "../lib/common";

type Report = (message: string, urn?: string) => void;
type Statement = Props;

const PUBLIC_BLOCK = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"] as const;
const PUBLIC_ACLS = ["public-read", "public-read-write", "authenticated-read"];
const PUBLIC_MEMBERS = ["allUsers", "allAuthenticatedUsers"];

function denysInsecureTransport(policy: unknown): boolean {
    return (statements(policy) ?? []).some(s => s.Effect === "Deny" && String(dig(s, "Condition", "Bool", "aws:SecureTransport")) === "false");
}

function checkS3(resources: readonly PolicyResource[], report: Report) {
    const byBucket = (types: string[]) => {
        const m = new Map<string, PolicyResource[]>();
        for (const r of resources) if (types.includes(r.type)) m.set(String(r.props.bucket), [...(m.get(String(r.props.bucket)) ?? []), r]);
        return m;
    };
    const sse = byBucket([T.s3Encryption, T.s3EncryptionV2]);
    const blocks = byBucket([T.s3PublicAccessBlock]);
    const policies = byBucket([T.s3Policy]);
    const acls = byBucket([T.s3Acl, T.s3AclV2]);
    for (const b of resources.filter(r => r.type === T.s3Bucket || r.type === T.s3BucketV2)) {
        const name = String(b.props.bucket ?? b.name);
        const algorithms = (sse.get(name) ?? []).flatMap(r => asList(r.props.rules)).map(rule => dig(rule, "applyServerSideEncryptionByDefault", "sseAlgorithm"));
        if (!algorithms.some(a => a === "aws:kms" || a === "aws:kms:dsse" || a === "AES256")) {
            report(`S3 bucket ${name} has no default encryption; add a BucketServerSideEncryptionConfiguration with sseAlgorithm aws:kms and the cluster's key (components/aws/bucket.ts).`, b.urn);
        }
        const block = (blocks.get(name) ?? [])[0];
        const off = PUBLIC_BLOCK.filter(k => block?.props[k] !== true);
        if (off.length) {
            report(`S3 bucket ${name} can be made public: its public-access block ${block ? `leaves ${off.join(", ")} off` : "is missing"}; set all of ${PUBLIC_BLOCK.join(", ")} to true (components/aws/bucket.ts).`, b.urn);
        }
        for (const acl of acls.get(name) ?? []) {
            if (PUBLIC_ACLS.includes(String(acl.props.acl))) report(`S3 bucket ${name} has the public ACL ${acl.props.acl}; remove it (ownership BucketOwnerEnforced disables ACLs).`, acl.urn);
        }
        if (!(policies.get(name) ?? []).some(p => denysInsecureTransport(p.props.policy))) {
            report(`S3 bucket ${name} accepts requests without TLS: no bucket policy denies aws:SecureTransport false; add the TLS-only bucket policy (components/aws/bucket.ts).`, b.urn);
        }
    }
}

function checkGcs(resources: readonly PolicyResource[], report: Report) {
    for (const b of resources.filter(r => r.type === T.gcsBucket)) {
        const name = String(b.props.name ?? b.name);
        if (b.props.uniformBucketLevelAccess !== true) {
            report(`GCS bucket ${name} allows per-object ACLs; set uniformBucketLevelAccess: true (components/gcp/bucket.ts).`, b.urn);
        }
        if (b.props.publicAccessPrevention !== "enforced") {
            report(`GCS bucket ${name} can be made public (publicAccessPrevention ${JSON.stringify(b.props.publicAccessPrevention ?? "inherited")}); set publicAccessPrevention: "enforced" (components/gcp/bucket.ts).`, b.urn);
        }
    }
    for (const m of resources.filter(r => r.type === T.gcsBucketIamMember || r.type === T.gcsBucketIamBinding)) {
        const members = [...asList(m.props.member), ...asList(m.props.members)].map(String);
        const pub = members.filter(x => PUBLIC_MEMBERS.includes(x));
        if (pub.length) report(`GCS bucket ${m.props.bucket} is public: ${m.props.role} is granted to ${pub.join(", ")}; grant it to the workload's service account only.`, m.urn);
        if (m.props.role === "roles/storage.admin") {
            report(`${members.join(", ")} gets roles/storage.admin on GCS bucket ${m.props.bucket}, which includes changing its IAM policy; grant roles/storage.objectAdmin or narrower (components/gcp/workloadIdentity.ts).`, m.urn);
        }
    }
    for (const m of resources.filter(r => r.type === T.gcpProjectIamMember || r.type === T.gcpProjectIamBinding)) {
        const role = String(m.props.role ?? "");
        if (role.startsWith("roles/storage.")) {
            const members = [...asList(m.props.member), ...asList(m.props.members)].join(", ");
            report(`${members} gets ${role} on the whole project ${m.props.project}, i.e. on every bucket; grant it on the workload's own buckets (gcp.storage.BucketIAMMember) instead.`, m.urn);
        }
    }
}

/** Whether an IAM statement reaches S3 (an s3 action, or every action). */
const touchesS3 = (s: Statement) => s.NotAction !== undefined || asList(s.Action).some(a => a === "*" || String(a).toLowerCase().startsWith("s3:"));

function checkIdentities(resources: readonly PolicyResource[], report: Report) {
    for (const r of resources.filter(x => x.type === T.iamRolePolicy || x.type === T.iamPolicy)) {
        const stmts = (statements(r.props.policy) ?? []).filter(s => s.Effect === "Allow");
        if (!stmts.some(touchesS3)) continue;
        const who = r.type === T.iamRolePolicy ? `role ${r.props.role}` : `policy ${r.props.name ?? r.name}`;
        for (const s of stmts) {
            const sid = s.Sid ? ` (statement ${s.Sid})` : "";
            const wildActions = [...asList(s.Action).filter(a => String(a).includes("*")), ...(s.NotAction !== undefined ? ["NotAction"] : [])];
            if (wildActions.length) {
                report(`Storage identity ${who} allows wildcard actions ${wildActions.join(", ")}${sid}; list the exact actions it needs (components/aws/policies.ts).`, r.urn);
            }
            const wildResources = [...asList(s.Resource).filter(x => x === "*" || /^arn:aws:s3:::[^/]*\*/.test(String(x))), ...(s.NotResource !== undefined ? ["NotResource"] : [])];
            if (wildResources.length) {
                report(`Storage identity ${who} allows ${wildResources.join(", ")} as resource${sid}; name its own bucket and key ARNs (components/aws/policies.ts).`, r.urn);
            }
        }
    }
    for (const a of resources.filter(x => x.type === T.iamRolePolicyAttachment)) {
        if (/^arn:aws:iam::aws:policy\/(AmazonS3FullAccess|AdministratorAccess|PowerUserAccess)$/.test(String(a.props.policyArn))) {
            report(`Role ${a.props.role} gets ${a.props.policyArn}, a wildcard over every bucket; give it an inline policy on its own buckets (components/aws/policies.ts).`, a.urn);
        }
    }
}

export const storageSecurityPolicy: StackValidationPolicy = {
    name: "obs-storage-configure-security",
    description: "Object storage is encrypted, never public and TLS-only (S3) or uniformly access-controlled (GCS), and the identities that reach it hold no wildcard action or resource.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        checkS3(args.resources, reportViolation);
        checkGcs(args.resources, reportViolation);
        checkIdentities(args.resources, reportViolation);
    },
};
