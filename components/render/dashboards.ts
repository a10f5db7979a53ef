/**
 * Grafana dashboards as data, built with the Grafana Foundation SDK. The component provisions each
 * one as a ConfigMap labelled for the Grafana dashboard sidecar of kube-prometheus-stack
 * (`grafana.sidecar.dashboards`: label `grafana_dashboard: "1"`, enabled by default), so Grafana
 * loads it without any Helm value.
 *
 * "Service health": RED per service (rate, error ratio, p95 from the collector's span metrics, one
 * row per service), SLO error budget left over 30 days and burn rate, and links to each service's
 * traces (Tempo) and logs (Loki) in Explore.
 */
import {
    DashboardBuilder, DashboardCursorSync, DashboardLinkBuilder, DashboardLinkType, defaultFieldConfig, defaultFieldConfigSource,
    PanelBuilder, QueryVariableBuilder, RowBuilder, VariableRefresh,
} from "@grafana/grafana-foundation-sdk/dashboard";
import {
    BigValueColorMode, BigValueGraphMode, BigValueJustifyMode, BigValueTextMode, defaultGraphFieldConfig, defaultReduceDataOptions,
    defaultVizTooltipOptions, LegendDisplayMode, LegendPlacement, PercentChangeColorMode, VizOrientation,
} from "@grafana/grafana-foundation-sdk/common";
import type { Builder, Dataquery } from "@grafana/grafana-foundation-sdk/cog";
import type { Dataquery as PrometheusQuery } from "@grafana/grafana-foundation-sdk/prometheus";
import type { Options as StatOptions } from "@grafana/grafana-foundation-sdk/stat";
import type { FieldConfig as TimeseriesFieldConfig, Options as TimeseriesOptions } from "@grafana/grafana-foundation-sdk/timeseries";
import type { AlertingInput } from "./alerting";
import { BURN_RATE_ALERTS, RECORDS, SLO_COMPLIANCE_WINDOW, SPAN_METRICS } from "./rules";
import { DATASOURCE_UIDS } from "./topology";

/** The sidecar's label (kube-prometheus-stack's `grafana.sidecar.dashboards.label` / `labelValue` defaults). */
export const DASHBOARD_SIDECAR_LABEL = { key: "grafana_dashboard", value: "1" } as const;

export const SERVICE_HEALTH_UID = "obs-service-health";

const PROMETHEUS = { type: "prometheus", uid: DATASOURCE_UIDS.prometheus };

/** A Grafana Explore URL for one datasource and query; `${…}` variables stay readable for Grafana to interpolate. */
export function exploreUrl(datasource: { type: string; uid: string }, query: Record<string, unknown>): string {
    const panes = { a: { datasource: datasource.uid, queries: [{ refId: "A", datasource, ...query }], range: { from: "${__from}", to: "${__to}" } } };
    return `/explore?schemaVersion=1&orgId=1&panes=${encodeURIComponent(JSON.stringify(panes)).replace(/%24%7B(.+?)%7D/g, "$${$1}")}`;
}

/**
 * A Prometheus query target, typed by the SDK's own Prometheus `Dataquery`. The SDK's
 * `DataqueryBuilder` builds the same object, but its module loads the dashboard v2 schemas
 * (≈130 files, ~90 ms of every preview and `pulumi up`) for nothing the v1 dashboards use.
 */
class PromQuery implements Builder<Dataquery> {
    private readonly query: PrometheusQuery;
    constructor(expr: string, legend: string) {
        // Keys in the order the SDK's builder sets them, so the dashboard JSON is the same byte for byte.
        this.query = { expr, _implementsDataqueryVariant: () => {}, datasource: PROMETHEUS, legendFormat: legend };
    }
    refId(refId: string): this {
        this.query.refId = refId;
        return this;
    }
    /** An instant query (the SDK's `instant()`: instant on, range off). */
    instant(): this {
        this.query.instant = true;
        this.query.range = false;
        return this;
    }
    build(): PrometheusQuery {
        return this.query;
    }
}

