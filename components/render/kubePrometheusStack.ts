/**
 * Helm values for kube-prometheus-stack 88.5.3 (Prometheus, Alertmanager, the operator, and Grafana
 * as its subchart) and for the separate Prometheus-operator CRDs release it depends on.
 *
 * Key names are checked against the pinned chart's default values, read from the vendored package
 * charts/kube-prometheus-stack-<version>.tgz (and its `grafana` subchart inside it), by
 * test/render-kps.test.ts.
 */
import { formatDuration, parseDuration } from "../duration";
import { EXEMPLARS_MAX_SIZE, HELPER_RESOURCES, prometheusDisk, resourceValues, SIZING, type WorkloadSizing } from "../sizing";
import { CHARTS, type ChartSource } from "../versions";
import { TRACE_METRICS } from "./collector";
import { DATASOURCE_UIDS, NAMESPACES, RELEASES, endpoints } from "./topology";
import type { RenderInput, Tier } from "./types";
import type { AlertmanagerRender } from "./alertmanager";

// ---- CRDs release ----

/** The CRDs release (pinned in versions.ts with its evidence). kps runs with `crds.enabled: false`. */
export const PROMETHEUS_OPERATOR_CRDS: ChartSource = CHARTS.prometheusOperatorCrds;

/**
 * Values of the CRDs release. Its CRDs are ordinary templates, so uninstalling or replacing the
 * release would delete them, and with them every Prometheus, Alertmanager, ServiceMonitor and
 * PrometheusRule in the cluster (including those of the Loki/Tempo/Collector releases).
 * `helm.sh/resource-policy: keep` (rendered into every CRD by `crds.annotations`) makes Helm leave
 * them in place.
 */
export function renderPrometheusCrdsValues(): Record<string, unknown> {
    return { crds: { annotations: { "helm.sh/resource-policy": "keep" } } };
}

// ---- Secrets the component creates (never in values) ----

/**
 * Grafana's admin credentials. The component creates this Secret in the monitoring namespace with
 * `user` under `userKey` and a generated password under `passwordKey`; Grafana reads it through
 * `admin.existingSecret`, so no password ever appears in values (and the chart does not generate
 * its own admin Secret).
 */
export const GRAFANA_ADMIN_SECRET = { name: "grafana-admin", userKey: "admin-user", passwordKey: "admin-password", user: "admin" } as const;

/**
 * Alertmanager receiver credentials (the stack's `slackWebhookUrl`, `pagerdutyRoutingKey` or the
 * managed integration's key, `smtpPassword`, `heartbeatUrl` secrets). The component creates it in
 * the monitoring namespace, each key only when the environment uses it.
 */
export const ALERTMANAGER_SECRET = {
    name: "alertmanager-receivers",
    slackWebhookUrlKey: "slack-webhook-url",
    pagerdutyRoutingKeyKey: "pagerduty-routing-key",
    smtpPasswordKey: "smtp-password",
    heartbeatUrlKey: "heartbeat-url",
} as const;

/**
 * Where the operator mounts ALERTMANAGER_SECRET in the Alertmanager pods
 * (`alertmanagerSpec.secrets` mounts each Secret at /etc/alertmanager/secrets/<name>/).
 */
export const ALERTMANAGER_SECRET_DIR = `/etc/alertmanager/secrets/${ALERTMANAGER_SECRET.name}`;

/**
 * The mounted files, for the alert-routing config: Slack `api_url_file` and PagerDuty
 * `routing_key_file` read credentials from files, so they stay out of the Alertmanager config.
 */
export const ALERTMANAGER_SECRET_FILES = {
    slackWebhookUrl: `${ALERTMANAGER_SECRET_DIR}/${ALERTMANAGER_SECRET.slackWebhookUrlKey}`,
    pagerdutyRoutingKey: `${ALERTMANAGER_SECRET_DIR}/${ALERTMANAGER_SECRET.pagerdutyRoutingKeyKey}`,
    smtpPassword: `${ALERTMANAGER_SECRET_DIR}/${ALERTMANAGER_SECRET.smtpPasswordKey}`,
    heartbeatUrl: `${ALERTMANAGER_SECRET_DIR}/${ALERTMANAGER_SECRET.heartbeatUrlKey}`,
} as const;

