import * as assert from "assert";
import {
    ALERTMANAGER_SECRET,
    ALERTMANAGER_SECRET_DIR,
    ALERTMANAGER_SECRET_FILES,
    EXEMPLAR_TRACE_ID_LABEL,
    GRAFANA_ADMIN_SECRET,
    PROMETHEUS_OPERATOR_CRDS,
    PROMETHEUS_OUT_OF_ORDER_TIME_WINDOW,
    renderKubePrometheusStackValues,
    renderPrometheusCrdsValues,
    TRACES_TO_LOGS_QUERY,
    TRACES_TO_METRICS_QUERIES,
} from "../components/render/kubePrometheusStack";
import { ALLOY_LOG_LABELS, ALLOY_STRUCTURED_METADATA } from "../components/render/alloy";
import { endpoints } from "../components/render/topology";
import type { RenderInput, Tier, Cloud } from "../components/render/types";
import { EXEMPLARS_MAX_SIZE, SIZING } from "../components/sizing";
import { CHARTS } from "../components/versions";
import { at, unknownKeys } from "./lib/chart-keys";

const DAY = 86_400_000;

function fixture(tier: Tier, cloud: Cloud): RenderInput {
    const aws = cloud === "aws";
    const ann = (sa: string): Record<string, string> =>
        aws ? { "eks.amazonaws.com/role-arn": `arn:aws:iam::123456789012:role/${sa}` } : { "iam.gke.io/gcp-service-account": `${sa}@proj.iam.gserviceaccount.com` };
    return {
        stack: `${tier}-${cloud}`,
        tier,
        cluster: { name: `obs-${tier}-${cloud}`, cloud, region: aws ? "eu-west-1" : "europe-west1" },
        retention: { metricsMs: tier === "dev" ? 15 * DAY : 90 * DAY, logsMs: 7 * DAY, tracesMs: 3 * DAY },
        sampling: { percentage: 10, latencyThresholdMs: 2000 },
        scrapeInterval: tier === "dev" ? "30s" : "15s",
        storage: {
            type: aws ? "s3" : "gcs",
            region: aws ? "eu-west-1" : "europe-west1",
            buckets: { lokiChunks: "chunks", lokiRuler: "ruler", tempo: "traces" },
        },
        identities: {
            loki: { namespace: "logging", serviceAccount: "loki", annotations: ann("loki") },
            tempo: { namespace: "tracing", serviceAccount: "tempo", annotations: ann("tempo") },
        },
    };
}

const devGcp = fixture("dev", "gcp");
const prodAws = fixture("prod", "aws");
const ALL = [devGcp, prodAws, fixture("dev", "aws"), fixture("prod", "gcp")];

/** The additional Grafana datasource with this UID. */
function datasource(values: unknown, uid: string): unknown {
    const list = at(values, "grafana.additionalDataSources") as unknown[];
    const ds = list.find(d => at(d, "uid") === uid);
    assert.ok(ds, `datasource ${uid} missing`);
    return ds;
}

interface Tag { readonly key: string; readonly value?: string }

