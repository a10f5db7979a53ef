/**
 * Wiring: every in-cluster address a config names resolves to a Service and port rendered in the
 * same cluster (or one an operator creates at run time, render/wiring.ts runtimeServices), that
 * Service selects pods with the target port, and the wiring table has the flow, from the pods that
 * run the config to those pods on that port, which the NetworkPolicies are rendered from.
 * The configs read are what the pods run, from the rendered objects: the collectors' `relay`
 * ConfigMaps (exporters, the load-balancing resolver), Alloy's config (loki.write), Grafana's
 * provisioned datasources, Tempo's tempo.yaml (metrics generator remote write) and the Prometheus
 * CR's Alertmanagers.
 */
import { parse } from "yaml";
import { RELEASES } from "../../../components/render/topology";
import { Flow, PODS, runtimeServices, RuntimeService, stackNamespaces, tempoPods, wiring } from "../../../components/render/wiring";
import type { ClusterManifests, Finding, PodTemplate, ServicePort } from "./model";
import { labelsMatch, podTemplates, renderedServices } from "./model";

/** One address found in a config. */
export interface ConfigAddress {
    /** Where it was read, e.g. "otel-gateway ConfigMap relay: exporters.otlp_grpc/tempo". */
    readonly config: string;
    /** Wiring-table name of the pods that run the config (a PODS entry's name). */
    readonly owner: string;
    readonly ownerNamespace: string;
    readonly host: string;
    /** Service port number, or its name (the Prometheus CR names Alertmanager ports by name). */
    readonly port: number | string;
}

const configMap = (c: ClusterManifests, release: string, name: string) =>
    c.objects.find(r => r.release === release && r.object.kind === "ConfigMap" && r.object.metadata.name === name)?.object as { data?: Record<string, string> } | undefined;

/** host and port of "http://h:p/path", "h:p" or "dns+h:p". */
export function hostPort(address: string): { host: string; port: number } | undefined {
    const m = /^(?:(https?):\/\/)?([a-z0-9.-]+)(?::(\d+))?(?:\/.*)?$/i.exec(address.replace(/^dns\+/, ""));
    if (!m) return undefined;
    const port = m[3] ? Number(m[3]) : m[1] === "https" ? 443 : m[1] === "http" ? 80 : NaN;
    return Number.isNaN(port) ? undefined : { host: m[2]!.toLowerCase(), port };
}

/** External hosts (cloud APIs): not in-cluster addresses. */
const inCluster = (host: string) => !host.includes(".") || /\.svc(\.cluster\.local)?\.?$/.test(host) || host.split(".").length === 2;

/** Every in-cluster address the configs of one cluster name. */
export function configAddresses(c: ClusterManifests): ConfigAddress[] {
    const out: ConfigAddress[] = [];
    const add = (config: string, owner: { name: string; namespace: string }, address: string) => {
        const hp = hostPort(address);
        if (!hp) throw new Error(`${c.cluster}: cannot read the address ${JSON.stringify(address)} in ${config}`);
        if (inCluster(hp.host)) out.push({ config, owner: owner.name, ownerNamespace: owner.namespace, host: hp.host, port: hp.port });
    };
    // The collectors: exporters' endpoints and the load-balancing exporter's DNS resolver.
    for (const [release, pods] of [[RELEASES.collector, PODS.collector], [RELEASES.collectorLoadBalancer, PODS.collectorLb]] as const) {
        const cm = configMap(c, release, release);
        if (!cm) continue;
        const config = parse(cm.data?.relay ?? "") as { exporters?: Record<string, { endpoint?: string; resolver?: { dns?: { hostname: string; port?: string | number } } }> };
        for (const [name, e] of Object.entries(config.exporters ?? {})) {
            const where = `${release} ConfigMap relay: exporters.${name}`;
            if (e.endpoint) add(where, pods, e.endpoint);
            if (e.resolver?.dns) add(`${where}.resolver.dns`, pods, `${e.resolver.dns.hostname}:${e.resolver.dns.port ?? 4317}`);
        }
    }
    // Alloy: every url of its config (loki.write endpoints).
    const alloy = configMap(c, RELEASES.alloy, RELEASES.alloy)?.data?.["config.alloy"];
    for (const m of alloy?.matchAll(/\burl\s*=\s*"([^"]+)"/g) ?? []) add(`${RELEASES.alloy} ConfigMap config.alloy: url`, PODS.alloy, m[1]!);
    // Grafana: every provisioned datasource.
    for (const r of c.objects.filter(x => x.object.kind === "ConfigMap" && (x.object.metadata.labels ?? {}).grafana_datasource === "1")) {
        for (const [key, text] of Object.entries((r.object as { data?: Record<string, string> }).data ?? {})) {
            for (const ds of (parse(text) as { datasources?: { name: string; url?: string }[] }).datasources ?? []) {
                if (ds.url) add(`${r.object.metadata.name} ConfigMap ${key}: datasource ${ds.name}`, PODS.grafana, ds.url);
            }
        }
    }
    // Tempo: the metrics generator's remote write.
    for (const r of c.objects.filter(x => x.release === RELEASES.tempo && x.object.kind === "ConfigMap")) {
        const text = (r.object as { data?: Record<string, string> }).data?.["tempo.yaml"];
        if (!text) continue;
        const cfg = parse(text) as { metrics_generator?: { storage?: { remote_write?: { url: string }[] } } };
        for (const w of cfg.metrics_generator?.storage?.remote_write ?? []) add(`${r.object.metadata.name} ConfigMap tempo.yaml: metrics_generator.storage.remote_write`, tempoPods(c.tier, "metrics-generator"), w.url);
    }
    // Prometheus: its Alertmanagers (Service name, namespace, port by name).
    for (const r of c.objects.filter(x => x.object.kind === "Prometheus")) {
        const ams = ((r.object.spec as { alerting?: { alertmanagers?: { name: string; namespace?: string; port: string | number }[] } }).alerting?.alertmanagers ?? []);
        for (const am of ams) {
            out.push({ config: `Prometheus ${r.object.metadata.name}: spec.alerting.alertmanagers`, owner: PODS.prometheus.name, ownerNamespace: PODS.prometheus.namespace,
                host: `${am.name}.${am.namespace ?? r.object.metadata.namespace}.svc`, port: am.port });
        }
    }
    return out;
}

