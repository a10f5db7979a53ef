/**
 * RED metrics (rate, errors, duration) must come from every span, not from the sampled few: the
 * collector tier that stores traces has a spanmetrics connector fed by a traces pipeline without
 * tail sampling, and read by a metrics pipeline. Metrics derived after sampling (Tempo's metrics
 * generator behind the sampler) undercount requests by the sampling ratio.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { chartName, collectorConfig, isTraceStoringCollector, ofType, pipelines, T } from "../lib/common";

/** The connector's type, under its old name and the snake_case name newer collectors use (what components/render/collector.ts writes). */
const SPAN_METRICS_TYPES = ["spanmetrics", "span_metrics"];

export const redMetricsPolicy: ResourceValidationPolicy = {
    name: "obs-collector-enable-unsampled-red-metrics",
    description: "The collector that samples traces derives RED metrics from every span, with a spanmetrics connector ahead of tail sampling, so request, error and latency metrics are not reduced by sampling.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (args.type !== T.release || chartName(args.props) !== "opentelemetry-collector") return;
        const config = collectorConfig(args.props.values);
        if (!config || !isTraceStoringCollector(config)) return;
        const connectors = Object.keys(config.connectors ?? {}).filter(id => SPAN_METRICS_TYPES.includes(id.split("/")[0]));
        const fedUnsampled = connectors.filter(c => pipelines(config, "traces").some(([, p]) => (p.exporters ?? []).includes(c) && ofType(p.processors, "tail_sampling").length === 0));
        const read = fedUnsampled.filter(c => pipelines(config, "metrics").some(([, p]) => (p.receivers ?? []).includes(c)));
        if (connectors.length === 0) {
            reportViolation("The collector derives no RED metrics from unsampled spans: there is no spanmetrics connector; add one in components/render/collector.ts, exported by a traces pipeline ahead of tail_sampling and received by a metrics pipeline.");
        } else if (fedUnsampled.length === 0) {
            reportViolation(`The collector's ${connectors.join(", ")} only sees sampled spans: no traces pipeline without tail_sampling exports to it; feed it from a pipeline ahead of tail_sampling in components/render/collector.ts.`);
        } else if (read.length === 0) {
            reportViolation(`The collector's ${fedUnsampled.join(", ")} output is dropped: no metrics pipeline receives from it; add it to a metrics pipeline's receivers in components/render/collector.ts.`);
        }
    },
};
