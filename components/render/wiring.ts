/**
 * The wiring table: every network flow the stack needs on one cluster, from whom to whom, on which
 * ports, and why. It is the single source for two consumers:
 *   - the NetworkPolicy renderer (render/networkPolicies.ts) turns each flow into an egress rule in
 *     the source namespace and an ingress rule in the destination namespace, behind a default-deny;
 *   - the manifest checks (tools/lib/checks/) require every in-cluster address a config names to be
 *     a flow of this table, and every flow's selectors and ports to match the rendered pods.
 * So a new address in a config without a flow here fails a test, and a flow here always has its
 * policy.
 *
 * Ports are the destination pods' container ports (what a NetworkPolicy matches), not Service
 * ports; `service` records the address the configs use, when there is one.
 */
import { NETWORK } from "../defaults";
import { SIZING } from "../sizing";
import { NAMESPACES, RELEASES } from "./topology";
import type { Cloud, Tier } from "./types";

export type Protocol = "TCP" | "UDP";
export interface PortSpec {
    readonly port: number;
    readonly protocol: Protocol;
}

/** Pods of the stack, by namespace and the labels every one of them carries (a matchLabels selector). */
export interface StackPods {
    readonly kind: "pods";
    /** Short name used in policy names (`<name>-ingress`, `<name>-egress`) and messages, e.g. "alloy", "loki-gateway". */
    readonly name: string;
    readonly namespace: string;
    readonly labels: Readonly<Record<string, string>>;
}

/** Any pod in any namespace (applications sending telemetry). */
export interface AnyPod {
    readonly kind: "anyPod";
}

/** Addresses outside the cluster's pod network (cloud APIs, SaaS receivers, the control plane, nodes). */
export interface External {
    readonly kind: "external";
    readonly name: string;
    readonly cidr: string;
}

export type Peer = StackPods | AnyPod | External;

export interface Flow {
    /** Unique, DNS-label safe: names the flow in its policies' purpose annotation and in findings. */
    readonly id: string;
    readonly from: StackPods | AnyPod | External;
    readonly to: StackPods | External;
    /** Destination ports; `"any"` only for Prometheus scraping a whole namespace of the stack. */
    readonly ports: readonly PortSpec[] | "any";
    /** The in-cluster address configs use for this flow: Service name, namespace and Service port. */
    readonly service?: { readonly name: string; readonly namespace: string; readonly port: number };
    readonly purpose: string;
}

const tcp = (...ports: number[]): PortSpec[] => ports.map(port => ({ port, protocol: "TCP" }));

// ---- pods, by the labels their charts put on them (checked against the rendered manifests) ----

const mon = NAMESPACES.monitoring;
const log = NAMESPACES.logging;
const tr = NAMESPACES.tracing;
const KPS = RELEASES.kubePrometheusStack;

export const PODS = {
    prometheus: { kind: "pods", name: "prometheus", namespace: mon, labels: { "app.kubernetes.io/name": "prometheus", "operator.prometheus.io/name": `${KPS}-prometheus` } },
    alertmanager: { kind: "pods", name: "alertmanager", namespace: mon, labels: { "app.kubernetes.io/name": "alertmanager", alertmanager: `${KPS}-alertmanager` } },
    grafana: { kind: "pods", name: "grafana", namespace: mon, labels: { "app.kubernetes.io/name": "grafana", "app.kubernetes.io/instance": KPS } },
    operator: { kind: "pods", name: "prometheus-operator", namespace: mon, labels: { app: "kube-prometheus-stack-operator", release: KPS } },
    admissionJobs: { kind: "pods", name: "admission-jobs", namespace: mon, labels: { "app.kubernetes.io/component": "prometheus-operator-webhook", release: KPS } },
    kubeStateMetrics: { kind: "pods", name: "kube-state-metrics", namespace: mon, labels: { "app.kubernetes.io/name": "kube-state-metrics", "app.kubernetes.io/instance": KPS } },
    loki: { kind: "pods", name: "loki", namespace: log, labels: { "app.kubernetes.io/name": "loki", "app.kubernetes.io/instance": RELEASES.loki } },
    lokiGateway: { kind: "pods", name: "loki-gateway", namespace: log, labels: { "app.kubernetes.io/name": "loki", "app.kubernetes.io/instance": RELEASES.loki, "app.kubernetes.io/component": "gateway" } },
    alloy: { kind: "pods", name: "alloy", namespace: log, labels: { "app.kubernetes.io/name": "alloy", "app.kubernetes.io/instance": RELEASES.alloy } },
    tempo: { kind: "pods", name: "tempo", namespace: tr, labels: { "app.kubernetes.io/name": "tempo", "app.kubernetes.io/instance": RELEASES.tempo } },
    collector: { kind: "pods", name: "otel-gateway", namespace: tr, labels: { "app.kubernetes.io/name": "opentelemetry-collector", "app.kubernetes.io/instance": RELEASES.collector } },
    collectorLb: { kind: "pods", name: "otel-lb", namespace: tr, labels: { "app.kubernetes.io/name": "opentelemetry-collector", "app.kubernetes.io/instance": RELEASES.collectorLoadBalancer } },
} as const satisfies Record<string, StackPods>;

