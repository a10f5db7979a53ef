/**
 * `npm run test:charts`: keys that do nothing. Every leaf value the program sets in every release's
 * Helm values is flipped, ONE AT A TIME (test/lib/flip.ts: booleans negated, numbers + 1, strings
 * suffixed or swapped for another value the chart's schema allows, empty maps and lists given an
 * entry), and that release alone is re-rendered with real Helm, exactly as the preview renders it
 * (same chart package, release, namespace, Kubernetes version and API versions). A flip that leaves
 * the manifest byte-for-byte unchanged means no template reads the key: the suite fails listing every
 * such key, unless NO_OP_EXCEPTIONS names it with its reason. A flip that Helm refuses (a chart's
 * validation) counts as a change: something reads the key.
 *
 * Bounded: the releases of one stack are grouped by release name; each leaf path is flipped once per
 * group, in the first cluster whose values have it (two prod clusters differ only where the cloud
 * does, e.g. s3 vs gcs keys, and those paths are flipped in their own cluster). Renders run in
 * parallel up to the cores (mapLimited) and go through Helm's template cache (.cache/helm-template),
 * so an unchanged rerun runs no Helm at all.
 */
import * as assert from "assert";
import { vendoredByPath } from "../components/charts";
import { unpackedChart } from "../tools/lib/charts";
import { pruneCachesReport } from "../tools/lib/cache";
import { helmTemplate, HelmTemplateError, mapLimited, templateStats } from "../tools/lib/helm";
import { CHART_TYPE, crdApiVersions, releaseSpecs, renderReleases, ReleaseSpec } from "../tools/lib/manifests";
import { flipValue, formatPath, leafPaths, LeafPath, readSchema, schemaEnum, valueAt, withLeaf } from "./lib/flip";
import { stackClusters } from "./lib/rendered";
import { runStack } from "./lib/run";

/** Keys that are set although flipping them changes no rendered object, each with why it stays. */
export const NO_OP_EXCEPTIONS: readonly { readonly stack: string; readonly release: string; readonly path: string; readonly reason: string }[] = [];

interface Flip {
    readonly spec: ReleaseSpec;
    readonly path: LeafPath;
}

interface Outcome {
    readonly stack: string;
    readonly release: string;
    readonly cluster: string;
    readonly path: string;
    readonly from: unknown;
    readonly to: unknown;
    readonly changed: boolean;
}

async function flipStack(stack: string): Promise<{ outcomes: Outcome[]; renders: number }> {
    const { records } = await runStack(stack);
    const versions = new Map(stackClusters(stack).map(c => [c.name, c.kubernetesVersion]));
    const baseline = await renderReleases(stack, records, c => versions.get(c)!);
    const apis = new Map<string, string[]>();
    for (const r of baseline.filter(b => b.release === "prometheus-operator-crds")) apis.set(r.cluster, crdApiVersions(r.objects));
    const manifestOf = new Map(baseline.map(r => [`${r.cluster}/${r.release}`, r.manifest]));

    const specs = releaseSpecs(records);
    const flips: Flip[] = [];
    const seen = new Set<string>();
    for (const spec of specs) {
        for (const p of leafPaths(spec.values)) {
            const key = `${spec.release}\u0000${JSON.stringify(p)}`;
            if (seen.has(key)) continue;
            seen.add(key);
            flips.push({ spec, path: p });
        }
    }
    const schemas = new Map<string, unknown>();
    const outcomes = await mapLimited(flips, async ({ spec, path: p }): Promise<Outcome> => {
        const chart = vendoredByPath(String(spec.record.inputs.chart));
        if (!chart) throw new Error(`${spec.release}: chart ${String(spec.record.inputs.chart)} is not vendored`);
        if (!schemas.has(chart.file)) schemas.set(chart.file, readSchema(unpackedChart(chart)));
        const from = valueAt(spec.values, p);
        const to = flipValue(from, schemaEnum(schemas.get(chart.file), p));
        let changed: boolean;
        try {
            const { manifest } = await helmTemplate({
                chart, release: spec.release, namespace: spec.namespace, values: withLeaf(spec.values, p, to),
                kubeVersion: versions.get(spec.cluster)!, apiVersions: spec.record.type === CHART_TYPE ? [] : apis.get(spec.cluster) ?? [],
            });
            changed = manifest !== manifestOf.get(`${spec.cluster}/${spec.release}`);
        } catch (e) {
            if (!(e instanceof HelmTemplateError)) throw e;
            changed = true; // the chart refuses the value: it reads the key
        }
        return { stack, release: spec.release, cluster: spec.cluster, path: formatPath(p), from, to, changed };
    });
    return { outcomes, renders: flips.length };
}

describe("keys that do nothing: every value the program sets changes what Helm renders", function () {
    this.timeout(0);
    const outcomes: Outcome[] = [];
    // About 1,200 renders land in .cache/helm-template: keep it within its budget (tools/lib/cache.ts).
    after(() => pruneCachesReport().forEach(line => console.log(`      ${line}`)));

    for (const stack of ["dev", "prod"]) {
        it(`${stack}: flips every leaf of every release one at a time and re-renders that release`, async () => {
            const started = Date.now();
            const runs = templateStats.helmRuns;
            const result = await flipStack(stack);
            outcomes.push(...result.outcomes);
            console.log(`      ${stack}: ${result.renders} flips, ${templateStats.helmRuns - runs} Helm runs (the rest cached), ${((Date.now() - started) / 1000).toFixed(1)} s`);
            const noOps = result.outcomes.filter(o => !o.changed && !NO_OP_EXCEPTIONS.some(x => x.stack === o.stack && x.release === o.release && x.path === o.path));
            assert.deepStrictEqual(noOps.map(o => `${o.release} ${o.path} (${JSON.stringify(o.from)} -> ${JSON.stringify(o.to)}, cluster ${o.cluster})`), [],
                "keys whose flip changes no rendered object: remove them, or list them with their reason in NO_OP_EXCEPTIONS");
        });
    }

    it("every exception is still a key that is set and changes nothing", () => {
        for (const x of NO_OP_EXCEPTIONS) {
            const found = outcomes.filter(o => o.stack === x.stack && o.release === x.release && o.path === x.path);
            assert.ok(found.length > 0, `exception ${x.stack} ${x.release} ${x.path}: the program no longer sets it`);
            assert.ok(found.every(o => !o.changed), `exception ${x.stack} ${x.release} ${x.path}: flipping it now changes the manifest`);
        }
    });
});