// ---- Prometheus settings ----

/**
 * `prometheusSpec.tsdb.outOfOrderTimeWindow` (chart default `0s`: out-of-order samples rejected).
 * Several collector replicas (samplers and, in prod, load balancers) remote-write, each with its
 * own batching and retries, so samples of one series can arrive slightly behind ones already
 * written and would be dropped with "out of order sample". Prometheus accepts samples up to this
 * far behind the newest sample of the TSDB head; 5m covers batch delays and a few retry rounds
 * without keeping a large out-of-order head in memory.
 */
export const PROMETHEUS_OUT_OF_ORDER_TIME_WINDOW = "5m";

// ---- values ----


/** The workload's PersistentVolume size; SIZING gives one to every workload rendered with a volume here. */
function storageOf(w: WorkloadSizing, workload: string): string {
    if (!w.storage) throw new Error(`SIZING has no storage size for ${workload}`);
    return w.storage;
}

function volumeClaimTemplate(storage: string): Record<string, unknown> {
    return { volumeClaimTemplate: { spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage } } } } };
}

/**
 * PodDisruptionBudgets in prod only, and only for workloads with more than one replica: a
 * `minAvailable: 1` budget over a single pod forbids every eviction and blocks node drains and
 * managed node-pool upgrades. That rules out the operator (always one replica; the chart has no
 * replica count for it): a short operator outage only delays reconciliation.
 */
function wantsPdb(tier: Tier, replicas: number): boolean {
    return SIZING[tier].podDisruptionBudgets && replicas > 1;
}

/**
 * Label that carries the trace ID on the exemplars the default Prometheus datasource links to
 * Tempo. kps renders `sidecar.datasources.exemplarTraceIdDestinations` as a ONE-entry
 * `exemplarTraceIdDestinations` list (its Grafana datasource template wraps the single map in
 * `list (dict ...)`), so only one label name can link. `trace_id` is what the collector's
 * prometheus_remote_write exporter writes on exemplars: those of the span_metrics connector (the
 * RED metrics, TRACE_METRICS in render/collector.ts) and those applications attach to their own
 * OTLP metrics, so both link.
 */
export const EXEMPLAR_TRACE_ID_LABEL = TRACE_METRICS.exemplarTraceIdLabel;

/**
 * Span -> RED metrics of its service (Grafana's Tempo datasource `tracesToMetrics`), from the
 * collector's span_metrics series (TRACE_METRICS). `$$__tags` becomes `service_name="<service>"`
 * (the tag mapping below); it goes last so the trailing comma PromQL accepts is left when empty.
 * `$$` is Grafana provisioning's escape for a literal `$`.
 */
export const TRACES_TO_METRICS_QUERIES = (() => {
    const m = TRACE_METRICS;
    const by = `sum by (${m.labels.spanName})`;
    return [
        { name: "Request rate", query: `${by} (rate(${m.calls}{$$__tags}[5m]))` },
        { name: "Error rate", query: `${by} (rate(${m.calls}{${m.labels.statusCode}="${m.errorStatus}", $$__tags}[5m]))` },
        { name: "p95 latency", query: `histogram_quantile(0.95, sum by (le, ${m.labels.spanName}) (rate(${m.durationBucket}{$$__tags}[5m])))` },
    ];
})();

/**
 * Components the cloud runs and hides on managed clusters (EKS, GKE: every cluster here). The
 * control plane's controller manager, scheduler and etcd are not reachable from the nodes, and
 * kube-proxy serves its metrics on 127.0.0.1:10249 on both clouds (GKE with Dataplane V2 runs none).
 * Scraping them only yields `up == 0`, and their default alerts (KubeControllerManagerDown,
 * KubeSchedulerDown, etcdMembersDown, KubeProxyDown, ...) would fire forever. `enabled: false`
 * removes the scrape Service, the ServiceMonitor, the rule groups and the dashboards: the chart
 * renders each rule group only when both the component and its `defaultRules.rules.<group>` switch
 * are on, so the component switch alone is enough (setting both would make the rules switch a key
 * that changes nothing).
 */
