/**
 * THE list of known failures of the manifest checks: real defects of the current renderers, each
 * named, kept here (and only here) so the checks stay strict. The tests fail on any finding not
 * listed, and on any entry that no longer occurs: when a fix lands, delete its entries.
 */
import type { Finding } from "./model";

export interface KnownFailure {
    readonly check: Finding["check"];
    readonly subject: string;
    /** `<stack>/<cluster>` where it occurs, or every cluster of every stack checked. */
    readonly where: "every cluster" | readonly string[];
    readonly defect: string;
}

const RESOURCES = "missing resources (issue 6, branch fixes): containers without CPU/memory requests or a memory limit";
const SCRAPES = "kps scrapes kube-controller-manager, kube-scheduler and etcd, which managed EKS and GKE hide (issue 6, branch fixes)";
const GATEWAY = "Loki gateway: 3 replicas, required anti-affinity per node and the default surge on a 3-node pool (issue 6, branch fixes)";

/** Prod clusters with nodePool.min 3 (the committed prod stack and the AWS-only test stack). */
const PROD_MIN3 = ["prod/prod-eks", "prod/prod-gke", "aws-only/ops-eks"];
/** Clusters whose pool may shrink to 1 node: the one dev gateway replica plus its surge pod cannot both place. */
const MIN1 = ["gcp-only/ops-gke", "multi/dev-gke", "multi/dev-eks"];

export const KNOWN_FAILURES: readonly KnownFailure[] = [
    { check: "rollout", subject: "loki/Deployment/loki-gateway", where: [...PROD_MIN3, ...MIN1], defect: GATEWAY },
    ...[
        "alloy/DaemonSet/alloy/config-reloader",
        "kps/DaemonSet/kps-prometheus-node-exporter/node-exporter",
        "kps/Deployment/kps-kube-state-metrics/kube-state-metrics",
        "kps/StatefulSet/kps-grafana/grafana-sc-dashboard",
        "kps/StatefulSet/kps-grafana/grafana-sc-datasources",
        "kps/Job/kps-admission-create/create",
        "kps/Job/kps-admission-patch/patch",
        "loki/Deployment/loki-gateway/exporter",
        "loki/StatefulSet/loki-chunks-cache/exporter",
        "loki/StatefulSet/loki-results-cache/exporter",
    ].map((subject): KnownFailure => ({ check: "resources", subject, where: "every cluster", defect: RESOURCES })),
    { check: "resources", subject: "loki/StatefulSet/loki/loki-sc-rules", where: ["dev/dev-gke", "gcp-only/ops-gke", "multi/dev-gke", "multi/dev-eks", "multi/dev-eks-132"], defect: `${RESOURCES}; the dev Loki's rules sidecar (also the reason for Loki's ClusterRole on Secrets)` },
    { check: "resources", subject: "tempo/StatefulSet/tempo-memcached/memcached", where: PROD_MIN3, defect: RESOURCES },
    ...["kps-kube-controller-manager", "kps-kube-etcd", "kps-kube-scheduler"].map((sm): KnownFailure => ({ check: "network-policy", subject: `kps/ServiceMonitor/${sm}`, where: "every cluster", defect: SCRAPES })),
];

export function isKnown(f: Finding, known: readonly KnownFailure[] = KNOWN_FAILURES): KnownFailure | undefined {
    return known.find(k => k.check === f.check && k.subject === f.subject && (k.where === "every cluster" || k.where.includes(`${f.stack}/${f.cluster}`)));
}
