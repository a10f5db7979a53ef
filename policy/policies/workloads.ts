/**
 * Hygiene of what runs in the clusters, checked on the objects Helm renders for each release (not
 * on the values, which charts interpret) and on the workloads the program registers itself (the
 * Cluster Autoscaler's Deployment): no privileged container outside the namespaces meant
 * for it (node-exporter), CPU and memory requests and a memory limit on every container, images
 * pinned by tag or digest and never `latest`, and no Service of type LoadBalancer that is public.
 */
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { dig, HELM_TYPES, Props, T } from "../lib/common";
import { K8sObject, renderedObjects } from "../lib/manifests";

export interface WorkloadsConfig {
    /** Namespaces where privileged containers may run. */
    readonly privilegedNamespaces: string[];
}

/** Workload resources the program may register directly (not through a chart), by type token, with their kind. */
const WORKLOAD_TYPES: Readonly<Record<string, string>> = {
    "kubernetes:core/v1:Pod": "Pod",
    "kubernetes:apps/v1:Deployment": "Deployment",
    "kubernetes:apps/v1:StatefulSet": "StatefulSet",
    "kubernetes:apps/v1:DaemonSet": "DaemonSet",
    "kubernetes:apps/v1:ReplicaSet": "ReplicaSet",
    "kubernetes:batch/v1:Job": "Job",
    "kubernetes:batch/v1:CronJob": "CronJob",
};

/** The pod spec of a workload object, if it has one. */
export function podSpec(o: K8sObject): Props | undefined {
    switch (o.kind) {
        case "Pod":
            return o.spec as Props;
        case "Deployment": case "StatefulSet": case "DaemonSet": case "ReplicaSet": case "Job":
            return dig(o, "spec", "template", "spec");
        case "CronJob":
            return dig(o, "spec", "jobTemplate", "spec", "template", "spec");
        default:
            return undefined;
    }
}

/** Whether an image reference names a tag or a digest other than `latest`. */
export function imagePinned(image: string): boolean {
    if (image.includes("@sha256:")) return true;
    const last = image.split("/").pop() ?? image;
    const tag = last.includes(":") ? last.split(":").pop()! : "";
    return tag !== "" && tag !== "latest";
}

const INTERNAL_LB_ANNOTATIONS: readonly [string, RegExp][] = [
    ["service.beta.kubernetes.io/aws-load-balancer-internal", /^(true|0\.0\.0\.0\/0)$/],
    ["service.beta.kubernetes.io/aws-load-balancer-scheme", /^internal$/],
    ["networking.gke.io/load-balancer-type", /^Internal$/],
    ["cloud.google.com/load-balancer-type", /^Internal$/i],
];

/** A Service that a cloud exposes on the internet: type LoadBalancer without an internal annotation. */
export function isPublicLoadBalancer(service: { spec?: Props; metadata?: Props }): boolean {
    if (dig(service, "spec", "type") !== "LoadBalancer") return false;
    const annotations: Record<string, string> = dig(service, "metadata", "annotations") ?? {};
    return !INTERNAL_LB_ANNOTATIONS.some(([k, re]) => re.test(String(annotations[k] ?? "")));
}

/** Every violation of one rendered object, as messages. */
export function objectViolations(o: K8sObject, releaseNamespace: string, c: WorkloadsConfig, fixIn = "the release's values"): string[] {
    const out: string[] = [];
    const ns = o.metadata?.namespace ?? releaseNamespace;
    const where = `${o.kind} ${ns}/${o.metadata?.name}`;
    if (o.kind === "Service" && isPublicLoadBalancer(o as { spec?: Props; metadata?: Props })) {
        out.push(`${where} is a public LoadBalancer; use ClusterIP (reach it through the cluster) or an internal load balancer annotation, in ${fixIn}.`);
    }
    const spec = podSpec(o);
    // Helm test hooks run only on `helm test`, never on install or upgrade.
    if (!spec || /(^|,)\s*test(-success)?\s*(,|$)/.test(o.metadata?.annotations?.["helm.sh/hook"] ?? "")) return out;
    const containers: Props[] = [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
    for (const ct of containers) {
        const at = `${where} container ${ct.name}`;
        if (dig(ct, "securityContext", "privileged") === true && !c.privilegedNamespaces.includes(ns)) {
            out.push(`${at} is privileged outside ${c.privilegedNamespaces.join(", ")}; drop securityContext.privileged in ${fixIn}, or run it in a privileged namespace.`);
        }
        const requests = dig(ct, "resources", "requests") ?? {};
        const missing = ["cpu", "memory"].filter(k => requests[k] === undefined || requests[k] === null || requests[k] === "");
        if (missing.length) {
            out.push(`${at} has no ${missing.map(k => `${k} request`).join(" or ")}; set resources.requests in ${fixIn} (components/sizing.ts).`);
        }
        const limit = dig(ct, "resources", "limits", "memory");
        if (limit === undefined || limit === null || limit === "") {
            out.push(`${at} has no memory limit; set resources.limits.memory in ${fixIn} (components/sizing.ts).`);
        }
        const image = String(ct.image ?? "");
        if (!imagePinned(image)) {
            out.push(`${at} runs image ${JSON.stringify(image)}, which is not pinned; use an exact tag or a digest, never latest, in ${fixIn} or components/versions.ts.`);
        }
    }
    return out;
}

export const workloadsPolicy: StackValidationPolicy = {
    name: "obs-workload-configure-containers",
    description: "Every container of the stack's releases (as Helm renders them) and of the workloads it deploys directly is unprivileged (outside the node-exporter namespace), has CPU and memory requests and a memory limit, and runs a pinned image, and no Service is a public LoadBalancer.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            privilegedNamespaces: { type: "array", items: { type: "string" }, default: ["node-exporter"], description: "Namespaces where privileged containers may run." },
        },
    },
    validateStack: async (args, reportViolation) => {
        const c = args.getConfig<WorkloadsConfig>();
        const rendered = await renderedObjects(args.resources);
        for (const r of args.resources) {
            if (r.type === T.service && isPublicLoadBalancer(r.props)) {
                reportViolation(`Service ${r.name} is a public LoadBalancer; use ClusterIP or an internal load balancer annotation.`, r.urn);
            }
            const kind = WORKLOAD_TYPES[r.type];
            if (kind) {
                // A workload the program deploys from its own manifest (the Cluster Autoscaler): its state is the object.
                const o = { ...r.props, kind, metadata: r.props.metadata ?? {} } as K8sObject;
                for (const m of objectViolations(o, "default", c, "its renderer under components/render/")) reportViolation(m, r.urn);
                continue;
            }
            if (!HELM_TYPES.includes(r.type)) continue;
            for (const o of rendered.get(r.urn) ?? []) {
                for (const m of objectViolations(o, String(r.props.namespace ?? "default"), c)) reportViolation(`Release ${releaseLabel(r)}: ${m}`, r.urn);
            }
        }
    },
};

const releaseLabel = (r: PolicyResource) => String(r.props.name ?? r.name);
