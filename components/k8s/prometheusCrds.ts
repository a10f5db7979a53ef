/**
 * obs:k8s:PrometheusCrds — the Prometheus-operator CRDs, installed before anything that creates
 * Prometheus, Alertmanager, ServiceMonitor or PrometheusRule objects.
 *
 * This release uses `helm.v4.Chart`, unlike the others (k8s/helmRelease.ts): Pulumi then owns each
 * CRD as its own object, applied server-side (the large CRDs exceed the client-side
 * last-applied annotation limit), with a per-CRD diff in every preview when the operator version
 * moves. The chart has no hooks, so v4's lack of Helm hooks costs nothing.
 *
 * The CRDs are kept when the stack is destroyed, because deleting a CRD deletes every object of its
 * kind cluster-wide. `retainOnDelete` on the Chart itself would not reach its children (it is a
 * remote component; pulumi-kubernetes#3065), so a resource transform puts it on every child, and the
 * chart's own `helm.sh/resource-policy: keep` annotation says the same to Helm.
 */
import * as pulumi from "@pulumi/pulumi";
import { Chart } from "@pulumi/kubernetes/helm/v4";
import { renderPrometheusCrdsValues } from "../render/kubePrometheusStack";
import { RELEASES } from "../render/topology";
import { chartPackagePath } from "../charts";
import type { ChartSource } from "../versions";

export interface PrometheusCrdsArgs {
    readonly chart: ChartSource;
    readonly namespace: pulumi.Input<string>;
}

/** Resource transform: the resource and everything the engine creates under it is retained on delete. */
export const retainOnDelete: pulumi.ResourceTransform = args => ({
    props: args.props,
    opts: pulumi.mergeOptions(args.opts, { retainOnDelete: true }),
});

export class PrometheusCrds extends pulumi.ComponentResource {
    constructor(name: string, args: PrometheusCrdsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("obs:k8s:PrometheusCrds", name, {}, opts);
        createCrds(this, name, args);
        this.registerOutputs({});
    }
}

/** @internal */
function createCrds(parent: pulumi.Resource, name: string, args: PrometheusCrdsArgs): Chart {
    return new Chart(name, {
        name: RELEASES.prometheusCrds,
        chart: chartPackagePath(args.chart),
        version: args.chart.version,
        namespace: args.namespace,
        values: renderPrometheusCrdsValues(),
    }, { parent, retainOnDelete: true, transforms: [retainOnDelete] });
}
