/**
 * obs:aws:EksCluster — an EKS cluster in API authentication mode with a managed node group in
 * private subnets, an OIDC provider for IRSA, EKS access entries for the configured admins, the EBS
 * CSI driver (PersistentVolumes for Prometheus, Loki and Tempo) and an explicit Kubernetes provider
 * with exec-based auth.
 */
import * as pulumi from "@pulumi/pulumi";
import { AccessEntry, AccessPolicyAssociation, Addon, Cluster, NodeGroup } from "@pulumi/aws/eks";
import { OpenIdConnectProvider, Role, RolePolicyAttachment } from "@pulumi/aws/iam";
import { Provider as KubernetesProvider } from "@pulumi/kubernetes/provider";
import { StorageClass } from "@pulumi/kubernetes/storage/v1";
import { eksKubeconfig } from "../kubeconfig";
import { amiTypeFor } from "../machine-types";
import { names } from "../naming";
import { dataProtection } from "../platform";
import { ebsCsiKmsPolicy, serviceTrustPolicy } from "./policies";
import { WorkloadRole } from "./workloadRole";

const MANAGED = "arn:aws:iam::aws:policy";
export const CLUSTER_POLICIES = [`${MANAGED}/AmazonEKSClusterPolicy`];
export const NODE_POLICIES = [
    `${MANAGED}/AmazonEKSWorkerNodePolicy`,
    `${MANAGED}/AmazonEKS_CNI_Policy`,
    `${MANAGED}/AmazonEC2ContainerRegistryReadOnly`,
];
export const ADMIN_ACCESS_POLICY = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy";
export const GP3_STORAGE_CLASS = "gp3";
export const EBS_CSI = { namespace: "kube-system", serviceAccount: "ebs-csi-controller-sa", policy: `${MANAGED}/service-role/AmazonEBSCSIDriverPolicy` };

export interface EksClusterArgs {
    readonly kubernetesVersion: string;
    readonly region: string;
    readonly subnetIds: pulumi.Input<pulumi.Input<string>[]>;
    /** What gives the private subnets egress (NAT routes): nodes cannot join without it. Empty for an existing VPC. */
    readonly egress: readonly pulumi.Resource[];
    readonly nodePool: { readonly machineType: string; readonly min: number; readonly max: number; readonly diskSizeGb: number };
    /** IAM role/user ARNs given cluster-admin through access entries. */
    readonly admins: readonly string[];
    /** KMS key for envelope encryption of Kubernetes Secrets. */
    readonly kmsKeyArn: pulumi.Input<string>;
    /** Protect the cluster and turn on EKS deletion protection (prod). */
    readonly protect: boolean;
    readonly tags: Readonly<Record<string, string>>;
}

/** Graviton instance types (a1, m7g, c8g, r7gd, t4g, ...) need the ARM AMI: the architecture comes from components/machine-types.ts. */
export { amiTypeFor };

export class EksCluster extends pulumi.ComponentResource {
    public readonly clusterName: pulumi.Output<string>;
    public readonly oidcProviderArn: pulumi.Output<string>;
    public readonly oidcIssuerUrl: pulumi.Output<string>;
    public readonly nodeGroup: NodeGroup;
    /** What PersistentVolumeClaims need: the EBS CSI add-on and the default gp3 StorageClass. */
    public readonly storageReady: readonly pulumi.Resource[];
    public readonly kubernetesProvider: KubernetesProvider;

    constructor(name: string, args: EksClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("obs:aws:EksCluster", name, {}, opts);
        const built = createEksCluster(this, name, args);
        this.clusterName = built.cluster.name;
        this.oidcProviderArn = built.oidc.arn;
        this.oidcIssuerUrl = built.issuer;
        this.nodeGroup = built.nodeGroup;
        this.storageReady = built.storageReady;
        this.kubernetesProvider = built.provider;
        this.registerOutputs({ clusterName: this.clusterName, oidcProviderArn: this.oidcProviderArn, oidcIssuerUrl: this.oidcIssuerUrl });
    }
}

function roleWithPolicies(parent: pulumi.Resource, name: string, service: string, policies: readonly string[], tags: Record<string, string>) {
    const role = new Role(name, { assumeRolePolicy: JSON.stringify(serviceTrustPolicy(service)), tags }, { parent });
    const attachments = policies.map((policyArn, i) => new RolePolicyAttachment(`${name}-${i}`, { role: role.name, policyArn }, { parent }));
    return { role, attachments };
}

