/**
 * Kubernetes NetworkPolicies for one cluster, rendered from the wiring table (render/wiring.ts):
 *   - `default-deny` in every stack namespace: no ingress and no egress for any pod;
 *   - `allow-dns` in every stack namespace: every pod may query kube-dns/CoreDNS (53 UDP and TCP);
 *   - per workload of the stack, `<workload>-egress` with one rule per flow leaving it and
 *     `<workload>-ingress` with one rule per flow reaching it, in the workload's namespace (a flow's
 *     side only when it is a pod of the stack). One policy per workload and direction, not per flow,
 *     keeps a prod cluster at 33 objects instead of 61–65 and reads as "who may this workload talk to"; the
 *     purpose annotation lists each flow of the policy with its reason.
 * NetworkPolicies are additive: a connection passes when the source's egress and the destination's
 * ingress both allow it, so every flow needs both halves, which this renderer always writes together.
 * Pure: the component (k8s/networkPolicies.ts) creates what this returns; the tests evaluate it.
 */
import { DNS, Flow, Peer, PortSpec, stackNamespaces, StackPods, wiring, WiringFacts } from "./wiring";

export interface LabelSelector {
    readonly matchLabels?: Readonly<Record<string, string>>;
    readonly matchExpressions?: readonly { readonly key: string; readonly operator: "In" | "NotIn" | "Exists" | "DoesNotExist"; readonly values?: readonly string[] }[];
}

export interface NetworkPolicyPeer {
    readonly podSelector?: LabelSelector;
    readonly namespaceSelector?: LabelSelector;
    readonly ipBlock?: { readonly cidr: string; readonly except?: readonly string[] };
}

export interface NetworkPolicyPort {
    readonly port?: number | string;
    readonly endPort?: number;
    readonly protocol?: "TCP" | "UDP" | "SCTP";
}

export interface NetworkPolicySpec {
    readonly podSelector: LabelSelector;
    readonly policyTypes: readonly ("Ingress" | "Egress")[];
    readonly ingress?: readonly { readonly from?: readonly NetworkPolicyPeer[]; readonly ports?: readonly NetworkPolicyPort[] }[];
    readonly egress?: readonly { readonly to?: readonly NetworkPolicyPeer[]; readonly ports?: readonly NetworkPolicyPort[] }[];
}

export interface NetworkPolicyObject {
    readonly apiVersion: "networking.k8s.io/v1";
    readonly kind: "NetworkPolicy";
    readonly metadata: { readonly name: string; readonly namespace: string; readonly labels: Readonly<Record<string, string>>; readonly annotations?: Readonly<Record<string, string>> };
    readonly spec: NetworkPolicySpec;
}

/** The label the API server puts on every namespace (Kubernetes ≥ 1.22), so namespaces are selectable by name. */
export const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";
const LABELS = { "app.kubernetes.io/part-of": "observability", "app.kubernetes.io/managed-by": "pulumi" } as const;
/** Annotation listing the policy's flows, one `<flow id>: <purpose>` line each, so `kubectl describe` says why each rule exists. */
export const PURPOSE_ANNOTATION = "observability/purpose";

function peerOf(p: Peer): NetworkPolicyPeer {
    switch (p.kind) {
        case "pods": return { namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: p.namespace } }, podSelector: { matchLabels: { ...p.labels } } };
        case "anyPod": return { namespaceSelector: {}, podSelector: {} };
        case "external": return { ipBlock: { cidr: p.cidr } };
    }
}

function portsOf(ports: readonly PortSpec[] | "any"): NetworkPolicyPort[] | undefined {
    return ports === "any" ? undefined : ports.map(p => ({ port: p.port, protocol: p.protocol }));
}

function policy(name: string, namespace: string, spec: NetworkPolicySpec, purpose: string): NetworkPolicyObject {
    return { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name, namespace, labels: { ...LABELS }, annotations: { [PURPOSE_ANNOTATION]: purpose } }, spec };
}

/** The policies for an explicit list of flows (the tests render partial tables through this). */
export function renderPoliciesForFlows(flows: readonly Flow[], namespaces: readonly string[]): NetworkPolicyObject[] {
    const out: NetworkPolicyObject[] = [];
    for (const ns of namespaces) {
        out.push(policy("default-deny", ns, { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
            "deny all ingress and egress unless another policy of this namespace allows it"));
        out.push(policy("allow-dns", ns, {
            podSelector: {}, policyTypes: ["Egress"],
            egress: [{ to: [{ namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: DNS.namespace } }, podSelector: { matchLabels: { ...DNS.labels } } }], ports: portsOf(DNS.ports) }],
        }, "DNS queries to kube-dns/CoreDNS in kube-system"));
    }
    const ids = flows.map(f => f.id);
    const twice = ids.find((id, i) => ids.indexOf(id) !== i);
    if (twice !== undefined) throw new Error(`flow ${twice} is in the wiring table twice: flow ids must be unique`);
    const inStack = new Set(namespaces);
    // One policy per (workload, direction), its rules in the table's order, one per flow.
    const groups = new Map<string, { pods: StackPods; direction: "Ingress" | "Egress"; flows: Flow[] }>();
    const add = (pods: StackPods, direction: "Ingress" | "Egress", f: Flow) => {
        const key = `${direction} ${pods.namespace} ${JSON.stringify(Object.entries(pods.labels).sort(([a], [b]) => a.localeCompare(b)))}`;
        const g = groups.get(key) ?? groups.set(key, { pods, direction, flows: [] }).get(key)!;
        if (g.pods.name !== pods.name) throw new Error(`workloads ${g.pods.name} and ${pods.name} have the same selector in ${pods.namespace}: one name per selector`);
        g.flows.push(f);
    };
    for (const f of flows) {
        if (f.from.kind === "pods" && inStack.has(f.from.namespace)) add(f.from, "Egress", f);
        if (f.to.kind === "pods" && inStack.has(f.to.namespace)) add(f.to, "Ingress", f);
    }
    for (const { pods, direction, flows: fs } of groups.values()) {
        const rules = fs.map(f => {
            const ports = portsOf(f.ports);
            return direction === "Egress" ? { to: [peerOf(f.to)], ...(ports ? { ports } : {}) } : { from: [peerOf(f.from)], ...(ports ? { ports } : {}) };
        });
        const spec: NetworkPolicySpec = { podSelector: { matchLabels: { ...pods.labels } }, policyTypes: [direction], ...(direction === "Egress" ? { egress: rules } : { ingress: rules }) };
        out.push(policy(`${pods.name}-${direction.toLowerCase()}`, pods.namespace, spec, fs.map(f => `${f.id}: ${f.purpose}`).join("\n")));
    }
    const names = new Set<string>();
    for (const p of out) {
        const key = `${p.metadata.namespace}/${p.metadata.name}`;
        if (names.has(key)) throw new Error(`NetworkPolicy ${key} rendered twice: workload names must be unique per namespace`);
        names.add(key);
    }
    return out;
}

/** Every NetworkPolicy of one cluster: default-deny, DNS, and the wiring table's flows. */
export function renderNetworkPolicies(facts: WiringFacts): NetworkPolicyObject[] {
    return renderPoliciesForFlows(wiring(facts), stackNamespaces());
}
