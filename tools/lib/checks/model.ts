/**
 * What the manifest checks work on: the objects Helm rendered for one cluster, with the cluster's
 * facts from the validated environment. Pure helpers over RenderedRelease[]; nothing here runs Helm.
 */
import type { Environment } from "../../../stacks/schema";
import type { Cloud, Tier } from "../../../components/render/types";
import { RUNTIME_PODS } from "../../../components/render/wiring";
import type { K8sObject, RenderedRelease } from "../manifests";
import type { ResourceRecord } from "../mock-runtime";

export type CheckName = "schema" | "crd-schema" | "wiring" | "identity" | "rollout" | "resources" | "network-policy";

/** One problem: which check, where (stack/cluster), on what (release/Kind/name or a flow), and why. */
export interface Finding {
    readonly check: CheckName;
    readonly stack: string;
    readonly cluster: string;
    readonly subject: string;
    readonly message: string;
}

/** One line per finding: `[check] stack/cluster subject: message`. */
export const formatFinding = (f: Finding) => `[${f.check}] ${f.stack}/${f.cluster} ${f.subject}: ${f.message}`;

export interface ReleaseObject {
    readonly release: string;
    readonly object: K8sObject;
}

export interface ClusterManifests {
    readonly stack: string;
    readonly cluster: string;
    readonly cloud: Cloud;
    readonly tier: Tier;
    /** "1.34" */
    readonly kubernetesVersion: string;
    /** nodePool.min: the fewest schedulable nodes the cluster can have. */
    readonly minNodes: number;
    readonly releases: readonly RenderedRelease[];
    readonly objects: readonly ReleaseObject[];
}

/** Groups rendered releases by cluster, with each cluster's facts from the environment. */
export function clusterManifests(stack: string, env: Environment, rendered: readonly RenderedRelease[]): ClusterManifests[] {
    return env.clusters.map(c => {
        const releases = rendered.filter(r => r.cluster === c.name);
        return {
            stack, cluster: c.name, cloud: c.cloud, tier: env.tier, kubernetesVersion: String(c.kubernetesVersion), minNodes: c.nodePool.min,
            releases, objects: releases.flatMap(r => r.objects.map(object => ({ release: r.release, object }))),
        };
    });
}

export const subjectOf = (r: ReleaseObject) => `${r.release}/${r.object.kind}/${r.object.metadata.name}`;

/** Helm test hooks run only with `helm test`, never on install or upgrade. */
export function isHelmTest(o: K8sObject): boolean {
    return (o.metadata.annotations?.["helm.sh/hook"] ?? "").split(",").map(s => s.trim()).includes("test");
}

export interface Container {
    readonly name: string;
    readonly image?: string;
    readonly ports?: readonly { readonly name?: string; readonly containerPort: number; readonly protocol?: string }[];
    readonly resources?: { readonly requests?: Record<string, unknown>; readonly limits?: Record<string, unknown> };
    readonly args?: readonly string[];
    readonly env?: readonly { readonly name: string; readonly value?: string }[];
    readonly volumeMounts?: readonly { readonly name: string; readonly mountPath: string }[];
}

export interface PodSpec {
    readonly containers: readonly Container[];
    readonly initContainers?: readonly Container[];
    readonly serviceAccountName?: string;
    readonly hostNetwork?: boolean;
    readonly affinity?: { readonly podAntiAffinity?: { readonly requiredDuringSchedulingIgnoredDuringExecution?: readonly { readonly topologyKey: string; readonly labelSelector?: { readonly matchLabels?: Record<string, string> } }[] } };
    readonly topologySpreadConstraints?: readonly { readonly topologyKey: string; readonly whenUnsatisfiable: string; readonly maxSkew: number }[];
    readonly volumes?: readonly { readonly name: string; readonly configMap?: { readonly name: string }; readonly secret?: { readonly secretName: string } }[];
}

