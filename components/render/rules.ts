/**
 * Prometheus rules as data: the design's five alerts, SLO burn-rate alerts with their recording
 * rules, and the platform's self-monitoring. The component deploys each entry of
 * renderPrometheusRules() as one PrometheusRule object (the operator selects every PrometheusRule in
 * the cluster: kube-prometheus-stack's `ruleSelectorNilUsesHelmValues: false`); the offline preview
 * writes all groups into one file promtool reads.
 *
 * Error rate and latency are computed per service from the RED metrics that the collector's
 * span_metrics connector derives from every span (SPAN_METRICS), so they work for any
 * OpenTelemetry-instrumented service without its own /metrics endpoint.
 *
 * No noise: every alert has a `for` and a threshold a healthy cluster stays below, alerts on
 * counters need a sustained non-zero rate, and ServiceDown forgets a service one day after its last
 * span (a decommissioned service does not fire forever).
 */
import type { AlertingInput, Severity, SloSettings } from "./alerting";
import { parseDuration } from "../duration";
import { TRACE_METRICS } from "./collector";

/**
 * The span metrics as rules, SLOs and dashboards query them. Names, labels and the error status come
 * from TRACE_METRICS (render/collector.ts), the one definition of what the collector's span_metrics
 * connector writes through Prometheus remote write; this adds only what queries need beyond the names.
 * Series carry more labels than these (collector_instance_id, resource attributes), so every query
 * aggregates with `sum by (...)`.
 */
export const SPAN_METRICS = {
    calls: TRACE_METRICS.calls,
    durationBucket: TRACE_METRICS.durationBucket,
    serviceLabel: TRACE_METRICS.labels.service,
    statusCodeLabel: TRACE_METRICS.labels.statusCode,
    errorStatus: TRACE_METRICS.errorStatus,
    spanKindLabel: TRACE_METRICS.labels.spanKind,
    /** Spans that stand for a request the service answered: RED counts only these. */
    requestSpanKinds: ["SPAN_KIND_SERVER", "SPAN_KIND_CONSUMER"],
    /**
     * The connector's default explicit histogram buckets, in seconds (latency SLO thresholds must be
     * one of them: `le` is matched exactly). Keep in sync with the connector's `histogram.explicit.buckets`.
     */
    durationBucketsSeconds: [0.002, 0.004, 0.006, 0.008, 0.01, 0.05, 0.1, 0.2, 0.4, 0.8, 1, 1.4, 2, 5, 10, 15],
} as const;

export interface AlertingRule {
    readonly alert: string;
    readonly expr: string;
    readonly for: string;
    readonly labels: Readonly<Record<string, string>>;
    readonly annotations: Readonly<Record<string, string>>;
}
export interface RecordingRule {
    readonly record: string;
    readonly expr: string;
    readonly labels?: Readonly<Record<string, string>>;
}
export type Rule = AlertingRule | RecordingRule;
export interface RuleGroup {
    readonly name: string;
    readonly interval?: string;
    readonly rules: readonly Rule[];
}
/** The shape of a rule file (promtool) and of a PrometheusRule's `spec`. */
export interface RuleFile {
    readonly groups: readonly RuleGroup[];
}

/** The design's thresholds. */
export const THRESHOLDS = {
    errorRatio: 0.05,
    p95Seconds: 1,
    cpuPercent: 80,
    memoryPercent: 85,
    /** A service counts as down when it had requests within this window but none in the last 5m. */
    serviceSeenWithin: "1d",
} as const;

/**
 * Multi-window, multi-burn-rate alerts (Google SRE workbook, "Alerting on SLOs"), for a 30-day
 * window: 2 % of the budget in 1h (factor 14.4) pages; 5 % in 6h (6) and 10 % in 3d (1) warn.
 * The short window makes the alert stop soon after the burn stops.
 */
export const BURN_RATE_ALERTS = [
    { long: "1h", short: "5m", factor: 14.4, severity: "critical", for: "2m" },
    { long: "6h", short: "30m", factor: 6, severity: "warning", for: "15m" },
    { long: "3d", short: "6h", factor: 1, severity: "warning", for: "1h" },
] as const satisfies readonly { long: string; short: string; factor: number; severity: Severity; for: string }[];

