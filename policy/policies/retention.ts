/**
 * How long each backend keeps its data, read from the Helm release values that configure it:
 * Loki (`loki.limits_config.retention_period`, applied by the compactor), Tempo (`tempo.retention`
 * of the tempo chart, `compactor.config.compaction.block_retention` of tempo-distributed) and
 * Prometheus (`prometheus.prometheusSpec.retention` of kube-prometheus-stack, with a
 * `retentionSize` large enough for that retention and smaller than the volume).
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { dig, DURATION_SCHEMA, durationMs, fmt, GIB, isChart, Props, prometheusBytes, quantityBytes, T } from "../lib/common";

export interface RetentionConfig {
    readonly metricsMin: string;
    readonly metricsMax: string;
    readonly logsMin: string;
    readonly logsMax: string;
    readonly tracesMin: string;
    readonly tracesMax: string;
    /** Smallest Prometheus retentionSize per day of retention, in GiB (the expected TSDB growth per day). */
    readonly prometheusGiBPerDay: number;
}

type Report = (message: string) => void;

function checkBounds(report: Report, what: string, path: string, value: unknown, min: string, max: string, key: string): number | undefined {
    const ms = durationMs(value);
    if (ms === undefined) {
        report(`${what} has no valid retention (${path} = ${JSON.stringify(value ?? null)}): data would be kept forever; set ${key} between ${min} and ${max}.`);
        return undefined;
    }
    if (ms < durationMs(min)! || ms > durationMs(max)!) {
        report(`${what} keeps data for ${fmt(ms)} (${path}), outside the allowed ${min}–${max}; set ${key} between ${min} and ${max}.`);
    }
    return ms;
}

function checkLoki(values: Props, c: RetentionConfig, report: Report) {
    checkBounds(report, "Loki", "loki.limits_config.retention_period", dig(values, "loki", "limits_config", "retention_period"), c.logsMin, c.logsMax, "observability:retention.logs");
    const compactor = dig(values, "loki", "compactor") ?? {};
    if (compactor.retention_enabled !== true) {
        report("Loki's compactor does not apply retention (loki.compactor.retention_enabled is not true), so logs are never deleted; set it to true in the Loki values (components/render/loki.ts).");
    }
    if (typeof compactor.delete_request_store !== "string" || !compactor.delete_request_store) {
        report("Loki's compactor has no delete_request_store (loki.compactor.delete_request_store), which retention requires; set it to the object store type (s3, gcs) in the Loki values (components/render/loki.ts).");
    }
}

function checkTempo(values: Props, distributed: boolean, c: RetentionConfig, report: Report) {
    const [path, value] = distributed
        ? ["compactor.config.compaction.block_retention", dig(values, "compactor", "config", "compaction", "block_retention")]
        : ["tempo.retention", dig(values, "tempo", "retention")];
    checkBounds(report, "Tempo", path, value, c.tracesMin, c.tracesMax, "observability:retention.traces");
}

function checkPrometheus(values: Props, c: RetentionConfig, report: Report) {
    const spec = dig(values, "prometheus", "prometheusSpec") ?? {};
    const ms = checkBounds(report, "Prometheus", "prometheus.prometheusSpec.retention", spec.retention, c.metricsMin, c.metricsMax, "observability:retention.metrics");
    const size = prometheusBytes(spec.retentionSize);
    if (size === undefined) {
        report(`Prometheus has no valid retentionSize (prometheus.prometheusSpec.retentionSize = ${JSON.stringify(spec.retentionSize ?? null)}), so a full volume stops ingestion; set it per tier in components/sizing.ts.`);
        return;
    }
    if (ms !== undefined) {
        const days = ms / 86_400_000;
        const needed = days * c.prometheusGiBPerDay * GIB;
        if (size < needed) {
            report(`Prometheus retentionSize ${spec.retentionSize} cuts its ${fmt(ms)} retention short: ${fmt(ms)} needs at least ${Math.ceil(days * c.prometheusGiBPerDay)}GiB at ${c.prometheusGiBPerDay} GiB per day; raise prometheus.retentionSize (and the volume) in components/sizing.ts or lower observability:retention.metrics.`);
        }
    }
    const volume = quantityBytes(dig(spec, "storageSpec", "volumeClaimTemplate", "spec", "resources", "requests", "storage"));
    if (volume !== undefined && size > volume) {
        report(`Prometheus retentionSize ${spec.retentionSize} is larger than its volume (${dig(spec, "storageSpec", "volumeClaimTemplate", "spec", "resources", "requests", "storage")}), so the disk fills before size-based retention deletes anything; keep it below the volume in components/sizing.ts.`);
    }
}

export const retentionPolicy: ResourceValidationPolicy = {
    name: "obs-release-configure-retention",
    description: "Loki, Tempo and Prometheus keep their data within the organisation's retention bounds; Loki's compactor applies retention, and Prometheus's retention size neither cuts the retention short nor exceeds its volume.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            metricsMin: { ...DURATION_SCHEMA, default: "7d" },
            metricsMax: { ...DURATION_SCHEMA, default: "400d" },
            logsMin: { ...DURATION_SCHEMA, default: "1d" },
            logsMax: { ...DURATION_SCHEMA, default: "14d" },
            tracesMin: { ...DURATION_SCHEMA, default: "1h" },
            tracesMax: { ...DURATION_SCHEMA, default: "14d" },
            prometheusGiBPerDay: { type: "number", minimum: 0, default: 0.4, description: "Smallest Prometheus retentionSize per day of retention, in GiB." },
        },
    },
    validateResource: (args, reportViolation) => {
        if (args.type !== T.release) return;
        const values: Props = args.props.values ?? {};
        const c = args.getConfig<RetentionConfig>();
        if (isChart(args.props, "loki")) checkLoki(values, c, reportViolation);
        else if (isChart(args.props, "tempo")) checkTempo(values, false, c, reportViolation);
        else if (isChart(args.props, "tempo-distributed")) checkTempo(values, true, c, reportViolation);
        else if (isChart(args.props, "kube-prometheus-stack")) checkPrometheus(values, c, reportViolation);
    },
};
