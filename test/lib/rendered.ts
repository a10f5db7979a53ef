/** Test helpers: the committed stacks rendered by real Helm (cached on disk by tools/lib/helm.ts), and lookups in them. */
import * as assert from "assert";
import { parse } from "yaml";
import { readStackFile } from "../../tools/lib/stack-file";
import { K8sObject, RenderedRelease, renderReleases } from "../../tools/lib/manifests";
import { runStack } from "./run";

interface ClusterFacts { readonly name: string; readonly kubernetesVersion: string; readonly nodePool: { readonly min: number } }

/** The clusters of a committed stack as its file declares them. */
export function stackClusters(stack: string): ClusterFacts[] {
    return readStackFile(stack).config.clusters as ClusterFacts[];
}

const cache = new Map<string, Promise<RenderedRelease[]>>();

/** Every release of a committed stack, rendered with each cluster's Kubernetes version (once per mocha process). */
export function renderedStack(stack: string): Promise<RenderedRelease[]> {
    if (!cache.has(stack)) {
        const versions = new Map(stackClusters(stack).map(c => [c.name, c.kubernetesVersion]));
        cache.set(stack, runStack(stack).then(({ records }) => renderReleases(stack, records, c => versions.get(c)!)));
    }
    return cache.get(stack)!;
}

export function release(rendered: readonly RenderedRelease[], cluster: string, name: string): RenderedRelease {
    const found = rendered.find(r => r.cluster === cluster && r.release === name);
    assert.ok(found, `no release ${name} in cluster ${cluster}`);
    return found;
}

export function objectsOf(r: RenderedRelease, kind: string): K8sObject[] {
    return r.objects.filter(o => o.kind === kind);
}

export function object(r: RenderedRelease, kind: string, name: string): K8sObject {
    const found = r.objects.filter(o => o.kind === kind && o.metadata.name === name);
    assert.strictEqual(found.length, 1, `${r.cluster}/${r.release}: expected one ${kind}/${name}, found ${found.length}`);
    return found[0]!;
}

/** A YAML document stored under `key` of a rendered ConfigMap, parsed. */
export function configMapYaml(r: RenderedRelease, name: string, key: string): Record<string, any> {
    const data = (object(r, "ConfigMap", name) as unknown as { data: Record<string, string> }).data;
    assert.ok(typeof data[key] === "string", `${r.release}: ConfigMap ${name} has no ${key}`);
    return parse(data[key]!) as Record<string, any>;
}

/** The collector config a release runs (the chart's ConfigMap `<release>`, key `relay`). */
export function collectorConfig(r: RenderedRelease): Record<string, any> {
    return configMapYaml(r, r.release, "relay");
}
