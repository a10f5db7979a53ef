/**
 * obs:gcp:Bucket — a private GCS bucket for one kind of observability data: uniform bucket-level
 * access, public access prevention enforced, a lifecycle delete rule no sooner than the data's
 * retention, optional CMEK. Versioning is off for the same reason as on S3 (see aws/bucket.ts):
 * noncurrent versions would keep data past its retention.
 */
import * as pulumi from "@pulumi/pulumi";
import { Bucket as GcsBucket } from "@pulumi/gcp/storage";
import { dataProtection } from "../platform";
import type { BucketExpiry } from "../retention";

export interface BucketArgs {
    readonly project: string;
    readonly location: string;
    /** When objects are deleted, and under which prefixes; undefined keeps them (configuration buckets). */
    readonly expiry?: BucketExpiry;
    /** Cloud KMS key for default encryption (CMEK); Google-managed when undefined. */
    readonly kmsKeyName?: pulumi.Input<string>;
    /** Protect and retain the bucket, and make GCS refuse its deletion (prod); otherwise destroyable with its objects. */
    readonly protect: boolean;
    readonly labels: Readonly<Record<string, string>>;
    /** The project's APIs (storage): the bucket waits for them. */
    readonly apis: pulumi.Resource;
}

export class Bucket extends pulumi.ComponentResource {
    public readonly bucketName: pulumi.Output<string>;

    constructor(name: string, args: BucketArgs, opts?: pulumi.ComponentResourceOptions) {
        super("obs:gcp:Bucket", name, {}, opts);
        this.bucketName = createBucket(this, name, args).name;
        this.registerOutputs({ bucketName: this.bucketName });
    }
}

/** GCS lifecycle: delete at the expiry age, only under the expiring prefixes when the expiry is scoped. */
export function gcsLifecycleRules(expiry: BucketExpiry | undefined) {
    if (expiry === undefined) return [];
    const condition = expiry.prefixes === undefined ? { age: expiry.days } : { age: expiry.days, matchesPrefixes: [...expiry.prefixes] };
    return [{ action: { type: "Delete" }, condition }];
}

/** @internal */
function createBucket(parent: pulumi.Resource, name: string, args: BucketArgs): GcsBucket {
    return new GcsBucket(name, {
        project: args.project,
        location: args.location.toUpperCase(),
        uniformBucketLevelAccess: true,
        publicAccessPrevention: "enforced",
        forceDestroy: !args.protect,
        versioning: { enabled: false },
        lifecycleRules: gcsLifecycleRules(args.expiry),
        encryption: args.kmsKeyName === undefined ? undefined : { defaultKmsKeyName: args.kmsKeyName },
        deletionPolicy: args.protect ? "PREVENT" : "DELETE",
        // Object soft delete (7 days by default) would keep every expired chunk and block, and bill it,
        // past its retention: off, for the same reason as versioning.
        softDeletePolicy: { retentionDurationSeconds: 0 },
        labels: args.labels,
    }, { parent, dependsOn: [args.apis], ...dataProtection(args.protect) });
}
