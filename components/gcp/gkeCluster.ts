/**
 * obs:gcp:GkeCluster — a regional, VPC-native GKE cluster with private nodes, Workload Identity and
 * a release channel, its own node pool (the default pool is removed) running as a minimal node
 * service account, and an explicit Kubernetes provider with exec-based auth (gke-gcloud-auth-plugin).
 */
import * as pulumi from "@pulumi/pulumi";
import { Cluster, NodePool } from "@pulumi/gcp/container";
import { IAMMember as ProjectIAMMember } from "@pulumi/gcp/projects";
import { Account } from "@pulumi/gcp/serviceaccount";
import { Provider as KubernetesProvider } from "@pulumi/kubernetes/provider";
import { NETWORK } from "../defaults";
import { gkeKubeconfig } from "../kubeconfig";
import { names, serviceAccountId } from "../naming";
import { dataProtection } from "../platform";
import { SECONDARY_RANGES } from "./network";

/** The one role a GKE node service account needs (logging, monitoring, image pulls). */
export const NODE_ROLE = "roles/container.defaultNodeServiceAccount";

export interface GkeClusterArgs {
    readonly project: string;
    readonly region: string;
    readonly kubernetesVersion: string;
    readonly releaseChannel: string;
    readonly networkId: pulumi.Input<string>;
    readonly subnetworkId: pulumi.Input<string>;
    /** Cloud NAT: the node pool waits for it. */
    readonly egress: readonly pulumi.Resource[];
    /** Node counts are totals across the region's zones (same meaning as on EKS). */
    readonly nodePool: { readonly machineType: string; readonly min: number; readonly max: number; readonly diskSizeGb: number };
    /** Protect the cluster and turn on GKE deletion protection (prod). */
    readonly protect: boolean;
    readonly labels: Readonly<Record<string, string>>;
}

/** A GCP service-account id (6–30 chars) from a cluster name and a purpose (components/naming.ts). */
export { serviceAccountId };

export class GkeCluster extends pulumi.ComponentResource {
    public readonly clusterName: pulumi.Output<string>;
    /**
     * `<project>.svc.id.goog`, read from the cluster so that whatever binds to it (Workload Identity
     * members `serviceAccount:<pool>[<ns>/<ksa>]`) depends on the cluster: the pool exists only then.
     */
    public readonly workloadPool: pulumi.Output<string>;
    public readonly nodePool: NodePool;
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
        this.kubernetesProvider = built.provider;
        this.registerOutputs({ clusterName: this.clusterName, workloadPool: this.workloadPool });
    }
}

/** @internal */
function createGkeCluster(parent: pulumi.Resource, name: string, args: GkeClusterArgs) {
    const o = { parent };
    const { project, region } = args;
    const cluster = new Cluster(name, {
        name, project, location: region,
        network: args.networkId, subnetwork: args.subnetworkId,
        networkingMode: "VPC_NATIVE",
        ipAllocationPolicy: { clusterSecondaryRangeName: SECONDARY_RANGES.pods, servicesSecondaryRangeName: SECONDARY_RANGES.services },
        privateClusterConfig: { enablePrivateNodes: true, enablePrivateEndpoint: false, masterIpv4CidrBlock: NETWORK.gcpMasterCidr },
        minMasterVersion: args.kubernetesVersion,
        releaseChannel: { channel: args.releaseChannel },
        workloadIdentityConfig: { workloadPool: `${project}.svc.id.goog` },
        // Node pools are managed separately; GKE needs one node to create the cluster.
        removeDefaultNodePool: true,
        initialNodeCount: 1,
        deletionProtection: args.protect,
        resourceLabels: args.labels,
    }, { parent, ...dataProtection(args.protect) });

    const nodeSa = new Account(`${name}-nodes`, {
        project, accountId: serviceAccountId(name, "nodes"), displayName: `GKE nodes of ${name}`,
    }, o);
    new ProjectIAMMember(`${name}-nodes`, { project, role: NODE_ROLE, member: pulumi.interpolate`serviceAccount:${nodeSa.email}` }, o);

    const nodePool = new NodePool(names.nodes(name), {
        project, location: region, cluster: cluster.name,
        initialNodeCount: 1,
        autoscaling: { totalMinNodeCount: args.nodePool.min, totalMaxNodeCount: args.nodePool.max, locationPolicy: "BALANCED" },
        management: { autoRepair: true, autoUpgrade: true },
        nodeConfig: {
            machineType: args.nodePool.machineType,
            diskSizeGb: args.nodePool.diskSizeGb,
            serviceAccount: nodeSa.email,
            oauthScopes: ["https://www.googleapis.com/auth/cloud-platform"],
            // Pods see the GKE metadata server, which serves Workload Identity tokens, not the node's.
            workloadMetadataConfig: { mode: "GKE_METADATA" },
            shieldedInstanceConfig: { enableSecureBoot: true, enableIntegrityMonitoring: true },
            resourceLabels: args.labels,
        },
    }, { parent, dependsOn: [...args.egress], ignoreChanges: ["initialNodeCount"] });

    const kubeconfig = pulumi.all([cluster.name, cluster.endpoint, cluster.masterAuth]).apply(([n, endpoint, auth]) =>
        gkeKubeconfig({ name: n, server: endpoint, caData: auth.clusterCaCertificate ?? "" }));
    const provider = new KubernetesProvider(`${name}-k8s`, { kubeconfig }, o);
    return { cluster, nodePool, provider };
}
