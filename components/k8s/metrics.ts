/**
 * obs:k8s:Metrics — Prometheus, Alertmanager and Grafana (kube-prometheus-stack) on one cluster,
 * with the two Secrets they read: Grafana's generated admin credentials and Alertmanager's
 * receiver credentials. Secret values stay secret Outputs all the way into the Kubernetes Secrets;
 * the Helm values only name the Secrets, and the Alertmanager config only names the mounted files.
 *
 * Alerting: the Alertmanager config and templates go through the chart (`alertmanager.config`,
 * `templateFiles`); the rules are PrometheusRule objects of their own, not the chart's
 * `additionalPrometheusRulesMap`, so a rule change is a diff of one object (not an upgrade of the
 * whole kps release with its hooks and atomic rollback), the rules wait only for their CRD, and
 * they survive a failed kps upgrade; the dashboards are ConfigMaps the Grafana sidecar loads.
 */
import * as pulumi from "@pulumi/pulumi";
import { ConfigMap, Secret } from "@pulumi/kubernetes/core/v1";
import { CustomResource } from "@pulumi/kubernetes/apiextensions";
import { RandomPassword } from "@pulumi/random/randomPassword";
import { ALERTMANAGER_SECRET, GRAFANA_ADMIN_SECRET, renderKubePrometheusStackValues } from "../render/kubePrometheusStack";
import type { RenderInput } from "../render/types";
import type { AlertingInput } from "../render/alerting";
import { renderAlertmanager } from "../render/alertmanager";
import { DASHBOARD_SIDECAR_LABEL, renderDashboards } from "../render/dashboards";
import { renderPrometheusRules } from "../render/rules";
import type { ChartSource } from "../versions";
import { helmRelease } from "./helmRelease";

export interface MetricsArgs {
    readonly input: pulumi.Input<RenderInput>;
    readonly chart: ChartSource;
    readonly namespace: pulumi.Input<string>;
    /** Alertmanager receiver credentials (secret Outputs), each only when the environment uses it. */
    readonly receivers: ReceiverSecrets;
    /** The environment's alerting: routing, rules, SLOs, dashboards. */
    readonly alerting: AlertingInput;
    /** What the release must wait for: the CRDs, the nodes, volume provisioning. */
    readonly dependsOn: readonly pulumi.Resource[];
    /** What the PrometheusRule objects must wait for: their CRD. */
    readonly rulesDependOn: readonly pulumi.Resource[];
}

/** Receiver credentials, as secret Outputs; a missing one is not written into the Secret. */
export interface ReceiverSecrets {
    readonly slackWebhookUrl: pulumi.Input<string>;
    /** The stack secret, or the managed PagerDuty integration's key. */
    readonly pagerdutyRoutingKey?: pulumi.Input<string>;
    readonly smtpPassword?: pulumi.Input<string>;
    readonly heartbeatUrl?: pulumi.Input<string>;
}

/** Secret key of each receiver credential (ALERTMANAGER_SECRET, mounted as files the config reads). */
const RECEIVER_KEYS: Readonly<Record<keyof ReceiverSecrets, string>> = {
    slackWebhookUrl: ALERTMANAGER_SECRET.slackWebhookUrlKey,
    pagerdutyRoutingKey: ALERTMANAGER_SECRET.pagerdutyRoutingKeyKey,
    smtpPassword: ALERTMANAGER_SECRET.smtpPasswordKey,
    heartbeatUrl: ALERTMANAGER_SECRET.heartbeatUrlKey,
};

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
    const receivers: Record<string, pulumi.Input<string>> = {};
    for (const [k, key] of Object.entries(RECEIVER_KEYS) as [keyof ReceiverSecrets, string][]) {
        const value = args.receivers[k];
        if (value !== undefined) receivers[key] = pulumi.secret(value);
    }
    const receiverSecret = new Secret(`${name}-alertmanager-receivers`, {
        metadata: { name: ALERTMANAGER_SECRET.name, namespace: args.namespace },
        stringData: receivers,
    }, o);
    const alertmanager = renderAlertmanager(args.alerting);
    helmRelease(`${name}-kps`, {
        release: "kubePrometheusStack",
        namespace: args.namespace,
        chart: args.chart,
        values: pulumi.output(args.input).apply(i => renderKubePrometheusStackValues(i, alertmanager)),
    }, { parent, dependsOn: [...args.dependsOn, grafanaSecret, receiverSecret] });
    for (const [objectName, spec] of Object.entries(renderPrometheusRules(args.alerting))) {
        new CustomResource(`${name}-${objectName}`, {
            apiVersion: "monitoring.coreos.com/v1",
            kind: "PrometheusRule",
            metadata: { name: objectName, namespace: args.namespace, labels: { "app.kubernetes.io/part-of": "observability" } },
            spec,
        }, { parent, dependsOn: [...args.rulesDependOn] });
    }
    new ConfigMap(`${name}-dashboards`, {
        metadata: {
            name: "obs-dashboards",
            namespace: args.namespace,
            labels: { [DASHBOARD_SIDECAR_LABEL.key]: DASHBOARD_SIDECAR_LABEL.value, "app.kubernetes.io/part-of": "observability" },
        },
        data: Object.fromEntries(Object.entries(renderDashboards(args.alerting)).map(([file, d]) => [file, JSON.stringify(d)])),
    }, o);
    return { grafanaAdminPassword };
}
