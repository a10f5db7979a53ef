/**
 * Pure views of a captured resource graph: the console tree, plan.json and summary.md of
 * `npm run preview:offline`.
 */
import type { ResourceRecord } from "./mock-runtime";
import type { Environment } from "../../stacks/schema";
import { retentionOf } from "../../stacks/program";
import { bucketExpirationDays } from "../../components/retention";
import { DEFAULT_SECONDS, TYPICAL_SECONDS } from "../../components/durations";
import { vendoredByPath } from "../../components/charts";

/** The chart name of a release record (its `chart` input is the vendored package's path). */
export function chartNameOf(r: ResourceRecord): string {
    const input = String(r.inputs.chart);
    return vendoredByPath(input)?.chart ?? input;
}
import { quotaMarkdown } from "../../components/quotas";

/** A resource as plan.json shows it: the captured record without the raw (unredacted) inputs. */
export type PlanResource = Pick<ResourceRecord, "urn" | "type" | "name" | "custom" | "parent" | "dependencies" | "protect" | "retainOnDelete" | "provider" | "inputs">;

export function planOf(stack: string, records: readonly ResourceRecord[]) {
    const resources: PlanResource[] = [...records]
        .sort((a, b) => a.urn.localeCompare(b.urn))
        .map(r => ({
            urn: r.urn, type: r.type, name: r.name, custom: r.custom, parent: r.parent, dependencies: r.dependencies,
            protect: r.protect, retainOnDelete: r.retainOnDelete, provider: r.provider, inputs: r.inputs,
        }));
    return { project: "observability", stack, resourceCount: resources.length, resources };
}

