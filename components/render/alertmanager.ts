/**
 * Alertmanager's configuration as data, a pure function of one environment's alerting settings.
 * kube-prometheus-stack sets it through `alertmanager.config` and the templates through
 * `alertmanager.templateFiles`; the operator puts both into the Alertmanager's config Secret.
 *
 * Routing (tier × severity):
 *   prod  critical -> PagerDuty (for pagerduty.severities) + Slack critical channel + email to.critical
 *         warning  -> Slack warning channel + email to.warning
 *         info     -> Slack info channel where one is set + email to.info (nowhere when neither is set)
 *   dev   critical/warning -> their Slack channels (+ email where named); info -> the info channel,
 *         else the warning channel: everything reaches Slack, nothing pages.
 *   Watchdog -> the heartbeat receiver only; InfoInhibitor -> nowhere.
 *
 * Secrets are only ever read from files of the mounted `alertmanager-receivers` Secret
 * (`api_url_file`, `routing_key_file`, `auth_password_file`, `url_file`): the config, the Helm values
 * and every ConfigMap hold paths, never a credential.
 */
import { ALERTMANAGER_SECRET, ALERTMANAGER_SECRET_DIR } from "./kubePrometheusStack";
import { pages, type AlertingInput, type Severity, SEVERITIES } from "./alerting";
import { DATASOURCE_UIDS } from "./topology";
import { SPAN_METRICS } from "./rules";

/** Where the config finds the mounted secret files and its templates. */
export interface AlertmanagerPaths {
    readonly secretDir: string;
    readonly templateDir: string;
}

/** In the cluster: the operator mounts the Secret (alertmanagerSpec.secrets) and the config Secret's templates here. */
export const IN_CLUSTER_PATHS: AlertmanagerPaths = { secretDir: ALERTMANAGER_SECRET_DIR, templateDir: "/etc/alertmanager/config" };

/** The template file kps ships beside the config (`alertmanager.templateFiles`). */
export const TEMPLATE_FILE = "obs.tmpl";

/**
 * Grouping and timings.
 * - group_by cluster, alertname, service: one notification per failing thing per cluster; alerts
 *   of other services never hide behind an already-open group.
 * - group_wait 30s: rules evaluate every scrape interval (30s); related alerts of one incident
 *   (every pod of a service, both SLO windows) turn firing within one or two evaluations, so 30s
 *   collects them into the first notification instead of two. The seed's 10s splits them.
 * - group_interval 5m: a new alert joining an open group is reported within 5 minutes, without a
 *   message per evaluation while an incident unfolds (the seed's 10s would post every 10s).
 * - repeat_interval: critical 1h (a page still open is re-sent to Slack/email hourly; PagerDuty
 *   de-duplicates by group key), warning 4h (a working day sees it twice), info 24h.
 * - Watchdog: sent at once and every minute, so a dead man's switch with a period of a few minutes
 *   notices within minutes that Alertmanager (or Prometheus) is gone.
 */
export const ROUTE_TIMINGS = {
    groupBy: ["cluster", "alertname", "service"],
    groupWait: "30s",
    groupInterval: "5m",
    repeatInterval: { critical: "1h", warning: "4h", info: "24h" },
    heartbeat: { groupWait: "0s", groupInterval: "1m", repeatInterval: "1m" },
} as const;

/** Receiver names. */
export const RECEIVERS = { none: "null", heartbeat: "heartbeat", critical: "critical", warning: "warning", info: "info" } as const;

export interface AlertmanagerRender {
    /** The config, as `alertmanager.config` and as Alertmanager reads it. */
    readonly config: Record<string, any>;
    /** Template files by name (`alertmanager.templateFiles`), loaded through `config.templates`. */
    readonly templates: Record<string, string>;
}

/** Slack channel per severity, or undefined when the severity goes to no channel. */
export function slackChannel(input: AlertingInput, severity: Severity): string | undefined {
    const ch = input.alerting.slack.channels;
    if (severity !== "info") return ch[severity];
    return ch.info ?? (input.tier === "dev" ? ch.warning : undefined);
}