/*
 * Stat and time series panels. The SDK's `stat` and `timeseries` modules hold their PanelBuilders,
 * but loading either loads the dashboard v2 schemas too (≈130 files, ~70 ms of every preview and
 * `pulumi up`) for nothing the v1 dashboards use. So the panels are the dashboard module's generic
 * PanelBuilder with the plugin's type and the plugin builders' defaults, typed by the plugins' own
 * `Options` and `FieldConfig` (type-only imports, nothing loaded). test/dashboards.test.ts holds them
 * equal to what the SDK's plugin builders build, so an SDK upgrade that changes a default fails there.
 */

/** A stat panel: what the SDK's `stat.PanelBuilder` starts from. */
export function statPanel(): PanelBuilder {
    const options: StatOptions = {
        graphMode: BigValueGraphMode.Area,
        colorMode: BigValueColorMode.Value,
        justifyMode: BigValueJustifyMode.Auto,
        textMode: BigValueTextMode.Auto,
        wideLayout: true,
        showPercentChange: false,
        reduceOptions: defaultReduceDataOptions(),
        percentChangeColorMode: PercentChangeColorMode.Standard,
        orientation: VizOrientation.Auto,
    };
    return new PanelBuilder().type("stat").options(options);
}

/** A time series panel: what the SDK's `timeseries.PanelBuilder` starts from. */
export function timeseriesPanel(): PanelBuilder {
    const options: TimeseriesOptions = {
        legend: { displayMode: LegendDisplayMode.List, placement: LegendPlacement.Bottom, showLegend: false, calcs: [] },
        tooltip: defaultVizTooltipOptions(),
    };
    const custom: TimeseriesFieldConfig = defaultGraphFieldConfig();
    return new PanelBuilder().type("timeseries").options(options)
        .fieldConfig({ ...defaultFieldConfigSource(), defaults: { ...defaultFieldConfig(), custom } });
}

/** A Prometheus target on the Prometheus datasource, with its legend (no refId unless set: Grafana assigns one). */
export function prom(expr: string, legend: string): PromQuery {
    return new PromQuery(expr, legend);
}

const sel = (svc: string) => `${SPAN_METRICS.serviceLabel}="${svc}", ${SPAN_METRICS.spanKindLabel}=~"${SPAN_METRICS.requestSpanKinds.join("|")}"`;

/** Links from a service's panels to its traces and logs. */
function serviceLinks(svcVar: string) {
    const traces = exploreUrl({ type: "tempo", uid: DATASOURCE_UIDS.tempo }, { queryType: "traceql", query: `{resource.service.name="${svcVar}"}` });
    const errors = exploreUrl({ type: "tempo", uid: DATASOURCE_UIDS.tempo }, { queryType: "traceql", query: `{resource.service.name="${svcVar}" && status=error}` });
    const logs = exploreUrl({ type: "loki", uid: DATASOURCE_UIDS.loki }, { expr: `{app="${svcVar}"}` });
    return [
        new DashboardLinkBuilder("Traces of this service (Tempo)").type(DashboardLinkType.Link).url(traces).targetBlank(true),
        new DashboardLinkBuilder("Error traces (Tempo)").type(DashboardLinkType.Link).url(errors).targetBlank(true),
        new DashboardLinkBuilder("Logs (Loki, by app label)").type(DashboardLinkType.Link).url(logs).targetBlank(true),
    ];
}

