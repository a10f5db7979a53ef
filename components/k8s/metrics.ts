/**
 * obs:k8s:Metrics — Prometheus, Alertmanager and Grafana (kube-prometheus-stack) on one cluster,
 * with the two Secrets they read: Grafana's generated admin credentials and Alertmanager's
 * receiver credentials. Secret values stay secret Outputs all the way into the Kubernetes Secrets;
 * the Helm values only name the Secrets.
 */
import * as pulumi from "@pulumi/pulumi";
import { Secret } from "@pulumi/kubernetes/core/v1";
import { RandomPassword } from "@pulumi/random/randomPassword";
import { ALERTMANAGER_SECRET, GRAFANA_ADMIN_SECRET, renderKubePrometheusStackValues } from "../render/kubePrometheusStack";
import type { RenderInput } from "../render/types";
import type { ChartSource } from "../versions";
import { helmRelease } from "./helmRelease";

export interface MetricsArgs {
    readonly input: pulumi.Input<RenderInput>;
    readonly chart: ChartSource;
    readonly namespace: pulumi.Input<string>;
    /** Alertmanager receiver credentials (secret Outputs). The PagerDuty key only when paging is on. */
    readonly receivers: { readonly slackWebhookUrl: pulumi.Input<string>; readonly pagerdutyRoutingKey?: pulumi.Input<string> };
    /** What the release must wait for: the CRDs, the nodes, volume provisioning. */
    readonly dependsOn: readonly pulumi.Resource[];
}

export class Metrics extends pulumi.ComponentResource {
    /** Grafana's admin password (secret). */
    public readonly grafanaAdminPassword: pulumi.Output<string>;

    constructor(name: string, args: MetricsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("obs:k8s:Metrics", name, {}, opts);
        this.grafanaAdminPassword = createMetrics(this, name, args).grafanaAdminPassword;
        this.registerOutputs({ grafanaAdminPassword: this.grafanaAdminPassword });
    }
}

/** @internal */
function createMetrics(parent: pulumi.Resource, name: string, args: MetricsArgs) {
    const o = { parent };
    const password = new RandomPassword(`${name}-grafana-admin`, { length: 32, special: false }, o);
    const grafanaAdminPassword = pulumi.secret(password.result);
    const grafanaSecret = new Secret(`${name}-grafana-admin`, {
        metadata: { name: GRAFANA_ADMIN_SECRET.name, namespace: args.namespace },
        stringData: {
            [GRAFANA_ADMIN_SECRET.userKey]: GRAFANA_ADMIN_SECRET.user,
            [GRAFANA_ADMIN_SECRET.passwordKey]: grafanaAdminPassword,
        },
    }, o);
    const receivers: Record<string, pulumi.Input<string>> = {
        [ALERTMANAGER_SECRET.slackWebhookUrlKey]: pulumi.secret(args.receivers.slackWebhookUrl),
    };
    if (args.receivers.pagerdutyRoutingKey !== undefined) {
        receivers[ALERTMANAGER_SECRET.pagerdutyRoutingKeyKey] = pulumi.secret(args.receivers.pagerdutyRoutingKey);
    }
    const receiverSecret = new Secret(`${name}-alertmanager-receivers`, {
        metadata: { name: ALERTMANAGER_SECRET.name, namespace: args.namespace },
        stringData: receivers,
    }, o);
    helmRelease(`${name}-kps`, {
        release: "kubePrometheusStack",
        namespace: args.namespace,
        chart: args.chart,
        values: pulumi.output(args.input).apply(renderKubePrometheusStackValues),
    }, { parent, dependsOn: [...args.dependsOn, grafanaSecret, receiverSecret] });
    return { grafanaAdminPassword };
}
