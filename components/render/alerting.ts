/**
 * What the alerting renderers (Alertmanager config, Prometheus rules, dashboards) receive: plain,
 * already validated values for one environment. stacks/schema.ts's `alerting` output satisfies
 * AlertingSettings; the component layer never imports the schema.
 */
import type { Tier } from "./types";

export const SEVERITIES = ["critical", "warning", "info"] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface SloSettings {
    /** OpenTelemetry service.name (the span metrics' `service_name`). */
    readonly service: string;
    /** Percentage of requests that must succeed, e.g. 99.9. */
    readonly availability: number;
    /** Optional latency objective: `percentage` of requests faster than `threshold` (a span-metrics bucket). */
    readonly latency?: { readonly threshold: string; readonly percentage: number };
}

export interface AlertingSettings {
    readonly slack: { readonly channels: { readonly critical: string; readonly warning: string; readonly info?: string } };
    readonly pagerduty: { readonly enabled: boolean; readonly severities: readonly Severity[] };
    readonly email?: {
        readonly from: string;
        readonly smarthost: string;
        readonly username: string;
        readonly to: { readonly [S in Severity]?: readonly string[] };
    };
    readonly heartbeat: { readonly enabled: boolean };
    readonly links: { readonly grafana: string; readonly runbooks: string };
    readonly slos: readonly SloSettings[];
}

/** One environment's alerting, as every alerting renderer takes it. */
export interface AlertingInput {
    /** The stack (environment) name, e.g. "prod": the `environment` external label. */
    readonly stack: string;
    readonly tier: Tier;
    readonly alerting: AlertingSettings;
}

/** PagerDuty pages only in prod, for the configured severities (the schema also rejects PagerDuty on dev). */
export function pages(input: AlertingInput, severity: Severity): boolean {
    const pd = input.alerting.pagerduty;
    return input.tier === "prod" && pd.enabled && pd.severities.includes(severity);
}
