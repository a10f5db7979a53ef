/**
 * What each Helm release of a captured graph deploys, rendered by real Helm (tools/lib/helm.ts) with
 * the release's own name, namespace and values, and the cluster's Kubernetes version and API
 * versions. The CRDs releases render first: the API groups their CRDs define are passed to every
 * other release of the cluster (`--api-versions`), as the API server would report them after the
 * CRDs are installed. Releases of one phase render in parallel, bounded by the cores.
 */
import { parseAllDocuments, stringify } from "yaml";
import { CLUSTER_AUTOSCALER } from "../../components/render/clusterAutoscaler";
import { vendoredByPath } from "../../components/charts";
import type { ResourceRecord } from "./mock-runtime";
import { clusterOf } from "./report";
import { derivedFromCache, helmTemplate, HelmTemplateError, mapLimited } from "./helm";

export const RELEASE_TYPE = "kubernetes:helm.sh/v3:Release";
export const CHART_TYPE = "kubernetes:helm.sh/v4:Chart";

/** A Kubernetes object as Helm renders it. */
export interface K8sObject {
    readonly apiVersion: string;
    readonly kind: string;
    readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Record<string, string>; readonly annotations?: Record<string, string> };
    readonly [key: string]: unknown;
}

export interface RenderedRelease {
    readonly cluster: string;
    readonly release: string;
    readonly namespace: string;
    readonly chart: string;
    readonly version: string;
    /** The manifest exactly as Helm printed it. */
    readonly manifest: string;
    readonly objects: readonly K8sObject[];
}

export class ReleaseRenderError extends Error {}

/** One release to render, from its record. */
export interface ReleaseSpec {
    readonly cluster: string;
    readonly release: string;
    readonly namespace: string;
    readonly values: unknown;
    readonly record: ResourceRecord;
}

/** The releases of a graph (Helm v3 Releases and v4 Charts), with their cluster. */
export function releaseSpecs(records: readonly ResourceRecord[]): ReleaseSpec[] {
    const byUrn = new Map(records.map(r => [r.urn, r]));
    return records.filter(r => r.type === RELEASE_TYPE || r.type === CHART_TYPE).map(r => {
        const cluster = clusterOf(r, byUrn);
        if (!cluster) throw new Error(`${r.name}: release outside an ObservabilityStack`);
        return { cluster, release: String(r.inputs.name ?? r.name), namespace: String(r.inputs.namespace), values: r.inputs.values ?? {}, record: r };
    });
}

/** Parses a multi-document manifest into its objects (empty documents dropped). */
export function parseManifest(manifest: string): K8sObject[] {
    return parseAllDocuments(manifest).map(d => d.toJS({ maxAliasCount: -1 }) as K8sObject | null).filter((o): o is K8sObject => !!o && typeof o === "object");
}

/** `group/version` of every version that the CRDs among `objects` serve. */
export function crdApiVersions(objects: readonly K8sObject[]): string[] {
    const out = new Set<string>();
    for (const o of objects) {
        if (o.kind !== "CustomResourceDefinition") continue;
        const spec = o.spec as { group: string; versions: { name: string; served?: boolean }[] };
        for (const v of spec.versions) if (v.served !== false) out.add(`${spec.group}/${v.name}`);
    }
    return [...out].sort();
}

/**
 * Renders every release of the graph. `kubeVersionOf(cluster)` gives the cluster's Kubernetes minor.
 * A release that does not render throws a ReleaseRenderError naming stack, cluster and release with
 * Helm's own message.
 */
