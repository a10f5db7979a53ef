/**
 * obs:aws:EksCluster — an EKS cluster in API authentication mode with a managed node group in
 * private subnets, an OIDC provider for IRSA, explicit access entries (the deploy role and the
 * configured admins), its control-plane logs in a log group created here (retention, KMS), Secrets
 * encrypted with a key of its own, the EKS add-ons (vpc-cni with network policy, kube-proxy,
 * CoreDNS, EBS CSI, metrics-server) at the versions EKS publishes for the cluster's version, the
 * Cluster Autoscaler on IRSA, and an explicit Kubernetes provider with exec-based auth.
 *
 * Upgrades: bumping `kubernetesVersion` updates the control plane first; the node group's version
 * is the cluster's (so it follows), and every add-on's version is resolved for the cluster's version
 * and waits for the node group, so add-ons move last.
 */
import * as pulumi from "@pulumi/pulumi";
import { AccessEntry, AccessPolicyAssociation, Addon, Cluster, getAddonVersionOutput, NodeGroup } from "@pulumi/aws/eks";
import { LogGroup } from "@pulumi/aws/cloudwatch";
import { OpenIdConnectProvider, Role, RolePolicyAttachment } from "@pulumi/aws/iam";
import { Provider as KubernetesProvider } from "@pulumi/kubernetes/provider";
import { StorageClass } from "@pulumi/kubernetes/storage/v1";
import { ClusterAutoscaler } from "../k8s/clusterAutoscaler";
import { eksKubeconfig } from "../kubeconfig";
import { CLUSTER_AUTOSCALER } from "../render/clusterAutoscaler";
import { clusterAutoscalerPolicy, ebsCsiKmsPolicy, serviceTrustPolicy } from "./policies";
import { KmsKey } from "./kmsKey";
import { WorkloadRole } from "./workloadRole";
import { amiTypeFor } from "../machine-types";
import { names } from "../naming";

const MANAGED = "arn:aws:iam::aws:policy";
export const CLUSTER_POLICIES = [`${MANAGED}/AmazonEKSClusterPolicy`];
export const NODE_POLICIES = [
    `${MANAGED}/AmazonEKSWorkerNodePolicy`,
    // The VPC CNI that EKS bootstraps runs on the node role until the managed add-on replaces it.
    `${MANAGED}/AmazonEKS_CNI_Policy`,
    `${MANAGED}/AmazonEC2ContainerRegistryPullOnly`,
];
export const ADMIN_ACCESS_POLICY = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy";
export const GP3_STORAGE_CLASS = "gp3";
export const EBS_CSI = { namespace: "kube-system", serviceAccount: "ebs-csi-controller-sa", policy: `${MANAGED}/service-role/AmazonEBSCSIDriverPolicy` };
/** Every EKS control-plane log type (CIS EKS 2.1.1; tfsec aws-eks-enable-control-plane-logging). */
export const CONTROL_PLANE_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"];

/** The EKS managed add-ons, in the order they are declared; all wait for the node group. */
export const EKS_ADDONS = {
    vpcCni: { addonName: "vpc-cni", suffix: "vpc-cni", configurationValues: { enableNetworkPolicy: "true" } },
    kubeProxy: { addonName: "kube-proxy", suffix: "kube-proxy" },
    coreDns: { addonName: "coredns", suffix: "coredns" },
    ebsCsi: { addonName: "aws-ebs-csi-driver", suffix: "ebs-csi" },
    metricsServer: { addonName: "metrics-server", suffix: "metrics-server" },
} as const satisfies Record<string, { readonly addonName: string; readonly suffix: string; readonly configurationValues?: Record<string, string> }>;

