/**
 * Typical create times, in seconds, per resource kind: the one place the offline preview's
 * critical-path estimate (summary.md) takes them from. Figures are typical first-create times
 * reported by the providers' docs and our own deploys; they are estimates, not guarantees.
 * Helm releases are keyed by chart (`helm:<chart>`), because their time is the workloads' start-up.
 */
export const TYPICAL_SECONDS: Readonly<Record<string, number>> = {
    "aws:eks/cluster:Cluster": 600,
    "aws:eks/nodeGroup:NodeGroup": 240,
    "aws:eks/addon:Addon": 90,
    "aws:ec2/natGateway:NatGateway": 120,
    "aws:ec2/vpc:Vpc": 5,
    "aws:ec2/eip:Eip": 3,
    "aws:kms/key:Key": 5,
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": 3,
    "aws:iam/role:Role": 3,
    "aws:s3/bucket:Bucket": 3,
    "gcp:container/cluster:Cluster": 480,
    "gcp:container/nodePool:NodePool": 180,
    "gcp:compute/network:Network": 25,
    "gcp:compute/subnetwork:Subnetwork": 20,
    "gcp:compute/router:Router": 15,
    "gcp:compute/routerNat:RouterNat": 20,
    "gcp:serviceaccount/account:Account": 5,
    "gcp:storage/bucket:Bucket": 3,
    "kubernetes:core/v1:Namespace": 1,
    "kubernetes:core/v1:Secret": 1,
    "kubernetes:storage.k8s.io/v1:StorageClass": 1,
    "kubernetes:helm.sh/v4:Chart": 20,
    "helm:kube-prometheus-stack": 300,
    "helm:loki": 240,
    "helm:tempo": 120,
    "helm:tempo-distributed": 240,
    "helm:opentelemetry-collector": 60,
    "helm:alloy": 60,
};

/** Anything not listed (IAM attachments, routes, bindings...) takes about this long. */
export const DEFAULT_SECONDS = 2;