/** Tempo's pods of one role: the single binary in dev, one tempo-distributed component in prod. */
export function tempoPods(tier: Tier, component: "distributor" | "query-frontend" | "metrics-generator"): StackPods {
    if (tier === "dev") return PODS.tempo;
    return { kind: "pods", name: `tempo-${component}`, namespace: tr, labels: { ...PODS.tempo.labels, "app.kubernetes.io/component": component } };
}

/** Every pod of one stack namespace (Prometheus scrapes them all). */
export function namespacePods(namespace: string): StackPods {
    return { kind: "pods", name: "all-pods", namespace, labels: {} };
}

// ---- addresses outside the pod network ----

const ANYWHERE = "0.0.0.0/0";
/**
 * The Kubernetes API server: its endpoints are control-plane addresses, not pods. On GKE (private
 * nodes) the in-cluster `kubernetes` Service points at the control plane's private endpoint inside
 * `masterIpv4CidrBlock` (NETWORK.gcpMasterCidr), so egress is narrowed to it; on EKS the endpoints are
 * ENIs in the cluster's subnets, whose range an existing VPC does not tell us, so any address.
 */
export function apiServer(cloud: Cloud): External {
    return { kind: "external", name: "kube-apiserver", cidr: cloud === "gcp" ? NETWORK.gcpMasterCidr : ANYWHERE };
}
/** S3/GCS and the cloud's token endpoints (STS for IRSA, oauth2/iamcredentials for Workload Identity): HTTPS. */
export const CLOUD_APIS: External = { kind: "external", name: "cloud-apis", cidr: ANYWHERE };
/** GKE's metadata server, which hands out Workload Identity tokens. */
export const GKE_METADATA: External = { kind: "external", name: "gke-metadata", cidr: "169.254.169.254/32" };
/** On Dataplane V2 the metadata server's traffic is served by gke-metadata-server on this link-local address. */
export const GKE_METADATA_DPV2: External = { kind: "external", name: "gke-metadata-dpv2", cidr: "169.254.169.252/32" };
/** Slack, PagerDuty and mail relays, which Alertmanager notifies. */
export const NOTIFIERS: External = { kind: "external", name: "notifiers", cidr: ANYWHERE };
/** Node addresses: the kubelet and host-network exporters Prometheus scrapes. */
export const NODES: External = { kind: "external", name: "nodes", cidr: ANYWHERE };
/** The control plane calling the operator's admission webhook (from the same ranges as apiServer). */
export function controlPlane(cloud: Cloud): External {
    return { ...apiServer(cloud), name: "control-plane" };
}

/** DNS: CoreDNS (EKS) and kube-dns (GKE) both run in kube-system with this label. */
export const DNS = {
    namespace: "kube-system",
    labels: { "k8s-app": "kube-dns" },
    ports: [{ port: 53, protocol: "UDP" }, { port: 53, protocol: "TCP" }] as readonly PortSpec[],
} as const;

/**
 * Services that exist at run time without any chart rendering them; the checks resolve addresses
 * and ServiceMonitors against these as if rendered. Each with its reason.
 */
