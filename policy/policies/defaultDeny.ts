/**
 * Every namespace the stack creates has a default-deny NetworkPolicy: one that selects every pod
 * (empty podSelector) and lists Ingress among its policyTypes with no ingress rule, so only the
 * traffic other policies allow reaches the observability workloads. Namespaces and policies are
 * matched per cluster (the Kubernetes provider they deploy through); a policy may be a resource
 * of the stack or an object a release renders.
 */
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { dig, HELM_TYPES, Props, T } from "../lib/common";
import { clusterKey, renderedObjects } from "../lib/manifests";

/** Whether a NetworkPolicy spec denies all ingress to every pod of its namespace. */
export function isDefaultDeny(spec: Props | undefined): boolean {
    if (!spec) return false;
    const selector = spec.podSelector ?? {};
    const selectsAll = Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0;
    return selectsAll && (spec.policyTypes ?? []).includes("Ingress") && (spec.ingress ?? []).length === 0;
}

export const defaultDenyPolicy: StackValidationPolicy = {
    name: "obs-namespace-enable-default-deny",
    description: "Every namespace the stack creates has a default-deny NetworkPolicy (all pods selected, Ingress with no rule), so workloads receive only the traffic that is explicitly allowed.",
    enforcementLevel: "mandatory",
    validateStack: async (args, reportViolation) => {
        const rendered = await renderedObjects(args.resources);
        const denied = new Set<string>();
        const mark = (r: PolicyResource, namespace: unknown, spec: Props | undefined) => {
            if (isDefaultDeny(spec)) denied.add(`${clusterKey(r)} ${namespace ?? "default"}`);
        };
        for (const r of args.resources) {
            if (r.type === T.networkPolicy) mark(r, dig(r.props, "metadata", "namespace"), r.props.spec);
            if (HELM_TYPES.includes(r.type)) {
                for (const o of rendered.get(r.urn) ?? []) {
                    if (o.kind === "NetworkPolicy") mark(r, o.metadata.namespace ?? r.props.namespace, o.spec as Props);
                }
            }
        }
        for (const ns of args.resources.filter(r => r.type === T.namespace)) {
            const name = String(dig(ns.props, "metadata", "name") ?? ns.name);
            if (!denied.has(`${clusterKey(ns)} ${name}`)) {
                reportViolation(`Namespace ${name} (${ns.name}) has no default-deny NetworkPolicy; add one with podSelector {} and policyTypes [Ingress] beside the namespace (components/k8s/observabilityStack.ts), then allow the traffic each workload needs.`, ns.urn);
            }
        }
    },
};
