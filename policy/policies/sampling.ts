/**
 * Trace sampling of the OpenTelemetry Collector tier that stores traces (the gateway; a pure
 * load-balancing tier forwards everything and is not checked): tail sampling is on, the share of
 * ordinary traces kept is within the organisation's bounds, errors are always kept and slow
 * traces are kept by a latency policy. Read from the release's collector config.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { chartName, collectorConfig, dig, isTraceStoringCollector, ofType, pipelines, Props, T } from "../lib/common";

export interface SamplingConfig {
    readonly percentageMin: number;
    readonly percentageMax: number;
}

/** The share of ordinary traces tail sampling keeps: 100 with an always_sample policy, else the largest probabilistic one (policies are OR-ed). */
export function sampledPercentage(policies: readonly Props[]): number {
    if (policies.some(p => p.type === "always_sample")) return 100;
    return Math.max(0, ...policies.filter(p => p.type === "probabilistic").map(p => Number(dig(p, "probabilistic", "sampling_percentage") ?? 0)));
}

export const samplingPolicy: ResourceValidationPolicy = {
    name: "obs-collector-configure-sampling",
    description: "The collector that stores traces tail-samples them: the share of ordinary traces kept is within the organisation's bounds, traces with errors are always kept, and a latency policy keeps slow traces.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            percentageMin: { type: "number", minimum: 0, maximum: 100, default: 0.01, description: "Smallest share of ordinary traces kept, in percent." },
            percentageMax: { type: "number", minimum: 0, maximum: 100, default: 100, description: "Largest share of ordinary traces kept, in percent." },
        },
    },
    validateResource: (args, reportViolation) => {
        if (args.type !== T.release || chartName(args.props) !== "opentelemetry-collector") return;
        const config = collectorConfig(args.props.values);
        if (!config || !isTraceStoringCollector(config)) return;
        const { percentageMin, percentageMax } = args.getConfig<SamplingConfig>();
        const sampler = pipelines(config, "traces").flatMap(([, p]) => ofType(p.processors, "tail_sampling"))[0];
        if (!sampler) {
            reportViolation(`The collector stores every trace: no traces pipeline has a tail_sampling processor (100 % kept, allowed ${percentageMin}–${percentageMax} %); restore tail sampling in components/render/collector.ts and set observability:sampling.percentage.`);
            return;
        }
        const policies: Props[] = dig(config, "processors", sampler, "policies") ?? [];
        const kept = sampledPercentage(policies);
        if (kept < percentageMin || kept > percentageMax) {
            reportViolation(`The collector keeps ${kept} % of ordinary traces (processors.${sampler}), outside the allowed ${percentageMin}–${percentageMax} %; set observability:sampling.percentage between ${percentageMin} and ${percentageMax}.`);
        }
        if (!policies.some(p => p.type === "status_code" && (dig(p, "status_code", "status_codes") ?? []).includes("ERROR"))) {
            reportViolation(`The collector may drop traces with errors: processors.${sampler} has no status_code policy keeping ERROR; add it in components/render/collector.ts (errors are always kept).`);
        }
        if (!policies.some(p => p.type === "latency" && Number(dig(p, "latency", "threshold_ms")) > 0)) {
            reportViolation(`The collector may drop slow traces: processors.${sampler} has no latency policy with a threshold_ms; add it in components/render/collector.ts and set observability:sampling.latencyThreshold.`);
        }
    },
};
