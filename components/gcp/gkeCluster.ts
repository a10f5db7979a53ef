/**
 * obs:gcp:GkeCluster — a regional, VPC-native GKE cluster with private nodes, Workload Identity,
 * Dataplane V2 (network policy enforced), Kubernetes Secrets encrypted with a Cloud KMS key created
 * here, control-plane access limited to authorized networks (or a private endpoint), Cloud Logging of
 * system components only (Loki has the workloads), a release channel (and a maintenance window in
 * prod), its own node pool (the default pool is removed, and even the throw-away default pool runs
 * as the minimal node service account), a default StorageClass that retains volumes in prod, and an
 * explicit Kubernetes provider with exec-based auth (gke-gcloud-auth-plugin).
 */
import * as pulumi from "@pulumi/pulumi";
import { Cluster, NodePool } from "@pulumi/gcp/container";
import { CryptoKey, CryptoKeyIAMMember, KeyRing } from "@pulumi/gcp/kms";
import { getProjectOutput } from "@pulumi/gcp/organizations";
import { IAMMember as ProjectIAMMember } from "@pulumi/gcp/projects";
import { Account } from "@pulumi/gcp/serviceaccount";
import { Provider as KubernetesProvider } from "@pulumi/kubernetes/provider";
import { StorageClass, StorageClassPatch } from "@pulumi/kubernetes/storage/v1";
import { GCP_KMS_ROTATION_PERIOD, GKE_MAINTENANCE_WINDOW, NETWORK } from "../defaults";
import { gkeKubeconfig } from "../kubeconfig";
import { names, serviceAccountId } from "../naming";
import { dataProtection } from "../platform";
import { SECONDARY_RANGES } from "./network";

/** The one role a GKE node service account needs (logging and monitoring; public images need nothing more). */
export const NODE_ROLE = "roles/container.defaultNodeServiceAccount";
export const SECRETS_KEY_ROLE = "roles/cloudkms.cryptoKeyEncrypterDecrypter";
/** The default StorageClass created here, and GKE's own default it replaces. */
export const GKE_STORAGE_CLASS = "pd-balanced";
export const GKE_BUILTIN_DEFAULT_STORAGE_CLASS = "standard-rwo";
const DEFAULT_CLASS = "storageclass.kubernetes.io/is-default-class";

export interface GkeClusterArgs {
    readonly project: string;
    readonly region: string;
    /** The minor, checked against the release channel before anything is registered (stacks/program.ts). */
    readonly kubernetesVersion: string;
    readonly releaseChannel: string;
    readonly networkId: pulumi.Input<string>;
    readonly subnetworkId: pulumi.Input<string>;
    /** Cloud NAT: the node pool waits for it. */
    readonly egress: readonly pulumi.Resource[];
    /** The project's APIs: everything here that calls one waits for them. */
    readonly apis: pulumi.Resource;
    /** Node counts are totals across the region's zones (same meaning as on EKS). */
    readonly nodePool: { readonly machineType: string; readonly min: number; readonly max: number; readonly diskSizeGb: number };
    /** CIDRs allowed to reach the control plane; undefined leaves the public endpoint open (dev only, validated). */
    readonly authorizedNetworks?: readonly string[];
    /** Private endpoint only. */
    readonly privateEndpoint: boolean;
    /** Protect the cluster and turn on GKE deletion protection, retain volumes, weekly maintenance window (prod). */
    readonly protect: boolean;
    readonly labels: Readonly<Record<string, string>>;
}

/** A GCP service-account id (6–30 chars) from a cluster name and a purpose (components/naming.ts). */
export { serviceAccountId };

/** The control-plane access settings of the GKE API for the cluster's config. */
export function controlPlaneAccess(authorizedNetworks: readonly string[] | undefined, privateEndpoint: boolean) {
    const authorized = authorizedNetworks === undefined && !privateEndpoint ? undefined : {
        cidrBlocks: (authorizedNetworks ?? []).map(cidrBlock => ({ cidrBlock, displayName: cidrBlock })),
        gcpPublicCidrsAccessEnabled: false,
    };
    return {
        privateClusterConfig: { enablePrivateNodes: true, enablePrivateEndpoint: privateEndpoint, masterIpv4CidrBlock: NETWORK.gcpMasterCidr },
        masterAuthorizedNetworksConfig: authorized,
    };
}

