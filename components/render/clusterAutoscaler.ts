/**
 * Helm values of the Cluster Autoscaler (chart cluster-autoscaler, kubernetes/autoscaler) on EKS:
 * managed node groups found by the tags EKS puts on their Auto Scaling groups
 * (`k8s.io/cluster-autoscaler/enabled`, `k8s.io/cluster-autoscaler/<cluster>`), IRSA for AWS access,
 * and node groups kept at or above their minimum. A pure function of typed input.
 */

/** Where the autoscaler runs and the service account its IRSA role trusts. */
export const CLUSTER_AUTOSCALER = { release: "cluster-autoscaler", namespace: "kube-system", serviceAccount: "cluster-autoscaler" } as const;

export interface ClusterAutoscalerInput {
    readonly clusterName: string;
    readonly region: string;
    /** The IRSA role (policies.ts `clusterAutoscalerPolicy`). */
    readonly roleArn: string;
}

export function clusterAutoscalerValues(input: ClusterAutoscalerInput): Record<string, unknown> {
    return {
        cloudProvider: "aws",
        awsRegion: input.region,
        autoDiscovery: { clusterName: input.clusterName },
        fullnameOverride: CLUSTER_AUTOSCALER.release,
        rbac: { serviceAccount: { create: true, name: CLUSTER_AUTOSCALER.serviceAccount, annotations: { "eks.amazonaws.com/role-arn": input.roleArn } } },
        extraArgs: {
            // Scale a group back up to its minimum when it is below it (e.g. after nodePool.min was raised).
            "enforce-node-group-min-size": true,
            "balance-similar-node-groups": true,
            "skip-nodes-with-system-pods": false,
            expander: "least-waste",
        },
        priorityClassName: "system-cluster-critical",
        resources: { requests: { cpu: "100m", memory: "300Mi" }, limits: { memory: "600Mi" } },
        podDisruptionBudget: { maxUnavailable: 1 },
    };
}