/** Which notifiers a severity reaches (for the README table, the tests and the config itself). */
export function notifiersOf(input: AlertingInput, severity: Severity): { slack?: string; pagerduty: boolean; email: readonly string[] } {
    return {
        slack: slackChannel(input, severity),
        pagerduty: pages(input, severity),
        email: input.alerting.email?.to[severity] ?? [],
    };
}

function secretFile(paths: AlertmanagerPaths, key: string): string {
    return `${paths.secretDir}/${key}`;
}

function receiverFor(input: AlertingInput, severity: Severity, paths: AlertmanagerPaths): Record<string, unknown> | undefined {
    const n = notifiersOf(input, severity);
    const r: Record<string, unknown> = { name: RECEIVERS[severity] };
    if (n.slack) {
        r.slack_configs = [{
            api_url_file: secretFile(paths, ALERTMANAGER_SECRET.slackWebhookUrlKey),
            channel: n.slack,
            send_resolved: true,
            title: '{{ template "obs.title" . }}',
            title_link: '{{ template "obs.exploreURL" . }}',
            text: '{{ template "obs.slack.text" . }}',
            color: '{{ template "obs.slack.color" . }}',
        }];
    }
    if (n.pagerduty) {
        r.pagerduty_configs = [{
            routing_key_file: secretFile(paths, ALERTMANAGER_SECRET.pagerdutyRoutingKeyKey),
            send_resolved: true,
            severity: severity,
            description: '{{ template "obs.title" . }}',
            client: `Alertmanager ${input.stack}`,
            client_url: input.alerting.links.grafana,
            links: [
                { href: '{{ template "obs.exploreURL" . }}', text: "Grafana Explore" },
                { href: '{{ template "obs.runbookURL" . }}', text: "Runbook" },
            ],
            details: {
                environment: '{{ template "obs.env" . }}',
                cluster: '{{ template "obs.cluster" . }}',
                service: '{{ template "obs.service" . }}',
                summary: '{{ template "obs.summary" . }}',
                runbook: '{{ template "obs.runbookURL" . }}',
                firing: '{{ .Alerts.Firing | len }}',
            },
        }];
    }
    const email = input.alerting.email;
    if (email && n.email.length > 0) {
        r.email_configs = [{
            to: n.email.join(", "),
            from: email.from,
            smarthost: email.smarthost,
            auth_username: email.username,
            auth_password_file: secretFile(paths, ALERTMANAGER_SECRET.smtpPasswordKey),
            require_tls: true,
            send_resolved: true,
            headers: { Subject: '{{ template "obs.title" . }}' },
            html: '{{ template "obs.email.html" . }}',
            text: '{{ template "obs.email.text" . }}',
        }];
    }
    return Object.keys(r).length > 1 ? r : undefined;
}