/** A workload's pods: from a controller's template, a bare Pod, or an operator-created StatefulSet (CR). */
export interface PodTemplate {
    readonly release: string;
    readonly owner: K8sObject;
    readonly namespace: string;
    readonly labels: Readonly<Record<string, string>>;
    /** undefined for operator-managed pods (the operator writes their spec at run time). */
    readonly spec?: PodSpec;
    /** Container ports, with names, as the pods expose them. */
    readonly ports: readonly { readonly name?: string; readonly port: number; readonly protocol: string }[];
}

const CONTROLLERS = new Set(["Deployment", "StatefulSet", "DaemonSet", "Job", "ReplicaSet"]);

/** Every pod template the cluster runs on install: controllers, bare Pods, and the operator's Prometheus/Alertmanager pods. */
export function podTemplates(c: ClusterManifests): PodTemplate[] {
    const out: PodTemplate[] = [];
    for (const r of c.objects) {
        const o = r.object;
        if (isHelmTest(o)) continue;
        const ns = o.metadata.namespace ?? releaseNamespace(c, r.release);
        let meta: { labels?: Record<string, string> } | undefined;
        let spec: PodSpec | undefined;
        if (CONTROLLERS.has(o.kind)) {
            const t = (o.spec as { template: { metadata?: { labels?: Record<string, string> }; spec: PodSpec } }).template;
            meta = t.metadata; spec = t.spec;
        } else if (o.kind === "CronJob") {
            const t = (o.spec as { jobTemplate: { spec: { template: { metadata?: { labels?: Record<string, string> }; spec: PodSpec } } } }).jobTemplate.spec.template;
            meta = t.metadata; spec = t.spec;
        } else if (o.kind === "Pod") {
            meta = o.metadata; spec = o.spec as PodSpec;
        } else {
            const runtime = RUNTIME_PODS.find(p => p.owner === o.kind && p.crName === o.metadata.name);
            if (runtime) out.push({ release: r.release, owner: o, namespace: ns, labels: { ...runtime.labels }, ports: runtime.ports.map(p => ({ ...p })) });
            continue;
        }
        out.push({
            release: r.release, owner: o, namespace: ns, labels: { ...(meta?.labels ?? {}) }, spec,
            ports: [...spec.containers, ...(spec.initContainers ?? [])].flatMap(ct => (ct.ports ?? []).map(p => ({ name: p.name, port: p.containerPort, protocol: p.protocol ?? "TCP" }))),
        });
    }
    return out;
}

export function releaseNamespace(c: ClusterManifests, release: string): string {
    const r = c.releases.find(x => x.release === release);
    if (!r) throw new Error(`${c.cluster}: no release ${release}`);
    return r.namespace;
}

/** matchLabels semantics: every selector label present with the same value (an empty selector matches all). */
export function labelsMatch(selector: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>>): boolean {
    return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

export interface ServicePort {
    readonly name?: string;
    readonly port: number;
    readonly targetPort?: number | string;
    readonly protocol?: string;
}

export interface ServiceView {
    readonly name: string;
    readonly namespace: string;
    readonly selector: Readonly<Record<string, string>>;
    readonly ports: readonly ServicePort[];
    readonly headless: boolean;
    readonly labels: Readonly<Record<string, string>>;
    /** Where it comes from: a release, or the operator at run time (with the reason). */
    readonly source: string;
}

export function renderedServices(c: ClusterManifests): ServiceView[] {
    return c.objects.filter(r => r.object.kind === "Service").map(r => {
        const spec = r.object.spec as { selector?: Record<string, string>; ports?: ServicePort[]; clusterIP?: string };
        return {
            name: r.object.metadata.name, namespace: r.object.metadata.namespace ?? releaseNamespace(c, r.release),
            selector: spec.selector ?? {}, ports: spec.ports ?? [], headless: spec.clusterIP === "None", labels: r.object.metadata.labels ?? {}, source: `release ${r.release}`,
        };
    });
}

/** Graph records of one cluster's cloud side, for the identity check. */
export type Records = readonly ResourceRecord[];
