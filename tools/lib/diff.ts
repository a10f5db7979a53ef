/**
 * The core of `npm run diff:offline`: compares two offline preview outputs (out/<stack>/ of a base
 * ref and of the working tree) and renders the result as JSON and as Markdown that fits one GitHub
 * PR comment.
 *
 * Compared: plan.json resources (added, removed, changed with the changed inputs and options),
 * the rendered Kubernetes objects per release (<cluster>/manifests/<release>.yaml, multi-document
 * YAML: objects added, removed, and changed fields) and the policy results (policy.json: violations
 * that appear or go away). Files absent on one side (an old base ref predates them) are reported as
 * such and that part is skipped. Secrets are masked.
 */
import * as fs from "fs";
import * as path from "path";
import { clusterForNames, formatPropertyPath, inlineValue, isSecretPath, leafChanges, MASK, maskSecrets, parseUrn, STACK_WIDE } from "./diff-values";
import { parseManifest } from "./manifests";

/** GitHub's limit for an issue or PR comment body, in characters. */
export const COMMENT_LIMIT = 65536;

export interface PlanResource {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    readonly custom: boolean;
    readonly parent?: string;
    readonly dependencies?: string[];
    readonly protect?: boolean;
    readonly retainOnDelete?: boolean;
    readonly provider?: string;
    readonly inputs?: Record<string, unknown>;
}

export interface PolicyViolation {
    readonly policy: string;
    readonly urn: string;
    readonly message: string;
    readonly enforcementLevel: "mandatory" | "advisory" | string;
}

export interface K8sObject {
    readonly apiVersion?: string;
    readonly kind?: string;
    readonly metadata?: { name?: string; namespace?: string };
    readonly [k: string]: unknown;
}

/** One side of the comparison, as read from out/<stack>/. */
export interface Side {
    readonly resources: PlanResource[] | null;
    /** cluster → release → objects; null when the side has no manifests directory at all. */
    readonly manifests: Map<string, Map<string, K8sObject[]>> | null;
    readonly policy: PolicyViolation[] | null;
}

export interface Change {
    readonly path: string;
    readonly kind: "add" | "delete" | "update";
    readonly old: unknown;
    readonly new: unknown;
}

export interface ResourceRef {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    readonly cluster: string;
}

export interface ReleaseDiff {
    readonly cluster: string;
    readonly release: string;
    readonly added: string[];
    readonly removed: string[];
    readonly changed: { object: string; changes: Change[] }[];
}

export interface DiffResult {
    readonly stack: string;
    readonly base: string;
    readonly head: string;
    readonly changed: boolean;
    readonly notes: string[];
    readonly resources: { added: ResourceRef[]; removed: ResourceRef[]; changed: (ResourceRef & { changes: Change[] })[] };
    readonly manifests: { compared: boolean; releases: ReleaseDiff[] };
    readonly policy: { compared: boolean; added: PolicyViolation[]; resolved: PolicyViolation[] };
}

export const EXIT_UNCHANGED = 0;
export const EXIT_CHANGED = 10;

function readJson<T>(file: string): T | null {
    return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as T) : null;
}

/** Reads out/<stack>/ (`dir`) of one side; a missing dir reads as "nothing there". */
export function readSide(dir: string): Side {
    const plan = readJson<{ resources: PlanResource[] }>(path.join(dir, "plan.json"));
    const policy = readJson<{ violations: PolicyViolation[] }>(path.join(dir, "policy.json"));
    let manifests: Side["manifests"] = null;
    if (fs.existsSync(dir)) {
        for (const cluster of fs.readdirSync(dir).sort()) {
            const mdir = path.join(dir, cluster, "manifests");
            if (!fs.existsSync(mdir) || !fs.statSync(mdir).isDirectory()) continue;
            manifests ??= new Map();
            const releases = new Map<string, K8sObject[]>();
            for (const f of fs.readdirSync(mdir).filter(f => f.endsWith(".yaml")).sort()) {
                const file = path.join(mdir, f);
                try {
                    releases.set(f.replace(/\.yaml$/, ""), parseManifest(fs.readFileSync(file, "utf8")));
                } catch (e) {
                    throw new Error(`${file} does not parse as YAML: ${(e as Error).message}`);
                }
            }
            manifests.set(cluster, releases);
        }
    }
    return { resources: plan?.resources ?? null, manifests, policy: policy?.violations ?? null };
}