export function countsByType(records: readonly ResourceRecord[]): [string, number][] {
    const counts = new Map<string, number>();
    for (const r of records) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
    return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

function childrenOf(records: readonly ResourceRecord[]) {
    const children = new Map<string, ResourceRecord[]>();
    for (const r of records) {
        const list = children.get(r.parent) ?? [];
        list.push(r);
        children.set(r.parent, list);
    }
    for (const list of children.values()) list.sort((a, b) => Number(a.custom) - Number(b.custom) || a.name.localeCompare(b.name));
    return children;
}

/** The console tree: components nested, their resources grouped by type with counts. */
export function renderTree(stack: string, records: readonly ResourceRecord[]): string {
    const children = childrenOf(records);
    const components = records.filter(r => !r.custom).length;
    const lines = [`observability/${stack}: ${records.length} resources (${components} components, ${records.length - components} custom resources)`];
    const walk = (parent: string, indent: string) => {
        const kids = children.get(parent) ?? [];
        const comps = kids.filter(k => !k.custom && !k.type.startsWith("pulumi:providers:"));
        const customs = kids.filter(k => k.custom);
        const byType = new Map<string, string[]>();
        for (const c of customs) byType.set(c.type, [...(byType.get(c.type) ?? []), c.name]);
        const entries: { text: string; urn?: string }[] = [
            ...[...byType.entries()].map(([type, names]) => ({ text: `${type} ×${names.length}: ${names.join(", ")}` })),
            ...comps.map(c => ({ text: `${c.type} ${c.name} (${countDescendants(c.urn, children)} resources)`, urn: c.urn })),
        ];
        entries.forEach((e, i) => {
            const last = i === entries.length - 1;
            lines.push(`${indent}${last ? "└─ " : "├─ "}${e.text}`);
            if (e.urn) walk(e.urn, indent + (last ? "   " : "│  "));
        });
    };
    walk("", "");
    return lines.join("\n");
}

function countDescendants(urn: string, children: Map<string, ResourceRecord[]>): number {
    return (children.get(urn) ?? []).reduce((n, c) => n + 1 + countDescendants(c.urn, children), 0);
}

/** Mermaid flowchart of the components and their nesting. */
export function mermaid(records: readonly ResourceRecord[]): string {
    const comps = records.filter(r => !r.custom);
    const ids = new Map(comps.map((c, i) => [c.urn, `c${i}`]));
    const children = childrenOf(records);
    const lines = ["flowchart TD"];
    for (const c of comps) {
        const customs = (children.get(c.urn) ?? []).filter(k => k.custom).length;
        lines.push(`  ${ids.get(c.urn)}["${c.type}<br/>${c.name}${customs ? ` (${customs})` : ""}"]`);
    }
    for (const c of comps) if (ids.has(c.parent)) lines.push(`  ${ids.get(c.parent)} --> ${ids.get(c.urn)}`);
    return lines.join("\n");
}

export function summaryMarkdown(stack: string, env: Environment, records: readonly ResourceRecord[], extraSections: readonly string[] = []): string {
    const retention = retentionOf(env);
    const out: string[] = [`# observability/${stack}: offline preview`, "",
        `Tier **${env.tier}**, ${env.clusters.length} cluster(s), ${records.length} resources. Generated by \`npm run preview:offline -- --stack ${stack}\` under the Pulumi mock runtime; secrets are placeholders.`, ""];
    out.push("## Retention and sampling per cluster", "",
        "| cluster | cloud | region | metrics | logs (bucket expiry) | traces (bucket expiry) | sampled | always kept | scrape |",
        "|---|---|---|---|---|---|---|---|---|");
    for (const c of env.clusters) {
        out.push(`| ${c.name} | ${c.cloud} | ${c.region} | ${env.retention.metrics} | ${env.retention.logs} (${bucketExpirationDays("lokiChunks", retention)}d) | ${env.retention.traces} (${bucketExpirationDays("tempo", retention)}d) | ${env.sampling.percentage} % | errors, slower than ${env.sampling.latencyThreshold} | ${env.scrapeInterval} |`);
    }
    out.push("", quotaMarkdown(env));
    out.push("", "## Resources by type", "", "| type | count |", "|---|---|");
    for (const [type, n] of countsByType(records)) out.push(`| \`${type}\` | ${n} |`);
    out.push("", "## Components", "", "```mermaid", mermaid(records), "```", "");
    for (const s of extraSections) out.push(s, "");
    return out.join("\n");
}

// ---- critical path ----

export interface PathStep { readonly name: string; readonly type: string; readonly seconds: number; readonly finish: number }

/** Seconds one resource typically takes to create (components are free; releases by chart). */
export function typicalSeconds(r: ResourceRecord): number {
    if (r.type === "kubernetes:helm.sh/v3:Release") return TYPICAL_SECONDS[`helm:${chartNameOf(r)}`] ?? DEFAULT_SECONDS;
    if (r.type.startsWith("pulumi:providers:") || (!r.custom && r.type.startsWith("obs:"))) return 0;
    return TYPICAL_SECONDS[r.type] ?? DEFAULT_SECONDS;
}

/**
 * The longest chain of dependencies (explicit, through inputs, and on a resource's provider) by
 * typical create time: the estimated duration of a first `pulumi up` with unlimited parallelism.
 */
export function criticalPath(records: readonly ResourceRecord[]): { seconds: number; chain: PathStep[]; finish: Map<string, number> } {
    const byUrn = new Map(records.map(r => [r.urn, r]));
    const finish = new Map<string, number>();
    const via = new Map<string, string | undefined>();
    const visit = (urn: string, stack: Set<string>): number => {
        const known = finish.get(urn);
        if (known !== undefined) return known;
        const r = byUrn.get(urn);
        if (!r) return 0;
        if (stack.has(urn)) throw new Error(`dependency cycle through ${urn}`);
        stack.add(urn);
        const deps = [...r.dependencies, ...(r.provider ? [r.provider.split("::").slice(0, -1).join("::")] : [])];
        let start = 0;
        let from: string | undefined;
        for (const d of deps) {
            const f = visit(d, stack);
            if (f > start) { start = f; from = d; }
        }
        stack.delete(urn);
        const end = start + typicalSeconds(r);
        finish.set(urn, end);
        via.set(urn, from);
        return end;
    };
    let last: string | undefined;
    for (const r of records) if (visit(r.urn, new Set()) > (last ? finish.get(last)! : -1)) last = r.urn;
    const chain: PathStep[] = [];
    for (let u = last; u; u = via.get(u)) {
        const r = byUrn.get(u)!;
        if (typicalSeconds(r) > 0) chain.unshift({ name: r.name, type: r.type, seconds: typicalSeconds(r), finish: finish.get(u)! });
    }
    return { seconds: last ? finish.get(last)! : 0, chain, finish };
}

export function criticalPathMarkdown(records: readonly ResourceRecord[]): string {
    const { seconds, chain, finish } = criticalPath(records);
    const min = (s: number) => `${(s / 60).toFixed(1)} min`;
    const out = [`## Estimated critical path of a first deploy: ${min(seconds)}`, "",
        "Longest chain of dependencies by typical create time (components/durations.ts), assuming unlimited parallelism.", "",
        "| step | kind | typical | done at |", "|---|---|---|---|"];
    for (const s of chain) out.push(`| ${s.name} | \`${s.type}\` | ${s.seconds} s | ${min(s.finish)} |`);
    const releases = records.filter(r => r.type.startsWith("kubernetes:helm.sh/"));
    if (releases.length) {
        out.push("", "Every release, when it is expected to be ready:", "", "| release | chart | ready at |", "|---|---|---|");
        for (const r of [...releases].sort((a, b) => finish.get(b.urn)! - finish.get(a.urn)!)) {
            out.push(`| ${r.name} | ${chartNameOf(r)} ${String(r.inputs.version)} | ${min(finish.get(r.urn)!)} |`);
        }
    }
    return out.join("\n");
}

// ---- generated files per cluster ----

/**
 * The cluster a resource belongs to: the `cluster` input of its ObservabilityStack ancestor, or the
 * name of its ClusterPlatform ancestor (cluster add-ons such as the EKS Cluster Autoscaler).
 */
export function clusterOf(r: ResourceRecord, byUrn: ReadonlyMap<string, ResourceRecord>): string | undefined {
    for (let p: ResourceRecord | undefined = r; p; p = byUrn.get(p.parent)) {
        if (p.type === "obs:k8s:ObservabilityStack") return String(p.inputs.cluster);
        if (p.type === "obs:aws:ClusterPlatform" || p.type === "obs:gcp:ClusterPlatform") return p.name;
    }
    return undefined;
}

/** One file per Helm release: what it deploys, from its registered inputs. */
export function helmReleaseFiles(records: readonly ResourceRecord[]): { cluster: string; release: string; content: Record<string, unknown> }[] {
    const byUrn = new Map(records.map(r => [r.urn, r]));
    return records.filter(r => r.type === "kubernetes:helm.sh/v3:Release" || r.type === "kubernetes:helm.sh/v4:Chart").map(r => {
        const cluster = clusterOf(r, byUrn);
        if (!cluster) throw new Error(`${r.name}: release outside an ObservabilityStack`);
        const inputs = r.inputs as Record<string, any>;
        const release = String(inputs.name ?? r.name);
        return {
            cluster, release,
            content: {
                release, resource: r.type, chart: chartNameOf(r), package: inputs.chart, repository: vendoredByPath(String(inputs.chart))?.repository,
                version: inputs.version,
                namespace: inputs.namespace, values: inputs.values ?? {},
            },
        };
    });
}
