/**
 * Prometheus rules and dashboard queries through the real promtool (Debian 13's 2.53.3, from
 * `npm run tools:install`): `check rules`, and `test rules` with input series for every alert and
 * SLO rule, each with a case where it fires and one where it stays silent. Also the PrometheusRule
 * objects against the CRD's own schema (copied from prometheus-operator-crds 31.0.1).
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import Ajv from "ajv";
import { stringify } from "yaml";
import { dashboardQueries, renderDashboards } from "../components/render/dashboards";
import { BURN_RATE_ALERTS, renderPrometheusRules, RuleFile, ruleFileOf, SPAN_METRICS, type AlertingRule } from "../components/render/rules";
import { alertingOf } from "./lib/alerting";
import { mustRun } from "./lib/tools";

const PROD = alertingOf("prod");
const DEV = alertingOf("dev");

function tmpDir(): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), "obs-rules-"));
}

const SERVER = `${SPAN_METRICS.spanKindLabel}="SPAN_KIND_SERVER"`;
const calls = (svc: string, status: string) => `${SPAN_METRICS.calls}{${SPAN_METRICS.serviceLabel}="${svc}", ${SERVER}, ${SPAN_METRICS.statusCodeLabel}="${status}"}`;
const bucket = (svc: string, le: string) => `${SPAN_METRICS.durationBucket}{${SPAN_METRICS.serviceLabel}="${svc}", ${SERVER}, le="${le}"}`;

interface Series { readonly series: string; readonly values: string }
/** One promtool test: input series, then the exact firing ALERTS at eval_time (empty: silent). */
interface Case {
    readonly name: string;
    readonly input: readonly Series[];
    readonly evalTime: string;
    readonly alert: string;
    /** Expected firing alerts of `alert` (their labels without alertname/alertstate); [] = must stay silent. */
    readonly firing: readonly Record<string, string>[];
    /** Spans a day or more: evaluated every 10 minutes instead of every minute, in a file of its own. */
    readonly long?: boolean;
}

/** Requests of checkout: `ok` and `err` spans per minute. */
const traffic = (ok: number, err: number, minutes = 400): Series[] => [
    { series: calls("checkout", "STATUS_CODE_UNSET"), values: `0+${ok}x${minutes}` },
    { series: calls("checkout", "STATUS_CODE_ERROR"), values: `0+${err}x${minutes}` },
];

/** A counter that grows (fires) or stays flat (silent). */
const counter = (series: string, grows: boolean): Series[] => [{ series, values: grows ? "0+5x60" : "5x60" }];

