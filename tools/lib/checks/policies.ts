/**
 * NetworkPolicy coverage: the policies rendered from the wiring table, evaluated against the pods
 * of the rendered manifests. Every flow of the table passes between the pods it names; every pod of
 * the stack reaches DNS; every pod that talks to a bucket reaches object storage (and on GKE the
 * metadata server); and every target a ServiceMonitor makes Prometheus scrape is reachable.
 */
import { NetworkPolicyObject, renderNetworkPolicies } from "../../../components/render/networkPolicies";
import { DNS, External, Flow, GKE_METADATA, CLOUD_APIS, PODS, PortSpec, runtimeServices, stackNamespaces, wiring } from "../../../components/render/wiring";
import type { ResourceRecord } from "../mock-runtime";
import type { ClusterManifests, Finding, PodTemplate } from "./model";
import { labelsMatch, podTemplates, renderedServices } from "./model";
import { allows, Endpoint, selectorMatches } from "./networkPolicy";
import { clusterBuckets, talksToBucket } from "./workloads";

/** A representative address inside an external peer's range (never contacted: only evaluated). */
export function sampleIp(e: External): string {
    if (e.name === "nodes") return "10.0.1.23";
    if (e.cidr === "0.0.0.0/0") return "203.0.113.10";
    const [base, bits] = e.cidr.split("/") as [string, string];
    if (bits === "32") return base;
    // The second host of a range (GKE's private control-plane endpoint is .2 of masterIpv4CidrBlock).
    const octets = base.split(".").map(Number);
    return [...octets.slice(0, 3), octets[3]! + 2].join(".");
}

/** An application pod outside the stack, for flows from any namespace. */
export const APP_POD: Endpoint = { kind: "pod", namespace: "shop", labels: { app: "checkout" }, name: "shop/checkout (an application)" };

const podEndpoint = (p: PodTemplate): Endpoint => ({ kind: "pod", namespace: p.namespace, labels: p.labels, name: `${p.namespace}/${p.owner.metadata.name}` });

/** The endpoints a flow's peer stands for in this cluster. */
function endpointsOf(pods: readonly PodTemplate[], peer: Flow["from"] | Flow["to"]): Endpoint[] {
    switch (peer.kind) {
        case "anyPod": return [APP_POD];
        case "external": return [{ kind: "ip", ip: sampleIp(peer), name: peer.name }];
        case "pods": {
            if (!stackNamespaces().includes(peer.namespace)) return [{ kind: "pod", namespace: peer.namespace, labels: peer.labels, name: `${peer.namespace}/${peer.name}` }];
            return pods.filter(p => p.namespace === peer.namespace && labelsMatch(peer.labels, p.labels) && !p.spec?.hostNetwork).map(podEndpoint);
        }
    }
}

const finding = (c: ClusterManifests, subject: string, message: string): Finding => ({ check: "network-policy", stack: c.stack, cluster: c.cluster, subject, message });

function denied(policies: readonly NetworkPolicyObject[], from: Endpoint, to: Endpoint, ports: readonly PortSpec[]): string[] {
    return ports.filter(p => !allows(policies, { from, to, port: p.port, protocol: p.protocol })).map(p => `${from.name} → ${to.name}:${p.port}/${p.protocol}`);
}

export interface PolicyFindingOptions {
    readonly flows?: readonly Flow[];
    readonly policies?: readonly NetworkPolicyObject[];
    readonly records?: readonly ResourceRecord[];
}

export function policyFindings(c: ClusterManifests, opts: PolicyFindingOptions = {}): Finding[] {
    const flows = opts.flows ?? wiring(c);
    const policies = opts.policies ?? renderNetworkPolicies(c);
    const pods = podTemplates(c);
    const out: Finding[] = [];
    for (const f of flows) {
        for (const from of endpointsOf(pods, f.from)) {
            for (const to of endpointsOf(pods, f.to)) {
                const ports: PortSpec[] = f.ports !== "any" ? [...f.ports]
                    : pods.filter(p => to.kind === "pod" && p.namespace === to.namespace && labelsMatch(to.labels, p.labels)).flatMap(p => p.ports.map(x => ({ port: x.port, protocol: x.protocol as PortSpec["protocol"] })));
                for (const d of denied(policies, from, to, ports)) out.push(finding(c, `flow ${f.id}`, `${d} is denied by the rendered NetworkPolicies`));
            }
        }
    }
    const dns: Endpoint = { kind: "pod", namespace: DNS.namespace, labels: DNS.labels, name: "kube-system/kube-dns" };
    for (const p of pods.filter(x => stackNamespaces().includes(x.namespace) && !x.spec?.hostNetwork)) {
        for (const d of denied(policies, podEndpoint(p), dns, DNS.ports)) out.push(finding(c, `${p.release}/${p.owner.kind}/${p.owner.metadata.name}`, `${d}: DNS is denied`));
    }
    if (opts.records) {
        const buckets = clusterBuckets(opts.records, c.cluster);
        for (const p of pods.filter(x => talksToBucket(c, x, buckets))) {
            const targets: [External, PortSpec][] = [[CLOUD_APIS, { port: 443, protocol: "TCP" }], ...(c.cloud === "gcp" ? [[GKE_METADATA, { port: 80, protocol: "TCP" }] as [External, PortSpec]] : [])];
            for (const [e, port] of targets) {
                for (const d of denied(policies, podEndpoint(p), { kind: "ip", ip: sampleIp(e), name: e.name }, [port])) out.push(finding(c, `${p.release}/${p.owner.kind}/${p.owner.metadata.name}`, `${d}: talks to a bucket, but object storage or its identity endpoint is denied`));
            }
        }
    }
    out.push(...scrapeFindings(c, policies, pods));
    return out;
}