function clustersOf(resources: readonly PlanResource[]): Set<string> {
    return new Set(resources.filter(r => r.type.endsWith(":ClusterPlatform")).map(r => r.name));
}

/** Inputs and options of a plan resource, the parts compared. */
function comparable(r: PlanResource): Record<string, unknown> {
    return {
        inputs: r.inputs ?? {},
        options: { parent: r.parent ?? "", dependencies: [...(r.dependencies ?? [])].sort(), protect: !!r.protect, retainOnDelete: !!r.retainOnDelete, provider: r.provider ?? "" },
    };
}

function masked(changes: ReturnType<typeof leafChanges>, type: string, prefix: number): Change[] {
    return changes.map(c => {
        const rel = c.path.slice(prefix);
        const secret = isSecretPath(rel, type);
        const m = (v: unknown) => (v === undefined ? undefined : secret ? MASK : maskSecrets(v, rel, type));
        return { path: formatPropertyPath(c.path), kind: c.kind, old: m(c.old), new: m(c.new) };
    });
}

function objectId(o: K8sObject): string {
    const ns = o.metadata?.namespace ? `${o.metadata.namespace}/` : "";
    return `${o.kind ?? "?"} ${ns}${o.metadata?.name ?? "?"} (${o.apiVersion ?? "?"})`;
}

function diffReleases(base: Map<string, Map<string, K8sObject[]>>, head: Map<string, Map<string, K8sObject[]>>): ReleaseDiff[] {
    const out: ReleaseDiff[] = [];
    const clusters = [...new Set([...base.keys(), ...head.keys()])].sort();
    for (const cluster of clusters) {
        const b = base.get(cluster) ?? new Map<string, K8sObject[]>();
        const h = head.get(cluster) ?? new Map<string, K8sObject[]>();
        for (const release of [...new Set([...b.keys(), ...h.keys()])].sort()) {
            const bo = new Map((b.get(release) ?? []).map(o => [objectId(o), o]));
            const ho = new Map((h.get(release) ?? []).map(o => [objectId(o), o]));
            const added = [...ho.keys()].filter(k => !bo.has(k)).sort();
            const removed = [...bo.keys()].filter(k => !ho.has(k)).sort();
            const changed = [...ho.keys()]
                .filter(k => bo.has(k))
                .sort()
                .map(k => ({ object: k, changes: masked(leafChanges(bo.get(k), ho.get(k)), ho.get(k)!.kind === "Secret" ? "kubernetes:core/v1:Secret" : "", 0) }))
                .filter(c => c.changes.length > 0);
            if (added.length || removed.length || changed.length) out.push({ cluster, release, added, removed, changed });
        }
    }
    return out;
}

function violationKey(v: PolicyViolation): string {
    return `${v.policy}\u0000${v.urn}\u0000${v.enforcementLevel}\u0000${v.message}`;
}