/** Every window a burn-rate alert reads, plus the 30-day compliance window for the dashboard. */
export const SLO_WINDOWS = [...new Set(BURN_RATE_ALERTS.flatMap(b => [b.short, b.long]))]
    .sort((a, b) => parseDuration(a)! - parseDuration(b)!);
export const SLO_COMPLIANCE_WINDOW = "30d";

/** Recording rule names (level:metric:operations). */
export const RECORDS = {
    requests: "service:span_requests:rate5m",
    errors: "service:span_errors:rate5m",
    errorRatio: "service:span_error_ratio:rate5m",
    p95: "service:span_latency_seconds:p95_5m",
    sloErrorRatio: (window: string) => `slo:sli_error:ratio_rate${window}`,
    sloObjective: "slo:objective:ratio",
} as const;

/** The SLO kinds and the alert each raises. */
export const SLO_ALERTS = { availability: "SLOAvailabilityBudgetBurn", latency: "SLOLatencyBudgetBurn" } as const;
export type SloKind = keyof typeof SLO_ALERTS;

// ---- PromQL helpers ----

const requestKinds = `${SPAN_METRICS.spanKindLabel}=~"${SPAN_METRICS.requestSpanKinds.join("|")}"`;
const errorMatcher = `${SPAN_METRICS.statusCodeLabel}="${SPAN_METRICS.errorStatus}"`;

/** `sum by (service, extra…) (rate(metric{matchers}[w]))`, with service_name copied into `service`. */
function rateByService(metric: string, matchers: string, window: string, extra: readonly string[] = []): string {
    const by = ["service", ...extra].join(", ");
    return `sum by (${by}) (label_replace(rate(${metric}{${matchers}}[${window}]), "service", "$1", "${SPAN_METRICS.serviceLabel}", "(.*)"))`;
}

/** A number for PromQL without floating-point noise (0.0144, not 0.014400000000000001). */
export function num(n: number): string {
    return String(Number(n.toPrecision(12)));
}

/** The `le` value the span metrics carry for a bucket bound given as a duration ("400ms" -> "0.4"). */
export function leOf(threshold: string): string {
    return num(parseDuration(threshold)! / 1000);
}

function runbook(input: AlertingInput, alert: string): string {
    return `${input.alerting.links.runbooks}/${alert}`;
}

function alert(input: AlertingInput, a: Omit<AlertingRule, "annotations" | "labels"> & {
    severity: Severity; labels?: Record<string, string>; summary: string; description: string;
}): AlertingRule {
    return {
        alert: a.alert,
        expr: a.expr,
        for: a.for,
        labels: { severity: a.severity, ...a.labels },
        annotations: { summary: a.summary, description: a.description, runbook_url: runbook(input, a.alert) },
    };
}

// ---- the design's five alerts ----