describe("kube-prometheus-stack values", () => {
    for (const input of ALL) {
        it(`sets only keys the pinned chart defines (${input.stack})`, () => {
            // The subcharts' own values.yaml define the keys under `grafana.`, `kube-state-metrics.` and
            // `prometheus-node-exporter.` besides kps's overrides.
            const subcharts = { grafana: "grafana", "kube-state-metrics": "kube-state-metrics", "prometheus-node-exporter": "prometheus-node-exporter" };
            assert.deepStrictEqual(unknownKeys(renderKubePrometheusStackValues(input), "kube-prometheus-stack", { subcharts }), []);
        });
    }

    for (const [input, tier] of [[devGcp, "dev"], [prodAws, "prod"]] as const) {
        describe(`${input.stack}`, () => {
            const v = renderKubePrometheusStackValues(input);
            const spec = (p: string) => at(v, `prometheus.prometheusSpec.${p}`);

            it("names services after the release and leaves CRDs to their own release", () => {
                assert.strictEqual(at(v, "fullnameOverride"), "kps");
                assert.strictEqual(at(v, "crds.enabled"), false);
            });

            it("sizes Prometheus, keeps its data and retention", () => {
                assert.strictEqual(spec("retention"), tier === "dev" ? "15d" : "90d");
                // dev: 15d at 30s fits the tier's 18GiB. prod here scrapes every 15s: 90d × 350k series × 5760
                // samples/day × 2 B = 338 GiB, so the size follows the retention (sizing.ts prometheusDisk).
                assert.strictEqual(spec("retentionSize"), tier === "dev" ? "18GiB" : "338GiB");
                assert.deepStrictEqual(spec("storageSpec"), {
                    volumeClaimTemplate: { spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: tier === "dev" ? "20Gi" : "376Gi" } } } },
                });
                assert.strictEqual(spec("replicas"), tier === "dev" ? 1 : 2);
                assert.deepStrictEqual(spec("resources"), tier === "dev"
                    ? { requests: { cpu: "200m", memory: "1Gi" }, limits: { memory: "2Gi" } }
                    : { requests: { cpu: "1", memory: "8Gi" }, limits: { memory: "12Gi" } });
                assert.strictEqual(spec("scrapeInterval"), input.scrapeInterval);
                assert.strictEqual(spec("evaluationInterval"), input.scrapeInterval);
            });

            it("stores exemplars and accepts remote write", () => {
                assert.deepStrictEqual(spec("enableFeatures"), ["exemplar-storage"]);
                assert.strictEqual(spec("exemplars.maxSize"), EXEMPLARS_MAX_SIZE[tier]);
                assert.strictEqual(spec("enableRemoteWriteReceiver"), true);
            });

            it("accepts out-of-order samples from several remote writers, within 5m", () => {
                assert.strictEqual(PROMETHEUS_OUT_OF_ORDER_TIME_WINDOW, "5m");
                assert.deepStrictEqual(spec("tsdb"), { outOfOrderTimeWindow: "5m" });
            });

            it("selects monitors and rules from every release", () => {
                for (const kind of ["serviceMonitor", "podMonitor", "rule", "probe", "scrapeConfig"]) {
                    assert.strictEqual(spec(`${kind}SelectorNilUsesHelmValues`), false, kind);
                    assert.strictEqual(spec(`${kind}Selector`), undefined, `${kind}Selector stays at the chart's {}`);
                }
            });

            it("labels the cluster and environment", () => {
                assert.deepStrictEqual(spec("externalLabels"), { cluster: input.cluster.name, environment: input.stack });
            });

            it("sizes Alertmanager and mounts the receiver secret", () => {
                const am = (p: string) => at(v, `alertmanager.alertmanagerSpec.${p}`);
                assert.strictEqual(am("replicas"), tier === "dev" ? 1 : 3);
                assert.deepStrictEqual(am("resources.requests"), tier === "dev" ? { cpu: "20m", memory: "64Mi" } : { cpu: "50m", memory: "128Mi" });
                assert.strictEqual(am("storage.volumeClaimTemplate.spec.resources.requests.storage"), tier === "dev" ? "1Gi" : "5Gi");
                assert.deepStrictEqual(am("secrets"), ["alertmanager-receivers"]);
                assert.strictEqual(at(v, "alertmanager.config"), undefined);
            });

            it("sizes the operator", () => {
                assert.deepStrictEqual(at(v, "prometheusOperator.resources.limits"), { memory: tier === "dev" ? "256Mi" : "512Mi" });
            });

            it("runs one Grafana (per-replica SQLite), persisted, with admin credentials from the Secret", () => {
                assert.strictEqual(SIZING[tier].grafana.replicas, 1);
                assert.strictEqual(at(v, "grafana.replicas"), 1);
                assert.deepStrictEqual(at(v, "grafana.resources.requests"), tier === "dev" ? { cpu: "50m", memory: "256Mi" } : { cpu: "200m", memory: "512Mi" });
                assert.deepStrictEqual(at(v, "grafana.persistence"), { enabled: true, type: "sts", size: tier === "dev" ? "5Gi" : "10Gi" });
                assert.strictEqual(at(v, "grafana.initChownData.enabled"), false);
                assert.deepStrictEqual(at(v, "grafana.admin"), { existingSecret: "grafana-admin", userKey: "admin-user", passwordKey: "admin-password" });
                assert.strictEqual(at(v, "grafana.adminPassword"), undefined);
                assert.ok(!JSON.stringify(v).includes("adminPassword"));
            });

            it("links Prometheus exemplars to Tempo on the default datasource", () => {
                const ds = (p: string) => at(v, `grafana.sidecar.datasources.${p}`);
                assert.strictEqual(ds("uid"), "prometheus");
                // prometheus_remote_write labels exemplars `trace_id` (span_metrics' and applications');
                // kps renders a single destination, so that is the one linked.
                assert.strictEqual(EXEMPLAR_TRACE_ID_LABEL, "trace_id");
                assert.deepStrictEqual(ds("exemplarTraceIdDestinations"), { datasourceUid: "tempo", traceIdLabelName: "trace_id", urlDisplayLabel: "View trace" });
                assert.strictEqual(ds("alertmanager.uid"), "alertmanager");
            });

            it("provisions Loki with trace-ID links to Tempo", () => {
                const loki = datasource(v, "loki");
                assert.strictEqual(at(loki, "type"), "loki");
                assert.strictEqual(at(loki, "url"), "http://loki-gateway.logging.svc.cluster.local:80");
                const [meta, line] = at(loki, "jsonData.derivedFields") as unknown[];
                assert.deepStrictEqual(meta, { datasourceUid: "tempo", url: "$${__value.raw}", urlDisplayLabel: "View trace", name: "TraceID", matcherType: "label", matcherRegex: "trace_id" });
                // The label matcher names the structured-metadata key Alloy writes.
                assert.ok((ALLOY_STRUCTURED_METADATA as readonly string[]).includes(at(meta, "matcherRegex") as string));
                assert.strictEqual(at(line, "datasourceUid"), "tempo");
                assert.strictEqual(at(line, "url"), "$${__value.raw}");
                assert.strictEqual(at(line, "matcherType"), "regex");
                const re = new RegExp(at(line, "matcherRegex") as string);
                assert.strictEqual(re.exec("level=info msg=ok trace_id=4bf92f3577b34da6a3ce929d0e0e4736 x=1")?.[1], "4bf92f3577b34da6a3ce929d0e0e4736");
                assert.strictEqual(re.exec('{"msg":"ok","trace_id": "0af7651916cd43dd8448eb211c80319c"}')?.[1], "0af7651916cd43dd8448eb211c80319c");
                assert.strictEqual(re.exec("no trace here"), null);
            });

            it("provisions Tempo with logs, metrics, service map and node graph", () => {
                const tempo = datasource(v, "tempo");
                const j = (p: string) => at(tempo, `jsonData.${p}`);
                assert.strictEqual(at(tempo, "type"), "tempo");
                assert.strictEqual(at(tempo, "url"), tier === "dev"
                    ? "http://tempo.tracing.svc.cluster.local:3200"
                    : "http://tempo-query-frontend.tracing.svc.cluster.local:3200");
                // Stream selector from the pod's namespace/pod (Alloy's labels), then a structured-metadata
                // filter on trace_id; "$$" is provisioning's escape for a literal "$".
                assert.deepStrictEqual(j("tracesToLogsV2"), {
                    datasourceUid: "loki",
                    spanStartTimeShift: "-5m",
                    spanEndTimeShift: "5m",
                    tags: [{ key: "k8s.namespace.name", value: "namespace" }, { key: "k8s.pod.name", value: "pod" }],
                    customQuery: true,
                    query: '{$${__tags}} | trace_id="$${__span.traceId}"',
                });
                assert.strictEqual(TRACES_TO_LOGS_QUERY, j("tracesToLogsV2.query"));
                // What Grafana runs once provisioning has turned "$$" into "$" and filled in the tags.
                const provisioned = (j("tracesToLogsV2.query") as string).split("$$").join("$");
                const tags = (j("tracesToLogsV2.tags") as Tag[]).map(t => `${t.value}="x"`).join(", ");
                assert.strictEqual(
                    provisioned.replace("${__tags}", tags).replace("${__span.traceId}", "4bf92f3577b34da6a3ce929d0e0e4736"),
                    '{namespace="x", pod="x"} | trace_id="4bf92f3577b34da6a3ce929d0e0e4736"',
                );
                // The labels exist on Alloy's streams and trace_id is its structured metadata.
                for (const t of j("tracesToLogsV2.tags") as Tag[]) assert.ok((ALLOY_LOG_LABELS as readonly string[]).includes(t.value ?? ""), t.key);
                assert.ok((ALLOY_STRUCTURED_METADATA as readonly string[]).includes("trace_id"));
                assert.strictEqual(j("tracesToMetrics.datasourceUid"), "prometheus");
                // The collector's span_metrics series, labelled service_name (TRACE_METRICS).
                assert.deepStrictEqual(j("tracesToMetrics.tags"), [{ key: "service.name", value: "service_name" }]);
                assert.deepStrictEqual(j("tracesToMetrics.queries"), [
                    { name: "Request rate", query: "sum by (span_name) (rate(traces_span_metrics_calls_total{$$__tags}[5m]))" },
                    { name: "Error rate", query: 'sum by (span_name) (rate(traces_span_metrics_calls_total{status_code="STATUS_CODE_ERROR", $$__tags}[5m]))' },
                    { name: "p95 latency", query: "histogram_quantile(0.95, sum by (le, span_name) (rate(traces_span_metrics_duration_seconds_bucket{$$__tags}[5m])))" },
                ]);
                assert.deepStrictEqual(TRACES_TO_METRICS_QUERIES, j("tracesToMetrics.queries"));
                assert.deepStrictEqual(j("serviceMap"), { datasourceUid: "prometheus" });
                assert.deepStrictEqual(j("nodeGraph"), { enabled: true });
                assert.deepStrictEqual(j("lokiSearch"), { datasourceUid: "loki" });
            });

            it("keeps datasources free of Helm template syntax (kps passes them through tpl)", () => {
                assert.ok(!JSON.stringify(at(v, "grafana.additionalDataSources")).includes("{{"));
            });

            it(tier === "prod" ? "adds PodDisruptionBudgets to the replicated workloads" : "adds no PodDisruptionBudgets", () => {
                const on = tier === "prod";
                assert.strictEqual(at(v, "prometheus.podDisruptionBudget.enabled"), on);
                assert.strictEqual(at(v, "alertmanager.podDisruptionBudget.enabled"), on);
                // Single-replica Grafana in both tiers: a minAvailable 1 budget would block every node drain.
                assert.strictEqual(at(v, "grafana.podDisruptionBudget"), undefined);
                // Single-replica operator: a budget would block every node drain.
                assert.strictEqual(at(v, "prometheusOperator.podDisruptionBudget"), undefined);
            });

            it("scrapes no control-plane component the managed cluster hides", () => {
                for (const c of ["kubeControllerManager", "kubeScheduler", "kubeEtcd", "kubeProxy"]) assert.deepStrictEqual(at(v, c), { enabled: false }, c);
                assert.strictEqual(at(v, "defaultRules"), undefined, "the component switches alone remove their rule groups");
            });
        });
    }
});

