/**
 * The program: validate the environment (registering nothing on error), check what only the clouds
 * know (stacks/preflight.ts: registering only the providers, which create nothing), then build one
 * platform per cluster with explicit providers — one cloud provider per AWS region / GCP
 * project+region, one Kubernetes provider per cluster.
 */
import * as pulumi from "@pulumi/pulumi";
import { Provider as AwsProvider } from "@pulumi/aws/provider";
import { Provider as GcpProvider } from "@pulumi/gcp/provider";
import { AwsClusterPlatform } from "../components/aws/platform";
import { commonTags, stackTags } from "../components/defaults";
import { parseDuration } from "../components/duration";
import { GcpClusterPlatform } from "../components/gcp/platform";
import { ObservabilityStack } from "../components/k8s/observabilityStack";
import type { RenderBase } from "../components/k8s/renderInput";
import type { ClusterPlatformOutputs } from "../components/platform";
import type { Retention } from "../components/render/types";
import { CHART_KEYS, ChartKey, ChartSource, resolveChart, supportClock } from "../components/versions";
import { Provider as RandomProvider } from "@pulumi/random/provider";
import { Provider as PagerdutyProvider } from "@pulumi/pagerduty/provider";
import { OnCallService } from "../components/pagerduty/onCallService";
import type { ReceiverSecrets } from "../components/k8s/metrics";
import { loadEnvironment, LoadedEnvironment } from "./config";
import { environmentWarnings, preflight } from "./preflight";
import { skipUnreadPromiseStacks } from "./promise-stacks";
import type { ClusterConfig, Environment } from "./schema";

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
                    defaultTags: { tags: stackTags(this.stack) },
                }));
            }
            return this.aws.get(name)!;
        }
        const name = `gcp-${cluster.project}-${cluster.region}`;
        if (!this.gcp.has(name)) this.gcp.set(name, new GcpProvider(name, { project: cluster.project, region: cluster.region }));
        return this.gcp.get(name)!;
    }
}

export async function deployEnvironment(loaded: LoadedEnvironment) {
    const { env, stack } = loaded;
    const retention = retentionOf(env);
    const providers = new CloudProviders(stack);
    for (const warning of environmentWarnings(env, supportClock.now())) pulumi.log.warn(warning);
    const { accountIds } = await preflight(env, i => providers.for(env.clusters[i]!));
    const platforms: ClusterPlatformOutputs[] = env.clusters.map((cluster, i) => {
        const opts = { providers: [providers.for(cluster)] };
        const tags = commonTags(stack, cluster.name);
        return cluster.cloud === "aws"
            ? new AwsClusterPlatform(cluster.name, { cluster, tier: env.tier, accountId: accountIds.get(i)!, retention, tags }, opts)
            : new GcpClusterPlatform(cluster.name, { cluster, tier: env.tier, retention, labels: tags }, opts);
    });
    const charts = Object.fromEntries(CHART_KEYS.map(k => [k, resolveChart(k, env.charts)])) as Record<ChartKey, ChartSource>;
    const random = new RandomProvider("random");
    const receivers = receiverSecrets(loaded);
    const alerting = { stack, tier: env.tier, alerting: env.alerting };
    const stacks = platforms.map(platform => new ObservabilityStack(`${platform.clusterName}-obs`, {
        base: renderBase(stack, env, retention, platform), platform, charts, receivers, alerting,
    }, { providers: [platform.kubernetesProvider, random] }));
    return {
        tier: env.tier,
        clusters: Object.fromEntries(platforms.map((p, i) => [p.clusterName, {
            cloud: p.cloud,
            region: p.region,
            buckets: p.storage.buckets,
            grafanaAdminPassword: stacks[i]!.grafanaAdminPassword,
        }])),
    };
}

/**
 * Alertmanager's credentials. With `alerting.pagerduty.service`, the PagerDuty service and its
 * Events API v2 integration are managed here (one per environment, through an explicit provider
 * holding the token secret) and the routing key is the integration's secret key; otherwise it is
 * the `pagerdutyRoutingKey` stack secret.
 */
export function receiverSecrets(loaded: LoadedEnvironment): ReceiverSecrets {
    const { env, stack, secrets } = loaded;
    let pagerdutyRoutingKey = secrets.pagerdutyRoutingKey;
    const managed = env.alerting.pagerduty.service;
    if (managed) {
        const provider = new PagerdutyProvider("pagerduty", { token: secrets.pagerdutyToken! });
        pagerdutyRoutingKey = new OnCallService(`pagerduty-${stack}`, {
            serviceName: `observability-${stack}`,
            description: `Alerts of the observability platform, environment ${stack} (Alertmanager, managed by Pulumi)`,
            escalationPolicyName: managed.escalationPolicy,
        }, { providers: [provider] }).integrationKey;
    }
    return {
        slackWebhookUrl: secrets.slackWebhookUrl!,
        pagerdutyRoutingKey,
        smtpPassword: secrets.smtpPassword,
        heartbeatUrl: secrets.heartbeatUrl,
    };
}

/** What every renderer of one cluster gets, apart from its storage and identities. */
export function renderBase(stack: string, env: Environment, retention: Retention, platform: ClusterPlatformOutputs): RenderBase {
    return {
        stack,
        tier: env.tier,
        cluster: { name: platform.clusterName, cloud: platform.cloud, region: platform.region },
        retention,
        sampling: { percentage: env.sampling.percentage, latencyThresholdMs: parseDuration(env.sampling.latencyThreshold)! },
        scrapeInterval: env.scrapeInterval,
    };
}

/** The whole program: validation first (synchronous: a bad config registers nothing), then resources. */
export function run() {
    skipUnreadPromiseStacks();
    const loaded = loadEnvironment();
    return deployEnvironment(loaded);
}