/** Compares two sides. Pure. `base`/`head` label the sides in the output. */
export function compare(stack: string, baseLabel: string, headLabel: string, base: Side, head: Side): DiffResult {
    const notes: string[] = [];
    const b = base.resources ?? [];
    const h = head.resources ?? [];
    if (base.resources === null) notes.push(`The base has no plan for stack \`${stack}\` (the stack or the offline preview did not exist there): every resource shows as added.`);
    const clusters = new Set([...clustersOf(b), ...clustersOf(h)]);
    const ref = (r: PlanResource): ResourceRef => ({ urn: r.urn, type: r.type, name: r.name, cluster: clusterForNames([r.name], clusters) });
    const bm = new Map(b.filter(r => r.custom).map(r => [r.urn, r]));
    const hm = new Map(h.filter(r => r.custom).map(r => [r.urn, r]));
    const order = (x: ResourceRef, y: ResourceRef) => clusterOrder(x.cluster, y.cluster) || x.name.localeCompare(y.name) || x.type.localeCompare(y.type);
    const added = [...hm.values()].filter(r => !bm.has(r.urn)).map(ref).sort(order);
    const removed = [...bm.values()].filter(r => !hm.has(r.urn)).map(ref).sort(order);
    const changed = [...hm.values()]
        .filter(r => bm.has(r.urn))
        .map(r => {
            const changes = leafChanges(comparable(bm.get(r.urn)!), comparable(r)).map(c => ({ ...c, path: c.path[0] === "inputs" ? c.path.slice(1) : c.path }));
            return { ...ref(r), changes: masked(changes, r.type, 0) };
        })
        .filter(r => r.changes.length > 0)
        .sort(order);

    let releases: ReleaseDiff[] = [];
    const manifestsCompared = base.manifests !== null && head.manifests !== null;
    if (manifestsCompared) releases = diffReleases(base.manifests!, head.manifests!);
    else if (base.manifests === null && head.manifests !== null) notes.push("The base has no rendered manifests (`<cluster>/manifests/`; added to the offline preview after it): Kubernetes objects not compared.");
    else if (head.manifests === null && base.manifests !== null) notes.push("The working tree has no rendered manifests: Kubernetes objects not compared.");
    else notes.push("Neither side has rendered manifests: Kubernetes objects not compared.");

    const policyCompared = head.policy !== null;
    let pAdded: PolicyViolation[] = [];
    let pResolved: PolicyViolation[] = [];
    if (head.policy !== null) {
        const bk = new Set((base.policy ?? []).map(violationKey));
        const hk = new Set(head.policy.map(violationKey));
        pAdded = head.policy.filter(v => !bk.has(violationKey(v)));
        pResolved = (base.policy ?? []).filter(v => !hk.has(violationKey(v)));
        if (base.policy === null) notes.push("The base has no policy results (`policy.json`): every current violation shows as new.");
    } else notes.push("The working tree has no policy results (`policy.json`): policies not compared.");

    const anything = added.length + removed.length + changed.length + releases.length + pAdded.length + pResolved.length > 0;
    return {
        stack,
        base: baseLabel,
        head: headLabel,
        changed: anything,
        notes,
        resources: { added, removed, changed },
        manifests: { compared: manifestsCompared, releases },
        policy: { compared: policyCompared, added: pAdded, resolved: pResolved },
    };
}

function clusterOrder(a: string, b: string): number {
    if (a === b) return 0;
    if (a === STACK_WIDE) return 1;
    if (b === STACK_WIDE) return -1;
    return a.localeCompare(b);
}

export function diffJson(d: DiffResult): string {
    return JSON.stringify(d, (_k, v) => (v === undefined ? null : v), 2) + "\n";
}

const MAX_ROWS = 60;

function changeTable(changes: Change[], indent = ""): string[] {
    const rows = changes.slice(0, MAX_ROWS).map(c => `${indent}| \`${c.path}\` | ${c.kind} | ${inlineValue(c.old, 100)} | ${inlineValue(c.new, 100)} |`);
    const more = changes.length > MAX_ROWS ? [`${indent}| … ${changes.length - MAX_ROWS} more changes in diff.json | | | |`] : [];
    return [`${indent}| field | change | base | now |`, `${indent}|---|---|---|---|`, ...rows, ...more];
}

function plural(n: number, one: string, many = `${one}s`): string {
    return `${n} ${n === 1 ? one : many}`;
}

/**
 * The PR-comment Markdown: a headline, then one collapsed <details> section per cluster (resources)
 * and per release (Kubernetes objects), then policy. At most `limit` characters: sections that do
 * not fit are cut whole, and the comment says which.
 */