const PLATFORM: readonly { alert: string; series: string; labels: Record<string, string>; evalTime: string }[] = [
    { alert: "LokiDiscardedSamples", series: 'loki_discarded_samples_total{namespace="logging", reason="rate_limited", tenant="fake"}', labels: { namespace: "logging", reason: "rate_limited" }, evalTime: "25m" },
    { alert: "TempoIngestionFailures", series: 'tempo_discarded_spans_total{namespace="tracing", reason="trace_too_large"}', labels: { namespace: "tracing", reason: "trace_too_large" }, evalTime: "25m" },
    { alert: "TempoIngesterAppendFailures", series: 'tempo_distributor_ingester_append_failures_total{namespace="tracing", ingester="10.0.0.1:9095"}', labels: { namespace: "tracing" }, evalTime: "20m" },
    { alert: "CollectorExportFailures", series: 'otelcol_exporter_send_failed_spans_total{namespace="tracing", job="otel-gateway", exporter="otlp/tempo"}', labels: { namespace: "tracing", job: "otel-gateway", exporter: "otlp/tempo" }, evalTime: "20m" },
    { alert: "CollectorRefusedSpans", series: 'otelcol_receiver_refused_spans_total{namespace="tracing", job="otel-gateway", receiver="otlp", transport="grpc"}', labels: { namespace: "tracing", job: "otel-gateway", receiver: "otlp" }, evalTime: "20m" },
    { alert: "CollectorDroppedSpans", series: 'otelcol_exporter_enqueue_failed_spans_total{namespace="tracing", job="otel-lb", exporter="loadbalancing"}', labels: { namespace: "tracing", job: "otel-lb", exporter: "loadbalancing" }, evalTime: "20m" },
    // Without the _total suffix: older collectors name it so, and the rule matches both.
    { alert: "CollectorMemoryLimiterRefusals", series: 'otelcol_processor_refused_spans{namespace="tracing", job="otel-gateway", processor="memory_limiter"}', labels: { namespace: "tracing", job: "otel-gateway" }, evalTime: "20m" },
    { alert: "TailSamplingDroppedTooEarly", series: 'otelcol_processor_tail_sampling_sampling_trace_dropped_too_early_total{namespace="tracing", job="otel-gateway"}', labels: { namespace: "tracing", job: "otel-gateway" }, evalTime: "20m" },
    { alert: "AlloyLokiWriteErrors", series: 'loki_write_dropped_entries_total{namespace="logging", job="logging/alloy", component_id="loki.write.default"}', labels: { namespace: "logging", job: "logging/alloy" }, evalTime: "20m" },
    { alert: "PrometheusRuleEvaluationFailures", series: 'prometheus_rule_evaluation_failures_total{namespace="monitoring", pod="prometheus-kps-prometheus-0", rule_group="/etc/rules/a.yaml;g"}', labels: { namespace: "monitoring", pod: "prometheus-kps-prometheus-0", rule_group: "/etc/rules/a.yaml;g" }, evalTime: "25m" },
    { alert: "PrometheusRemoteWriteFailures", series: 'prometheus_remote_storage_samples_failed_total{namespace="tracing", pod="tempo-metrics-generator-0", remote_name="prometheus-0", url="http://x/api/v1/write"}', labels: { namespace: "tracing", pod: "tempo-metrics-generator-0", remote_name: "prometheus-0" }, evalTime: "25m" },
];