export const MANAGED_CONTROL_PLANE_COMPONENTS = ["kubeControllerManager", "kubeScheduler", "kubeEtcd", "kubeProxy"] as const;

/**
 * Trace -> logs query for Grafana's Tempo datasource (`tracesToLogsV2.query`, with `customQuery`).
 * `${__tags}` becomes the stream selector built from TRACES_TO_LOGS_TAGS; `${__span.traceId}` is
 * matched against the `trace_id` structured metadata Alloy attaches to parsed JSON lines: a label
 * filter on structured metadata, not a line filter (what `filterByTraceID` adds), because Alloy
 * keeps the ID in metadata and the line may not contain it. Every `$` is doubled: Grafana's
 * provisioning expands $VAR / ${VAR} from the environment and turns "$$" into a literal "$".
 */
export const TRACES_TO_LOGS_QUERY = '{$${__tags}} | trace_id="$${__span.traceId}"';

/**
 * Span resource attributes -> Loki stream labels for TRACES_TO_LOGS_QUERY. The collector's
 * k8s_attributes processor sets k8s.namespace.name and k8s.pod.name on every span it can attribute
 * to a pod (render/collector.ts); Alloy labels each stream `namespace` and `pod`. Nothing else: an
 * attribute mapped to a label the stream does not carry (e.g. service.name -> app on a pod without
 * an app label) matches no stream at all.
 * Grafana leaves attributes the span lacks out of the selector (a span with neither gets `{}`,
 * which Loki rejects: only spans the collector could not attribute to a pod). OTLP logs the
 * collector sends to Loki carry Loki's OTLP labels (k8s_namespace_name, k8s_pod_name) instead, so
 * this link finds the container output Alloy ships, not OTLP log records.
 */
export const TRACES_TO_LOGS_TAGS = [
    { key: "k8s.namespace.name", value: "namespace" },
    { key: "k8s.pod.name", value: "pod" },
] as const;

/** Grafana datasources for Loki and Tempo, wired to each other and to Prometheus by fixed UIDs. */
function additionalDataSources(tier: Tier): Record<string, unknown>[] {
    const ep = endpoints(tier);
    // Grafana's provisioning expands $VAR / ${VAR} from the environment: "$$" is a literal "$".
    const traceIdLink = { datasourceUid: DATASOURCE_UIDS.tempo, url: "$${__value.raw}", urlDisplayLabel: "View trace" };
    const loki = {
        name: "Loki",
        type: "loki",
        uid: DATASOURCE_UIDS.loki,
        access: "proxy",
        url: ep.loki,
        jsonData: {
            derivedFields: [
                // OTLP logs (and lines Alloy parses) carry trace_id as structured metadata, not in the
                // line; a `label` matcher reads it by name from the entry's labels and structured metadata.
                { ...traceIdLink, name: "TraceID", matcherType: "label", matcherRegex: "trace_id" },
                // Otherwise from the line itself: logfmt `trace_id=…` or JSON `"trace_id": "…"`.
                { ...traceIdLink, name: "TraceID (line)", matcherType: "regex", matcherRegex: '(?:trace_id=|"trace_id"\\s*:\\s*")(\\w+)' },
            ],
        },
    };
    const tempo = {
        name: "Tempo",
        type: "tempo",
        uid: DATASOURCE_UIDS.tempo,
        access: "proxy",
        url: ep.tempoQuery,
        jsonData: {
            /**
             * Span -> its pod's log lines of that trace (TRACES_TO_LOGS_QUERY). With `customQuery`
             * the filterByTraceID/filterBySpanID switches are ignored, so they are not set: the
             * query itself filters on the trace_id structured metadata.
             */
            tracesToLogsV2: {
                datasourceUid: DATASOURCE_UIDS.loki,
                spanStartTimeShift: "-5m",
                spanEndTimeShift: "5m",
                tags: TRACES_TO_LOGS_TAGS.map(t => ({ ...t })),
                customQuery: true,
                query: TRACES_TO_LOGS_QUERY,
            },
            /** Span -> RED metrics of its service, from the collector's span_metrics (TRACES_TO_METRICS_QUERIES). */
            tracesToMetrics: {
                datasourceUid: DATASOURCE_UIDS.prometheus,
                spanStartTimeShift: "-5m",
                spanEndTimeShift: "5m",
                tags: [{ key: "service.name", value: TRACE_METRICS.labels.service }],
                queries: TRACES_TO_METRICS_QUERIES.map(q => ({ ...q })),
            },
            /** The service map reads the servicegraph connector's traces_service_graph_* series here. */
            serviceMap: { datasourceUid: DATASOURCE_UIDS.prometheus },
            nodeGraph: { enabled: true },
            lokiSearch: { datasourceUid: DATASOURCE_UIDS.loki },
        },
    };
    return [loki, tempo];
}

