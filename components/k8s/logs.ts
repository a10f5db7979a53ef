/**
 * obs:k8s:Logs — Loki on object storage (through workload identity) and the Grafana Alloy
 * DaemonSet that ships every container's logs to it.
 */
import * as pulumi from "@pulumi/pulumi";
import { renderAlloyValues } from "../render/alloy";
import { renderLokiValues } from "../render/loki";
import type { RenderInput } from "../render/types";
import type { ChartSource } from "../versions";
import { helmRelease } from "./helmRelease";

export interface LogsArgs {
    readonly namespace: pulumi.Input<string>;
    readonly loki: {
        readonly chart: ChartSource;
        /** Needs the Loki buckets and identity resolved. */
        readonly input: pulumi.Input<RenderInput>;
        /** CRDs, nodes, volume provisioning and the cloud-side identity binding. */
        readonly dependsOn: readonly pulumi.Resource[];
    };
    readonly alloy: {
        readonly chart: ChartSource;
        readonly input: pulumi.Input<RenderInput>;
        /** CRDs (its ServiceMonitor) and nodes. */
        readonly dependsOn: readonly pulumi.Resource[];
    };
}

export class Logs extends pulumi.ComponentResource {
    constructor(name: string, args: LogsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("obs:k8s:Logs", name, {}, opts);
        createLogs(this, name, args);
        this.registerOutputs({});
    }
}

/** @internal */
function createLogs(parent: pulumi.Resource, name: string, args: LogsArgs): void {
    helmRelease(`${name}-loki`, {
        release: "loki", namespace: args.namespace, chart: args.loki.chart,
        values: pulumi.output(args.loki.input).apply(renderLokiValues),
    }, { parent, dependsOn: [...args.loki.dependsOn] });
    helmRelease(`${name}-alloy`, {
        release: "alloy", namespace: args.namespace, chart: args.alloy.chart,
        values: pulumi.output(args.alloy.input).apply(renderAlloyValues),
    }, { parent, dependsOn: [...args.alloy.dependsOn] });
}