export interface EksClusterArgs {
    readonly kubernetesVersion: string;
    readonly region: string;
    readonly accountId: string;
    readonly subnetIds: pulumi.Input<pulumi.Input<string>[]>;
    /** What gives the private subnets egress (NAT routes): nodes cannot join without it. Empty for an existing VPC. */
    readonly egress: readonly pulumi.Resource[];
    readonly nodePool: { readonly machineType: string; readonly min: number; readonly max: number; readonly diskSizeGb: number };
    /** The role that runs `pulumi up`: its own cluster-admin access entry (the creator gets none implicitly). */
    readonly deployRole: string;
    /** IAM role/user ARNs given cluster-admin through access entries. */
    readonly admins: readonly string[];
    /** CIDRs allowed to reach the public endpoint; undefined leaves it open (dev only, validated). */
    readonly authorizedNetworks?: readonly string[];
    /** Private endpoint only: no public endpoint at all. */
    readonly privateEndpoint: boolean;
    /** Key for the EBS volumes (the gp3 StorageClass). */
    readonly ebsKeyArn: pulumi.Input<string>;
    /** Key for the control-plane log group. */
    readonly logsKeyArn: pulumi.Input<string>;
    readonly logRetentionDays: number;
    readonly kmsDeletionWindowDays: number;
    /** Protect the cluster and turn on EKS deletion protection; retain volumes (prod). */
    readonly protect: boolean;
    readonly tags: Readonly<Record<string, string>>;
}

/** Graviton instance types (a1, m7g, c8g, r7gd, t4g, ...) need the ARM AMI: the architecture comes from components/machine-types.ts. */
export { amiTypeFor };

/** The control-plane log group EKS writes to (it must exist first to carry retention and KMS). */
export function controlPlaneLogGroupName(cluster: string): string {
    return `/aws/eks/${cluster}/cluster`;
}

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

/** An access entry with cluster-admin for one principal; returns the association (which needs the entry). */
function clusterAdmin(parent: pulumi.Resource, name: string, clusterName: pulumi.Input<string>, principalArn: string, tags: Record<string, string>) {
    const entry = new AccessEntry(name, { clusterName, principalArn, type: "STANDARD", tags }, { parent });
    return new AccessPolicyAssociation(name, {
        clusterName, principalArn, policyArn: ADMIN_ACCESS_POLICY, accessScope: { type: "cluster" },
    }, { parent, dependsOn: [entry] });
}

