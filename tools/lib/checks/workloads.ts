/**
 * Checks on the workloads themselves: identity (pods that reach a bucket run under a service account
 * the cloud trusts), rollouts (none can deadlock at the minimum node count) and resources (every
 * container has requests and a memory limit).
 */
import type { K8sObject } from "../manifests";
import type { ResourceRecord } from "../mock-runtime";
import type { ClusterManifests, Container, Finding, PodTemplate } from "./model";
import { labelsMatch, podTemplates } from "./model";

// ---- identity ----

export const IDENTITY_ANNOTATION = { aws: "eks.amazonaws.com/role-arn", gcp: "iam.gke.io/gcp-service-account" } as const;

/** The buckets of one cluster, by name, from the captured graph. */
export function clusterBuckets(records: readonly ResourceRecord[], cluster: string): string[] {
    return records.filter(r => (r.type === "aws:s3/bucket:Bucket" && (r.inputs.tags as Record<string, string> | undefined)?.["obs-cluster"] === cluster)
        || (r.type === "gcp:storage/bucket:Bucket" && (r.inputs.labels as Record<string, string> | undefined)?.["obs-cluster"] === cluster))
        .map(r => String(r.outputs.bucket ?? r.outputs.name ?? r.inputs.name ?? r.name));
}

/**
 * The identity the cloud lets `<namespace>/<serviceAccount>` of this cluster use: the IRSA role whose
 * trust names `system:serviceaccount:<ns>:<sa>`, or the Google service account with a Workload
 * Identity binding for `<project>.svc.id.goog[<ns>/<sa>]`. Returns the annotation value expected.
 */
export function trustedIdentity(records: readonly ResourceRecord[], c: ClusterManifests, namespace: string, serviceAccount: string): string | undefined {
    if (c.cloud === "aws") {
        const role = records.find(r => r.type === "aws:iam/role:Role" && (r.inputs.tags as Record<string, string> | undefined)?.["obs-cluster"] === c.cluster
            && String(r.inputs.assumeRolePolicy ?? "").includes(`"system:serviceaccount:${namespace}:${serviceAccount}"`));
        return role ? String(role.outputs.arn) : undefined;
    }
    const binding = records.find(r => r.type === "gcp:serviceaccount/iAMMember:IAMMember" && r.name.startsWith(`${c.cluster}-`)
        && r.inputs.role === "roles/iam.workloadIdentityUser" && String(r.inputs.member).endsWith(`.svc.id.goog[${namespace}/${serviceAccount}]`));
    return binding ? String(binding.inputs.serviceAccountId).split("/serviceAccounts/")[1] : undefined;
}

/** Whether the pod's config (mounted ConfigMaps and Secrets, args, env) names one of the buckets. */
export function talksToBucket(c: ClusterManifests, p: PodTemplate, buckets: readonly string[]): boolean {
    if (!p.spec || buckets.length === 0) return false;
    const mounted = new Set((p.spec.volumes ?? []).flatMap(v => [v.configMap?.name, v.secret?.secretName]).filter((x): x is string => !!x));
    const texts = c.objects.filter(r => (r.object.kind === "ConfigMap" || r.object.kind === "Secret") && (r.object.metadata.namespace ?? p.namespace) === p.namespace && mounted.has(r.object.metadata.name))
        .map(r => JSON.stringify([(r.object as { data?: unknown }).data, (r.object as { stringData?: unknown }).stringData]));
    const containers = [...p.spec.containers, ...(p.spec.initContainers ?? [])];
    texts.push(JSON.stringify(containers.map(ct => [ct.args, ct.env])));
    return texts.some(t => buckets.some(b => t.includes(b)));
}

export function identityFindings(c: ClusterManifests, records: readonly ResourceRecord[]): Finding[] {
    const out: Finding[] = [];
    const buckets = clusterBuckets(records, c.cluster);
    if (buckets.length === 0) return [{ check: "identity", stack: c.stack, cluster: c.cluster, subject: c.cluster, message: "no bucket of this cluster in the graph" }];
    const users = podTemplates(c).filter(p => talksToBucket(c, p, buckets));
    if (users.length === 0) out.push({ check: "identity", stack: c.stack, cluster: c.cluster, subject: c.cluster, message: `no pod's config names a bucket (${buckets.join(", ")})` });
    const key = IDENTITY_ANNOTATION[c.cloud];
    for (const p of users) {
        const sa = p.spec!.serviceAccountName ?? "default";
        const subject = `${p.release}/${p.owner.kind}/${p.owner.metadata.name}`;
        const account = c.objects.find(r => r.object.kind === "ServiceAccount" && r.object.metadata.name === sa && (r.object.metadata.namespace ?? p.namespace) === p.namespace);
        const value = account?.object.metadata.annotations?.[key];
        const expected = trustedIdentity(records, c, p.namespace, sa);
        if (!account) out.push({ check: "identity", stack: c.stack, cluster: c.cluster, subject, message: `talks to a bucket under service account ${p.namespace}/${sa}, which no release renders` });
        else if (!value) out.push({ check: "identity", stack: c.stack, cluster: c.cluster, subject, message: `talks to a bucket under service account ${p.namespace}/${sa}, which has no ${key} annotation` });
        else if (value !== expected) out.push({ check: "identity", stack: c.stack, cluster: c.cluster, subject, message: `service account ${p.namespace}/${sa} is annotated ${key}: ${value}, but the identity the cloud trusts for it is ${expected ?? "none"}` });
    }
    return out;
}

