/**
 * obs:aws:Bucket — a private, encrypted S3 bucket for one kind of observability data:
 * SSE-KMS with the cluster's customer-managed key (S3 Bucket Keys on), all public access blocked,
 * object ownership enforced (ACLs off), a bucket policy that denies anything but TLS ≥ 1.2, and a
 * lifecycle rule that expires objects no sooner than the data's retention.
 *
 * Versioning is deliberately off: Loki chunks and Tempo blocks are written once and deleted by the
 * compactors when retention ends. With versioning, every such delete would leave a noncurrent
 * version behind, so data would outlive its retention (and its cost and any deletion request).
 * Accidental loss is guarded instead by Pulumi `protect` + `retainOnDelete` in prod (the bucket's
 * encryption, public-access block, policy and lifecycle are retained with it, so a retained bucket
 * keeps its protection) and no forceDestroy there; dev buckets are emptied and removed on destroy.
 */
import * as pulumi from "@pulumi/pulumi";
import {
    Bucket as S3Bucket, BucketLifecycleConfiguration, BucketOwnershipControls, BucketPolicy, BucketPublicAccessBlock,
    BucketServerSideEncryptionConfiguration,
} from "@pulumi/aws/s3";
import { ABORT_MULTIPART_DAYS } from "../defaults";
import { dataProtection } from "../platform";
import type { BucketExpiry } from "../retention";
import { tlsOnlyBucketPolicy } from "./policies";

export interface BucketArgs {
    /** ARN of the customer-managed KMS key objects are encrypted with. */
    readonly kmsKeyArn: pulumi.Input<string>;
    /** When objects expire, and under which prefixes; undefined keeps them (buckets that hold configuration, not data). */
    readonly expiry?: BucketExpiry;
    /** Protect and retain the bucket and retain its settings (prod); otherwise destroyable with its objects. */
    readonly protect: boolean;
    readonly tags: Readonly<Record<string, string>>;
}

export class Bucket extends pulumi.ComponentResource {
    public readonly bucketName: pulumi.Output<string>;
    public readonly arn: pulumi.Output<string>;

    constructor(name: string, args: BucketArgs, opts?: pulumi.ComponentResourceOptions) {
        super("obs:aws:Bucket", name, {}, opts);
        const bucket = createBucket(this, name, args);
        this.bucketName = bucket.bucket;
        this.arn = bucket.arn;
        this.registerOutputs({ bucketName: this.bucketName, arn: this.arn });
    }
}

/** The lifecycle rules for a bucket: expiry (when the data has a retention, per prefix if scoped) and multipart cleanup. */
export function lifecycleRules(expiry: BucketExpiry | undefined) {
    const abort = {
        id: "abort-incomplete-multipart-uploads",
        status: "Enabled",
        filter: {},
        abortIncompleteMultipartUpload: { daysAfterInitiation: ABORT_MULTIPART_DAYS },
    };
    if (expiry === undefined) return [abort];
    if (expiry.prefixes === undefined) {
        return [{ id: "expire-after-retention", status: "Enabled", filter: {}, expiration: { days: expiry.days } }, abort];
    }
    return [
        ...expiry.prefixes.map(prefix => ({
            id: `expire-after-retention-${prefix.replace(/[^a-z0-9]+/gi, "-").replace(/-+$/, "")}`, status: "Enabled", filter: { prefix }, expiration: { days: expiry.days },
        })),
        abort,
    ];
}

/** @internal */
function createBucket(parent: pulumi.Resource, name: string, args: BucketArgs): S3Bucket {
    // The bucket's own settings are retained with it in prod: a retained bucket must stay private and encrypted.
    const o = { parent, retainOnDelete: args.protect };
    const bucket = new S3Bucket(name, { forceDestroy: !args.protect, tags: { ...args.tags, Name: name } }, { parent, ...dataProtection(args.protect) });
    new BucketServerSideEncryptionConfiguration(`${name}-sse`, {
        bucket: bucket.id,
        rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: args.kmsKeyArn }, bucketKeyEnabled: true }],
    }, o);
    const publicAccess = new BucketPublicAccessBlock(`${name}-public-access`, {
        bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true,
    }, o);
    new BucketOwnershipControls(`${name}-ownership`, { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } }, o);
    // S3 rejects a bucket policy while the public-access block is being applied, hence the dependency.
    new BucketPolicy(`${name}-tls-only`, {
        bucket: bucket.id,
        policy: bucket.arn.apply(arn => JSON.stringify(tlsOnlyBucketPolicy(arn))),
    }, { ...o, dependsOn: [publicAccess] });
    new BucketLifecycleConfiguration(`${name}-lifecycle`, { bucket: bucket.id, rules: lifecycleRules(args.expiry) }, o);
    return bucket;
}