/** @internal */
function createEksCluster(parent: pulumi.Resource, name: string, args: EksClusterArgs) {
    const o = { parent };
    const tags = { ...args.tags };
    const { role: clusterRole, attachments: clusterPolicies } = roleWithPolicies(parent, names.eksClusterRole(name), "eks.amazonaws.com", CLUSTER_POLICIES, tags);
    const secretsKey = new KmsKey(names.kmsKey(name, "secrets"), {
        description: `Kubernetes Secrets of EKS cluster ${name}`, accountId: args.accountId, region: args.region, deployRole: args.deployRole,
        use: clusterRole.arn.apply(clusterRoleArn => ({ kind: "eksSecrets" as const, clusterRoleArn })),
        deletionWindowInDays: args.kmsDeletionWindowDays, protect: args.protect, tags,
    }, o);
    const logGroup = new LogGroup(`${name}-control-plane`, {
        name: controlPlaneLogGroupName(name), retentionInDays: args.logRetentionDays, kmsKeyId: args.logsKeyArn, tags,
    }, o);
    const cluster = new Cluster(name, {
        name,
        version: args.kubernetesVersion,
        roleArn: clusterRole.arn,
        vpcConfig: {
            subnetIds: args.subnetIds,
            endpointPrivateAccess: true,
            endpointPublicAccess: !args.privateEndpoint,
            publicAccessCidrs: args.privateEndpoint || args.authorizedNetworks === undefined ? undefined : [...args.authorizedNetworks],
        },
        // API mode, and no implicit admin for the creator: the deploy role gets an explicit access
        // entry below, visible in code and state (and never duplicated by an entry in `admins`).
        accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: false },
        // Past the end of standard support EKS upgrades the control plane instead of billing extended support.
        upgradePolicy: { supportType: "STANDARD" },
        // EKS installs vpc-cni, kube-proxy and CoreDNS so nodes can join; the managed add-ons below take them over.
        bootstrapSelfManagedAddons: true,
        encryptionConfig: { provider: { keyArn: secretsKey.arn }, resources: ["secrets"] },
        enabledClusterLogTypes: CONTROL_PLANE_LOG_TYPES,
        deletionProtection: args.protect,
        tags,
    }, {
        parent, dependsOn: [...clusterPolicies, logGroup],
        // Protected, but not retained: a deleted cluster must not outlive its network (teardown).
        protect: args.protect,
    });

    const issuer = cluster.identities.apply(ids => {
        const url = ids?.[0]?.oidcs?.[0]?.issuer;
        if (!url) throw new Error(`${name}: EKS cluster has no OIDC issuer`);
        return url;
    });
    const oidc = new OpenIdConnectProvider(`${name}-oidc`, { url: issuer, clientIdLists: ["sts.amazonaws.com"], tags }, o);

    const { role: nodeRole, attachments: nodePolicies } = roleWithPolicies(parent, names.eksNodeRole(name), "ec2.amazonaws.com", NODE_POLICIES, tags);
    const nodeGroup = new NodeGroup(names.nodes(name), {
        clusterName: cluster.name,
        // The cluster's version: an upgrade of the control plane rolls the nodes next.
        version: cluster.version,
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
        // The Cluster Autoscaler owns the desired size once the group exists; min and max stay ours.
        ignoreChanges: ["scalingConfig.desiredSize"],
    });

    const deployAccess = clusterAdmin(parent, `${name}-deployer`, cluster.name, args.deployRole, tags);
    args.admins.forEach((principalArn, i) => clusterAdmin(parent, `${name}-admin-${i}`, cluster.name, principalArn, tags));

    const ebsRole = new WorkloadRole(names.ebsCsiRole(name), {
        oidcProviderArn: oidc.arn, oidcIssuerUrl: issuer, namespace: EBS_CSI.namespace, serviceAccount: EBS_CSI.serviceAccount,
        managedPolicyArns: [EBS_CSI.policy],
        // The gp3 StorageClass encrypts volumes with the volume key.
        policy: pulumi.output(args.ebsKeyArn).apply(arn => ebsCsiKmsPolicy(arn, args.region)),
        tags,
    }, o);
    const addons = Object.fromEntries(Object.entries(EKS_ADDONS).map(([key, spec]) => {
        const addon = new Addon(`${name}-${spec.suffix}`, {
            clusterName: cluster.name,
            addonName: spec.addonName,
            // The version EKS publishes as default for the cluster's version: resolved again on every run,
            // so a cluster upgrade moves each add-on too.
            addonVersion: getAddonVersionOutput({ addonName: spec.addonName, kubernetesVersion: cluster.version }, o).version,
            configurationValues: "configurationValues" in spec ? JSON.stringify(spec.configurationValues) : undefined,
            serviceAccountRoleArn: key === "ebsCsi" ? ebsRole.roleArn : undefined,
            resolveConflictsOnCreate: "OVERWRITE", resolveConflictsOnUpdate: "OVERWRITE", tags,
        }, { parent, dependsOn: key === "ebsCsi" ? [nodeGroup, ebsRole] : [nodeGroup] });
        return [key, addon];
    })) as Record<keyof typeof EKS_ADDONS, Addon>;

    const kubeconfig = pulumi.all([cluster.name, cluster.endpoint, cluster.certificateAuthority]).apply(([n, server, ca]) =>
        eksKubeconfig({ name: n, server, caData: ca.data ?? "", region: args.region }));
    // Everything on the cluster waits for the deploy role's access (the provider depends on it).
    const provider = new KubernetesProvider(`${name}-k8s`, { kubeconfig }, { parent, dependsOn: [deployAccess] });

    // EKS (1.30+) ships no default StorageClass; volumes are gp3, encrypted with the volume key.
    const storageClass = new StorageClass(`${name}-gp3`, {
        metadata: { name: GP3_STORAGE_CLASS, annotations: { "storageclass.kubernetes.io/is-default-class": "true" } },
        provisioner: "ebs.csi.aws.com",
        parameters: { type: "gp3", encrypted: "true", kmsKeyId: args.ebsKeyArn },
        reclaimPolicy: args.protect ? "Retain" : "Delete",
        volumeBindingMode: "WaitForFirstConsumer",
        allowVolumeExpansion: true,
    }, { parent, provider });

    const autoscalerRole = new WorkloadRole(names.autoscalerRole(name), {
        oidcProviderArn: oidc.arn, oidcIssuerUrl: issuer, namespace: CLUSTER_AUTOSCALER.namespace, serviceAccount: CLUSTER_AUTOSCALER.serviceAccount,
        policy: clusterAutoscalerPolicy(name), tags,
    }, o);
    new ClusterAutoscaler(`${name}-autoscaler`, { clusterName: name, region: args.region, roleArn: autoscalerRole.roleArn },
        { parent, providers: [provider], dependsOn: [nodeGroup, addons.coreDns, autoscalerRole] });

    return { cluster, oidc, issuer, nodeGroup, provider, storageReady: [addons.ebsCsi, storageClass] };
}
