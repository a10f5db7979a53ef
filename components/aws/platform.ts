/**
 * obs:aws:ClusterPlatform — everything one EKS cluster of the product needs from AWS: a KMS key,
 * the network (or an existing VPC), the cluster, the Loki and Tempo buckets and one IRSA role per
 * workload, scoped to its own buckets.
 */
import * as pulumi from "@pulumi/pulumi";
import { Alias, Key } from "@pulumi/aws/kms";
import { BUCKET_KEYS, BucketKey, bucketExpirationDays } from "../retention";
import { names } from "../naming";
import { KMS_DELETION_WINDOW_DAYS, NETWORK, WORKLOADS, WorkloadKey } from "../defaults";
import { ClusterPlatformOutputs, dataProtection, storageOutputs, WorkloadIdentityOutputs } from "../platform";
import type { AwsClusterConfig } from "../../stacks/schema";
import { Bucket } from "./bucket";
import { EksCluster } from "./eksCluster";
import { Network } from "./network";
import { bucketAccessPolicy } from "./policies";
import { WorkloadRole } from "./workloadRole";

/** The S3 object actions each workload needs on its own buckets, and which buckets those are. */
export const WORKLOAD_ACCESS: Record<WorkloadKey, { readonly buckets: readonly BucketKey[]; readonly objectActions: readonly string[] }> = {
    loki: { buckets: ["lokiChunks", "lokiRuler"], objectActions: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"] },
    tempo: { buckets: ["tempo"], objectActions: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:GetObjectTagging", "s3:PutObjectTagging"] },
};

export interface AwsClusterPlatformArgs {
    readonly cluster: AwsClusterConfig;
    readonly tier: "dev" | "prod";
    readonly retention: { readonly logsMs: number; readonly tracesMs: number };
    readonly tags: Readonly<Record<string, string>>;
}

export class AwsClusterPlatform extends pulumi.ComponentResource implements ClusterPlatformOutputs {
    public readonly clusterName: string;
    public readonly cloud = "aws" as const;
    public readonly region: string;
    public readonly kubernetesProvider: ClusterPlatformOutputs["kubernetesProvider"];
    public readonly nodes: pulumi.Resource;
    public readonly volumesReady: readonly pulumi.Resource[];
    public readonly storage: ClusterPlatformOutputs["storage"];
    public readonly identities: ClusterPlatformOutputs["identities"];
    public readonly kmsKeyArn: pulumi.Output<string>;

    /** `opts.providers` must carry the explicit aws provider for the cluster's region. */
    constructor(name: string, args: AwsClusterPlatformArgs, opts?: pulumi.ComponentResourceOptions) {
        super("obs:aws:ClusterPlatform", name, {}, opts);
        const built = createAwsPlatform(this, name, args);
        this.clusterName = args.cluster.name;
        this.region = args.cluster.region;
        this.kubernetesProvider = built.eks.kubernetesProvider;
        this.nodes = built.eks.nodeGroup;
        this.volumesReady = built.eks.storageReady;
        this.kmsKeyArn = built.key.arn;
        this.storage = storageOutputs("s3", args.cluster.region, built.buckets);
        this.identities = built.identities;
        this.registerOutputs({ clusterName: built.eks.clusterName, kmsKeyArn: this.kmsKeyArn, buckets: this.storage.buckets });
    }
}

/** @internal */
function createAwsPlatform(parent: pulumi.Resource, name: string, args: AwsClusterPlatformArgs) {
    const { cluster, tier } = args;
    const prod = tier === "prod";
    const o = { parent };
    const tags = { ...args.tags };

    const key = new Key(`${name}-data`, {
        description: `Observability data of cluster ${cluster.name}: S3 objects and Kubernetes Secrets`,
        enableKeyRotation: true,
        deletionWindowInDays: KMS_DELETION_WINDOW_DAYS[tier],
        tags,
    }, { parent, ...dataProtection(prod) });
    new Alias(`${name}-data`, { name: names.kmsAlias(name), targetKeyId: key.keyId }, o);

    const network = cluster.network
        ? { privateSubnetIds: cluster.network.privateSubnetIds, egress: [] }
        : new Network(`${name}-net`, {
            cidr: NETWORK.awsVpcCidr, azCount: NETWORK.awsAzCount[tier], highlyAvailableNat: prod, clusterName: cluster.name, tags,
        }, o);

    const eks = new EksCluster(cluster.name, {
        kubernetesVersion: cluster.kubernetesVersion, region: cluster.region,
        subnetIds: network.privateSubnetIds, egress: network.egress, nodePool: cluster.nodePool,
        admins: cluster.admins, kmsKeyArn: key.arn, protect: prod, tags,
    }, o);

    const buckets = Object.fromEntries(BUCKET_KEYS.map(b => [b, new Bucket(names.bucket(name, b), {
        kmsKeyArn: key.arn, expirationDays: bucketExpirationDays(b, args.retention), protect: prod, tags,
    }, o)])) as Record<BucketKey, Bucket>;

    const identities = {} as Record<WorkloadKey, WorkloadIdentityOutputs>;
    for (const workload of Object.keys(WORKLOADS) as WorkloadKey[]) {
        const { namespace, serviceAccount } = WORKLOADS[workload];
        const access = WORKLOAD_ACCESS[workload];
        const role = new WorkloadRole(names.workloadRole(name, workload), {
            oidcProviderArn: eks.oidcProviderArn, oidcIssuerUrl: eks.oidcIssuerUrl, namespace, serviceAccount,
            policy: pulumi.all([pulumi.all(access.buckets.map(b => buckets[b].arn)), key.arn]).apply(([arns, keyArn]) =>
                bucketAccessPolicy(arns, access.objectActions, keyArn)),
            tags,
        }, o);
        identities[workload] = { namespace, serviceAccount, annotations: role.annotations, binding: role };
    }
    return { key, eks, buckets, identities };
}
