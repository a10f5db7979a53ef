/**
 * obs:k8s:ObservabilityStack — everything that runs on one cluster: namespaces with Pod Security
 * labels, the Prometheus-operator CRDs, and the metrics, logs and traces pipelines, built from the
 * cluster's provider, buckets and identities.
 *
 * Dependencies are only what each release physically needs, so the first deploy is as short as the
 * chain allows:
 *   namespaces, CRDs  ← the cluster (API server) only
 *   kube-prometheus-stack ← CRDs, nodes, volume provisioning, its two Secrets
 *   Loki, Tempo       ← CRDs (ServiceMonitors), nodes, volume provisioning, their cloud identity
 *   Alloy, collectors ← CRDs (ServiceMonitors), nodes
 *   NetworkPolicies   ← the namespaces (default-deny plus the wiring table's allows)
 * No release waits for another release: each client (Alloy, the collectors, Grafana) retries until
 * its backend answers.
 */
import * as pulumi from "@pulumi/pulumi";
import { Namespace } from "@pulumi/kubernetes/core/v1";
import type { ClusterPlatformOutputs } from "../platform";
import { ALLOY_POD_SECURITY_LEVEL } from "../render/alloy";
import { NamespaceKey, NAMESPACES } from "../render/topology";
import type { ChartKey, ChartSource } from "../versions";
import { Logs } from "./logs";
import { NetworkPolicies } from "./networkPolicies";
import { Metrics, type ReceiverSecrets } from "./metrics";
import type { AlertingInput } from "../render/alerting";
import { PrometheusCrds } from "./prometheusCrds";
import { RenderBase, renderInputFor } from "./renderInput";
import { Traces } from "./traces";

/**
 * Pod Security Standard enforced per namespace (warn and audit are always `restricted`, so drift
 * towards it shows). node-exporter alone needs host access.
 */
export const POD_SECURITY: Readonly<Record<NamespaceKey, "privileged" | "baseline" | "restricted">> = {
    monitoring: "baseline",
    nodeExporter: "privileged",
    logging: ALLOY_POD_SECURITY_LEVEL,
    tracing: "baseline",
};

export interface ObservabilityStackArgs {
    /** Everything about the cluster and environment except storage and identities. */
    readonly base: RenderBase;
    readonly platform: ClusterPlatformOutputs;
    readonly charts: Readonly<Record<ChartKey, ChartSource>>;
    readonly receivers: ReceiverSecrets;
    readonly alerting: AlertingInput;
}

export class ObservabilityStack extends pulumi.ComponentResource {
    public readonly grafanaAdminPassword: pulumi.Output<string>;

    /** `opts.providers` must carry this cluster's Kubernetes provider and the stack's random provider. */
    constructor(name: string, args: ObservabilityStackArgs, opts?: pulumi.ComponentResourceOptions) {
        // The cluster name is recorded as the component's input, so previews can file releases by cluster.
        super("obs:k8s:ObservabilityStack", name, { cluster: args.platform.clusterName }, opts);
        this.grafanaAdminPassword = createStack(this, name, args).grafanaAdminPassword;
        this.registerOutputs({ grafanaAdminPassword: this.grafanaAdminPassword });
    }
}

/** @internal */
function createStack(parent: pulumi.Resource, name: string, args: ObservabilityStackArgs) {
    const o = { parent };
    const { platform, charts, base } = args;
    const namespaces = {} as Record<NamespaceKey, Namespace>;
    for (const key of Object.keys(NAMESPACES) as NamespaceKey[]) {
        const level = POD_SECURITY[key];
        namespaces[key] = new Namespace(`${name}-${NAMESPACES[key]}`, {
            metadata: {
                name: NAMESPACES[key],
                labels: {
                    "app.kubernetes.io/part-of": "observability",
                    "pod-security.kubernetes.io/enforce": level,
                    "pod-security.kubernetes.io/enforce-version": "latest",
                    "pod-security.kubernetes.io/warn": "restricted",
                    "pod-security.kubernetes.io/audit": "restricted",
                },
            },
        }, o);
    }
    const ns = (key: NamespaceKey) => namespaces[key].metadata.name;

    new NetworkPolicies(`${name}-network-policies`, {
        facts: { tier: base.tier, cloud: base.cluster.cloud },
        dependsOn: Object.values(namespaces),
    }, o);

    const crds = new PrometheusCrds(`${name}-prometheus-crds`, { chart: charts.prometheusOperatorCrds, namespace: ns("monitoring") }, o);
    const nodes = [platform.nodes];
    const volumes = [platform.nodes, ...platform.volumesReady];
    const plain = renderInputFor(base, platform);

    const metrics = new Metrics(`${name}-metrics`, {
        input: plain,
        chart: charts.kubePrometheusStack,
        namespace: ns("monitoring"),
        receivers: args.receivers,
        alerting: args.alerting,
        // node-exporter's namespace appears in the values only as a constant, so name the dependency.
        dependsOn: [crds, ...volumes, namespaces.nodeExporter],
        rulesDependOn: [crds],
    }, o);

    new Logs(`${name}-logs`, {
        namespace: ns("logging"),
        loki: {
            chart: charts.loki,
            input: renderInputFor(base, platform, { buckets: ["lokiChunks", "lokiRuler"], identities: ["loki"] }),
            dependsOn: [crds, ...volumes, platform.identities.loki.binding],
        },
        alloy: { chart: charts.alloy, input: plain, dependsOn: [crds, ...nodes] },
    }, o);

    new Traces(`${name}-traces`, {
        tier: base.tier,
        namespace: ns("tracing"),
        tempo: {
            charts: { tempo: charts.tempo, tempoDistributed: charts.tempoDistributed },
            input: renderInputFor(base, platform, { buckets: ["tempo"], identities: ["tempo"] }),
            dependsOn: [crds, ...volumes, platform.identities.tempo.binding],
        },
        collector: { chart: charts.openTelemetryCollector, input: plain, dependsOn: [crds, ...nodes] },
    }, o);

    return { grafanaAdminPassword: metrics.grafanaAdminPassword };
}
