/**
 * Where every release lives and how the others reach it. Releases set `fullnameOverride` (or the
 * chart's equivalent) to the release name, so in-cluster service names are fixed and the
 * cross-references below (Grafana datasources, collector exporters, Alloy's Loki endpoint) hold.
 */
import { WORKLOADS } from "../defaults";
import { SIZING } from "../sizing";
import type { Tier } from "./types";

export const NAMESPACES = {
    monitoring: "monitoring",
    /** node-exporter needs hostNetwork/hostPID/hostPath, so it gets its own `privileged` namespace and `monitoring` stays `baseline`. */
    nodeExporter: "node-exporter",
    logging: WORKLOADS.loki.namespace,
    tracing: WORKLOADS.tempo.namespace,
} as const;
export type NamespaceKey = keyof typeof NAMESPACES;

/** Helm release names (also their fullnameOverride). */
export const RELEASES = {
    prometheusCrds: "prometheus-operator-crds",
    kubePrometheusStack: "kps",
    loki: "loki",
    tempo: "tempo",
    collector: "otel-gateway",
    collectorLoadBalancer: "otel-lb",
    alloy: "alloy",
} as const;

/** Fixed Grafana datasource UIDs, used by the correlation links. */
export const DATASOURCE_UIDS = { prometheus: "prometheus", loki: "loki", tempo: "tempo", alertmanager: "alertmanager" } as const;

const svc = (name: string, ns: string) => `${name}.${ns}.svc.cluster.local`;

/** In-cluster endpoints. Tempo's differ by tier: single binary in dev, tempo-distributed 2.x in prod. */
export function endpoints(tier: Tier) {
    const tempoQuery = tier === "dev" ? RELEASES.tempo : `${RELEASES.tempo}-query-frontend`;
    const tempoIngest = tier === "dev" ? RELEASES.tempo : `${RELEASES.tempo}-distributor`;
    return {
        /** Prometheus HTTP API (kube-prometheus-stack with fullnameOverride "kps"). */
        prometheus: `http://${svc(`${RELEASES.kubePrometheusStack}-prometheus`, NAMESPACES.monitoring)}:9090`,
        /**
         * Remote-write receiver of every Prometheus replica (SIZING[tier].prometheus.replicas), by
         * ordinal. The replicas do not share data: a writer aimed at the `kps-prometheus` Service
         * lands each request on one replica only, leaving every replica with gaps, so writers
         * (Tempo's metrics generator, the collector) write to each of these. Pods are
         * `prometheus-<CR name>-<i>` (CR `kps-prometheus`), addressed through the operator's
         * headless Service `prometheus-operated`.
         */
        prometheusRemoteWriteReplicas: Array.from(
            { length: SIZING[tier].prometheus.replicas },
            (_, i) => `http://prometheus-${RELEASES.kubePrometheusStack}-prometheus-${i}.${svc("prometheus-operated", NAMESPACES.monitoring)}:9090/api/v1/write`,
        ),
        alertmanager: `http://${svc(`${RELEASES.kubePrometheusStack}-alertmanager`, NAMESPACES.monitoring)}:9093`,
        /** Loki through its gateway (push: /loki/api/v1/push, OTLP: /otlp). */
        loki: `http://${svc(`${RELEASES.loki}-gateway`, NAMESPACES.logging)}:80`,
        lokiPush: `http://${svc(`${RELEASES.loki}-gateway`, NAMESPACES.logging)}:80/loki/api/v1/push`,
        /** Tempo query API (Grafana datasource). */
        tempoQuery: `http://${svc(tempoQuery, NAMESPACES.tracing)}:3200`,
        /** Tempo OTLP gRPC ingest (collector exporter; host:port, no scheme). */
        tempoOtlpGrpc: `${svc(tempoIngest, NAMESPACES.tracing)}:4317`,
        /** The collector gateway's OTLP endpoints, for applications. */
        collectorOtlpGrpc: `${svc(tier === "dev" ? RELEASES.collector : RELEASES.collectorLoadBalancer, NAMESPACES.tracing)}:4317`,
        collectorOtlpHttp: `http://${svc(tier === "dev" ? RELEASES.collector : RELEASES.collectorLoadBalancer, NAMESPACES.tracing)}:4318`,
        /** Headless service of the sampling tier, resolved by the load-balancing exporter in prod. */
        collectorSamplersHeadless: svc(`${RELEASES.collector}-headless`, NAMESPACES.tracing),
    };
}