function serviceRules(input: AlertingInput): RuleGroup[] {
    const calls = SPAN_METRICS.calls;
    const recording: RecordingRule[] = [
        { record: RECORDS.requests, expr: rateByService(calls, requestKinds, "5m") },
        { record: RECORDS.errors, expr: rateByService(calls, `${requestKinds}, ${errorMatcher}`, "5m") },
        { record: RECORDS.errorRatio, expr: `${RECORDS.errors} / ${RECORDS.requests}` },
        {
            record: RECORDS.p95,
            expr: `histogram_quantile(0.95, ${rateByService(SPAN_METRICS.durationBucket, requestKinds, "5m", ["le"])})`,
        },
    ];
    const alerts: AlertingRule[] = [
        alert(input, {
            alert: "ServiceDown",
            // Had requests within the last day, none now. Series the collector stops exporting and
            // series it keeps at a flat value both count as none; after a day without a request the
            // service is forgotten, so a decommissioned service does not fire forever.
            expr: `max_over_time(${RECORDS.requests}[${THRESHOLDS.serviceSeenWithin}]) > 0 unless ${RECORDS.requests} > 0`,
            for: "5m",
            severity: "critical",
            summary: "{{ $labels.service }} receives no requests",
            description: `{{ $labels.service }} answered requests within the last ${THRESHOLDS.serviceSeenWithin} but no server or consumer span has arrived for 5 minutes or more.`,
        }),
        alert(input, {
            alert: "HighErrorRate",
            expr: `${RECORDS.errorRatio} > ${num(THRESHOLDS.errorRatio)}`,
            for: "2m",
            severity: "critical",
            summary: "{{ $labels.service }} fails {{ $value | humanizePercentage }} of requests",
            description: `More than ${num(THRESHOLDS.errorRatio * 100)} % of the requests of {{ $labels.service }} ended with span status ERROR over 5 minutes, for 2 minutes.`,
        }),
        alert(input, {
            alert: "SlowResponseTime",
            expr: `${RECORDS.p95} > ${num(THRESHOLDS.p95Seconds)}`,
            for: "5m",
            severity: "warning",
            summary: "{{ $labels.service }} p95 latency is {{ $value | humanizeDuration }}",
            description: `The 95th percentile of request duration of {{ $labels.service }} has been above ${num(THRESHOLDS.p95Seconds)}s for 5 minutes.`,
        }),
    ];
    const nodeAlerts: AlertingRule[] = [
        alert(input, {
            alert: "HighCPUUsage",
            expr: `label_replace(100 * (1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[5m]))), "node", "$1", "instance", "(.*)") > ${THRESHOLDS.cpuPercent}`,
            for: "5m",
            severity: "warning",
            summary: "CPU of node {{ $labels.node }} is {{ $value | humanize }} % busy",
            description: `Node {{ $labels.node }} has used more than ${THRESHOLDS.cpuPercent} % of its CPU for 5 minutes.`,
        }),
        alert(input, {
            alert: "HighMemoryUsage",
            expr: `label_replace(100 * (1 - max by (instance) (node_memory_MemAvailable_bytes) / max by (instance) (node_memory_MemTotal_bytes)), "node", "$1", "instance", "(.*)") > ${THRESHOLDS.memoryPercent}`,
            for: "5m",
            severity: "critical",
            summary: "Memory of node {{ $labels.node }} is {{ $value | humanize }} % used",
            description: `Node {{ $labels.node }} has used more than ${THRESHOLDS.memoryPercent} % of its memory for 5 minutes; the kernel will soon evict or OOM-kill pods.`,
        }),
    ];
    return [
        { name: "obs.service-red.rules", rules: recording },
        { name: "obs.service.alerts", rules: alerts },
        { name: "obs.node.alerts", rules: nodeAlerts },
    ];
}

// ---- SLOs ----

/** The error ratio of one SLI over `window`: errors (or requests slower than the threshold) over requests. */
export function sloErrorRatioExpr(slo: SloSettings, kind: SloKind, window: string): string {
    const svc = `${SPAN_METRICS.serviceLabel}="${slo.service}", ${requestKinds}`;
    if (kind === "availability") {
        // `or vector(0)`: no error series at all means no errors, not no data.
        return `(sum(rate(${SPAN_METRICS.calls}{${svc}, ${errorMatcher}}[${window}])) or vector(0)) / sum(rate(${SPAN_METRICS.calls}{${svc}}[${window}]))`;
    }
    const le = leOf(slo.latency!.threshold);
    return `1 - sum(rate(${SPAN_METRICS.durationBucket}{${svc}, le="${le}"}[${window}])) / sum(rate(${SPAN_METRICS.durationBucket}{${svc}, le="+Inf"}[${window}]))`;
}

/** The error budget (1 − objective) of one SLI, as a ratio. */
export function budgetOf(slo: SloSettings, kind: SloKind): number {
    const objective = kind === "availability" ? slo.availability : slo.latency!.percentage;
    return Number((1 - objective / 100).toPrecision(12));
}

export function sloKinds(slo: SloSettings): SloKind[] {
    return slo.latency ? ["availability", "latency"] : ["availability"];
}