const svc = { service: "checkout" };
const CASES: Case[] = [
    // ---- the design's five ----
    { name: "10 % errors for minutes", alert: "HighErrorRate", input: traffic(90, 10), evalTime: "10m", firing: [{ ...svc, severity: "critical" }] },
    { name: "2 % errors", alert: "HighErrorRate", input: traffic(98, 2), evalTime: "10m", firing: [] },
    { name: "10 % errors, but only for the last minute (for: 2m)", alert: "HighErrorRate",
        input: [{ series: calls("checkout", "STATUS_CODE_UNSET"), values: "0+90x20" }, { series: calls("checkout", "STATUS_CODE_ERROR"), values: "0x9 0+50x10" }], evalTime: "10m", firing: [] },
    { name: "p95 between 1s and 1.4s", alert: "SlowResponseTime", evalTime: "15m", firing: [{ ...svc, severity: "warning" }],
        input: [{ series: bucket("checkout", "0.4"), values: "0+10x30" }, { series: bucket("checkout", "1"), values: "0+20x30" },
            { series: bucket("checkout", "1.4"), values: "0+100x30" }, { series: bucket("checkout", "+Inf"), values: "0+100x30" }] },
    { name: "every request under 400ms", alert: "SlowResponseTime", evalTime: "15m", firing: [],
        input: [{ series: bucket("checkout", "0.4"), values: "0+100x30" }, { series: bucket("checkout", "1"), values: "0+100x30" },
            { series: bucket("checkout", "+Inf"), values: "0+100x30" }] },
    { name: "requests stop after 10 minutes", alert: "ServiceDown", evalTime: "25m", firing: [{ ...svc, severity: "critical" }],
        input: [{ series: calls("checkout", "STATUS_CODE_UNSET"), values: "0+60x10 600x30" }] },
    { name: "steady requests", alert: "ServiceDown", evalTime: "25m", firing: [], input: [{ series: calls("checkout", "STATUS_CODE_UNSET"), values: "0+60x40" }] },
    { name: "no request for more than a day: forgotten, not down forever", alert: "ServiceDown", evalTime: "26h", firing: [], long: true,
        input: [{ series: calls("checkout", "STATUS_CODE_UNSET"), values: "0+600x2 1200x160" }] },
    { name: "node 90 % busy", alert: "HighCPUUsage", evalTime: "10m", firing: [{ instance: "node-a", node: "node-a", severity: "warning" }],
        input: [{ series: 'node_cpu_seconds_total{instance="node-a", cpu="0", mode="idle"}', values: "0+6x30" }, { series: 'node_cpu_seconds_total{instance="node-a", cpu="0", mode="user"}', values: "0+54x30" }] },
    { name: "node 10 % busy", alert: "HighCPUUsage", evalTime: "10m", firing: [],
        input: [{ series: 'node_cpu_seconds_total{instance="node-a", cpu="0", mode="idle"}', values: "0+54x30" }] },
    { name: "node memory 90 % used", alert: "HighMemoryUsage", evalTime: "10m", firing: [{ instance: "node-a", node: "node-a", severity: "critical" }],
        input: [{ series: 'node_memory_MemAvailable_bytes{instance="node-a", job="node-exporter"}', values: "10x30" }, { series: 'node_memory_MemTotal_bytes{instance="node-a", job="node-exporter"}', values: "100x30" }] },
    { name: "node memory half used", alert: "HighMemoryUsage", evalTime: "10m", firing: [],
        input: [{ series: 'node_memory_MemAvailable_bytes{instance="node-a", job="node-exporter"}', values: "50x30" }, { series: 'node_memory_MemTotal_bytes{instance="node-a", job="node-exporter"}', values: "100x30" }] },
    // ---- SLOs (prod: checkout 99.9 % available, 99 % under 400ms) ----
    { name: "10 % errors: fast burn pages (and the 6h window warns)", alert: "SLOAvailabilityBudgetBurn", input: traffic(90, 10), evalTime: "70m",
        firing: [{ ...svc, slo: "availability", window: "1h", severity: "critical" }, { ...svc, slo: "availability", window: "3d", severity: "warning" }, { ...svc, slo: "availability", window: "6h", severity: "warning" }] },
    { name: "1 % errors: slow burn over 6h warns, nothing pages", alert: "SLOAvailabilityBudgetBurn", input: traffic(990, 10), evalTime: "40m",
        firing: [{ ...svc, slo: "availability", window: "6h", severity: "warning" }] },
    { name: "0.3 % errors: the 3d window warns after an hour", alert: "SLOAvailabilityBudgetBurn", input: traffic(997, 3), evalTime: "2h",
        firing: [{ ...svc, slo: "availability", window: "3d", severity: "warning" }] },
    { name: "0.05 % errors: within budget", alert: "SLOAvailabilityBudgetBurn", input: traffic(9995, 5), evalTime: "2h", firing: [] },
    { name: "20 % slower than 400ms: latency fast burn", alert: "SLOLatencyBudgetBurn", evalTime: "70m",
        input: [{ series: bucket("checkout", "0.4"), values: "0+800x100" }, { series: bucket("checkout", "+Inf"), values: "0+1000x100" }],
        firing: [{ ...svc, slo: "latency", window: "1h", severity: "critical" }, { ...svc, slo: "latency", window: "3d", severity: "warning" }, { ...svc, slo: "latency", window: "6h", severity: "warning" }] },
    { name: "0.1 % slower than 400ms: within budget", alert: "SLOLatencyBudgetBurn", evalTime: "2h",
        input: [{ series: bucket("checkout", "0.4"), values: "0+999x400" }, { series: bucket("checkout", "+Inf"), values: "0+1000x400" }], firing: [] },
    // ---- platform ----
    ...PLATFORM.flatMap(p => [
        { name: `${p.series.split("{")[0]} grows`, alert: p.alert, input: counter(p.series, true), evalTime: p.evalTime, firing: [{ ...p.labels, severity: "warning" }] },
        { name: `${p.series.split("{")[0]} flat`, alert: p.alert, input: counter(p.series, false), evalTime: p.evalTime, firing: [] },
    ]),
    { name: "10 % of Loki pushes fail", alert: "LokiIngestionFailures", evalTime: "20m",
        firing: [{ namespace: "logging", job: "logging/loki-write", route: "loki_api_v1_push", severity: "warning" }],
        input: [{ series: 'loki_request_duration_seconds_count{namespace="logging", job="logging/loki-write", route="loki_api_v1_push", status_code="500"}', values: "0+10x30" },
            { series: 'loki_request_duration_seconds_count{namespace="logging", job="logging/loki-write", route="loki_api_v1_push", status_code="204"}', values: "0+90x30" }] },
    { name: "1 % of Loki pushes fail", alert: "LokiIngestionFailures", evalTime: "20m", firing: [],
        input: [{ series: 'loki_request_duration_seconds_count{namespace="logging", job="logging/loki-write", route="loki_api_v1_push", status_code="500"}', values: "0+1x30" },
            { series: 'loki_request_duration_seconds_count{namespace="logging", job="logging/loki-write", route="loki_api_v1_push", status_code="204"}', values: "0+99x30" }] },
];

