/**
 * In production, resources that hold state cannot be deleted by a mistaken `pulumi up` or
 * `destroy`: clusters, buckets, KMS keys and volumes are `protect`ed, and a StorageClass the stack
 * creates retains the volumes it provisions. Enabled in prod's policy config only.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { T } from "../lib/common";

/** Stateful resource types and what they are, for messages. */
export const STATEFUL: ReadonlyMap<string, string> = new Map([
    [T.eksCluster, "EKS cluster"], [T.gkeCluster, "GKE cluster"],
    [T.s3Bucket, "S3 bucket"], [T.s3BucketV2, "S3 bucket"], [T.gcsBucket, "GCS bucket"],
    [T.kmsKey, "KMS key"], [T.gcpKmsKey, "Cloud KMS key"],
    [T.ebsVolume, "EBS volume"], [T.gceDisk, "Compute Engine disk"], [T.gceRegionDisk, "Compute Engine disk"],
    [T.persistentVolume, "PersistentVolume"],
]);

export const protectionPolicy: ResourceValidationPolicy = {
    name: "obs-stateful-enable-protection",
    description: "Clusters, buckets, keys and volumes are protected, and every StorageClass the stack creates retains its volumes, so no update or destroy can delete production data by mistake.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        const what = STATEFUL.get(args.type);
        if (what && !args.opts.protect) {
            reportViolation(`${what} ${args.name} is not protected; register it with { protect: true } (and retainOnDelete) when observability:tier is prod.`);
        }
        if (args.type === T.storageClass && args.props.reclaimPolicy !== "Retain") {
            reportViolation(`StorageClass ${args.name} deletes its volumes with their claims (reclaimPolicy ${JSON.stringify(args.props.reclaimPolicy ?? "Delete")}); set reclaimPolicy: Retain when observability:tier is prod.`);
        }
    },
};
