/**
 * The program: validate the environment (registering nothing on error), then build one platform per
 * cluster with explicit providers — one cloud provider per AWS region / GCP project+region, one
 * Kubernetes provider per cluster.
 */
import * as pulumi from "@pulumi/pulumi";
import { Provider as AwsProvider } from "@pulumi/aws/provider";
import { Provider as GcpProvider } from "@pulumi/gcp/provider";
import { AwsClusterPlatform } from "../components/aws/platform";
import { commonTags } from "../components/defaults";
import { parseDuration } from "../components/duration";
import { GcpClusterPlatform } from "../components/gcp/platform";
import type { ClusterPlatformOutputs } from "../components/platform";
import { loadEnvironment, LoadedEnvironment } from "./config";
import type { ClusterConfig, Environment } from "./schema";

export interface Retention {
    readonly metricsMs: number;
    readonly logsMs: number;
    readonly tracesMs: number;
}

/** Retention in milliseconds (the schema has already checked that each parses). */
export function retentionOf(env: Environment): Retention {
    return {
        metricsMs: parseDuration(env.retention.metrics)!,
        logsMs: parseDuration(env.retention.logs)!,
        tracesMs: parseDuration(env.retention.traces)!,
    };
}

/** One explicit provider per AWS region and per GCP project+region, created on first use. */
class CloudProviders {
    private readonly aws = new Map<string, AwsProvider>();
    private readonly gcp = new Map<string, GcpProvider>();
    constructor(private readonly stack: string) {}

    for(cluster: ClusterConfig): pulumi.ProviderResource {
        if (cluster.cloud === "aws") {
            const name = `aws-${cluster.region}`;
            if (!this.aws.has(name)) {
                this.aws.set(name, new AwsProvider(name, {
                    region: cluster.region,
                    defaultTags: { tags: { "managed-by": "pulumi", "pulumi-project": "observability", "pulumi-stack": this.stack } },
                }));
            }
            return this.aws.get(name)!;
        }
        const name = `gcp-${cluster.project}-${cluster.region}`;
        if (!this.gcp.has(name)) this.gcp.set(name, new GcpProvider(name, { project: cluster.project, region: cluster.region }));
        return this.gcp.get(name)!;
    }
}

export function deployEnvironment(loaded: LoadedEnvironment) {
    const { env, stack } = loaded;
    const retention = retentionOf(env);
    const providers = new CloudProviders(stack);
    const platforms: ClusterPlatformOutputs[] = env.clusters.map(cluster => {
        const opts = { providers: [providers.for(cluster)] };
        const tags = commonTags(stack, cluster.name);
        return cluster.cloud === "aws"
            ? new AwsClusterPlatform(cluster.name, { cluster, tier: env.tier, retention, tags }, opts)
            : new GcpClusterPlatform(cluster.name, { cluster, tier: env.tier, retention, labels: tags }, opts);
    });
    return {
        tier: env.tier,
        clusters: Object.fromEntries(platforms.map(p => [p.clusterName, {
            cloud: p.cloud,
            region: p.region,
            buckets: p.storage.buckets,
        }])),
    };
}

/** The whole program: validation first, then resources. */
export function run() {
    return deployEnvironment(loadEnvironment());
}