/** promtool's series notation for an ALERTS sample. */
function alertsSeries(alert: string, labels: Record<string, string>): string {
    const all = { alertname: alert, alertstate: "firing", ...labels };
    return `ALERTS{${Object.entries(all).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}="${v}"`).join(", ")}}`;
}

function promtoolTests(cases: readonly Case[]) {
    return cases.map(c => ({
        name: `${c.alert}: ${c.name}`,
        interval: c.long ? "10m" : "1m",
        input_series: c.input,
        promql_expr_test: [{
            expr: `ALERTS{alertname="${c.alert}", alertstate="firing"}`,
            eval_time: c.evalTime,
            exp_samples: c.firing.map(l => ({ labels: alertsSeries(c.alert, l), value: 1 })),
        }],
        ...(c.firing.length === 0 ? { alert_rule_test: [{ eval_time: c.evalTime, alertname: c.alert, exp_alerts: [] }] } : {}),
    }));
}

function allAlerts(file: RuleFile): AlertingRule[] {
    return file.groups.flatMap(g => g.rules).filter((r): r is AlertingRule => "alert" in r);
}

describe("Prometheus rules (promtool)", function () {
    this.timeout(120_000);
    const objects = renderPrometheusRules(PROD);
    const file = ruleFileOf(objects);

    it("promtool check rules accepts the rules of both committed stacks", () => {
        for (const input of [PROD, DEV]) {
            const dir = tmpDir();
            fs.writeFileSync(path.join(dir, "rules.yaml"), stringify(ruleFileOf(renderPrometheusRules(input))));
            const out = mustRun("promtool", ["check", "rules", "rules.yaml"], { cwd: dir });
            assert.match(out, /SUCCESS: \d+ rules found/);
        }
    });

    it("has the design's five alerts with their thresholds, durations and severities", () => {
        const by = new Map(allAlerts(file).map(a => [a.alert, a]));
        const pick = (name: string) => { const a = by.get(name)!; return { for: a.for, severity: a.labels.severity, threshold: a.expr.split(" > ").at(-1) }; };
        assert.deepStrictEqual(pick("HighErrorRate"), { for: "2m", severity: "critical", threshold: "0.05" });
        assert.deepStrictEqual(pick("SlowResponseTime"), { for: "5m", severity: "warning", threshold: "1" });
        assert.deepStrictEqual(pick("HighCPUUsage"), { for: "5m", severity: "warning", threshold: "80" });
        assert.deepStrictEqual(pick("HighMemoryUsage"), { for: "5m", severity: "critical", threshold: "85" });
        assert.deepStrictEqual({ for: by.get("ServiceDown")!.for, severity: by.get("ServiceDown")!.labels.severity }, { for: "5m", severity: "critical" });
        for (const a of allAlerts(file)) {
            assert.strictEqual(a.annotations.runbook_url, `https://runbooks.acme.example/observability/${a.alert}`);
            assert.ok(a.annotations.summary && a.annotations.description, a.alert);
        }
    });

    it("every alert has a firing and a silent case below, and the SLO alerts one per window", () => {
        const names = new Set(allAlerts(file).map(a => a.alert));
        for (const n of names) {
            assert.ok(CASES.some(c => c.alert === n && c.firing.length > 0), `${n} has no firing case`);
            assert.ok(CASES.some(c => c.alert === n && c.firing.length === 0), `${n} has no silent case`);
        }
        for (const b of BURN_RATE_ALERTS) assert.ok(CASES.some(c => c.firing.some(f => f.window === b.long && f.slo === "availability")), b.long);
        assert.strictEqual(names.size, 19);
    });

    it("promtool test rules: every alert and SLO rule fires on its series and stays silent on healthy ones", () => {
        const dir = tmpDir();
        fs.writeFileSync(path.join(dir, "rules.yaml"), stringify(file));
        const recording = [
            // The SLO recording rules themselves: 10 % errors over every window, the objective as a ratio.
            { expr: 'slo:sli_error:ratio_rate5m{service="checkout", slo="availability"}', value: 0.1 },
            { expr: 'slo:objective:ratio{service="checkout", slo="availability"}', value: 0.999 },
            { expr: 'slo:objective:ratio{service="checkout", slo="latency"}', value: 0.99 },
            { expr: 'service:span_error_ratio:rate5m{service="checkout"}', value: 0.1 },
        ];
        const tests = [
            ...promtoolTests(CASES),
            {
                name: "recording rules",
                interval: "1m",
                input_series: traffic(90, 10),
                promql_expr_test: recording.map(r => ({ expr: r.expr, eval_time: "70m", exp_samples: [{ labels: r.expr, value: r.value }] })),
            },
        ];
        fs.writeFileSync(path.join(dir, "tests.yaml"), stringify({ rule_files: ["rules.yaml"], evaluation_interval: "1m", tests: tests.filter((_, i) => !CASES[i]?.long) }));
        fs.writeFileSync(path.join(dir, "tests-long.yaml"), stringify({ rule_files: ["rules.yaml"], evaluation_interval: "10m", tests: promtoolTests(CASES.filter(c => c.long)) }));
        const out = mustRun("promtool", ["test", "rules", "tests.yaml", "tests-long.yaml"], { cwd: dir, timeoutMs: 90_000 });
        assert.strictEqual(out.match(/SUCCESS/g)?.length, 2, out);
    });

    it("a wrong expectation fails promtool test rules (the harness can fail)", () => {
        const dir = tmpDir();
        fs.writeFileSync(path.join(dir, "rules.yaml"), stringify(file));
        const wrong = { ...CASES[1]!, firing: [{ ...svc, severity: "critical" }] }; // 2 % errors cannot fire HighErrorRate
        fs.writeFileSync(path.join(dir, "tests.yaml"), stringify({ rule_files: ["rules.yaml"], evaluation_interval: "1m", tests: promtoolTests([wrong]) }));
        assert.throws(() => mustRun("promtool", ["test", "rules", "tests.yaml"], { cwd: dir }), /FAILED/);
    });

    it("dashboard queries parse with promtool (variables replaced by sample values)", () => {
        const dashboards = renderDashboards(PROD);
        const exprs = Object.values(dashboards).flatMap(d => dashboardQueries(d));
        assert.ok(exprs.length >= 8, `${exprs.length} queries`);
        const rules = exprs.map((e, i) => ({ record: `dashboard:query:${i}`, expr: e.replaceAll("$__rate_interval", "5m").replaceAll("$service", "checkout") }));
        const dir = tmpDir();
        fs.writeFileSync(path.join(dir, "queries.yaml"), stringify({ groups: [{ name: "dashboard-queries", rules }] }));
        mustRun("promtool", ["check", "rules", "queries.yaml"], { cwd: dir });
    });

    it("PrometheusRule specs validate against the CRD's schema", () => {
        const schema = JSON.parse(fs.readFileSync(path.join(__dirname, "fixtures", "prometheusrule-crd-schema.json"), "utf8"));
        // Kubernetes (Go) patterns may start with an inline flag, e.g. `(?i)`, which JavaScript spells as a flag.
        const regExp = Object.assign((pattern: string, flags: string) => pattern.includes("(?i)") ? new RegExp(pattern.replace("(?i)", ""), `${flags}i`) : new RegExp(pattern, flags), { code: "goRegExp" });
        const validate = new Ajv({ strict: false, allErrors: true, code: { regExp } }).compile(schema.properties.spec);
        for (const input of [PROD, DEV]) {
            for (const [name, spec] of Object.entries(renderPrometheusRules(input))) {
                assert.ok(validate(JSON.parse(JSON.stringify(spec))), `${name}: ${JSON.stringify(validate.errors)}`);
            }
        }
        // The schema can reject: a rule group without a name.
        assert.ok(!validate({ groups: [{ rules: [] }] }));
    });
});
