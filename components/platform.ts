/**
 * What a cluster platform (AWS or GCP) yields to the layers above it: the same shape on both
 * clouds, so the observability releases never branch on the cloud beyond `storage.type`.
 */
import * as pulumi from "@pulumi/pulumi";
import type { Provider as KubernetesProvider } from "@pulumi/kubernetes/provider";
import type { WorkloadKey } from "./defaults";
import type { BucketKey } from "./retention";
import type { Cloud } from "./render/types";

export interface WorkloadIdentityOutputs {
    readonly namespace: string;
    readonly serviceAccount: string;
    /** Service-account annotations that bind it to the cloud identity (IRSA role ARN or GCP service account). */
    readonly annotations: pulumi.Output<Record<string, string>>;
    /** The cloud-side binding (role + policy, or service account + IAM members): workloads wait for it. */
    readonly binding: pulumi.Resource;
}

export interface ClusterPlatformOutputs {
    readonly clusterName: string;
    readonly cloud: Cloud;
    readonly region: string;
    /** Explicit Kubernetes provider for this cluster, with exec-based auth (no static token in state). */
    readonly kubernetesProvider: KubernetesProvider;
    /** The node group / node pool: pods can be scheduled once it exists. */
    readonly nodes: pulumi.Resource;
    /** What PersistentVolumeClaims need beyond the nodes: on EKS the EBS CSI add-on and the gp3 StorageClass; nothing on GKE. */
    readonly volumesReady: readonly pulumi.Resource[];
    readonly storage: {
        readonly type: "s3" | "gcs";
        readonly region: string;
        readonly buckets: { readonly lokiChunks: pulumi.Output<string>; readonly lokiRuler: pulumi.Output<string>; readonly tempo: pulumi.Output<string> };
    };
    readonly identities: Readonly<Record<WorkloadKey, WorkloadIdentityOutputs>>;
}

/** The storage facts of a platform, from its bucket components (each exposing `bucketName`). */
export function storageOutputs(type: "s3" | "gcs", region: string,
    buckets: Readonly<Record<BucketKey, { readonly bucketName: pulumi.Output<string> }>>): ClusterPlatformOutputs["storage"] {
    return {
        type, region,
        buckets: { lokiChunks: buckets.lokiChunks.bucketName, lokiRuler: buckets.lokiRuler.bucketName, tempo: buckets.tempo.bucketName },
    };
}

/** Options shared by the data-bearing children of a platform: protection in prod. */
export function dataProtection(protect: boolean): pulumi.CustomResourceOptions {
    return protect ? { protect: true, retainOnDelete: true } : {};
}
