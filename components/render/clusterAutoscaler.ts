/**
 * The Cluster Autoscaler on EKS as Kubernetes objects: our own manifests, not a chart. It finds the
 * managed node groups by the tags EKS puts on their Auto Scaling groups
 * (`k8s.io/cluster-autoscaler/enabled`, `k8s.io/cluster-autoscaler/<cluster>`), reaches AWS through
 * IRSA (the service account's role annotation; components/aws/policies.ts `clusterAutoscalerPolicy`)
 * and keeps every group at least at its minimum. A pure function of typed input; the component
 * (components/k8s/clusterAutoscaler.ts) creates one Pulumi resource per object.
 *
 * RBAC is written from the Cluster Autoscaler documentation (FAQ, "What are the permissions it
 * needs", and the AWS provider README) and kept to what this configuration uses: leader election on a
 * Lease (not Endpoints, the pre-1.17 lock), the status ConfigMap in kube-system, read access to what
 * the scheduler simulation reads, eviction and node updates (taints) to drain and remove nodes.
 * Namespace-scoped needs (the Lease and the status ConfigMap) are in a Role in kube-system.
 */
import type * as k8s from "@pulumi/kubernetes/types/input";
import { IMAGES } from "../versions";

/** Where the autoscaler runs, the name of every object, and the service account its IRSA role trusts. */
export const CLUSTER_AUTOSCALER = { name: "cluster-autoscaler", namespace: "kube-system", serviceAccount: "cluster-autoscaler" } as const;

/** The pod's HTTP port: metrics and the /health-check endpoint. */
export const CLUSTER_AUTOSCALER_PORT = 8085;

export interface ClusterAutoscalerInput {
    readonly clusterName: string;
    readonly region: string;
    /** The IRSA role (policies.ts `clusterAutoscalerPolicy`). */
    readonly roleArn: string;
}

/** Every object, keyed by its role (the component names each Pulumi resource `<component>-<key>`). */
export interface ClusterAutoscalerObjects {
    readonly serviceAccount: k8s.core.v1.ServiceAccount;
    readonly clusterRole: k8s.rbac.v1.ClusterRole;
    readonly clusterRoleBinding: k8s.rbac.v1.ClusterRoleBinding;
    readonly role: k8s.rbac.v1.Role;
    readonly roleBinding: k8s.rbac.v1.RoleBinding;
    readonly deployment: k8s.apps.v1.Deployment;
}

const READ = ["get", "list", "watch"];

/** Cluster-wide rules: what the scale-up simulation reads, and what draining a node writes. */
export const CLUSTER_AUTOSCALER_CLUSTER_RULES: readonly k8s.rbac.v1.PolicyRule[] = [
    // Events on pods and nodes (NotTriggerScaleUp, ScaleDown, ...).
    { apiGroups: [""], resources: ["events"], verbs: ["create", "patch"] },
    // Draining: evict pods (honouring PodDisruptionBudgets), mark pods it could not place.
    { apiGroups: [""], resources: ["pods/eviction"], verbs: ["create"] },
    { apiGroups: [""], resources: ["pods/status"], verbs: ["update"] },
    // Taints (ToBeDeletedByClusterAutoscaler, DeletionCandidate) on nodes it removes.
    { apiGroups: [""], resources: ["nodes"], verbs: [...READ, "update"] },
    // The scheduler simulation's view of the cluster.
    { apiGroups: [""], resources: ["namespaces", "pods", "services", "replicationcontrollers", "persistentvolumeclaims", "persistentvolumes"], verbs: READ },
    { apiGroups: ["apps"], resources: ["daemonsets", "replicasets", "statefulsets"], verbs: READ },
    { apiGroups: ["batch"], resources: ["jobs", "cronjobs"], verbs: READ },
    { apiGroups: ["policy"], resources: ["poddisruptionbudgets"], verbs: READ },
    // volumeattachments: watched since 1.32 (kubernetes/autoscaler#7663, fixed in the chart by #7904).
    { apiGroups: ["storage.k8s.io"], resources: ["storageclasses", "csinodes", "csidrivers", "csistoragecapacities", "volumeattachments"], verbs: READ },
];