export interface RuntimeService {
    readonly name: string;
    readonly namespace: string;
    /** The Service's own labels (what ServiceMonitors select). */
    readonly labels: Readonly<Record<string, string>>;
    readonly ports: readonly { readonly name: string; readonly port: number; readonly targetPort: number; readonly protocol: Protocol }[];
    /** Pods selected by the Service, or the addresses outside the pod network its endpoints are. */
    readonly endpoints: { readonly selector: Readonly<Record<string, string>> } | External;
    /** Headless with per-pod DNS names `<podPrefix><CR name>-<ordinal>.<service>` (operator StatefulSets). */
    readonly pods?: { readonly owner: "Prometheus" | "Alertmanager"; readonly podPrefix: string };
    readonly reason: string;
}

export function runtimeServices(cloud: Cloud): RuntimeService[] {
    return [
    {
        name: "prometheus-operated", namespace: mon, labels: { "operated-prometheus": "true" },
        ports: [{ name: "web", port: 9090, targetPort: 9090, protocol: "TCP" }],
        endpoints: { selector: { "app.kubernetes.io/name": "prometheus" } },
        pods: { owner: "Prometheus", podPrefix: "prometheus-" },
        reason: "created by the Prometheus operator for every namespace with a Prometheus; its per-pod DNS names let writers remote-write to each replica (topology endpoints().prometheusRemoteWriteReplicas)",
    },
    {
        name: "alertmanager-operated", namespace: mon, labels: { "operated-alertmanager": "true" },
        ports: [
            { name: "web", port: 9093, targetPort: 9093, protocol: "TCP" },
            { name: "tcp-mesh", port: 9094, targetPort: 9094, protocol: "TCP" },
            { name: "udp-mesh", port: 9094, targetPort: 9094, protocol: "UDP" },
        ],
        endpoints: { selector: { "app.kubernetes.io/name": "alertmanager" } },
        pods: { owner: "Alertmanager", podPrefix: "alertmanager-" },
        reason: "created by the Prometheus operator for every namespace with an Alertmanager; the replicas find each other through it (cluster peers on 9094)",
    },
    {
        name: "kubelet", namespace: "kube-system", labels: { "app.kubernetes.io/name": "kubelet", "k8s-app": "kubelet" },
        ports: [{ name: "https-metrics", port: 10250, targetPort: 10250, protocol: "TCP" }],
        endpoints: NODES,
        reason: "maintained by the Prometheus operator (--kubelet-service=kube-system/kubelet) with every node's address; kps's kubelet ServiceMonitor scrapes it",
    },
    {
        name: "kubernetes", namespace: "default", labels: { component: "apiserver", provider: "kubernetes" },
        ports: [{ name: "https", port: 443, targetPort: 443, protocol: "TCP" }],
        endpoints: apiServer(cloud),
        reason: "the API server's own Service, present in every cluster; kps's apiserver ServiceMonitor scrapes it",
    },
    ];
}

/**
 * Pods an operator creates from a custom resource (the StatefulSets behind the Prometheus and
 * Alertmanager CRs): their labels and container ports, as the operator sets them, for the checks
 * and the policy evaluation. `labels` hold for a CR named `crName`.
 */
export const RUNTIME_PODS = [
    { owner: "Prometheus", crName: `${KPS}-prometheus`, namespace: mon,
        labels: { "app.kubernetes.io/name": "prometheus", "operator.prometheus.io/name": `${KPS}-prometheus`, "app.kubernetes.io/instance": `${KPS}-prometheus`, "app.kubernetes.io/managed-by": "prometheus-operator", prometheus: `${KPS}-prometheus` },
        ports: [{ name: "web", port: 9090, protocol: "TCP" }, { name: "reloader-web", port: 8080, protocol: "TCP" }] },
    { owner: "Alertmanager", crName: `${KPS}-alertmanager`, namespace: mon,
        labels: { "app.kubernetes.io/name": "alertmanager", alertmanager: `${KPS}-alertmanager`, "app.kubernetes.io/instance": `${KPS}-alertmanager`, "app.kubernetes.io/managed-by": "prometheus-operator" },
        ports: [{ name: "http-web", port: 9093, protocol: "TCP" }, { name: "mesh-tcp", port: 9094, protocol: "TCP" }, { name: "mesh-udp", port: 9094, protocol: "UDP" }, { name: "reloader-web", port: 8080, protocol: "TCP" }] },
] as const;

export interface WiringFacts {
    readonly tier: Tier;
    readonly cloud: Cloud;
}