/** A Service as the checks see it, rendered or created at run time. */
interface AnyService {
    readonly name: string;
    readonly namespace: string;
    readonly ports: readonly ServicePort[];
    readonly selector?: Readonly<Record<string, string>>;
    readonly headless: boolean;
    readonly runtime?: RuntimeService;
}

function services(c: ClusterManifests): AnyService[] {
    return [
        ...renderedServices(c),
        ...runtimeServices(c.cloud).map(s => ({ name: s.name, namespace: s.namespace, ports: s.ports, selector: "selector" in s.endpoints ? s.endpoints.selector : undefined, headless: true, runtime: s })),
    ];
}

export interface Resolved {
    readonly service: AnyService;
    readonly servicePort: ServicePort;
    readonly pods: readonly PodTemplate[];
    /** The container port the Service forwards to. */
    readonly targetPort: number;
}

/** Resolves `<svc>`, `<svc>.<ns>`, `<svc>.<ns>.svc[.cluster.local]` or `<pod>.<svc>.<ns>.svc…` to a Service, port and pods, or says why not. */
export function resolve(c: ClusterManifests, a: ConfigAddress): Resolved | string {
    const parts = a.host.replace(/\.$/, "").replace(/\.svc(\.cluster\.local)?$/, "").split(".");
    const [pod, name, namespace] = parts.length === 1 ? [undefined, parts[0]!, a.ownerNamespace]
        : parts.length === 2 ? [undefined, parts[0]!, parts[1]!]
        : parts.length === 3 ? [parts[0]!, parts[1]!, parts[2]!] : [undefined, "", ""];
    if (!name) return `${a.host} is not a Service address`;
    const service = services(c).find(s => s.name === name && s.namespace === namespace);
    if (!service) return `no Service ${namespace}/${name} is rendered in cluster ${c.cluster} (nor created at run time: render/wiring.ts runtimeServices)`;
    const servicePort = service.ports.find(p => (typeof a.port === "number" ? p.port === a.port : p.name === a.port));
    if (!servicePort) return `Service ${namespace}/${name} has no port ${a.port} (it has ${service.ports.map(p => `${p.name ?? ""}:${p.port}`).join(", ")})`;
    const pods = service.selector ? podTemplates(c).filter(p => p.namespace === namespace && labelsMatch(service.selector!, p.labels)) : [];
    if (service.selector && pods.length === 0) return `Service ${namespace}/${name} selects no pod rendered in cluster ${c.cluster}`;
    if (pod !== undefined) {
        if (!service.headless) return `${a.host}: per-pod names need a headless Service, ${namespace}/${name} is not`;
        const podErr = podNameError(c, service, pod);
        if (podErr) return podErr;
    }
    const target = servicePort.targetPort ?? servicePort.port;
    const targetPort = typeof target === "number" ? target
        : pods.flatMap(p => p.ports).find(p => p.name === target)?.port;
    if (targetPort === undefined) return `Service ${namespace}/${name} port ${servicePort.port} targets "${target}", which no selected pod names`;
    if (pods.length && !pods.some(p => p.ports.some(x => x.port === targetPort))) return `Service ${namespace}/${name} port ${servicePort.port} targets ${targetPort}, which no selected pod exposes`;
    return { service, servicePort, pods, targetPort };
}

