/**
 * A small evaluator of Kubernetes NetworkPolicy semantics (networking.k8s.io/v1), enough to decide
 * whether one connection passes: a pod is isolated for a direction once any policy of its namespace
 * selects it with that policy type; an isolated pod's traffic passes only if some selecting policy
 * has a rule whose peers match the other end and whose ports match. A connection needs the source's
 * egress and the destination's ingress. Pods never match an ipBlock here (the API leaves that to the
 * implementation; in-cluster flows must name pods), and external addresses only match ipBlocks.
 */
import type { LabelSelector, NetworkPolicyObject, NetworkPolicyPeer, NetworkPolicyPort } from "../../../components/render/networkPolicies";
import { NAMESPACE_NAME_LABEL } from "../../../components/render/networkPolicies";

export type Endpoint =
    | { readonly kind: "pod"; readonly namespace: string; readonly labels: Readonly<Record<string, string>>; readonly name: string }
    | { readonly kind: "ip"; readonly ip: string; readonly name: string };

export interface Connection {
    readonly from: Endpoint;
    readonly to: Endpoint;
    readonly port: number;
    readonly protocol: "TCP" | "UDP";
}

export function selectorMatches(sel: LabelSelector | undefined, labels: Readonly<Record<string, string>>): boolean {
    if (!sel) return true;
    for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
    for (const e of sel.matchExpressions ?? []) {
        const has = Object.prototype.hasOwnProperty.call(labels, e.key);
        const ok = e.operator === "In" ? has && (e.values ?? []).includes(labels[e.key]!)
            : e.operator === "NotIn" ? !has || !(e.values ?? []).includes(labels[e.key]!)
            : e.operator === "Exists" ? has : !has;
        if (!ok) return false;
    }
    return true;
}

function ipToInt(ip: string): number {
    const parts = ip.split(".").map(Number);
    if (parts.length !== 4 || parts.some(p => !Number.isInteger(p) || p < 0 || p > 255)) throw new Error(`not an IPv4 address: ${ip}`);
    return ((parts[0]! << 24) >>> 0) + (parts[1]! << 16) + (parts[2]! << 8) + parts[3]!;
}

export function cidrContains(cidr: string, ip: string): boolean {
    const [base, bits] = cidr.split("/") as [string, string];
    const n = Number(bits);
    const mask = n === 0 ? 0 : (~0 << (32 - n)) >>> 0;
    return ((ipToInt(base) & mask) >>> 0) === ((ipToInt(ip) & mask) >>> 0);
}

function peerMatches(peer: NetworkPolicyPeer, policyNamespace: string, other: Endpoint): boolean {
    if (peer.ipBlock) {
        return other.kind === "ip" && cidrContains(peer.ipBlock.cidr, other.ip) && !(peer.ipBlock.except ?? []).some(x => cidrContains(x, other.ip));
    }
    if (other.kind !== "pod") return false;
    const nsOk = peer.namespaceSelector
        ? selectorMatches(peer.namespaceSelector, { [NAMESPACE_NAME_LABEL]: other.namespace })
        : other.namespace === policyNamespace;
    return nsOk && selectorMatches(peer.podSelector, other.labels);
}

function portMatches(ports: readonly NetworkPolicyPort[] | undefined, port: number, protocol: string): boolean {
    if (!ports || ports.length === 0) return true;
    return ports.some(p => (p.protocol ?? "TCP") === protocol && (p.port === undefined
        || (typeof p.port === "number" && (p.endPort !== undefined ? port >= p.port && port <= p.endPort : port === p.port))));
}

/** Whether one direction passes at `pod`'s end. */
function sideAllows(policies: readonly NetworkPolicyObject[], pod: Endpoint, other: Endpoint, direction: "Ingress" | "Egress", port: number, protocol: string): boolean {
    if (pod.kind !== "pod") return true;
    const selecting = policies.filter(p => p.metadata.namespace === pod.namespace && p.spec.policyTypes.includes(direction) && selectorMatches(p.spec.podSelector, pod.labels));
    if (selecting.length === 0) return true;
    return selecting.some(p => {
        const rules = direction === "Ingress"
            ? (p.spec.ingress ?? []).map(r => ({ peers: r.from, ports: r.ports }))
            : (p.spec.egress ?? []).map(r => ({ peers: r.to, ports: r.ports }));
        return rules.some(r => (!r.peers || r.peers.length === 0 || r.peers.some(peer => peerMatches(peer, p.metadata.namespace, other))) && portMatches(r.ports, port, protocol));
    });
}

/** Whether the policies let this connection through (the source's egress and the destination's ingress). */
export function allows(policies: readonly NetworkPolicyObject[], c: Connection): boolean {
    return sideAllows(policies, c.from, c.to, "Egress", c.port, c.protocol) && sideAllows(policies, c.to, c.from, "Ingress", c.port, c.protocol);
}