/** The namespaces of the stack that get a default-deny and the allows below. */
export function stackNamespaces(): string[] {
    return Object.values(NAMESPACES);
}

/** Every flow of one cluster. */
export function wiring(facts: WiringFacts): Flow[] {
    const { tier, cloud } = facts;
    const prod = tier === "prod";
    const svc = (name: string, namespace: string, port: number) => ({ name, namespace, port });
    const tempoIngest = tempoPods(tier, "distributor");
    const tempoQuery = tempoPods(tier, "query-frontend");
    const tempoIngestSvc = prod ? `${RELEASES.tempo}-distributor` : RELEASES.tempo;
    const tempoQuerySvc = prod ? `${RELEASES.tempo}-query-frontend` : RELEASES.tempo;
    const entry = prod ? PODS.collectorLb : PODS.collector;
    const entrySvc = prod ? RELEASES.collectorLoadBalancer : RELEASES.collector;
    const writers = prod ? [PODS.collector, PODS.collectorLb] : [PODS.collector];
    const lokiPush = svc(`${RELEASES.loki}-gateway`, log, 80);
    const remoteWrite = svc("prometheus-operated", mon, 9090);

    const flows: Flow[] = [
        // ---- telemetry in ----
        { id: "apps-to-collector", from: { kind: "anyPod" }, to: entry, ports: tcp(4317, 4318), service: svc(entrySvc, tr, 4317),
            purpose: "applications in any namespace send OTLP (gRPC 4317, HTTP 4318) to the collector's entry tier" },
        ...(prod ? [{ id: "otel-lb-to-otel-gateway", from: PODS.collectorLb, to: PODS.collector, ports: tcp(4317), service: svc(`${RELEASES.collector}-headless`, tr, 4317),
            purpose: "load_balancing exporter routes spans by trace ID to each sampler pod (headless Service)" } as Flow] : []),
        // ---- logs ----
        { id: "alloy-to-loki-gateway", from: PODS.alloy, to: PODS.lokiGateway, ports: tcp(8080), service: lokiPush,
            purpose: "Alloy's loki.write pushes container logs" },
        ...writers.map((w): Flow => ({ id: `${w.name}-to-loki-gateway`, from: w, to: PODS.lokiGateway, ports: tcp(8080), service: lokiPush,
            purpose: "collector's otlp_http/loki exporter sends OTLP logs to Loki's native endpoint" })),
        // ---- traces ----
        { id: "otel-gateway-to-tempo", from: PODS.collector, to: tempoIngest, ports: tcp(4317), service: svc(tempoIngestSvc, tr, 4317),
            purpose: "sampled traces over OTLP gRPC to Tempo's distributor" },
        // ---- metrics ----
        ...writers.map((w): Flow => ({ id: `${w.name}-to-prometheus`, from: w, to: PODS.prometheus, ports: tcp(9090), service: remoteWrite,
            purpose: "OTLP metrics remote-written to every Prometheus replica" })),
        { id: "prometheus-to-alertmanager", from: PODS.prometheus, to: PODS.alertmanager, ports: tcp(9093), service: svc(`${KPS}-alertmanager`, mon, 9093),
            purpose: "Prometheus sends alerts (Prometheus CR alerting.alertmanagers)" },
        ...(SIZING[tier].alertmanager.replicas > 1 ? [{ id: "alertmanager-mesh", from: PODS.alertmanager, to: PODS.alertmanager,
            ports: [{ port: 9094, protocol: "TCP" }, { port: 9094, protocol: "UDP" }], service: svc("alertmanager-operated", mon, 9094),
            purpose: "Alertmanager replicas gossip silences and notification state" } as Flow] : []),
        // ---- Grafana's datasources ----
        { id: "grafana-to-prometheus", from: PODS.grafana, to: PODS.prometheus, ports: tcp(9090), service: svc(`${KPS}-prometheus`, mon, 9090), purpose: "Prometheus datasource" },
        { id: "grafana-to-alertmanager", from: PODS.grafana, to: PODS.alertmanager, ports: tcp(9093), service: svc(`${KPS}-alertmanager`, mon, 9093), purpose: "Alertmanager datasource" },
        { id: "grafana-to-loki-gateway", from: PODS.grafana, to: PODS.lokiGateway, ports: tcp(8080), service: lokiPush, purpose: "Loki datasource" },
        { id: "grafana-to-tempo", from: PODS.grafana, to: tempoQuery, ports: tcp(3200), service: svc(tempoQuerySvc, tr, 3200), purpose: "Tempo datasource" },
        // ---- inside one release: memberlist, gRPC between components, caches, the gateway ----
        { id: "loki-internal", from: PODS.loki, to: PODS.loki, ports: tcp(3100, 9095, 7946, 11211, 8080),
            purpose: "Loki components: HTTP 3100, gRPC 9095, memberlist 7946, memcached 11211, gateway/canary 8080" },
        // dev's single binary talks to itself only.
        ...(prod ? [{ id: "tempo-internal", from: PODS.tempo, to: PODS.tempo, ports: tcp(3200, 9095, 7946, 11211),
            purpose: "Tempo components: HTTP 3200, gRPC 9095, memberlist 7946, memcached 11211" } as Flow] : []),
        // ---- Prometheus scrapes ----
        ...stackNamespaces().map((ns): Flow => ({ id: `prometheus-scrapes-${ns}`, from: PODS.prometheus, to: namespacePods(ns), ports: "any",
            purpose: `Prometheus scrapes every pod's metrics port in ${ns} (ServiceMonitors, PodMonitors)` })),
        { id: "prometheus-scrapes-coredns", from: PODS.prometheus, to: { kind: "pods", name: "coredns", namespace: DNS.namespace, labels: DNS.labels }, ports: tcp(9153),
            purpose: "CoreDNS metrics (kps coreDns ServiceMonitor)" },
        { id: "prometheus-scrapes-nodes", from: PODS.prometheus, to: NODES, ports: tcp(10250, 9100, 10249),
            purpose: "kubelet/cAdvisor 10250, node-exporter 9100 and kube-proxy 10249 listen on node addresses (host network)" },
        // ---- the API server ----
        ...[PODS.operator, PODS.admissionJobs, PODS.kubeStateMetrics, PODS.prometheus, PODS.grafana, PODS.alloy, ...writers].map((p): Flow => ({
            id: `${p.name}-to-apiserver`, from: p, to: apiServer(cloud), ports: tcp(443),
            purpose: {
                "prometheus-operator": "reconciles CRs into StatefulSets, Secrets, Services",
                "admission-jobs": "create and patch the webhook certificate",
                "kube-state-metrics": "lists and watches every object it reports",
                prometheus: "Kubernetes service discovery for ServiceMonitors and PodMonitors",
                grafana: "the datasource/dashboard sidecars watch ConfigMaps",
                alloy: "discovers pods and tails their logs (loki.source.kubernetes)",
                "otel-gateway": "k8s_attributes watches pods",
                "otel-lb": "k8s_attributes watches pods",
            }[p.name] ?? "API access",
        })),
        { id: "apiserver-to-operator-webhook", from: controlPlane(cloud), to: PODS.operator, ports: tcp(10250),
            purpose: "admission webhooks (PrometheusRule, AlertmanagerConfig) called by the API server" },
        // ---- object storage and cloud identity ----
        ...[PODS.loki, PODS.tempo].flatMap((p): Flow[] => [
            { id: `${p.name}-to-object-storage`, from: p, to: CLOUD_APIS, ports: tcp(443),
                purpose: cloud === "aws" ? "S3 over HTTPS, and STS AssumeRoleWithWebIdentity for IRSA" : "GCS over HTTPS, and Google's token endpoints" },
            ...(cloud === "gcp" ? [
                { id: `${p.name}-to-gke-metadata`, from: p, to: GKE_METADATA, ports: tcp(80), purpose: "Workload Identity tokens from the GKE metadata server" } as Flow,
                { id: `${p.name}-to-gke-metadata-dpv2`, from: p, to: GKE_METADATA_DPV2, ports: tcp(988), purpose: "the GKE metadata server as Dataplane V2 serves it" } as Flow,
            ] : []),
        ]),
        // ---- notifications ----
        { id: "alertmanager-to-notifiers", from: PODS.alertmanager, to: NOTIFIERS, ports: tcp(443, 587),
            purpose: "Slack webhooks and PagerDuty Events API over HTTPS 443, SMTP submission 587" },
    ];
    return flows;
}