/** A per-pod DNS name must be an existing ordinal of the StatefulSet (rendered, or the operator's for a CR). */
function podNameError(c: ClusterManifests, service: AnyService, pod: string): string | undefined {
    const owners = service.runtime?.pods
        ? c.objects.filter(r => r.object.kind === service.runtime!.pods!.owner && (r.object.metadata.namespace ?? service.namespace) === service.namespace)
            .map(r => ({ prefix: `${service.runtime!.pods!.podPrefix}${r.object.metadata.name}-`, replicas: Number((r.object.spec as { replicas?: number }).replicas ?? 1) }))
        : c.objects.filter(r => r.object.kind === "StatefulSet" && (r.object.spec as { serviceName?: string }).serviceName === service.name)
            .map(r => ({ prefix: `${r.object.metadata.name}-`, replicas: Number((r.object.spec as { replicas?: number }).replicas ?? 1) }));
    for (const o of owners) {
        if (!pod.startsWith(o.prefix)) continue;
        const i = Number(pod.slice(o.prefix.length));
        if (Number.isInteger(i) && i >= 0 && i < o.replicas) return undefined;
        return `pod ${pod} does not exist: ${o.prefix}<0..${o.replicas - 1}> run behind ${service.namespace}/${service.name}`;
    }
    return `pod ${pod} is not a pod behind ${service.namespace}/${service.name}`;
}

const findingOf = (c: ClusterManifests, subject: string, message: string): Finding => ({ check: "wiring", stack: c.stack, cluster: c.cluster, subject, message });

/** The flow of the table that carries an address: from its owner to the Service and port. */
export function flowFor(flows: readonly Flow[], a: ConfigAddress, r: Resolved): Flow | undefined {
    return flows.find(f => f.from.kind === "pods" && f.from.name === a.owner && f.service
        && f.service.name === r.service.name && f.service.namespace === r.service.namespace && f.service.port === r.servicePort.port);
}

/** Addresses that do not resolve, or that no flow of the table carries, or whose flow does not reach the pods. */
export function addressFindings(c: ClusterManifests, flows: readonly Flow[] = wiring(c)): Finding[] {
    const out: Finding[] = [];
    for (const a of configAddresses(c)) {
        const subject = `${a.config} → ${a.host}:${a.port}`;
        const r = resolve(c, a);
        if (typeof r === "string") {
            out.push(findingOf(c, subject, r));
            continue;
        }
        const f = flowFor(flows, a, r);
        if (!f) {
            out.push(findingOf(c, subject, `no flow in the wiring table (components/render/wiring.ts) from ${a.owner} to Service ${r.service.namespace}/${r.service.name} port ${r.servicePort.port}: add one, so the NetworkPolicies allow it`));
            continue;
        }
        const to = f.to;
        if (to.kind !== "pods" || !r.pods.every(p => p.namespace === to.namespace && labelsMatch(to.labels, p.labels))) {
            out.push(findingOf(c, subject, `flow ${f.id} goes to ${f.to.name}, which does not select every pod behind ${r.service.namespace}/${r.service.name}`));
        } else if (f.ports !== "any" && !f.ports.some(p => p.port === r.targetPort && p.protocol === (r.servicePort.protocol ?? "TCP"))) {
            out.push(findingOf(c, subject, `flow ${f.id} allows ports ${f.ports.map(p => p.port).join(", ")}, but ${r.service.namespace}/${r.service.name}:${r.servicePort.port} forwards to container port ${r.targetPort}`));
        }
    }
    return out;
}

/** The table itself against the rendered pods: every selector selects pods, every port is one they expose. */
export function flowFindings(c: ClusterManifests, flows: readonly Flow[] = wiring(c)): Finding[] {
    const out: Finding[] = [];
    const pods = podTemplates(c);
    const stack = new Set(stackNamespaces());
    for (const f of flows) {
        for (const [side, peer] of [["from", f.from], ["to", f.to]] as const) {
            if (peer.kind !== "pods" || !stack.has(peer.namespace)) continue;
            const matched = pods.filter(p => p.namespace === peer.namespace && labelsMatch(peer.labels, p.labels));
            if (matched.length === 0) {
                out.push(findingOf(c, `flow ${f.id}`, `${side} ${peer.name} (${peer.namespace}, ${JSON.stringify(peer.labels)}) selects no rendered pod`));
                continue;
            }
            if (side === "to" && f.ports !== "any") {
                for (const p of f.ports) {
                    if (!matched.some(m => m.ports.some(x => x.port === p.port && x.protocol === p.protocol))) {
                        out.push(findingOf(c, `flow ${f.id}`, `port ${p.port}/${p.protocol} is exposed by no pod of ${peer.name}`));
                    }
                }
            }
        }
        if (f.service) {
            const r = resolve(c, { config: `flow ${f.id}`, owner: f.from.kind === "pods" ? f.from.name : "", ownerNamespace: f.service.namespace, host: `${f.service.name}.${f.service.namespace}.svc`, port: f.service.port });
            if (typeof r === "string") out.push(findingOf(c, `flow ${f.id}`, r));
        }
    }
    return out;
}

export function wiringFindings(c: ClusterManifests): Finding[] {
    return [...addressFindings(c), ...flowFindings(c)];
}