export async function renderReleases(stack: string, records: readonly ResourceRecord[], kubeVersionOf: (cluster: string) => string): Promise<RenderedRelease[]> {
    const specs = releaseSpecs(records);
    const render = async (s: ReleaseSpec, apiVersions: readonly string[]): Promise<RenderedRelease> => {
        const chartInput = String(s.record.inputs.chart);
        const chart = vendoredByPath(chartInput);
        if (!chart) throw new ReleaseRenderError(`stack ${stack}, cluster ${s.cluster}, release ${s.release}: chart ${chartInput} is not a vendored package (charts/lock.json)`);
        let result;
        try {
            result = await helmTemplate({ chart, release: s.release, namespace: s.namespace, values: s.values, kubeVersion: kubeVersionOf(s.cluster), apiVersions });
        } catch (e) {
            if (e instanceof HelmTemplateError) throw new ReleaseRenderError(`stack ${stack}, cluster ${s.cluster}, release ${s.release} (${chart.chart} ${chart.version}) does not render: ${e.message}`);
            throw e;
        }
        const { manifest, key } = result;
        // Parsing the CRDs' 4.5 MB of YAML costs seconds; the parsed objects are cached with the manifest.
        const objects = derivedFromCache(key, "objects", () => parseManifest(manifest));
        return { cluster: s.cluster, release: s.release, namespace: s.namespace, chart: chart.chart, version: chart.version, manifest, objects };
    };
    const crdPhase = specs.filter(s => s.record.type === CHART_TYPE);
    const first = await mapLimited(crdPhase, s => render(s, []));
    const apis = new Map<string, string[]>();
    for (const r of first) apis.set(r.cluster, [...new Set([...(apis.get(r.cluster) ?? []), ...crdApiVersions(r.objects)])].sort());
    const rest = await mapLimited(specs.filter(s => s.record.type !== CHART_TYPE), s => render(s, apis.get(s.cluster) ?? []));
    return [...first, ...rest].sort((a, b) => a.cluster.localeCompare(b.cluster) || a.release.localeCompare(b.release));
}

/** Objects per kind of one release, sorted by kind. */
export function kindCounts(r: RenderedRelease): [string, number][] {
    const counts = new Map<string, number>();
    for (const o of r.objects) counts.set(o.kind, (counts.get(o.kind) ?? 0) + 1);
    return [...counts.entries()].sort((a, b) => a[0].localeCompare(b[0]));
}

/** summary.md section: objects per release and kind. */
export function manifestsMarkdown(rendered: readonly RenderedRelease[]): string {
    const out = ["## Rendered Kubernetes objects", "",
        "Every release rendered by `helm template` from its vendored package (out/<stack>/<cluster>/manifests/<release>.yaml).", "",
        "| cluster | release | chart | objects | by kind |", "|---|---|---|---|---|"];
    for (const r of rendered) {
        out.push(`| ${r.cluster} | ${r.release} | ${r.chart} ${r.version} | ${r.objects.length} | ${kindCounts(r).map(([k, n]) => `${k} ${n}`).join(", ")} |`);
    }
    return out.join("\n");
}

/**
 * Components that deploy our own manifests (one Pulumi resource per Kubernetes object, no chart),
 * and the file each writes to out/<stack>/<cluster>/manifests/.
 */
export const OWN_MANIFESTS: Readonly<Record<string, string>> = { "obs:k8s:ClusterAutoscaler": `${CLUSTER_AUTOSCALER.name}.yaml` };

/** Install order of the kinds in an own-manifests file (the order Helm applies them in). */
const KIND_ORDER = ["Namespace", "ServiceAccount", "Secret", "ConfigMap", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "Service", "Deployment", "PodDisruptionBudget"];

export interface OwnManifest {
    readonly cluster: string;
    /** File name under out/<stack>/<cluster>/manifests/. */
    readonly file: string;
    readonly manifest: string;
    readonly objects: readonly K8sObject[];
}

/**
 * The Kubernetes objects of every OWN_MANIFESTS component of a graph, exactly as registered (each
 * child resource's inputs), one multi-document manifest per component, objects in install order.
 */
export function ownManifests(records: readonly ResourceRecord[]): OwnManifest[] {
    const byUrn = new Map(records.map(r => [r.urn, r]));
    const rank = (kind: string) => (KIND_ORDER.includes(kind) ? KIND_ORDER.indexOf(kind) : KIND_ORDER.length);
    return records.filter(r => OWN_MANIFESTS[r.type] !== undefined).map(component => {
        const cluster = clusterOf(component, byUrn);
        if (!cluster) throw new Error(`${component.name}: ${component.type} outside a cluster`);
        const objects = records.filter(r => r.parent === component.urn && r.custom && r.type.startsWith("kubernetes:"))
            .map(r => r.inputs as unknown as K8sObject)
            .sort((a, b) => rank(a.kind) - rank(b.kind) || a.metadata.name.localeCompare(b.metadata.name));
        const manifest = objects.map(o => stringify(o, { lineWidth: 0 })).join("---\n");
        return { cluster, file: OWN_MANIFESTS[component.type], manifest, objects };
    }).sort((a, b) => a.cluster.localeCompare(b.cluster) || a.file.localeCompare(b.file));
}