// ---- rollouts ----

const HOSTNAME = "kubernetes.io/hostname";

/** IntOrString percentage of `n`, rounded up (maxSurge) or down (maxUnavailable), as the Deployment controller does. */
export function scaled(v: number | string | undefined, n: number, fallback: string, roundUp: boolean): number {
    const x = v ?? fallback;
    if (typeof x === "number") return x;
    const pct = Number(x.replace("%", "")) / 100 * n;
    return roundUp ? Math.ceil(pct) : Math.floor(pct);
}

function requiredHostAntiAffinity(p: PodTemplate): boolean {
    return (p.spec?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [])
        .some(t => t.topologyKey === HOSTNAME && labelsMatch(t.labelSelector?.matchLabels ?? {}, p.labels));
}

/**
 * A workload whose pods may not share a node (required anti-affinity on the hostname) deadlocks at
 * `minNodes` nodes when it runs more replicas than nodes, or when a Deployment's rollout needs a
 * surge pod it cannot place while it may take none down (replicas + maxSurge > nodes with
 * maxUnavailable 0): the new pod stays Pending and an atomic upgrade times out.
 */
export function rolloutFindings(c: ClusterManifests): Finding[] {
    const out: Finding[] = [];
    const n = c.minNodes;
    for (const p of podTemplates(c)) {
        const o = p.owner;
        if ((o.kind !== "Deployment" && o.kind !== "StatefulSet") || !requiredHostAntiAffinity(p)) continue;
        const replicas = replicasOf(c, o);
        const subject = `${p.release}/${o.kind}/${o.metadata.name}`;
        const where = { check: "rollout" as const, stack: c.stack, cluster: c.cluster, subject };
        if (replicas > n) {
            out.push({ ...where, message: `${replicas} replicas with required anti-affinity on ${HOSTNAME} cannot all run on the minimum of ${n} nodes` });
            continue;
        }
        if (o.kind === "Deployment") {
            const strategy = (o.spec as { strategy?: { type?: string; rollingUpdate?: { maxSurge?: number | string; maxUnavailable?: number | string } } }).strategy;
            if (strategy?.type === "Recreate") continue;
            const surge = scaled(strategy?.rollingUpdate?.maxSurge, replicas, "25%", true);
            const unavailable = scaled(strategy?.rollingUpdate?.maxUnavailable, replicas, "25%", false);
            if (surge > 0 && unavailable === 0 && replicas + surge > n) {
                out.push({ ...where, message: `a rollout adds ${surge} surge pod(s) to ${replicas} replicas with required anti-affinity on ${HOSTNAME} and maxUnavailable 0: at the minimum of ${n} nodes the surge pod never schedules and the rollout deadlocks` });
            }
        }
    }
    return out;
}

/** Replicas, or an HPA's minimum when an HPA scales the workload. */
function replicasOf(c: ClusterManifests, o: K8sObject): number {
    const hpa = c.objects.map(r => r.object).find(h => h.kind === "HorizontalPodAutoscaler" && (h.spec as { scaleTargetRef: { kind: string; name: string } }).scaleTargetRef.kind === o.kind
        && (h.spec as { scaleTargetRef: { name: string } }).scaleTargetRef.name === o.metadata.name);
    const declared = Number((o.spec as { replicas?: number }).replicas ?? 1);
    return hpa ? Math.max(declared, Number((hpa.spec as { minReplicas?: number }).minReplicas ?? 1)) : declared;
}

// ---- resources ----

function resourceGaps(r: Container["resources"]): string[] {
    const gaps: string[] = [];
    if (r?.requests?.cpu === undefined) gaps.push("requests.cpu");
    if (r?.requests?.memory === undefined) gaps.push("requests.memory");
    if (r?.limits?.memory === undefined) gaps.push("limits.memory");
    return gaps;
}

/** Every container and init container (and the Prometheus/Alertmanager CRs' main containers) has CPU and memory requests and a memory limit. */
export function resourceFindings(c: ClusterManifests): Finding[] {
    const out: Finding[] = [];
    for (const p of podTemplates(c)) {
        const subject = `${p.release}/${p.owner.kind}/${p.owner.metadata.name}`;
        const where = { check: "resources" as const, stack: c.stack, cluster: c.cluster };
        if (!p.spec) {
            const gaps = resourceGaps((p.owner.spec as { resources?: Container["resources"] }).resources);
            if (gaps.length) out.push({ ...where, subject, message: `spec.resources lacks ${gaps.join(", ")}` });
            continue;
        }
        for (const [kind, list] of [["container", p.spec.containers], ["init container", p.spec.initContainers ?? []]] as const) {
            for (const ct of list) {
                const gaps = resourceGaps(ct.resources);
                if (gaps.length) out.push({ ...where, subject: `${subject}/${ct.name}`, message: `${kind} ${ct.name} lacks ${gaps.join(", ")}` });
            }
        }
    }
    return out;
}

