/**
 * obs:k8s:Logs — Loki on object storage (through workload identity) and the Grafana Alloy
 * DaemonSet that ships every container's logs to it.
 */
import * as pulumi from "@pulumi/pulumi";
import { renderAlloyValues } from "../render/alloy";
import { renderLokiValues } from "../render/loki";
import { RELEASES } from "../render/topology";
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
        helmRelease(`${name}-loki`, {
            release: RELEASES.loki, namespace: args.namespace, chart: args.loki.chart,
            values: pulumi.output(args.loki.input).apply(renderLokiValues), timeoutSeconds: 900,
        }, { parent: this, dependsOn: [...args.loki.dependsOn] });
        helmRelease(`${name}-alloy`, {
            release: RELEASES.alloy, namespace: args.namespace, chart: args.alloy.chart,
            values: pulumi.output(args.alloy.input).apply(renderAlloyValues),
        }, { parent: this, dependsOn: [...args.alloy.dependsOn] });
        this.registerOutputs({});
    }
}