/** @internal */
function createEksCluster(parent: pulumi.Resource, name: string, args: EksClusterArgs) {
    const o = { parent };
    const tags = { ...args.tags };
    const { role: clusterRole, attachments: clusterPolicies } = roleWithPolicies(parent, names.eksClusterRole(name), "eks.amazonaws.com", CLUSTER_POLICIES, tags);
    const cluster = new Cluster(name, {
        name,
        version: args.kubernetesVersion,
        roleArn: clusterRole.arn,
        vpcConfig: { subnetIds: args.subnetIds, endpointPrivateAccess: true, endpointPublicAccess: true },
        // API mode: access is granted with access entries, not the aws-auth ConfigMap. The identity
        // running `pulumi up` keeps admin so it can install the Helm releases.
        accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: true },
        encryptionConfig: { provider: { keyArn: args.kmsKeyArn }, resources: ["secrets"] },
        enabledClusterLogTypes: ["api", "audit", "authenticator"],
        deletionProtection: args.protect,
        tags,
    }, { parent, dependsOn: clusterPolicies, ...dataProtection(args.protect) });

    const issuer = cluster.identities.apply(ids => {
        const url = ids?.[0]?.oidcs?.[0]?.issuer;
        if (!url) throw new Error(`${name}: EKS cluster has no OIDC issuer`);
        return url;
    });
    const oidc = new OpenIdConnectProvider(`${name}-oidc`, { url: issuer, clientIdLists: ["sts.amazonaws.com"], tags }, o);

    const { role: nodeRole, attachments: nodePolicies } = roleWithPolicies(parent, names.eksNodeRole(name), "ec2.amazonaws.com", NODE_POLICIES, tags);
    const nodeGroup = new NodeGroup(names.nodes(name), {
        clusterName: cluster.name,
        nodeRoleArn: nodeRole.arn,
        subnetIds: args.subnetIds,
        instanceTypes: [args.nodePool.machineType],
        amiType: amiTypeFor(args.nodePool.machineType),
        diskSize: args.nodePool.diskSizeGb,
        scalingConfig: { minSize: args.nodePool.min, maxSize: args.nodePool.max, desiredSize: args.nodePool.min },
        updateConfig: { maxUnavailable: 1 },
        tags,
    }, {
        parent,
        // The node-role policies must be attached before nodes try to join.
        dependsOn: [...nodePolicies, ...args.egress],
        // The cluster autoscaler owns the desired size once the group exists.
        ignoreChanges: ["scalingConfig.desiredSize"],
    });

    args.admins.forEach((principalArn, i) => {
        const entry = new AccessEntry(`${name}-admin-${i}`, { clusterName: cluster.name, principalArn, type: "STANDARD", tags }, o);
        new AccessPolicyAssociation(`${name}-admin-${i}`, {
            clusterName: cluster.name, principalArn, policyArn: ADMIN_ACCESS_POLICY, accessScope: { type: "cluster" },
        }, { parent, dependsOn: [entry] });
    });

    const ebsRole = new WorkloadRole(names.ebsCsiRole(name), {
        oidcProviderArn: oidc.arn, oidcIssuerUrl: issuer, namespace: EBS_CSI.namespace, serviceAccount: EBS_CSI.serviceAccount,
        managedPolicyArns: [EBS_CSI.policy],
        // The gp3 StorageClass encrypts volumes with the cluster's key.
        policy: pulumi.output(args.kmsKeyArn).apply(ebsCsiKmsPolicy),
        tags,
    }, o);
    const csi = new Addon(`${name}-ebs-csi`, {
        clusterName: cluster.name, addonName: "aws-ebs-csi-driver", serviceAccountRoleArn: ebsRole.roleArn,
        resolveConflictsOnCreate: "OVERWRITE", resolveConflictsOnUpdate: "OVERWRITE", tags,
    }, { parent, dependsOn: [nodeGroup] });

    const kubeconfig = pulumi.all([cluster.name, cluster.endpoint, cluster.certificateAuthority]).apply(([n, server, ca]) =>
        eksKubeconfig({ name: n, server, caData: ca.data ?? "", region: args.region }));
    const provider = new KubernetesProvider(`${name}-k8s`, { kubeconfig }, o);

    // EKS (1.30+) ships no default StorageClass; volumes are gp3, encrypted with the cluster's key.
    const storageClass = new StorageClass(`${name}-gp3`, {
        metadata: { name: GP3_STORAGE_CLASS, annotations: { "storageclass.kubernetes.io/is-default-class": "true" } },
        provisioner: "ebs.csi.aws.com",
        parameters: { type: "gp3", encrypted: "true", kmsKeyId: args.kmsKeyArn },
        reclaimPolicy: args.protect ? "Retain" : "Delete",
        volumeBindingMode: "WaitForFirstConsumer",
        allowVolumeExpansion: true,
    }, { parent, provider });
    return { cluster, oidc, issuer, nodeGroup, provider, storageReady: [csi, storageClass] };
}
