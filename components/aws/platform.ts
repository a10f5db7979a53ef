/**
 * obs:aws:ClusterPlatform — everything one EKS cluster of the product needs from AWS: KMS keys (one
 * per use: S3 data, EBS volumes, CloudWatch logs; the cluster holds its own Secrets key), the network
 * (or an existing VPC), the cluster, the Loki and Tempo buckets and one IRSA role per workload,
 * scoped to its own buckets.
 */
import * as pulumi from "@pulumi/pulumi";
import { BUCKET_KEYS, BucketKey, bucketExpiry } from "../retention";
import { CLOUDWATCH_RETENTION_DAYS, KMS_DELETION_WINDOW_DAYS, NETWORK, WORKLOADS, WorkloadKey } from "../defaults";
import { ClusterPlatformOutputs, storageOutputs, WorkloadIdentityOutputs } from "../platform";
import type { AwsClusterConfig } from "../../stacks/schema";
import { KmsKeyUse, names } from "../naming";
import { Bucket } from "./bucket";
import { controlPlaneLogGroupName, EksCluster } from "./eksCluster";
import { KmsKey, KmsKeyArgs } from "./kmsKey";
import { flowLogGroupName, Network } from "./network";
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
    /** The AWS account the provider deploys to (checked against the caller before anything is registered). */
    readonly accountId: string;
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
        this.kmsKeyArn = built.dataKey.arn;
        this.storage = storageOutputs("s3", args.cluster.region, built.buckets);
        this.identities = built.identities;
        this.registerOutputs({ clusterName: built.eks.clusterName, kmsKeyArn: this.kmsKeyArn, buckets: this.storage.buckets });
    }
}

/** @internal */
function createAwsPlatform(parent: pulumi.Resource, name: string, args: AwsClusterPlatformArgs) {
    const { cluster, tier, accountId } = args;
    const { region, deployRole } = cluster;
    const prod = tier === "prod";
    const o = { parent };
    const tags = { ...args.tags };
    const netName = `${name}-net`;
    const key = (suffix: KmsKeyUse, description: string, use: KmsKeyArgs["use"]) =>
        new KmsKey(names.kmsKey(name, suffix), {
            description: `${description} of cluster ${cluster.name}`, accountId, region, deployRole, use,
            deletionWindowInDays: KMS_DELETION_WINDOW_DAYS[tier], protect: prod, tags,
        }, o);
    const dataKey = key("s3", "Loki and Tempo objects in S3", { kind: "s3" });
    const volumeKey = key("ebs", "EBS volumes", { kind: "ebs" });
    const logGroups = [controlPlaneLogGroupName(cluster.name), ...(cluster.network ? [] : [flowLogGroupName(netName)])];
    const logsKey = key("logs", "CloudWatch logs (EKS control plane, VPC flow logs)",
        { kind: "logs", logGroupArns: logGroups.map(g => `arn:aws:logs:${region}:${accountId}:log-group:${g}`) });
    const logRetentionDays = CLOUDWATCH_RETENTION_DAYS[tier];

    const network = cluster.network
        ? { privateSubnetIds: cluster.network.privateSubnetIds, egress: [] }
        : new Network(netName, {
            cidr: NETWORK.awsVpcCidr, azCount: NETWORK.awsAzCount[tier], highlyAvailableNat: prod, clusterName: cluster.name, region,
            logsKeyArn: logsKey.arn, logRetentionDays, tags,
        }, o);

    const eks = new EksCluster(cluster.name, {
        kubernetesVersion: cluster.kubernetesVersion, region, accountId,
        subnetIds: network.privateSubnetIds, egress: network.egress, nodePool: cluster.nodePool,
        deployRole, admins: cluster.admins, authorizedNetworks: cluster.authorizedNetworks, privateEndpoint: cluster.privateEndpoint,
        ebsKeyArn: volumeKey.arn, logsKeyArn: logsKey.arn, logRetentionDays, kmsDeletionWindowDays: KMS_DELETION_WINDOW_DAYS[tier],
        protect: prod, tags,
    }, o);

    const buckets = Object.fromEntries(BUCKET_KEYS.map(b => [b, new Bucket(names.bucket(name, b), {
        kmsKeyArn: dataKey.arn, expiry: bucketExpiry(b, args.retention), protect: prod, tags,
    }, o)])) as Record<BucketKey, Bucket>;

    const identities = {} as Record<WorkloadKey, WorkloadIdentityOutputs>;
    for (const workload of Object.keys(WORKLOADS) as WorkloadKey[]) {
        const { namespace, serviceAccount } = WORKLOADS[workload];
        const access = WORKLOAD_ACCESS[workload];
        const role = new WorkloadRole(names.workloadRole(name, workload), {
            oidcProviderArn: eks.oidcProviderArn, oidcIssuerUrl: eks.oidcIssuerUrl, namespace, serviceAccount,
            policy: pulumi.all([pulumi.all(access.buckets.map(b => buckets[b].arn)), dataKey.arn]).apply(([arns, keyArn]) =>
                bucketAccessPolicy(arns, access.objectActions, keyArn, region)),
            tags,
        }, o);
        identities[workload] = { namespace, serviceAccount, annotations: role.annotations, binding: role };
    }
    return { dataKey, eks, buckets, identities };
}