/**
 * EKS and GKE run the control plane out of reach: the controller manager, scheduler and etcd cannot
 * be scraped, and kube-proxy binds its metrics to 127.0.0.1 (EKS) or does not run (GKE Dataplane
 * V2). Left enabled, their ServiceMonitors and default rules (KubeControllerManagerDown,
 * KubeSchedulerDown, KubeProxyDown, etcd*) fire forever on a healthy cluster; disabling a component
 * also drops its rules and dashboards.
 */
export const MANAGED_CONTROL_PLANE: Readonly<Record<(typeof MANAGED_CONTROL_PLANE_COMPONENTS)[number], { readonly enabled: false }>> =
    Object.fromEntries(MANAGED_CONTROL_PLANE_COMPONENTS.map(c => [c, { enabled: false }])) as never;

/**
 * kube-prometheus-stack values for one cluster. `alerting` (render/alertmanager.ts) becomes
 * `alertmanager.config` and `alertmanager.templateFiles`; without it the chart's default config
 * (everything to its 'null' receiver) stays.
 */
export function renderKubePrometheusStackValues(input: RenderInput, alerting?: AlertmanagerRender): Record<string, unknown> {
    const { tier } = input;
    const size = SIZING[tier];

    const disk = prometheusDisk(tier, input.retention.metricsMs, parseDuration(input.scrapeInterval)!);
    const prometheusSpec = {
        replicas: size.prometheus.replicas,
        resources: resourceValues(size.prometheus.resources),
        /**
         * Retention by age (config) and by size, below the volume size so the disk never fills. The
         * size follows the retention (sizing.ts prometheusDisk), so the size cap never cuts it short.
         */
        retention: formatDuration(input.retention.metricsMs),
        retentionSize: disk.retentionSize,
        /** Default `{}` means emptyDir: metrics would not survive a pod restart. */
        storageSpec: volumeClaimTemplate(disk.storage),
        scrapeInterval: input.scrapeInterval,
        evaluationInterval: input.scrapeInterval,
        /** Exemplars (trace IDs on samples) are still behind a feature flag in Prometheus 3.x. */
        enableFeatures: ["exemplar-storage"],
        exemplars: { maxSize: EXEMPLARS_MAX_SIZE[tier] },
        tsdb: { outOfOrderTimeWindow: PROMETHEUS_OUT_OF_ORDER_TIME_WINDOW },
        /**
         * The collector pushes span/service-graph metrics and applications' OTLP metrics here, to
         * every replica (topology endpoints().prometheusRemoteWriteReplicas).
         */
        enableRemoteWriteReceiver: true,
        /** Attached to alerts (and anything leaving this Prometheus), so routing can tell clusters apart. */
        externalLabels: { cluster: input.cluster.name, environment: input.stack },
        /**
         * Upstream default `true` only selects objects labelled `release: <this release>`; `false`
         * with the default `{}` selectors (and namespace selectors) picks up every ServiceMonitor,
         * PodMonitor, Probe, ScrapeConfig and PrometheusRule in the cluster, e.g. Loki's and Tempo's.
         */
        serviceMonitorSelectorNilUsesHelmValues: false,
        podMonitorSelectorNilUsesHelmValues: false,
        ruleSelectorNilUsesHelmValues: false,
        probeSelectorNilUsesHelmValues: false,
        scrapeConfigSelectorNilUsesHelmValues: false,
    };

    const alertmanagerSpec = {
        replicas: size.alertmanager.replicas,
        resources: resourceValues(size.alertmanager.resources),
        /** Silences and notification log survive restarts. */
        storage: volumeClaimTemplate(storageOf(size.alertmanager, "alertmanager")),
        /** Mounted at ALERTMANAGER_SECRET_DIR; the Secret must exist before the pods start. */
        secrets: [ALERTMANAGER_SECRET.name],
    };

    const grafana = {
        replicas: size.grafana.replicas,
        resources: resourceValues(size.grafana.resources),
        /**
         * `type: sts` renders a StatefulSet with one volume per replica. The chart's default `pvc`
         * type shares one ReadWriteOnce claim across a Deployment, which cannot attach on a second
         * node and deadlocks rolling updates. The volume holds Grafana's SQLite database, which is
         * per replica: several replicas behind one Service would log users out at random, so SIZING
         * runs one replica in every tier (and wantsPdb then renders no Grafana PDB) until Grafana
         * gets a shared database.
         */
        persistence: { enabled: true, type: "sts", size: storageOf(size.grafana, "grafana") },
        /** The volume is already group-owned via the pod's fsGroup (472); skips a root init container. */
        initChownData: { enabled: false },
        admin: {
            existingSecret: GRAFANA_ADMIN_SECRET.name,
            userKey: GRAFANA_ADMIN_SECRET.userKey,
            passwordKey: GRAFANA_ADMIN_SECRET.passwordKey,
        },
        sidecar: {
            /** Shared by the dashboards and datasources sidecar containers. */
            resources: resourceValues(HELPER_RESOURCES.grafanaSidecar),
            datasources: {
                /**
                 * The chart-provisioned default Prometheus datasource, pinned to topology's UID. Its
                 * URL is derived by the chart: http://kps-prometheus.<release namespace>:9090/.
                 */
                uid: DATASOURCE_UIDS.prometheus,
                /** Exemplar dots link to the trace in Tempo (one label only, see EXEMPLAR_TRACE_ID_LABEL). */
                exemplarTraceIdDestinations: { datasourceUid: DATASOURCE_UIDS.tempo, traceIdLabelName: EXEMPLAR_TRACE_ID_LABEL, urlDisplayLabel: "View trace" },
                alertmanager: { uid: DATASOURCE_UIDS.alertmanager },
            },
        },
        /** Appended by kps to the same provisioned datasource file (`tpl`-safe: no `{{`). */
        additionalDataSources: additionalDataSources(tier),
        ...(wantsPdb(tier, size.grafana.replicas) ? { podDisruptionBudget: { minAvailable: 1 } } : {}),
    };

    return {
        /** Service names (kps-prometheus, kps-alertmanager) must match topology.ts endpoints. */
        fullnameOverride: RELEASES.kubePrometheusStack,
        /** CRDs come from their own release (PROMETHEUS_OPERATOR_CRDS), installed first. */
        crds: { enabled: false },
        prometheusOperator: {
            resources: resourceValues(size.prometheusOperator.resources),
            /** `patch.resources` sizes both certificate Jobs (admission-create and admission-patch). */
            admissionWebhooks: { patch: { resources: resourceValues(HELPER_RESOURCES.admissionJobs) } },
        },
        prometheus: {
            /** Chart default `minAvailable: 1`. */
            podDisruptionBudget: { enabled: wantsPdb(tier, size.prometheus.replicas) },
            prometheusSpec,
        },
        alertmanager: {
            podDisruptionBudget: { enabled: wantsPdb(tier, size.alertmanager.replicas) },
            alertmanagerSpec,
            // Every top-level key of the chart's default config is set, so Helm's merge keeps none of it.
            ...(alerting ? { config: alerting.config, templateFiles: alerting.templates } : {}),
        },
        grafana,
        /** Out of `monitoring`, which then needs no more than the `baseline` Pod Security level. */
        "prometheus-node-exporter": { namespaceOverride: NAMESPACES.nodeExporter, resources: resourceValues(HELPER_RESOURCES.nodeExporter) },
        "kube-state-metrics": { resources: resourceValues(HELPER_RESOURCES.kubeStateMetrics) },
        ...MANAGED_CONTROL_PLANE,
    };
}