export function diffMarkdown(d: DiffResult, limit = COMMENT_LIMIT): string {
    const head: string[] = [`### Offline diff: stack \`${d.stack}\``, "", `Base ${d.base} → ${d.head}.`, ""];
    const r = d.resources;
    if (!d.changed) head.push("**No changes.**");
    else {
        const parts = [
            `${plural(r.changed.length, "resource")} changed, ${r.added.length} added, ${r.removed.length} removed`,
            d.manifests.compared ? `${plural(d.manifests.releases.length, "release")} with changed Kubernetes objects` : null,
            d.policy.compared ? `policy: ${plural(d.policy.added.length, "new violation")}, ${d.policy.resolved.length} resolved` : null,
        ].filter(Boolean);
        head.push(`**${parts.join("; ")}.**`);
    }
    for (const n of d.notes) head.push("", `> ${n}`);

    const sections: { title: string; body: string }[] = [];
    const clusters = [...new Set([...r.added, ...r.removed, ...r.changed].map(x => x.cluster))].sort(clusterOrder);
    for (const cluster of clusters) {
        const a = r.added.filter(x => x.cluster === cluster);
        const rm = r.removed.filter(x => x.cluster === cluster);
        const ch = r.changed.filter(x => x.cluster === cluster);
        const title = `${cluster === STACK_WIDE ? "Stack-wide resources" : `Cluster <code>${cluster}</code>`}: ${ch.length} changed, ${a.length} added, ${rm.length} removed`;
        const lines: string[] = [];
        if (a.length || rm.length) {
            lines.push("| resource | type | |", "|---|---|---|");
            for (const x of a) lines.push(`| \`${x.name}\` | \`${x.type}\` | added |`);
            for (const x of rm) lines.push(`| \`${x.name}\` | \`${x.type}\` | removed |`);
            lines.push("");
        }
        for (const x of ch) lines.push(`**\`${x.name}\`** \`${x.type}\``, "", ...changeTable(x.changes), "");
        sections.push({ title, body: lines.join("\n") });
    }
    for (const rel of d.manifests.releases) {
        const title = `Release <code>${rel.cluster}/${rel.release}</code>: ${rel.changed.length} objects changed, ${rel.added.length} added, ${rel.removed.length} removed`;
        const lines: string[] = [];
        for (const o of rel.added) lines.push(`- added \`${o}\``);
        for (const o of rel.removed) lines.push(`- removed \`${o}\``);
        if (rel.added.length || rel.removed.length) lines.push("");
        for (const o of rel.changed) lines.push(`**\`${o.object}\`**`, "", ...changeTable(o.changes), "");
        sections.push({ title, body: lines.join("\n") });
    }
    if (d.policy.added.length || d.policy.resolved.length) {
        const lines = ["| | policy | level | resource | message |", "|---|---|---|---|---|"];
        const row = (tag: string, v: PolicyViolation) => `| ${tag} | ${v.policy} | ${v.enforcementLevel} | \`${parseUrn(v.urn).name || v.urn}\` | ${v.message.replace(/\|/g, "\\|").replace(/\n+/g, " ")} |`;
        for (const v of d.policy.added) lines.push(row("new", v));
        for (const v of d.policy.resolved) lines.push(row("resolved", v));
        sections.push({ title: `Policy: ${plural(d.policy.added.length, "new violation")}, ${d.policy.resolved.length} resolved`, body: lines.join("\n") });
    }

    const render = (s: { title: string; body: string }) => `\n<details><summary>${s.title}</summary>\n\n${s.body.trimEnd()}\n\n</details>\n`;
    let text = head.join("\n") + "\n";
    const cut: string[] = [];
    const reserve = 400 + sections.reduce((n, s) => n + s.title.length + 8, 0);
    for (const s of sections) {
        const block = render(s);
        if (cut.length === 0 && text.length + block.length <= limit - reserve) text += block;
        else cut.push(s.title.replace(/<\/?code>/g, "`"));
    }
    if (cut.length > 0) {
        text += `\n**Cut to fit GitHub's ${limit}-character comment limit:** ${plural(cut.length, "section")} not shown (${cut.join("; ")}). The full diff is in \`diff.json\` and \`diff.md\` of the workflow's artifact.\n`;
    }
    return text;
}
