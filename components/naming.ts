/**
 * The names the components give the cloud resources whose names the clouds restrict, in one place:
 * the components call these, and stacks/cloud-checks.ts checks the very same names against
 * components/cloud-rules.ts before anything is registered.
 *
 * Resources without an explicit physical name are auto-named by Pulumi: the logical name, '-' and
 * 7 random hex characters (pulumi-terraform-bridge `AutoName`, Randlen 7, separator '-'); so
 * `dev-eks-loki-chunks` becomes an S3 bucket like `dev-eks-loki-chunks-4f3a9c1`. `autoNamed` gives
 * that shape with a sample suffix (hex only, so it cannot add a reserved word or prefix).
 */
import { type BucketKey, bucketSuffix } from "./retention";

/** Pulumi's default auto-name suffix: '-' and 7 random hex characters. */
export const AUTONAME_SUFFIX_LENGTH = 8;

export function autoNamed(logical: string, sample = "0a1b2c3"): string {
    return `${logical}-${sample}`;
}

/** Logical (Pulumi) names derived from a cluster's name. */
export const names = {
    /** S3 bucket (aws) or GCS bucket (gcp) of one kind of data; auto-named. */
    bucket: (cluster: string, bucket: BucketKey) => `${cluster}-${bucketSuffix(bucket)}`,
    /** IRSA role of a workload (loki, tempo); auto-named. */
    workloadRole: (cluster: string, workload: string) => `${cluster}-${workload}`,
    /** EKS cluster and node IAM roles; auto-named. */
    eksClusterRole: (cluster: string) => `${cluster}-cluster-role`,
    eksNodeRole: (cluster: string) => `${cluster}-node-role`,
    /** IRSA role of the EBS CSI driver; auto-named. */
    ebsCsiRole: (cluster: string) => `${cluster}-ebs-csi`,
    /** EKS managed node group and GKE node pool; auto-named. */
    nodes: (cluster: string) => `${cluster}-nodes`,
    /** KMS alias of the cluster's key; explicit. */
    kmsAlias: (cluster: string) => `alias/${cluster}-observability`,
    /** GCP VPC network and its children; auto-named. */
    gcpNetwork: (cluster: string) => `${cluster}-net`,
    gcpSubnetwork: (cluster: string) => `${cluster}-net-nodes`,
    gcpRouter: (cluster: string) => `${cluster}-net-router`,
    gcpNat: (cluster: string) => `${cluster}-net-nat`,
} as const;

/** A GCP service-account id (6–30 chars) from a cluster name and a purpose; explicit. */
export function serviceAccountId(cluster: string, purpose: string): string {
    return `${cluster}-${purpose}`.slice(0, 30).replace(/-+$/, "");
}
