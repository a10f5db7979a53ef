/**
 * The Kubernetes objects each Helm release of the stack deploys, for the workload policies.
 * The offline preview (and the tests) hand over the manifests they already rendered
 * (`useRenderedObjects`). Under `pulumi preview --policy-pack policy`, the pack renders the
 * vendored chart of every release with the release's own values, exactly as the offline preview
 * does (tools/lib/manifests.ts: the same Helm binary, packages, cache, Kubernetes version and CRD
 * API versions); that module, and what it imports, is loaded only then, never when the pack loads.
 */
import type { PolicyResource } from "@pulumi/policy";
import { KUBERNETES_VERSIONS } from "../../components/versions";
import { HELM_TYPES, T } from "./common";

/** A Kubernetes object as Helm renders it. */
export interface K8sObject {
    readonly apiVersion: string;
    readonly kind: string;
    readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Record<string, string>; readonly annotations?: Record<string, string> };
    readonly [key: string]: unknown;
}

/** Rendered objects per Helm resource URN. */
export type RenderedObjects = ReadonlyMap<string, readonly K8sObject[]>;

type Source = (resources: readonly PolicyResource[]) => Promise<RenderedObjects>;

let cache = new WeakMap<readonly PolicyResource[], Promise<RenderedObjects>>();

/** Renders every Helm resource of the stack with real Helm (the real-preview path). */
async function renderWithHelm(resources: readonly PolicyResource[]): Promise<RenderedObjects> {
    // require, not import(): a loader that compiles for ES modules (ts-node under the policy host uses
    // `module: nodenext`) would keep import() as a real ESM import, which cannot resolve this
    // extensionless path. Loaded here, on the real-preview path only.
    const { renderReleases } = require("../../tools/lib/manifests") as typeof import("../../tools/lib/manifests");
    const clusterVersion = new Map<string, string>();
    for (const r of resources) {
        if (r.type === T.eksCluster && r.props.version) clusterVersion.set(String(r.props.name ?? r.name), String(r.props.version));
        if (r.type === T.gkeCluster && r.props.minMasterVersion) clusterVersion.set(String(r.props.name ?? r.name), String(r.props.minMasterVersion));
    }
    // The fields of a captured record that rendering reads (type, parent chain, inputs). A stack
    // component that does not carry its cluster in its state is matched to the cluster it is named after.
    const clusterOfStack = (r: PolicyResource) => r.props.cluster ?? [...clusterVersion.keys()].find(c => r.name === c || r.name.startsWith(`${c}-`)) ?? r.name;
    const records = resources.map(r => ({
        urn: r.urn, type: r.type, name: r.name, parent: r.parent?.urn ?? "",
        inputs: r.type === T.observabilityStack ? { ...r.props, cluster: clusterOfStack(r) } : r.props,
    }));
    const stack = resources[0]?.urn.split("::")[0]?.replace(/^urn:pulumi:/, "") ?? "stack";
    const rendered = await renderReleases(stack, records as unknown as Parameters<typeof renderReleases>[1],
        cluster => clusterVersion.get(cluster) ?? KUBERNETES_VERSIONS[KUBERNETES_VERSIONS.length - 1]!);
    const helm = resources.filter(r => HELM_TYPES.includes(r.type));
    const out = new Map<string, readonly K8sObject[]>();
    const stackOf = (r: PolicyResource) => {
        // The same walk as tools/lib/report.ts clusterOf: releases of a cluster's platform (the EKS
        // Cluster Autoscaler) sit under obs:<cloud>:ClusterPlatform, named after the cluster.
        for (let p: PolicyResource | undefined = r; p; p = p.parent) {
            if (p.type === T.observabilityStack) return String(clusterOfStack(p));
            if (p.type === "obs:aws:ClusterPlatform" || p.type === "obs:gcp:ClusterPlatform") return p.name;
        }
        return undefined;
    };
    for (const x of rendered) {
        const r = helm.find(h => String(h.props.name ?? h.name) === x.release && stackOf(h) === x.cluster);
        if (r) out.set(r.urn, x.objects);
    }
    return out;
}

/** The ObservabilityStack component a resource belongs to (its URN), if any. */
function stackComponentOf(r: PolicyResource): string | undefined {
    for (let p: PolicyResource | undefined = r; p; p = p.parent) if (p.type === T.observabilityStack) return p.urn;
    return undefined;
}

let source: Source = renderWithHelm;

/** Use objects rendered beforehand (offline preview, tests) instead of running Helm. */
export function useRenderedObjects(objects: RenderedObjects): void {
    source = async () => objects;
    cache = new WeakMap();
}

/** Back to rendering with Helm (the real-preview default). */
export function useHelmRendering(): void {
    source = renderWithHelm;
    cache = new WeakMap();
}

/** The rendered objects of every Helm resource of the stack (rendered once per stack analysis). */
export function renderedObjects(resources: readonly PolicyResource[]): Promise<RenderedObjects> {
    let p = cache.get(resources);
    if (!p) {
        p = source(resources);
        cache.set(resources, p);
    }
    return p;
}

/** The key that groups resources by cluster: the Kubernetes provider they deploy through, else their ObservabilityStack component. */
export function clusterKey(r: PolicyResource): string {
    return r.provider?.urn || stackComponentOf(r) || "";
}