function sloRules(input: AlertingInput, slo: SloSettings): RuleGroup[] {
    const groups: RuleGroup[] = [];
    const recording: RecordingRule[] = [];
    const budgetRules: RecordingRule[] = [];
    const alerts: AlertingRule[] = [];
    for (const kind of sloKinds(slo)) {
        const labels = { service: slo.service, slo: kind };
        const sel = `{service="${slo.service}", slo="${kind}"}`;
        const budget = budgetOf(slo, kind);
        for (const w of SLO_WINDOWS) recording.push({ record: RECORDS.sloErrorRatio(w), expr: sloErrorRatioExpr(slo, kind, w), labels });
        recording.push({ record: RECORDS.sloObjective, expr: `vector(${num(1 - budget)})`, labels });
        budgetRules.push({ record: RECORDS.sloErrorRatio(SLO_COMPLIANCE_WINDOW), expr: sloErrorRatioExpr(slo, kind, SLO_COMPLIANCE_WINDOW), labels });
        const what = kind === "availability"
            ? `availability objective ${num(slo.availability)} %`
            : `latency objective ${num(slo.latency!.percentage)} % under ${slo.latency!.threshold}`;
        for (const b of BURN_RATE_ALERTS) {
            const threshold = num(b.factor * budget);
            alerts.push(alert(input, {
                alert: SLO_ALERTS[kind],
                expr: `${RECORDS.sloErrorRatio(b.long)}${sel} > ${threshold} and ${RECORDS.sloErrorRatio(b.short)}${sel} > ${threshold}`,
                for: b.for,
                severity: b.severity,
                labels: { service: slo.service, slo: kind, window: b.long },
                summary: `{{ $labels.service }} burns its ${kind} error budget ${num(b.factor)}× too fast (${b.long})`,
                description: `The ${what} of {{ $labels.service }} is burning its 30-day error budget at ${num(b.factor)}× or more over both ${b.long} and ${b.short}: at this rate ${b.severity === "critical" ? "the budget is gone within ~2 days" : "the budget runs out before the window ends"}.`,
            }));
        }
    }
    groups.push({ name: `obs.slo.${slo.service}.rules`, rules: recording });
    // The 30-day ratio only feeds the dashboard: evaluated every 5 minutes, it costs little.
    groups.push({ name: `obs.slo.${slo.service}.budget.rules`, interval: "5m", rules: budgetRules });
    groups.push({ name: `obs.slo.${slo.service}.alerts`, rules: alerts });
    return groups;
}

// ---- platform self-monitoring ----

/**
 * Matches a counter with or without the `_total` suffix: the collector's own telemetry has named
 * its counters both ways across versions, and a rule that silently matches nothing is worse than none.
 */
function counter(name: string, matchers = ""): string {
    return `{__name__=~"${name}(_total)?"${matchers ? `, ${matchers}` : ""}}`;
}