describe("Prometheus-operator CRDs release", () => {
    it("pins the CRDs chart to the operator version kube-prometheus-stack ships", () => {
        assert.deepStrictEqual(PROMETHEUS_OPERATOR_CRDS, {
            chart: "prometheus-operator-crds",
            repo: "https://prometheus-community.github.io/helm-charts",
            version: "31.0.1",
            appVersion: "v0.93.1",
        });
        assert.strictEqual(PROMETHEUS_OPERATOR_CRDS.appVersion, CHARTS.kubePrometheusStack.appVersion, "bump the CRDs chart with kps");
    });

    it("keeps the CRDs when the release goes away", () => {
        assert.deepStrictEqual(renderPrometheusCrdsValues(), { crds: { annotations: { "helm.sh/resource-policy": "keep" } } });
    });
});

describe("secrets and addresses for other components", () => {
    it("names the Secrets and where Alertmanager sees them", () => {
        assert.deepStrictEqual(GRAFANA_ADMIN_SECRET, { name: "grafana-admin", userKey: "admin-user", passwordKey: "admin-password", user: "admin" });
        assert.deepStrictEqual(ALERTMANAGER_SECRET, { name: "alertmanager-receivers", slackWebhookUrlKey: "slack-webhook-url", pagerdutyRoutingKeyKey: "pagerduty-routing-key",
            smtpPasswordKey: "smtp-password", heartbeatUrlKey: "heartbeat-url" });
        assert.strictEqual(ALERTMANAGER_SECRET_DIR, "/etc/alertmanager/secrets/alertmanager-receivers");
        assert.deepStrictEqual(ALERTMANAGER_SECRET_FILES, {
            slackWebhookUrl: "/etc/alertmanager/secrets/alertmanager-receivers/slack-webhook-url",
            pagerdutyRoutingKey: "/etc/alertmanager/secrets/alertmanager-receivers/pagerduty-routing-key",
            smtpPassword: "/etc/alertmanager/secrets/alertmanager-receivers/smtp-password",
            heartbeatUrl: "/etc/alertmanager/secrets/alertmanager-receivers/heartbeat-url",
        });
    });

    it("lists one remote-write URL per Prometheus replica (topology endpoints)", () => {
        assert.deepStrictEqual(endpoints("dev").prometheusRemoteWriteReplicas, [
            "http://prometheus-kps-prometheus-0.prometheus-operated.monitoring.svc.cluster.local:9090/api/v1/write",
        ]);
        assert.deepStrictEqual(endpoints("prod").prometheusRemoteWriteReplicas, [
            "http://prometheus-kps-prometheus-0.prometheus-operated.monitoring.svc.cluster.local:9090/api/v1/write",
            "http://prometheus-kps-prometheus-1.prometheus-operated.monitoring.svc.cluster.local:9090/api/v1/write",
        ]);
    });
});
