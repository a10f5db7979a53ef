/**
 * Alerting wired into the program: the kps release carries the generated Alertmanager config and
 * templates (and nothing of the chart's default config survives Helm's merge), PrometheusRule objects
 * and the dashboard ConfigMap per cluster with their dependencies, PagerDuty as code through an
 * explicit provider, and the offline preview's alerting files.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { renderAlertmanager, ROUTE_TIMINGS, TEMPLATE_FILE } from "../components/render/alertmanager";
import { DASHBOARD_SIDECAR_LABEL, SERVICE_HEALTH_UID } from "../components/render/dashboards";
import { MANAGED_CONTROL_PLANE } from "../components/render/kubePrometheusStack";
import { EVENTS_API_V2 } from "../components/pagerduty/onCallService";
import { alertingFiles, PROMETHEUS_RULE_TYPE } from "../tools/lib/alerting-files";
import { alertingOf } from "./lib/alerting";
import { byType, one, runStack } from "./lib/run";
import { renderReleases } from "../tools/lib/manifests";
import { SECRETS } from "../stacks/config";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const CLUSTERS: Record<string, string[]> = { dev: ["dev-gke"], prod: ["prod-eks", "prod-gke"] };

describe("alerting in the program", () => {
    for (const stack of ["dev", "prod"]) {
        describe(stack, () => {
            it("kps values carry the generated Alertmanager config and templates; managed control-plane monitors are off", async () => {
                const { records } = await runStack(stack);
                const want = renderAlertmanager(alertingOf(stack));
                for (const cluster of CLUSTERS[stack]!) {
                    const values = one(records, RELEASE, `${cluster}-obs-metrics-kps`).inputs.values as Record<string, any>;
                    assert.deepStrictEqual(values.alertmanager.config, JSON.parse(JSON.stringify(want.config)));
                    assert.deepStrictEqual(Object.keys(values.alertmanager.templateFiles), [TEMPLATE_FILE]);
                    assert.deepStrictEqual(values.alertmanager.alertmanagerSpec.secrets, ["alertmanager-receivers"]);
                    for (const k of Object.keys(MANAGED_CONTROL_PLANE)) assert.deepStrictEqual(values[k], { enabled: false }, k);
                }
            });

            it("Helm's merge with the chart's default config keeps none of the default routing", async () => {
                // kube-prometheus-stack 88.5.3's default alertmanager.config (values.yaml), as Helm merges maps.
                const chartDefault = { global: { resolve_timeout: "5m" }, inhibit_rules: [{}], route: { group_by: ["namespace"], group_wait: "30s", group_interval: "5m", repeat_interval: "12h", receiver: "null", routes: [{}] }, receivers: [{ name: "null" }], templates: ["/etc/alertmanager/config/*.tmpl"] };
                const { records } = await runStack(stack);
                const ours = (one(records, RELEASE, `${CLUSTERS[stack]![0]}-obs-metrics-kps`).inputs.values as Record<string, any>).alertmanager.config;
                const merge = (a: any, b: any): any => (a && b && typeof a === "object" && typeof b === "object" && !Array.isArray(a) && !Array.isArray(b))
                    ? Object.fromEntries([...new Set([...Object.keys(a), ...Object.keys(b)])].map(k => [k, k in b ? merge(a[k], b[k]) : a[k]]))
                    : b;
                assert.deepStrictEqual(merge(chartDefault, ours), ours);
                assert.deepStrictEqual(ours.route.group_by, [...ROUTE_TIMINGS.groupBy]);
            });

            it("PrometheusRule objects and the dashboard ConfigMap per cluster, in monitoring, waiting only for the CRDs (and their namespace)", async () => {
                const { records } = await runStack(stack);
                const byUrn = new Map(records.map(r => [r.urn, r]));
                for (const cluster of CLUSTERS[stack]!) {
                    const rules = byType(records, PROMETHEUS_RULE_TYPE).filter(r => r.name.startsWith(`${cluster}-`));
                    assert.deepStrictEqual(rules.map(r => r.name).sort(), ["obs-platform-alerts", "obs-service-alerts", "obs-slo"].map(n => `${cluster}-obs-metrics-${n}`));
                    for (const r of rules) {
                        assert.strictEqual((r.inputs as any).apiVersion, "monitoring.coreos.com/v1");
                        assert.strictEqual((r.inputs as any).metadata.namespace, "monitoring");
                        assert.deepStrictEqual(r.dependencies.map(d => byUrn.get(d)!.type).sort(), ["kubernetes:core/v1:Namespace", "kubernetes:helm.sh/v4:Chart"]);
                        assert.strictEqual(byUrn.get(r.parent)!.type, "obs:k8s:Metrics");
                    }
                    const cm = one(records, "kubernetes:core/v1:ConfigMap", `${cluster}-obs-metrics-dashboards`);
                    assert.deepStrictEqual((cm.inputs as any).metadata.labels, { [DASHBOARD_SIDECAR_LABEL.key]: DASHBOARD_SIDECAR_LABEL.value, "app.kubernetes.io/part-of": "observability" });
                    const dashboard = JSON.parse((cm.inputs as any).data[`${SERVICE_HEALTH_UID}.json`]);
                    assert.strictEqual(dashboard.title, "Service health");
                    assert.strictEqual(dashboard.uid, SERVICE_HEALTH_UID);
                    const rows = dashboard.panels.filter((p: any) => p.type === "row");
                    assert.deepStrictEqual(rows.map((p: any) => [p.title, p.repeat ?? null]), [["Service $service", "service"], ["SLOs", null]]);
                    const links = rows[0].panels.flatMap((p: any) => p.links.map((l: any) => l.title));
                    assert.ok(links.includes("Traces of this service (Tempo)") && links.includes("Logs (Loki, by app label)"), links.join(", "));
                }
            });

            it("the offline preview writes alertmanager.yaml (+ templates), prometheus-rules.yaml and dashboards per cluster", async () => {
                const { records } = await runStack(stack);
                const files = alertingFiles(records);
                for (const cluster of CLUSTERS[stack]!) {
                    const mine = files.filter(f => f.cluster === cluster).map(f => f.file).sort();
                    assert.deepStrictEqual(mine, ["alertmanager.yaml", `dashboards/${SERVICE_HEALTH_UID}.json`, TEMPLATE_FILE, "prometheus-rules.yaml"].sort());
                    const am = parse(files.find(f => f.cluster === cluster && f.file === "alertmanager.yaml")!.text);
                    assert.deepStrictEqual(am.templates, ["*.tmpl"]);
                    const rules = parse(files.find(f => f.cluster === cluster && f.file === "prometheus-rules.yaml")!.text);
                    assert.ok(rules.groups.length >= 4);
                }
            });
        });
    }

    it("prod: PagerDuty as code through an explicit provider; the escalation policy is looked up by name", async () => {
        const { records } = await runStack("prod");
        const provider = one(records, "pulumi:providers:pagerduty", "pagerduty");
        assert.deepStrictEqual(provider.secretPaths, ["token"]);
        const service = one(records, "pagerduty:index/service:Service", "pagerduty-prod-service");
        assert.strictEqual(service.inputs.name, "observability-prod");
        assert.match(String(service.inputs.escalationPolicy), /^P[0-9A-F]{6}$/);
        assert.ok(service.provider.startsWith(provider.urn));
        const integration = one(records, "pagerduty:index/serviceIntegration:ServiceIntegration", "pagerduty-prod-events-v2");
        assert.strictEqual(integration.inputs.type, EVENTS_API_V2);
        assert.ok(integration.provider.startsWith(provider.urn));
        assert.strictEqual(one(records, "obs:pagerduty:OnCallService", "pagerduty-prod").parent, "");
        // The integration key flows into each cluster's receivers Secret, which depends on the integration.
        for (const cluster of CLUSTERS.prod!) {
            const secret = one(records, "kubernetes:core/v1:Secret", `${cluster}-obs-metrics-alertmanager-receivers`);
            assert.ok(secret.dependencies.includes(integration.urn) || Object.values(secret.propertyDependencies).flat().includes(integration.urn), "Secret depends on the integration");
        }
    });

    it("dev: no PagerDuty resources at all", async () => {
        const { records } = await runStack("dev");
        assert.deepStrictEqual(records.filter(r => r.type.includes("pagerduty")), []);
    });

    it("real Helm puts exactly our config and templates into Alertmanager's config Secret; no placeholder secret in any manifest", async function () {
        this.timeout(240_000);
        const { records } = await runStack("dev");
        const rendered = await renderReleases("dev", records, () => "1.34");
        const kps = rendered.find(r => r.release === "kps")!;
        const secret = kps.objects.find(o => o.kind === "Secret" && (o.metadata as any).name === "alertmanager-kps-alertmanager") as any;
        const data = Object.fromEntries(Object.entries(secret.data as Record<string, string>).map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")]));
        const want = renderAlertmanager(alertingOf("dev"));
        assert.deepStrictEqual(Object.keys(data).sort(), ["alertmanager.yaml", TEMPLATE_FILE]);
        assert.deepStrictEqual(parse(data["alertmanager.yaml"]!), JSON.parse(JSON.stringify(want.config)));
        assert.strictEqual(data[TEMPLATE_FILE], want.templates[TEMPLATE_FILE]);
        const monitors = kps.objects.filter(o => o.kind === "ServiceMonitor").map(o => (o.metadata as any).name as string);
        assert.deepStrictEqual(monitors.filter(n => /controller-manager|scheduler|etcd|proxy/.test(n)), []);
        const secrets = SECRETS.map(s => s.placeholder);
        for (const r of rendered) for (const p of secrets) assert.ok(!r.manifest.includes(p), `${r.release} manifest holds a secret`);
    });

    it("the committed stacks document every new secret in their header", () => {
        for (const stack of ["dev", "prod"]) {
            const text = fs.readFileSync(path.join(__dirname, "..", `Pulumi.${stack}.yaml`), "utf8");
            for (const key of ["slackWebhookUrl", "smtpPassword", "heartbeatUrl", ...(stack === "prod" ? ["pagerdutyToken"] : [])]) {
                assert.ok(text.includes(`pulumi config set --secret observability:${key}`), `${stack}: ${key}`);
            }
        }
    });
});