function platformRules(input: AlertingInput): RuleGroup[] {
    const warn = (a: string, expr: string, forDur: string, summary: string, description: string) =>
        alert(input, { alert: a, expr, for: forDur, severity: "warning", summary, description });
    const lokiPush = `route=~"loki_api_v1_push|otlp_v1_logs|api_prom_push|/logproto.Pusher/Push"`;
    return [{
        name: "obs.platform.alerts",
        rules: [
            warn("LokiIngestionFailures",
                `sum by (namespace, job, route) (rate(loki_request_duration_seconds_count{${lokiPush}, status_code=~"5.."}[5m])) / sum by (namespace, job, route) (rate(loki_request_duration_seconds_count{${lokiPush}}[5m])) > 0.05`,
                "10m", "Loki {{ $labels.job }} fails {{ $value | humanizePercentage }} of pushes",
                "More than 5 % of log pushes to {{ $labels.job }} ({{ $labels.route }}) failed with a 5xx for 10 minutes: logs are being lost or retried."),
            warn("LokiDiscardedSamples",
                "sum by (namespace, reason) (rate(loki_discarded_samples_total[5m])) > 0",
                "15m", "Loki discards log lines ({{ $labels.reason }})",
                "Loki in {{ $labels.namespace }} has discarded log lines for 15 minutes, reason {{ $labels.reason }} (limits, too old, too long)."),
            warn("TempoIngestionFailures",
                "sum by (namespace, reason) (rate(tempo_discarded_spans_total[5m])) > 0",
                "15m", "Tempo discards spans ({{ $labels.reason }})",
                "Tempo in {{ $labels.namespace }} has discarded spans for 15 minutes, reason {{ $labels.reason }}."),
            warn("TempoIngesterAppendFailures",
                "sum by (namespace) (rate(tempo_distributor_ingester_append_failures_total[5m])) > 0",
                "10m", "Tempo distributors cannot write to ingesters",
                "Tempo's distributors in {{ $labels.namespace }} have failed to append spans to ingesters for 10 minutes."),
            warn("CollectorExportFailures",
                `sum by (namespace, job, exporter) (rate(${counter("otelcol_exporter_send_failed_(spans|metric_points|log_records)")}[5m])) > 0`,
                "10m", "Collector exporter {{ $labels.exporter }} fails to send",
                "The OpenTelemetry Collector ({{ $labels.job }}) has failed to send data through {{ $labels.exporter }} for 10 minutes."),
            warn("CollectorRefusedSpans",
                `sum by (namespace, job, receiver) (rate(${counter("otelcol_receiver_refused_spans")}[5m])) > 0`,
                "10m", "Collector receiver {{ $labels.receiver }} refuses spans",
                "The OpenTelemetry Collector ({{ $labels.job }}) has refused spans on {{ $labels.receiver }} for 10 minutes (back-pressure: the memory limiter or a full queue)."),
            warn("CollectorDroppedSpans",
                `sum by (namespace, job, exporter) (rate(${counter("otelcol_exporter_enqueue_failed_spans")}[5m])) > 0`,
                "10m", "Collector exporter {{ $labels.exporter }} drops spans (queue full)",
                "The sending queue of {{ $labels.exporter }} ({{ $labels.job }}) has been full for 10 minutes: spans are dropped."),
            warn("CollectorMemoryLimiterRefusals",
                `sum by (namespace, job) (rate(${counter("otelcol_processor_(memory_limiter_)?refused_(spans|metric_points|log_records)")}[5m])) > 0`,
                "10m", "Collector memory limiter refuses data",
                "The memory limiter of {{ $labels.job }} has refused data for 10 minutes: the collector runs at its memory limit and needs more memory or replicas."),
            warn("TailSamplingDroppedTooEarly",
                `sum by (namespace, job) (rate(${counter("otelcol_processor_tail_sampling_sampling_trace_dropped_too_early")}[5m])) > 0`,
                "10m", "Tail sampling drops traces before deciding",
                "The tail-sampling processor of {{ $labels.job }} has dropped traces before their decision for 10 minutes: num_traces is too small for the traffic."),
            warn("AlloyLokiWriteErrors",
                "sum by (namespace, job) (rate(loki_write_dropped_entries_total[5m])) > 0",
                "10m", "Alloy drops log entries writing to Loki",
                "Alloy ({{ $labels.job }}) has dropped log entries it could not write to Loki for 10 minutes."),
            warn("PrometheusRuleEvaluationFailures",
                "sum by (namespace, pod, rule_group) (rate(prometheus_rule_evaluation_failures_total[5m])) > 0",
                "15m", "Prometheus fails to evaluate rules",
                "{{ $labels.pod }} has failed to evaluate rules of {{ $labels.rule_group }} for 15 minutes: alerts and recordings of that group are missing."),
            warn("PrometheusRemoteWriteFailures",
                "sum by (namespace, pod, remote_name) (rate(prometheus_remote_storage_samples_failed_total[5m])) > 0",
                "15m", "Remote write fails on {{ $labels.pod }}",
                "{{ $labels.pod }} has failed to remote-write samples to {{ $labels.remote_name }} for 15 minutes (Prometheus, or Tempo's metrics generator writing span metrics)."),
        ],
    }];
}

// ---- all ----

/** PrometheusRule objects by name, each with its groups. */
export function renderPrometheusRules(input: AlertingInput): Record<string, RuleFile> {
    const out: Record<string, RuleFile> = {
        "obs-service-alerts": { groups: serviceRules(input) },
        "obs-platform-alerts": { groups: platformRules(input) },
    };
    if (input.alerting.slos.length > 0) out["obs-slo"] = { groups: input.alerting.slos.flatMap(s => sloRules(input, s)) };
    return out;
}

/** Every group in one rule file, as promtool and Prometheus read it. */
export function ruleFileOf(objects: Readonly<Record<string, RuleFile>>): RuleFile {
    return { groups: Object.values(objects).flatMap(o => o.groups) };
}
