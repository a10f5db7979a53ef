/**
 * obs:gcp:ClusterPlatform — everything one GKE cluster of the product needs from GCP: the network,
 * the cluster, the Loki and Tempo buckets (optionally CMEK-encrypted) and one Workload Identity
 * service account per workload, bound only to its own buckets.
 */
import * as pulumi from "@pulumi/pulumi";
import { CryptoKeyIAMMember } from "@pulumi/gcp/kms";
import { getProjectServiceAccountOutput } from "@pulumi/gcp/storage";
import { BUCKET_KEYS, BucketKey, bucketExpirationDays } from "../retention";
import { names, serviceAccountId } from "../naming";
import { WORKLOADS, WorkloadKey } from "../defaults";
import { ClusterPlatformOutputs, storageOutputs, WorkloadIdentityOutputs } from "../platform";
import type { GcpClusterConfig } from "../../stacks/schema";
import { Bucket } from "./bucket";
import { GkeCluster } from "./gkeCluster";
import { Network } from "./network";
import { WorkloadIdentity } from "./workloadIdentity";

/** Which buckets each workload may use. */
export const WORKLOAD_BUCKETS: Record<WorkloadKey, readonly BucketKey[]> = {
    loki: ["lokiChunks", "lokiRuler"],
    tempo: ["tempo"],
};

export const CMEK_ROLE = "roles/cloudkms.cryptoKeyEncrypterDecrypter";

export interface GcpClusterPlatformArgs {
    readonly cluster: GcpClusterConfig;
    readonly tier: "dev" | "prod";
    readonly retention: { readonly logsMs: number; readonly tracesMs: number };
    readonly labels: Readonly<Record<string, string>>;
}

export class GcpClusterPlatform extends pulumi.ComponentResource implements ClusterPlatformOutputs {
    public readonly clusterName: string;
    public readonly cloud = "gcp" as const;
    public readonly region: string;
    public readonly kubernetesProvider: ClusterPlatformOutputs["kubernetesProvider"];
    public readonly nodes: pulumi.Resource;
    public readonly volumesReady: readonly pulumi.Resource[] = []; // GKE's default StorageClass (standard-rwo) serves PVCs
    public readonly storage: ClusterPlatformOutputs["storage"];
    public readonly identities: ClusterPlatformOutputs["identities"];

    /** `opts.providers` must carry the explicit gcp provider for the cluster's project. */
    constructor(name: string, args: GcpClusterPlatformArgs, opts?: pulumi.ComponentResourceOptions) {
        super("obs:gcp:ClusterPlatform", name, {}, opts);
        const built = createGcpPlatform(this, name, args);
        this.clusterName = args.cluster.name;
        this.region = args.cluster.region;
        this.kubernetesProvider = built.gke.kubernetesProvider;
        this.nodes = built.gke.nodePool;
        this.storage = storageOutputs("gcs", args.cluster.region, built.buckets);
        this.identities = built.identities;
        this.registerOutputs({ clusterName: built.gke.clusterName, buckets: this.storage.buckets });
    }
}

/** @internal */
function createGcpPlatform(parent: pulumi.Resource, name: string, args: GcpClusterPlatformArgs) {
    const { cluster, tier } = args;
    const prod = tier === "prod";
    const o = { parent };
    const labels = toLabels(args.labels);
    const { project, region } = cluster;

    const network = new Network(names.gcpNetwork(name), { project, region }, o);
    const gke = new GkeCluster(cluster.name, {
        project, region, kubernetesVersion: cluster.kubernetesVersion, releaseChannel: cluster.releaseChannel,
        networkId: network.networkId, subnetworkId: network.subnetworkId, egress: network.egress, nodePool: cluster.nodePool, protect: prod, labels,
    }, o);

    // With CMEK, the project's Cloud Storage service agent must be allowed to use the key before any bucket exists.
    // The key name is taken from the grant, so every bucket depends on it.
    const kmsKeyName = cluster.cmekKeyName === undefined ? undefined : new CryptoKeyIAMMember(`${name}-gcs-cmek`, {
        cryptoKeyId: cluster.cmekKeyName,
        role: CMEK_ROLE,
        member: pulumi.interpolate`serviceAccount:${getProjectServiceAccountOutput({ project }, o).emailAddress}`,
    }, o).cryptoKeyId;

    const buckets = Object.fromEntries(BUCKET_KEYS.map(b => [b, new Bucket(names.bucket(name, b), {
        project, location: region, expirationDays: bucketExpirationDays(b, args.retention), kmsKeyName, protect: prod, labels,
    }, o)])) as Record<BucketKey, Bucket>;

    const identities = {} as Record<WorkloadKey, WorkloadIdentityOutputs>;
    for (const workload of Object.keys(WORKLOADS) as WorkloadKey[]) {
        const { namespace, serviceAccount } = WORKLOADS[workload];
        const wi = new WorkloadIdentity(`${name}-${workload}`, {
            project, accountId: serviceAccountId(cluster.name, workload), workloadPool: gke.workloadPool, namespace, serviceAccount,
            buckets: WORKLOAD_BUCKETS[workload].map(b => buckets[b].bucketName),
        }, o);
        identities[workload] = { namespace, serviceAccount, annotations: wi.annotations, binding: wi };
    }
    return { gke, buckets, identities };
}

/** GCP labels allow only lowercase letters, digits, '-' and '_'. */
function toLabels(tags: Readonly<Record<string, string>>): Record<string, string> {
    const clean = (s: string) => s.toLowerCase().replace(/[^a-z0-9_-]/g, "_").slice(0, 63);
    return Object.fromEntries(Object.entries(tags).map(([k, v]) => [clean(k), clean(v)]));
}