/** Alertmanager's config and templates for one environment (every cluster of it gets the same). */
export function renderAlertmanager(input: AlertingInput, paths: AlertmanagerPaths = IN_CLUSTER_PATHS): AlertmanagerRender {
    const receivers: Record<string, unknown>[] = [{ name: RECEIVERS.none }];
    const bySeverity = new Map<Severity, string>();
    for (const s of SEVERITIES) {
        const r = receiverFor(input, s, paths);
        if (r) receivers.push(r);
        bySeverity.set(s, r ? RECEIVERS[s] : RECEIVERS.none);
    }
    const heartbeat = input.alerting.heartbeat.enabled;
    if (heartbeat) {
        receivers.push({
            name: RECEIVERS.heartbeat,
            webhook_configs: [{ url_file: secretFile(paths, ALERTMANAGER_SECRET.heartbeatUrlKey), send_resolved: false }],
        });
    }
    const t = ROUTE_TIMINGS;
    const route = {
        // Alerts without a known severity still reach people: the warning path.
        receiver: bySeverity.get("warning")!,
        group_by: [...t.groupBy],
        group_wait: t.groupWait,
        group_interval: t.groupInterval,
        repeat_interval: t.repeatInterval.warning,
        routes: [
            {
                matchers: ['alertname="Watchdog"'],
                receiver: heartbeat ? RECEIVERS.heartbeat : RECEIVERS.none,
                group_by: ["cluster"],
                group_wait: t.heartbeat.groupWait,
                group_interval: t.heartbeat.groupInterval,
                repeat_interval: t.heartbeat.repeatInterval,
            },
            // kube-prometheus-stack's helper alert that exists only to inhibit info alerts.
            { matchers: ['alertname="InfoInhibitor"'], receiver: RECEIVERS.none },
            ...SEVERITIES.map(s => ({
                matchers: [`severity="${s}"`],
                receiver: bySeverity.get(s)!,
                repeat_interval: t.repeatInterval[s],
            })),
        ],
    };
    const inhibit_rules = [
        // A critical alert silences the warning (and info) of the same alert, cluster and service.
        { source_matchers: ['severity="critical"'], target_matchers: ['severity=~"warning|info"'], equal: ["alertname", "cluster", "service"] },
        { source_matchers: ['severity="warning"'], target_matchers: ['severity="info"'], equal: ["alertname", "cluster", "service"] },
        // A service that receives no requests explains its error rate, latency and SLO alerts.
        {
            source_matchers: ['alertname="ServiceDown"'],
            target_matchers: ['alertname=~"HighErrorRate|SlowResponseTime|SLOAvailabilityBudgetBurn|SLOLatencyBudgetBurn"'],
            equal: ["cluster", "service"],
        },
        // A node that is down or unreachable explains its CPU and memory alerts.
        {
            source_matchers: ['alertname=~"KubeNodeNotReady|KubeNodeUnreachable"'],
            target_matchers: ['alertname=~"HighCPUUsage|HighMemoryUsage"'],
            equal: ["cluster", "node"],
        },
        // A scrape target that is down explains the alerts about that job's metrics.
        {
            source_matchers: ['alertname="TargetDown"'],
            target_matchers: ['severity=~"warning|info"', 'alertname!="TargetDown"'],
            equal: ["cluster", "namespace", "job"],
        },
        // kube-prometheus-stack's InfoInhibitor: info alerts only notify alongside a warning or critical.
        { source_matchers: ['alertname="InfoInhibitor"'], target_matchers: ['severity="info"'], equal: ["cluster", "namespace"] },
    ];
    return {
        config: {
            global: { resolve_timeout: "5m" },
            route,
            inhibit_rules,
            receivers,
            templates: [`${paths.templateDir}/*.tmpl`],
        },
        templates: { [TEMPLATE_FILE]: renderTemplates(input) },
    };
}

/**
 * The notification templates. Every message carries environment, cluster, service and summary, a
 * Grafana Explore link on the service's span metrics (or on the alert series when no service is
 * involved) from an hour before the group started until now, and the runbook.
 */
