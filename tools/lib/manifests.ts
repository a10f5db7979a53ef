/**
 * What each Helm release of a captured graph deploys, rendered by real Helm (tools/lib/helm.ts) with
 * the release's own name, namespace and values, and the cluster's Kubernetes version and API
 * versions. The CRDs releases render first: the API groups their CRDs define are passed to every
 * other release of the cluster (`--api-versions`), as the API server would report them after the
 * CRDs are installed. Releases render in parallel, bounded by the cores, and the offline preview
 * starts them while the program is still running (releaseRenderer).
 */
import type * as JsYaml from "js-yaml";
import { stringify } from "yaml";
import { CLUSTER_AUTOSCALER } from "../../components/render/clusterAutoscaler";
import { vendoredByPath } from "../../components/charts";
import type { ResourceRecord } from "./mock-runtime";
import { clusterOf } from "./report";
import { derivedFromCache, helmTemplate, HelmTemplateError, limiter } from "./helm";

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
    /** The API versions beyond the built-in ones Helm was given (`--api-versions`: the cluster's CRDs). */
    readonly apiVersions: readonly string[];
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
    return records.filter(r => r.type === RELEASE_TYPE || r.type === CHART_TYPE).map(r => specOf(r, byUrn));
}

function specOf(r: ResourceRecord, byUrn: ReadonlyMap<string, ResourceRecord>): ReleaseSpec {
    const cluster = clusterOf(r, byUrn);
    if (!cluster) throw new Error(`${r.name}: release outside an ObservabilityStack`);
    return { cluster, release: String(r.inputs.name ?? r.name), namespace: String(r.inputs.namespace), values: r.inputs.values ?? {}, record: r };
}

/**
 * Parses a multi-document manifest into its objects (empty documents dropped). js-yaml with the
 * YAML 1.2 core schema (no timestamps, no merge keys: what the `yaml` package reads too), a repeated
 * key keeping its last value (`json`, as `yaml` and the API server's decoder do, where js-yaml would
 * throw) and no depth limit below what JSON tolerates: the same objects, 4× faster than `yaml`'s
 * document model, which bulk manifests do not need (the CRDs' 4.5 MB: 0.4 s instead of 1.8 s, per
 * cluster, on every cold preview and every offline diff).
 */
export function parseManifest(manifest: string): K8sObject[] {
    // Loaded on first use: a preview without manifests parses none.
    const { CORE_SCHEMA, loadAll } = require("js-yaml") as typeof JsYaml;
    return loadAll(manifest, { schema: CORE_SCHEMA, json: true, maxDepth: 1000 }).filter((o): o is K8sObject => !!o && typeof o === "object" && !Array.isArray(o));
}

/** The cache kind of parsed objects: names the parser, so objects parsed by another one are not reused. */
const OBJECTS_KIND = "objects.js-yaml";

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
    return releaseRenderer(stack, kubeVersionOf).finish(records);
}

/** A render started early, with the API versions it was started with. */
interface Started {
    readonly apiVersions: Promise<readonly string[]>;
    readonly result: Promise<RenderedRelease>;
}

/**
 * Renders releases while the program is still registering resources. `onRecord` takes each record
 * as the mock runtime captures it (parents before children, and a release after the CRDs release it
 * depends on): a CRDs release starts Helm at once, another release as soon as the CRDs releases of
 * its cluster have rendered, so Helm runs on the other cores while the program goes on. `finish`
 * takes the whole graph and returns exactly what rendering it afterwards would: a release started
 * with other API versions than the finished graph gives (a CRDs release registered after it) is
 * rendered again. With no `onRecord` calls it is the plain two-phase render.
 */
export function releaseRenderer(stack: string, kubeVersionOf: (cluster: string) => string) {
    const run = limiter();
    const byUrn = new Map<string, ResourceRecord>();
    const started = new Map<string, Started>();
    const crdsOf = new Map<string, Promise<RenderedRelease>[]>();
    let failure: unknown;

    const render = (s: ReleaseSpec, apiVersions: readonly string[]) => run(async (): Promise<RenderedRelease> => {
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
        // The parsed objects are cached with the manifest (the CRDs are 4.5 MB of YAML).
        let objects: K8sObject[];
        try {
            objects = derivedFromCache(key, OBJECTS_KIND, () => parseManifest(manifest));
        } catch (e) {
            throw new ReleaseRenderError(`stack ${stack}, cluster ${s.cluster}, release ${s.release} (${chart.chart} ${chart.version}): Helm's output does not parse as YAML: ${(e as Error).message}`);
        }
        return { cluster: s.cluster, release: s.release, namespace: s.namespace, chart: chart.chart, version: chart.version, apiVersions, manifest, objects };
    });
    /** What the cluster's API server serves once these CRDs releases are installed. */
    const apiVersionsOf = (crds: readonly RenderedRelease[]) => crdApiVersions(crds.flatMap(r => r.objects));
    const start = (urn: string, apiVersions: Promise<readonly string[]>, spec: ReleaseSpec) => {
        const result = apiVersions.then(a => render(spec, a));
        result.catch(() => undefined); // awaited (and thrown) by finish
        started.set(urn, { apiVersions, result });
        return result;
    };

    const onRecord = (r: ResourceRecord): void => {
        if (failure !== undefined) return;
        try {
            byUrn.set(r.urn, r);
            if (r.type !== CHART_TYPE && r.type !== RELEASE_TYPE) return;
            const spec = specOf(r, byUrn);
            if (r.type === CHART_TYPE) {
                const crds = crdsOf.get(spec.cluster) ?? crdsOf.set(spec.cluster, []).get(spec.cluster)!;
                crds.push(start(r.urn, Promise.resolve([]), spec));
            } else {
                const crds = crdsOf.get(spec.cluster);
                // Without a CRDs release seen yet for its cluster, it waits for the whole graph.
                if (crds) start(r.urn, Promise.all([...crds]).then(apiVersionsOf), spec);
            }
        } catch (e) {
            failure = e;
        }
    };

    const finish = async (records: readonly ResourceRecord[]): Promise<RenderedRelease[]> => {
        if (failure !== undefined) throw failure;
        const specs = releaseSpecs(records);
        const resultOf = (s: ReleaseSpec, apiVersions: readonly string[]) => started.get(s.record.urn)?.result ?? render(s, apiVersions);
        const first = await Promise.all(specs.filter(s => s.record.type === CHART_TYPE).map(s => resultOf(s, [])));
        const rest = await Promise.all(specs.filter(s => s.record.type !== CHART_TYPE).map(async s => {
            const want = apiVersionsOf(first.filter(r => r.cluster === s.cluster));
            const early = started.get(s.record.urn);
            if (early && JSON.stringify(await early.apiVersions) === JSON.stringify(want)) return early.result;
            return render(s, want);
        }));
        return [...first, ...rest].sort((a, b) => a.cluster.localeCompare(b.cluster) || a.release.localeCompare(b.release));
    };

    /** How many renders started while the program ran (before finish). */
    const startedEarly = () => started.size;
    return { onRecord, finish, startedEarly };
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
