/**
 * obs:k8s:Traces — Tempo on object storage (through workload identity) and the OpenTelemetry
 * Collector gateway in front of it. In prod a load-balancing tier routes every span of a trace to
 * the same sampler, so tail sampling sees whole traces.
 */
import * as pulumi from "@pulumi/pulumi";
import { renderCollectorValues } from "../render/collector";
import { renderTempoValues } from "../render/tempo";
import type { RenderInput, Tier } from "../render/types";
import { ChartKey, ChartSource } from "../versions";
import { helmRelease } from "./helmRelease";

export interface TracesArgs {
    readonly tier: Tier;
    readonly namespace: pulumi.Input<string>;
    readonly tempo: {
        /** Both Tempo charts; the renderer picks one by tier. */
        readonly charts: Readonly<Record<Extract<ChartKey, "tempo" | "tempoDistributed">, ChartSource>>;
        /** Needs the Tempo bucket and identity resolved. */
        readonly input: pulumi.Input<RenderInput>;
        readonly dependsOn: readonly pulumi.Resource[];
    };
    readonly collector: {
        readonly chart: ChartSource;
        readonly input: pulumi.Input<RenderInput>;
        readonly dependsOn: readonly pulumi.Resource[];
    };
}

export class Traces extends pulumi.ComponentResource {
    constructor(name: string, args: TracesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("obs:k8s:Traces", name, {}, opts);
        createTraces(this, name, args);
        this.registerOutputs({});
    }
}

/** @internal */
function createTraces(parent: pulumi.Resource, name: string, args: TracesArgs): void {
    // The chart (single binary or distributed) follows the tier, known before any Output resolves.
    const tempoChart = args.tier === "dev" ? args.tempo.charts.tempo : args.tempo.charts.tempoDistributed;
    helmRelease(`${name}-tempo`, {
        release: "tempo", namespace: args.namespace, chart: tempoChart,
        values: pulumi.output(args.tempo.input).apply(input => {
            const rendered = renderTempoValues(input);
            if (args.tempo.charts[rendered.chart].chart !== tempoChart.chart) {
                throw new Error(`${name}: Tempo renderer chose ${rendered.chart} for tier ${args.tier}`);
            }
            return rendered.values;
        }),
    }, { parent, dependsOn: [...args.tempo.dependsOn] });
    const collectorInput = pulumi.output(args.collector.input);
    helmRelease(`${name}-otel-gateway`, {
        release: "collector", namespace: args.namespace, chart: args.collector.chart,
        values: collectorInput.apply(input => renderCollectorValues(input, "gateway")),
    }, { parent, dependsOn: [...args.collector.dependsOn] });
    if (args.tier === "prod") {
        helmRelease(`${name}-otel-lb`, {
            release: "collectorLoadBalancer", namespace: args.namespace, chart: args.collector.chart,
            values: collectorInput.apply(input => renderCollectorValues(input, "loadbalancer")),
        }, { parent, dependsOn: [...args.collector.dependsOn] });
    }
}