/** Hardening shared by the throw-away default pool and ours: shielded, GKE metadata server, no kubelet read-only port. */
function nodeHardening(serviceAccount: pulumi.Input<string>) {
    return {
        serviceAccount,
        oauthScopes: ["https://www.googleapis.com/auth/cloud-platform"],
        // Pods see the GKE metadata server, which serves Workload Identity tokens, not the node's.
        workloadMetadataConfig: { mode: "GKE_METADATA" },
        shieldedInstanceConfig: { enableSecureBoot: true, enableIntegrityMonitoring: true },
        kubeletConfig: { insecureKubeletReadonlyPortEnabled: "FALSE" },
    };
}

export class GkeCluster extends pulumi.ComponentResource {
    public readonly clusterName: pulumi.Output<string>;
    /**
     * `<project>.svc.id.goog`, read from the cluster so that whatever binds to it (Workload Identity
     * members `serviceAccount:<pool>[<ns>/<ksa>]`) depends on the cluster: the pool exists only then.
     */
    public readonly workloadPool: pulumi.Output<string>;
    public readonly nodePool: NodePool;
    /** What PersistentVolumeClaims need beyond nodes: the default StorageClass created here. */
    public readonly storageReady: readonly pulumi.Resource[];
    public readonly kubernetesProvider: KubernetesProvider;

    constructor(name: string, args: GkeClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("obs:gcp:GkeCluster", name, {}, opts);
        const built = createGkeCluster(this, name, args);
        this.clusterName = built.cluster.name;
        this.workloadPool = built.cluster.workloadIdentityConfig.apply(c => {
            if (!c?.workloadPool) throw new Error(`${name}: Workload Identity is not enabled on the cluster`);
            return c.workloadPool;
        });
        this.nodePool = built.nodePool;
        this.storageReady = built.storageReady;
        this.kubernetesProvider = built.provider;
        this.registerOutputs({ clusterName: this.clusterName, workloadPool: this.workloadPool });
    }
}