export function renderTemplates(input: AlertingInput): string {
    const grafana = input.alerting.links.grafana;
    const ds = `{"type":"prometheus","uid":"${DATASOURCE_UIDS.prometheus}"}`;
    // Explore's `panes` JSON (URL-encoded by `urlquery`): %s is the service or alert name placed
    // inside the PromQL string (label values here never hold quotes), %d the start in epoch ms.
    const pane = (expr: string) => `{"a":{"datasource":"${DATASOURCE_UIDS.prometheus}","queries":[{"refId":"A","datasource":${ds},"expr":"${expr}"}],"range":{"from":"%d","to":"now"}}}`;
    const serviceExpr = `sum by (${SPAN_METRICS.statusCodeLabel}) (rate(${SPAN_METRICS.calls}{${SPAN_METRICS.serviceLabel}=\\"%s\\"}[5m]))`;
    const alertExpr = `ALERTS{alertname=\\"%s\\"}`;
    return `{{/* Generated by components/render/alertmanager.ts for ${input.stack}: do not edit. */}}
{{ define "obs.env" }}{{ with .CommonLabels.environment }}{{ . }}{{ else }}${input.stack}{{ end }}{{ end }}
{{ define "obs.cluster" }}{{ with .CommonLabels.cluster }}{{ . }}{{ else }}unknown cluster{{ end }}{{ end }}
{{ define "obs.service" }}{{ with .CommonLabels.service }}{{ . }}{{ else }}-{{ end }}{{ end }}
{{ define "obs.summary" }}{{ with .CommonAnnotations.summary }}{{ . }}{{ else }}{{ with index .Alerts 0 }}{{ .Annotations.summary }}{{ end }}{{ end }}{{ end }}
{{ define "obs.runbookURL" }}{{ with .CommonAnnotations.runbook_url }}{{ . }}{{ else }}${input.alerting.links.runbooks}/{{ .CommonLabels.alertname }}{{ end }}{{ end }}
{{ define "obs.exploreURL" }}${grafana}/explore?schemaVersion=1&orgId=1&panes={{ if .CommonLabels.service }}{{ printf \`${pane(serviceExpr)}\` .CommonLabels.service ((index .Alerts 0).StartsAt.Add -3600000000000).UnixMilli | urlquery }}{{ else }}{{ printf \`${pane(alertExpr)}\` .CommonLabels.alertname ((index .Alerts 0).StartsAt.Add -3600000000000).UnixMilli | urlquery }}{{ end }}{{ end }}
{{ define "obs.title" }}[{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ .Alerts.Firing | len }}{{ end }}] {{ .CommonLabels.alertname }} · {{ template "obs.service" . }} · {{ template "obs.cluster" . }} ({{ template "obs.env" . }}){{ end }}
{{ define "obs.slack.color" }}{{ if eq .Status "resolved" }}good{{ else if eq .CommonLabels.severity "critical" }}danger{{ else }}warning{{ end }}{{ end }}
{{ define "obs.slack.text" }}*Environment:* {{ template "obs.env" . }}   *Cluster:* {{ template "obs.cluster" . }}   *Service:* {{ template "obs.service" . }}   *Severity:* {{ .CommonLabels.severity }}
*Summary:* {{ template "obs.summary" . }}
{{ range .Alerts }}• {{ if eq .Status "firing" }}:red_circle:{{ else }}:white_check_mark:{{ end }} {{ .Annotations.summary }}{{ with .Annotations.description }}
    {{ . }}{{ end }}
{{ end }}<{{ template "obs.exploreURL" . }}|Grafana Explore> · <{{ template "obs.runbookURL" . }}|Runbook>{{ end }}
{{ define "obs.email.text" }}Environment: {{ template "obs.env" . }}
Cluster: {{ template "obs.cluster" . }}
Service: {{ template "obs.service" . }}
Severity: {{ .CommonLabels.severity }}
Summary: {{ template "obs.summary" . }}

{{ range .Alerts }}- [{{ .Status }}] {{ .Annotations.summary }} (since {{ .StartsAt.Format "2006-01-02 15:04:05 MST" }})
  {{ .Annotations.description }}
{{ end }}
Grafana Explore: {{ template "obs.exploreURL" . }}
Runbook: {{ template "obs.runbookURL" . }}
{{ end }}
{{ define "obs.email.html" }}<html><body>
<h2>{{ template "obs.title" . }}</h2>
<table>
<tr><th align="left">Environment</th><td>{{ template "obs.env" . }}</td></tr>
<tr><th align="left">Cluster</th><td>{{ template "obs.cluster" . }}</td></tr>
<tr><th align="left">Service</th><td>{{ template "obs.service" . }}</td></tr>
<tr><th align="left">Severity</th><td>{{ .CommonLabels.severity }}</td></tr>
<tr><th align="left">Summary</th><td>{{ template "obs.summary" . }}</td></tr>
</table>
<ul>{{ range .Alerts }}<li>[{{ .Status }}] {{ .Annotations.summary }}<br>{{ .Annotations.description }}</li>{{ end }}</ul>
<p><a href="{{ template "obs.exploreURL" . }}">Grafana Explore</a> · <a href="{{ template "obs.runbookURL" . }}">Runbook</a></p>
</body></html>{{ end }}
`;
}