interface ServiceMonitorSpec {
    readonly selector: { readonly matchLabels?: Record<string, string>; readonly matchExpressions?: { key: string; operator: "In" | "NotIn" | "Exists" | "DoesNotExist"; values?: string[] }[] };
    readonly namespaceSelector?: { readonly any?: boolean; readonly matchNames?: readonly string[] };
    readonly endpoints: readonly { readonly port?: string; readonly targetPort?: number | string }[];
}

/**
 * Every target of every ServiceMonitor is reachable from a Prometheus pod: Services the charts
 * render (their pods, or node addresses for host-network pods), Services created at run time
 * (runtimeServices) and Services of system components that no chart here runs (their pods are
 * taken to carry the Service's selector; host-network ones are reached on node addresses).
 */
export function scrapeFindings(c: ClusterManifests, policies: readonly NetworkPolicyObject[], pods: readonly PodTemplate[]): Finding[] {
    const out: Finding[] = [];
    const prometheus = pods.find(p => labelsMatch(PODS.prometheus.labels, p.labels) && p.namespace === PODS.prometheus.namespace);
    if (!prometheus) return [finding(c, "Prometheus", "no Prometheus pod in the rendered manifests")];
    const from: Endpoint = { kind: "pod", namespace: prometheus.namespace, labels: prometheus.labels, name: "prometheus" };
    const node = (name: string): Endpoint => ({ kind: "ip", ip: "10.0.1.23", name: `${name} (node address)` });
    const services = [
        ...renderedServices(c).map(s => ({ ...s, external: undefined as External | undefined })),
        ...runtimeServices(c.cloud).map(s => ({ name: s.name, namespace: s.namespace, labels: s.labels, ports: s.ports, selector: "selector" in s.endpoints ? s.endpoints.selector : {}, external: "selector" in s.endpoints ? undefined : s.endpoints })),
    ];
    for (const r of c.objects.filter(x => x.object.kind === "ServiceMonitor")) {
        const sm = r.object.spec as ServiceMonitorSpec;
        const own = r.object.metadata.namespace ?? "";
        const subject = `${r.release}/ServiceMonitor/${r.object.metadata.name}`;
        const selected = services.filter(s => (sm.namespaceSelector?.any || (sm.namespaceSelector?.matchNames ?? [own]).includes(s.namespace)) && selectorMatches(sm.selector, s.labels));
        if (selected.length === 0) {
            out.push(finding(c, subject, `selects no Service in cluster ${c.cluster} (rendered or created at run time)`));
            continue;
        }
        for (const s of selected) {
            for (const ep of sm.endpoints) {
                const sp = s.ports.find(p => (ep.port !== undefined ? p.name === ep.port : p.port === ep.targetPort));
                if (!sp) continue; // the Service does not expose this endpoint: Prometheus discovers no target for it
                const proto = { protocol: "TCP" as const };
                if (s.external) {
                    for (const d of denied(policies, from, { kind: "ip", ip: sampleIp(s.external), name: `${s.namespace}/${s.name}` }, [{ port: Number(sp.targetPort ?? sp.port), ...proto }])) out.push(finding(c, subject, `scrape ${d} is denied`));
                    continue;
                }
                const behind = pods.filter(p => p.namespace === s.namespace && labelsMatch(s.selector, p.labels));
                if (behind.length === 0) {
                    // A system component no chart here runs: reachable as a pod with the selected labels, or on its node's address.
                    const port = typeof sp.targetPort === "number" ? sp.targetPort : sp.port;
                    const asPod = denied(policies, from, { kind: "pod", namespace: s.namespace, labels: s.selector, name: `${s.namespace}/${s.name}` }, [{ port, ...proto }]);
                    const asNode = denied(policies, from, node(`${s.namespace}/${s.name}`), [{ port, ...proto }]);
                    if (asPod.length && asNode.length) out.push(finding(c, subject, `scrape of ${s.namespace}/${s.name}:${port} (${JSON.stringify(s.selector)}) is denied: no flow in the wiring table reaches it`));
                    continue;
                }
                for (const p of behind) {
                    const port = typeof sp.targetPort === "number" ? sp.targetPort : p.ports.find(x => x.name === (sp.targetPort ?? sp.name))?.port ?? sp.port;
                    const to = p.spec?.hostNetwork ? node(`${p.namespace}/${p.owner.metadata.name}`) : podEndpoint(p);
                    for (const d of denied(policies, from, to, [{ port, ...proto }])) out.push(finding(c, subject, `scrape ${d} is denied`));
                }
            }
        }
    }
    return out;
}