/** @internal */
function createGkeCluster(parent: pulumi.Resource, name: string, args: GkeClusterArgs) {
    const o = { parent };
    const afterApis = { parent, dependsOn: [args.apis] };
    const { project, region } = args;

    const nodeSa = new Account(`${name}-nodes`, {
        project, accountId: serviceAccountId(name, "nodes"), displayName: `GKE nodes of ${name}`,
    }, afterApis);
    const nodeRole = new ProjectIAMMember(`${name}-nodes`, { project, role: NODE_ROLE, member: pulumi.interpolate`serviceAccount:${nodeSa.email}` }, afterApis);

    // Application-layer Secrets encryption (CIS GKE 5.3.1). Key rings and keys are never deleted by
    // GCP, so both are auto-named: a stack destroyed and deployed again gets new ones.
    const keyRing = new KeyRing(`${name}-secrets`, { project, location: region }, afterApis);
    const secretsKey = new CryptoKey(`${name}-secrets`, {
        keyRing: keyRing.id, purpose: "ENCRYPT_DECRYPT", rotationPeriod: GCP_KMS_ROTATION_PERIOD, labels: args.labels,
    }, { parent, ...dataProtection(args.protect) });
    const projectNumber = getProjectOutput({ projectId: project }, o).number;
    const secretsGrant = new CryptoKeyIAMMember(`${name}-secrets`, {
        cryptoKeyId: secretsKey.id, role: SECRETS_KEY_ROLE,
        member: pulumi.interpolate`serviceAccount:service-${projectNumber}@container-engine-robot.iam.gserviceaccount.com`,
    }, afterApis);

    const cluster = new Cluster(name, {
        name, project, location: region,
        network: args.networkId, subnetwork: args.subnetworkId,
        networkingMode: "VPC_NATIVE",
        ipAllocationPolicy: { clusterSecondaryRangeName: SECONDARY_RANGES.pods, servicesSecondaryRangeName: SECONDARY_RANGES.services },
        ...controlPlaneAccess(args.authorizedNetworks, args.privateEndpoint),
        // Dataplane V2 (Cilium) enforces NetworkPolicy; it can only be chosen at creation.
        datapathProvider: "ADVANCED_DATAPATH",
        databaseEncryption: { state: "ENCRYPTED", keyName: secretsKey.id },
        // Loki collects the workloads' logs; Cloud Logging keeps the system components' only.
        loggingConfig: { enableComponents: ["SYSTEM_COMPONENTS"] },
        maintenancePolicy: args.protect ? { recurringWindow: { ...GKE_MAINTENANCE_WINDOW } } : undefined,
        minMasterVersion: args.kubernetesVersion,
        releaseChannel: { channel: args.releaseChannel },
        workloadIdentityConfig: { workloadPool: `${project}.svc.id.goog` },
        // Node pools are managed separately; GKE needs one node to create the cluster. That pool runs as
        // our node service account (not the Compute Engine default one, which hardened orgs disable),
        // on a small standard disk (no SSD quota).
        removeDefaultNodePool: true,
        initialNodeCount: 1,
        nodeConfig: { ...nodeHardening(nodeSa.email), diskSizeGb: 20, diskType: "pd-standard" },
        nodePoolDefaults: { nodeConfigDefaults: { insecureKubeletReadonlyPortEnabled: "FALSE" } },
        deletionProtection: args.protect,
        resourceLabels: args.labels,
    }, {
        parent, dependsOn: [args.apis, nodeRole, secretsGrant],
        // nodeConfig describes only the removed default pool: a later change must not recreate the cluster.
        ignoreChanges: ["nodeConfig"],
        // Protected, but not retained: a deleted cluster must not outlive its network (teardown).
        protect: args.protect,
    });

    const nodePool = new NodePool(names.nodes(name), {
        project, location: region, cluster: cluster.name,
        initialNodeCount: 1,
        autoscaling: { totalMinNodeCount: args.nodePool.min, totalMaxNodeCount: args.nodePool.max, locationPolicy: "BALANCED" },
        management: { autoRepair: true, autoUpgrade: true },
        nodeConfig: {
            ...nodeHardening(nodeSa.email),
            machineType: args.nodePool.machineType,
            diskSizeGb: args.nodePool.diskSizeGb,
            resourceLabels: args.labels,
        },
    }, { parent, dependsOn: [...args.egress, nodeRole], ignoreChanges: ["initialNodeCount"] });

    const kubeconfig = pulumi.all([cluster.name, cluster.endpoint, cluster.masterAuth]).apply(([n, endpoint, auth]) =>
        gkeKubeconfig({ name: n, server: endpoint, caData: auth.clusterCaCertificate ?? "" }));
    const provider = new KubernetesProvider(`${name}-k8s`, { kubeconfig }, o);

    // GKE's standard-rwo deletes volumes with their claims; ours retains them in prod (like EKS gp3),
    // and is the one default class.
    const storageClass = new StorageClass(`${name}-${GKE_STORAGE_CLASS}`, {
        metadata: { name: GKE_STORAGE_CLASS, annotations: { [DEFAULT_CLASS]: "true" } },
        provisioner: "pd.csi.storage.gke.io",
        parameters: { type: "pd-balanced" },
        reclaimPolicy: args.protect ? "Retain" : "Delete",
        volumeBindingMode: "WaitForFirstConsumer",
        allowVolumeExpansion: true,
    }, { parent, provider });
    const demoted = new StorageClassPatch(`${name}-${GKE_BUILTIN_DEFAULT_STORAGE_CLASS}`, {
        // The addon manager created the class (client-side apply); force takes the one annotation over.
        metadata: { name: GKE_BUILTIN_DEFAULT_STORAGE_CLASS, annotations: { [DEFAULT_CLASS]: "false", "pulumi.com/patchForce": "true" } },
    }, { parent, provider });
    return { cluster, nodePool, provider, storageReady: [storageClass, demoted] };
}