/** The "Service health" dashboard as Grafana's JSON model. */
export function renderServiceHealthDashboard(input: AlertingInput): Record<string, unknown> {
    const svc = "$service";
    const rate = "$__rate_interval";
    const calls = SPAN_METRICS.calls;
    const red = new RowBuilder("Service $service").repeat("service")
        .withPanel(timeseriesPanel().title("Requests / s").unit("reqps").min(0)
            .withTarget(prom(`sum by (${SPAN_METRICS.spanKindLabel}) (rate(${calls}{${sel(svc)}}[${rate}]))`, `{{${SPAN_METRICS.spanKindLabel}}}`))
            .links(serviceLinks("${service}")).gridPos({ h: 8, w: 8, x: 0, y: 0 }))
        .withPanel(timeseriesPanel().title("Errors (share of requests)").unit("percentunit").min(0)
            .withTarget(prom(`(sum(rate(${calls}{${sel(svc)}, ${SPAN_METRICS.statusCodeLabel}="${SPAN_METRICS.errorStatus}"}[${rate}])) or vector(0)) / sum(rate(${calls}{${sel(svc)}}[${rate}]))`, "error ratio"))
            .links(serviceLinks("${service}")).gridPos({ h: 8, w: 8, x: 8, y: 0 }))
        .withPanel(timeseriesPanel().title("Duration p50 / p95 / p99").unit("s").min(0)
            .withTarget(prom(`histogram_quantile(0.5, sum by (le) (rate(${SPAN_METRICS.durationBucket}{${sel(svc)}}[${rate}])))`, "p50"))
            .withTarget(prom(`histogram_quantile(0.95, sum by (le) (rate(${SPAN_METRICS.durationBucket}{${sel(svc)}}[${rate}])))`, "p95").refId("B"))
            .withTarget(prom(`histogram_quantile(0.99, sum by (le) (rate(${SPAN_METRICS.durationBucket}{${sel(svc)}}[${rate}])))`, "p99").refId("C"))
            .links(serviceLinks("${service}")).gridPos({ h: 8, w: 8, x: 16, y: 0 }));

    const budgetBy = "on (service, slo)";
    const slo = new RowBuilder("SLOs")
        .withPanel(statPanel().title(`Error budget left (${SLO_COMPLIANCE_WINDOW})`).unit("percentunit")
            .description("1 − (errors over the window ÷ error budget), per service and SLO (availability, latency). Below 0: the objective is missed.")
            .withTarget(prom(`1 - ${RECORDS.sloErrorRatio(SLO_COMPLIANCE_WINDOW)} / ${budgetBy} (1 - ${RECORDS.sloObjective})`, "{{service}} {{slo}}").instant())
            .gridPos({ h: 6, w: 24, x: 0, y: 0 }))
        .withPanel(timeseriesPanel().title("Burn rate (1 = spending the budget exactly over 30 days)").min(0)
            .description(`Alerts: ${BURN_RATE_ALERTS.map(b => `${b.factor}× over ${b.long} and ${b.short} (${b.severity})`).join("; ")}.`)
            .withTarget(prom(`${RECORDS.sloErrorRatio("1h")} / ${budgetBy} (1 - ${RECORDS.sloObjective})`, "{{service}} {{slo}} 1h"))
            .withTarget(prom(`${RECORDS.sloErrorRatio("6h")} / ${budgetBy} (1 - ${RECORDS.sloObjective})`, "{{service}} {{slo}} 6h").refId("B"))
            .gridPos({ h: 8, w: 24, x: 0, y: 6 }));

    const builder = new DashboardBuilder("Service health")
        .uid(SERVICE_HEALTH_UID)
        .description(`RED metrics per service from span metrics, SLO budgets and burn rates (${input.stack}).`)
        .tags(["observability", "generated", input.stack])
        .editable()
        .tooltip(DashboardCursorSync.Crosshair)
        .refresh("1m")
        .time({ from: "now-6h", to: "now" })
        .timezone("browser")
        .withVariable(new QueryVariableBuilder("service").label("Service").datasource(PROMETHEUS)
            .query(`label_values(${calls}, ${SPAN_METRICS.serviceLabel})`)
            .definition(`label_values(${calls}, ${SPAN_METRICS.serviceLabel})`)
            .refresh(VariableRefresh.OnTimeRangeChanged).multi(true).includeAll(true))
        .link(new DashboardLinkBuilder("Firing alerts (Explore)").type(DashboardLinkType.Link)
            .url(exploreUrl({ type: "prometheus", uid: DATASOURCE_UIDS.prometheus }, { expr: 'ALERTS{alertstate="firing"}' })))
        .withRow(red);
    if (input.alerting.slos.length > 0) builder.withRow(slo);
    return builder.build() as unknown as Record<string, unknown>;
}

/** Every dashboard, by file name (`<uid>.json`, the ConfigMap key the sidecar writes). */
export function renderDashboards(input: AlertingInput): Record<string, Record<string, unknown>> {
    return { [`${SERVICE_HEALTH_UID}.json`]: renderServiceHealthDashboard(input) };
}

/** Every PromQL expression in a dashboard: panel targets (nested in rows) and query variables. */
export function dashboardQueries(dashboard: Record<string, any>): string[] {
    const out: string[] = [];
    const panels = (ps: any[] = []) => ps.forEach(p => {
        (p.targets ?? []).forEach((t: any) => { if (typeof t.expr === "string") out.push(t.expr); });
        panels(p.panels);
    });
    panels(dashboard.panels);
    return out;
}