/** kube-system only: the leader-election Lease and the status ConfigMap (`--write-status-configmap`, on by default). */
export const CLUSTER_AUTOSCALER_NAMESPACE_RULES: readonly k8s.rbac.v1.PolicyRule[] = [
    // `create` cannot be limited by name (the object does not exist yet); the rest is limited to ours.
    { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["create"] },
    { apiGroups: ["coordination.k8s.io"], resources: ["leases"], resourceNames: [CLUSTER_AUTOSCALER.name], verbs: ["get", "update"] },
    { apiGroups: [""], resources: ["configmaps"], verbs: ["create", "list", "watch"] },
    { apiGroups: [""], resources: ["configmaps"], resourceNames: ["cluster-autoscaler-status"], verbs: ["get", "update", "delete", "watch"] },
];

/** The autoscaler's flags: AWS, auto-discovery by the cluster's ASG tags, minimums enforced. */
export function clusterAutoscalerCommand(clusterName: string): string[] {
    return [
        "./cluster-autoscaler",
        "--cloud-provider=aws",
        `--node-group-auto-discovery=asg:tag=k8s.io/cluster-autoscaler/enabled,k8s.io/cluster-autoscaler/${clusterName}`,
        // Spread scale-ups over groups of the same shape (one managed node group per subnet/AZ).
        "--balance-similar-node-groups",
        "--expander=least-waste",
        // kube-system pods (CoreDNS, metrics-server) do not pin a node: the autoscaler may drain it.
        "--skip-nodes-with-system-pods=false",
        // Scale a group back up to its minimum when it is below it (e.g. after nodePool.min was raised).
        "--enforce-node-group-min-size",
    ];
}

/** The autoscaler's Kubernetes objects for one EKS cluster. */
export function clusterAutoscalerObjects(input: ClusterAutoscalerInput): ClusterAutoscalerObjects {
    const { name, namespace, serviceAccount } = CLUSTER_AUTOSCALER;
    const labels = { "app.kubernetes.io/name": name, "app.kubernetes.io/part-of": "observability" };
    const selector = { "app.kubernetes.io/name": name };
    const subjects = [{ kind: "ServiceAccount", name: serviceAccount, namespace }];
    const image = IMAGES.clusterAutoscaler;
    return {
        serviceAccount: {
            apiVersion: "v1", kind: "ServiceAccount",
            metadata: { name: serviceAccount, namespace, labels, annotations: { "eks.amazonaws.com/role-arn": input.roleArn } },
        },
        clusterRole: { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name, labels }, rules: [...CLUSTER_AUTOSCALER_CLUSTER_RULES] },
        clusterRoleBinding: {
            apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRoleBinding", metadata: { name, labels },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name }, subjects,
        },
        role: { apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: { name, namespace, labels }, rules: [...CLUSTER_AUTOSCALER_NAMESPACE_RULES] },
        roleBinding: {
            apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding", metadata: { name, namespace, labels },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name }, subjects,
        },
        deployment: {
            apiVersion: "apps/v1", kind: "Deployment",
            metadata: { name, namespace, labels },
            spec: {
                // One active instance (leader election); a second replica would only stand by.
                replicas: 1,
                selector: { matchLabels: selector },
                template: {
                    metadata: {
                        labels,
                        // Its own node is not removed from under it.
                        annotations: { "cluster-autoscaler.kubernetes.io/safe-to-evict": "false" },
                    },
                    spec: {
                        serviceAccountName: serviceAccount,
                        priorityClassName: "system-cluster-critical",
                        nodeSelector: { "kubernetes.io/os": "linux" },
                        securityContext: { runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, fsGroup: 65534, seccompProfile: { type: "RuntimeDefault" } },
                        containers: [{
                            name,
                            image: `${image.repository}:${image.tag}`,
                            imagePullPolicy: "IfNotPresent",
                            command: clusterAutoscalerCommand(input.clusterName),
                            env: [{ name: "AWS_REGION", value: input.region }],
                            ports: [{ name: "http", containerPort: CLUSTER_AUTOSCALER_PORT, protocol: "TCP" }],
                            livenessProbe: { httpGet: { path: "/health-check", port: "http" }, initialDelaySeconds: 30, periodSeconds: 30 },
                            resources: { requests: { cpu: "100m", memory: "300Mi" }, limits: { memory: "600Mi" } },
                            securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
                        }],
                    },
                },
            },
        },
        // No PodDisruptionBudget: one replica, and a PDB of maxUnavailable 1 over one pod constrains
        // nothing (the manifest checks refuse PDBs that do not act).
    };
}
