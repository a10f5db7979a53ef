/**
 * The pure core of the drift report: Pulumi engine events in, a report of what drifted out.
 *
 * Input, in any of the forms the engine writes them (see @pulumi/pulumi automation/events.d.ts):
 * - engine events (`EngineEvent`): the Automation API's `onEvent` objects, the `--event-log` file and
 *   the `--json` stream of non-preview operations (one JSON object per line, or a JSON array);
 * - the preview digest that `pulumi preview --json` / `pulumi refresh --preview-only --json` print
 *   (one object with `steps`, `diagnostics`, `changeSummary`).
 *
 * What counts as drift:
 * - a refresh step (`resourcePreEvent` op `refresh`) whose result (`resOutputsEvent`) is `update`
 *   (the cloud differs from the state: properties from `detailedDiff`, else `diffs`, else a comparison
 *   of the old and new outputs) or `delete` (the resource is gone); under `preview --refresh` the
 *   result keeps op `refresh` and is judged the same way;
 * - a program step other than `same`/`read` in a preview run against unchanged code
 *   (`preview --refresh --expect-no-changes`): `update`/`replace` (the cloud differs from the program),
 *   `create` (in the program, not in the stack) and `delete` (in the stack, not in the program).
 *
 * In the report, `old` is Pulumi's value (the state, or the program) and `new` the value found in the
 * cloud. Secrets are masked. Components, providers and the stack resource never drift.
 */
import type { EngineEvent, PolicyEvent, StepEventMetadata, StepEventStateMetadata } from "@pulumi/pulumi/automation";
import { formatPropertyPath, getPath, inlineValue, isSecretPath, leafChanges, MASK, maskSecrets, parsePropertyPath, parseUrn } from "./diff-values";

export const EXIT_NO_DRIFT = 0;
export const EXIT_DRIFT = 7;
/** The drift check itself failed (a step or the engine reported an error) and found no drift. */
export const EXIT_FAILED = 3;
/** Bad arguments, an unreadable event file, or no Pulumi CLI. */
export const EXIT_USAGE = 2;

export type DriftKind = "modified" | "deleted" | "not-deployed" | "not-in-program";

export interface PropertyDrift {
    /** Pulumi property path, e.g. `lifecycleRules[0].condition.age`. */
    readonly path: string;
    /** From Pulumi's side: `update`, `add` (the cloud has a property Pulumi lacks), `delete` (the cloud lacks it). */
    readonly kind: "add" | "delete" | "update";
    /** True when changing it back replaces the resource. */
    readonly replace: boolean;
    /** Pulumi's value (state or program). */
    readonly old: unknown;
    /** The value found in the cloud. */
    readonly new: unknown;
}

export interface DriftedResource {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    readonly cluster: string;
    readonly component: { readonly type: string; readonly name: string } | null;
    kind: DriftKind;
    /** What `pulumi up` would do about it, when the run was a preview of the program. */
    action: "update" | "replace" | "create" | "delete" | null;
    readonly properties: PropertyDrift[];
}

export interface PolicyViolation {
    readonly policy: string;
    readonly pack: string;
    readonly urn: string | null;
    readonly message: string;
    readonly enforcementLevel: string;
}

export interface RunError {
    readonly urn: string | null;
    readonly message: string;
}

export interface DriftReport {
    readonly stack: string;
    readonly source: string;
    /** Custom resources the run looked at. */
    readonly checked: number;
    readonly drift: boolean;
    readonly resources: DriftedResource[];
    readonly policyViolations: PolicyViolation[];
    readonly errors: RunError[];
    readonly exitCode: number;
}

/** Cluster name for resources that belong to no cluster (providers, stack-wide resources). */
export const STACK_WIDE = "(stack-wide)";

interface PropDiff {
    readonly kind: string;
    readonly inputDiff: boolean;
}

interface Step {
    readonly phase: "refresh" | "program";
    readonly op: string;
    readonly urn: string;
    readonly type: string;
    readonly old?: StateLike;
    readonly new?: StateLike;
    readonly diffs?: string[];
    readonly keys?: string[];
    readonly detailedDiff?: Record<string, PropDiff>;
}

interface StateLike {
    readonly type?: string;
    readonly custom?: boolean;
    readonly parent?: string;
    readonly inputs?: Record<string, unknown>;
    readonly outputs?: Record<string, unknown>;
}

interface Collected {
    steps: Step[];
    parents: Map<string, string>;
    policyViolations: PolicyViolation[];
    errors: RunError[];
}

export class EventInputError extends Error {}

/** The message the engine emits when `--expect-no-changes` meets changes: that is the drift itself, not a failure. */
const EXPECT_NO_CHANGES = /no changes were expected but changes (were proposed|occurred)/i;

/**
 * Parses an event file's text: JSON lines of engine events, a JSON array of them, or a preview
 * digest. Throws EventInputError naming the line that is not JSON or the shape that is unknown.
 */
export function parseEventText(text: string): { kind: "events"; events: EngineEvent[] } | { kind: "digest"; digest: PreviewDigest } {
    const trimmed = text.trim();
    if (trimmed === "") throw new EventInputError("the event file is empty");
    try {
        const whole = JSON.parse(trimmed) as unknown;
        if (Array.isArray(whole)) return { kind: "events", events: whole.map((e, i) => asEvent(e, `item ${i + 1}`)) };
        if (isObject(whole) && Array.isArray(whole.steps)) return { kind: "digest", digest: whole as unknown as PreviewDigest };
        if (isObject(whole) && ("sequence" in whole || eventKey(whole))) return { kind: "events", events: [asEvent(whole, "the document")] };
        if (isObject(whole) && Object.keys(whole).every(k => ["config", "diagnostics", "duration", "changeSummary", "maybeCorrupt"].includes(k))) {
            return { kind: "digest", digest: { steps: [], ...(whole as object) } };
        }
        throw new EventInputError("the JSON document is neither engine events nor a preview digest (no `steps`, no event field)");
    } catch (e) {
        if (e instanceof EventInputError) throw e;
    }
    const events: EngineEvent[] = [];
    trimmed.split(/\r?\n/).forEach((line, i) => {
        if (line.trim() === "") return;
        let parsed: unknown;
        try {
            parsed = JSON.parse(line);
        } catch (e) {
            throw new EventInputError(`line ${i + 1} is not JSON: ${(e as Error).message}`);
        }
        events.push(asEvent(parsed, `line ${i + 1}`));
    });
    return { kind: "events", events };
}

const EVENT_KEYS = ["cancelEvent", "stdoutEvent", "diagnosticEvent", "preludeEvent", "summaryEvent", "resourcePreEvent", "resOutputsEvent", "resOpFailedEvent", "policyEvent", "startDebuggingEvent"];

function eventKey(o: Record<string, unknown>): string | undefined {
    return Object.keys(o).find(k => k.endsWith("Event"));
}

function asEvent(v: unknown, where: string): EngineEvent {
    if (!isObject(v) || !eventKey(v)) throw new EventInputError(`${where} is not an engine event (expected one of ${EVENT_KEYS.join(", ")})`);
    return v as unknown as EngineEvent;
}

function isObject(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** `pulumi preview --json`'s document (pkg/backend/display/json.go previewDigest). */
export interface PreviewDigest {
    readonly steps: {
        op: string;
        urn: string;
        oldState?: StateLike & { urn?: string };
        newState?: StateLike & { urn?: string };
        diffReasons?: string[];
        replaceReasons?: string[];
        detailedDiff?: Record<string, { kind: string; inputDiff: boolean }> | null;
    }[];
    readonly diagnostics?: { urn?: string; message?: string; severity?: string }[];
}

function fromState(s: StepEventStateMetadata | undefined): StateLike | undefined {
    return s ? { type: s.type, custom: s.custom, parent: s.parent, inputs: s.inputs, outputs: s.outputs } : undefined;
}

function detailed(d: StepEventMetadata["detailedDiff"]): Record<string, PropDiff> | undefined {
    if (!d) return undefined;
    const out: Record<string, PropDiff> = {};
    for (const [k, v] of Object.entries(d)) out[k] = { kind: String(v.diffKind), inputDiff: !!v.inputDiff };
    return out;
}

function stepOf(phase: Step["phase"], m: StepEventMetadata): Step {
    return { phase, op: m.op, urn: m.urn, type: m.type, old: fromState(m.old), new: fromState(m.new), diffs: m.diffs, keys: m.keys, detailedDiff: detailed(m.detailedDiff) };
}

function notePolicy(c: Collected, p: PolicyEvent): void {
    c.policyViolations.push({ policy: p.policyName, pack: p.policyPackName, urn: p.resourceUrn ?? null, message: p.message.trim(), enforcementLevel: p.enforcementLevel });
}

function noteError(c: Collected, urn: string | undefined, message: string): void {
    const text = message.replace(/\u001b\[[0-9;]*m|<\{%[^%]*%\}>/g, "").trim().replace(/^error: /, "");
    if (EXPECT_NO_CHANGES.test(text)) return;
    c.errors.push({ urn: urn || null, message: text });
}

function noteParent(c: Collected, urn: string, ...states: (StateLike | undefined)[]): void {
    for (const s of states) if (s?.parent) c.parents.set(urn, s.parent);
}

function collectEvents(events: readonly EngineEvent[]): Collected {
    const c: Collected = { steps: [], parents: new Map(), policyViolations: [], errors: [] };
    const refreshing = new Set<string>();
    const sorted = [...events].sort((a, b) => (a.sequence ?? 0) - (b.sequence ?? 0));
    for (const e of sorted) {
        if (e.resourcePreEvent) {
            const m = e.resourcePreEvent.metadata;
            noteParent(c, m.urn, fromState(m.old), fromState(m.new));
            if (m.op === "refresh") refreshing.add(m.urn);
            else c.steps.push(stepOf("program", m));
        } else if (e.resOutputsEvent) {
            const m = e.resOutputsEvent.metadata;
            noteParent(c, m.urn, fromState(m.old), fromState(m.new));
            if (refreshing.has(m.urn) || m.op === "refresh") {
                refreshing.delete(m.urn);
                c.steps.push(stepOf("refresh", m));
            }
        } else if (e.resOpFailedEvent) {
            const m = e.resOpFailedEvent.metadata;
            c.errors.push({ urn: m.urn, message: `${m.op} of ${parseUrn(m.urn).name} (${m.type}) failed (status ${e.resOpFailedEvent.status})` });
        } else if (e.diagnosticEvent && e.diagnosticEvent.severity === "error") {
            noteError(c, e.diagnosticEvent.urn, `${e.diagnosticEvent.prefix ?? ""}${e.diagnosticEvent.message}`);
        } else if (e.policyEvent) {
            notePolicy(c, e.policyEvent);
        }
    }
    return c;
}

function collectDigest(d: PreviewDigest): Collected {
    const c: Collected = { steps: [], parents: new Map(), policyViolations: [], errors: [] };
    // Refresh results replace the refresh step in the digest; without any `refresh` op the digest is a
    // plain preview and every step is a program step. Under `preview --refresh` a URN's first step is
    // its refresh.
    const refreshRun = d.steps.some(s => s.op === "refresh");
    const seen = new Set<string>();
    for (const s of d.steps) {
        noteParent(c, s.urn, s.oldState, s.newState);
        const first = !seen.has(s.urn);
        seen.add(s.urn);
        const phase = s.op === "refresh" || (refreshRun && first && (s.op === "update" || s.op === "delete")) ? "refresh" : "program";
        const dd: Record<string, PropDiff> | undefined = s.detailedDiff ? Object.fromEntries(Object.entries(s.detailedDiff).map(([k, v]) => [k, { kind: v.kind, inputDiff: v.inputDiff }])) : undefined;
        c.steps.push({ phase, op: s.op, urn: s.urn, type: s.newState?.type ?? s.oldState?.type ?? parseUrn(s.urn).type, old: s.oldState, new: s.newState, diffs: s.diffReasons, keys: s.replaceReasons, detailedDiff: dd });
    }
    for (const diag of d.diagnostics ?? []) if (diag.severity === "error") noteError(c, diag.urn, diag.message ?? "");
    return c;
}

function neverDrifts(type: string, ...states: (StateLike | undefined)[]): boolean {
    if (type === "pulumi:pulumi:Stack" || type.startsWith("pulumi:providers:")) return true;
    return states.some(s => s?.custom === false);
}

/** The property paths a step names: detailed diff first, then the top-level keys, then a comparison. */
function changedPaths(step: Step, compareA: unknown, compareB: unknown): { path: string; segments: (string | number)[]; kind: string; inputDiff: boolean }[] {
    if (step.detailedDiff && Object.keys(step.detailedDiff).length > 0) {
        return Object.entries(step.detailedDiff).map(([p, d]) => ({ path: p, segments: parsePropertyPath(p), kind: d.kind, inputDiff: d.inputDiff }));
    }
    if (step.diffs && step.diffs.length > 0) {
        return step.diffs.map(p => ({ path: p, segments: parsePropertyPath(p), kind: (step.keys ?? []).includes(p) ? "update-replace" : "update", inputDiff: true }));
    }
    return leafChanges(compareA, compareB).map(l => ({ path: formatPropertyPath(l.path), segments: l.path, kind: l.kind, inputDiff: false }));
}

function valueIn(state: StateLike | undefined, segments: (string | number)[], inputDiff: boolean): unknown {
    const first = inputDiff ? state?.inputs : state?.outputs;
    const second = inputDiff ? state?.outputs : state?.inputs;
    const v = getPath(first, segments);
    return v !== undefined ? v : getPath(second, segments);
}

function baseKind(kind: string): "add" | "delete" | "update" {
    return kind.startsWith("add") ? "add" : kind.startsWith("delete") ? "delete" : "update";
}

function masked(v: unknown, segments: (string | number)[], type: string): unknown {
    if (v === undefined) return undefined;
    return isSecretPath(segments, type) ? MASK : maskSecrets(v, segments, type);
}

export interface AnalyzeOptions {
    readonly stack: string;
    readonly source: string;
    /** Cluster names of the stack (from its config); others are taken from `*:ClusterPlatform` components seen in the events. */
    readonly clusters?: readonly string[];
}

/** Builds the report from engine events or a preview digest. Pure: no I/O, deterministic order. */
export function analyze(input: ReturnType<typeof parseEventText>, opts: AnalyzeOptions): DriftReport {
    const c = input.kind === "events" ? collectEvents(input.events) : collectDigest(input.digest);
    const byUrn = new Map<string, DriftedResource>();
    const checked = new Set<string>();
    const clusterNames = new Set(opts.clusters ?? []);
    for (const urn of [...c.parents.values(), ...c.steps.map(s => s.urn)]) {
        const u = parseUrn(urn);
        if (u.type.endsWith(":ClusterPlatform") && u.types.length === 1) clusterNames.add(u.name);
    }
    const entry = (step: Step, kind: DriftKind): DriftedResource => {
        let r = byUrn.get(step.urn);
        if (!r) {
            const u = parseUrn(step.urn);
            r = { urn: step.urn, type: step.type || u.type, name: u.name, cluster: clusterOf(step.urn, c.parents, clusterNames), component: componentOf(step.urn, c.parents), kind, action: null, properties: [] };
            byUrn.set(step.urn, r);
        }
        return r;
    };
    const addProps = (r: DriftedResource, props: PropertyDrift[]) => {
        for (const p of props) {
            const i = r.properties.findIndex(q => q.path === p.path);
            if (i < 0) r.properties.push(p);
            else if (p.replace && !r.properties[i].replace) r.properties[i] = { ...r.properties[i], replace: true };
        }
    };

    for (const step of c.steps) {
        if (neverDrifts(step.type, step.old, step.new)) continue;
        checked.add(step.urn);
        if (step.phase === "refresh") {
            if (step.op === "delete" || ((step.op === "refresh" || step.op === "update") && !step.new)) {
                entry(step, "deleted").kind = "deleted";
                continue;
            }
            if (step.op !== "update" && step.op !== "refresh") continue;
            const paths = changedPaths(step, step.old?.outputs, step.new?.outputs);
            if (paths.length === 0) continue;
            addProps(
                entry(step, "modified"),
                paths.map(p => ({
                    path: p.path,
                    kind: baseKind(p.kind),
                    replace: p.kind.endsWith("-replace"),
                    old: masked(valueIn(step.old, p.segments, p.inputDiff), p.segments, step.type),
                    new: masked(valueIn(step.new, p.segments, p.inputDiff), p.segments, step.type),
                })),
            );
            continue;
        }
        switch (step.op) {
            case "update":
            case "replace":
            case "create-replacement": {
                const r = entry(step, "modified");
                const action = step.op === "update" ? "update" : "replace";
                if (r.action !== "replace") r.action = action;
                // The program's step goes from the cloud (old) to the program (new); report from Pulumi's side.
                const flip = (k: string) => (k.startsWith("add") ? k.replace("add", "delete") : k.startsWith("delete") ? k.replace("delete", "add") : k);
                addProps(
                    r,
                    changedPaths(step, step.old?.inputs, step.new?.inputs).map(p => ({
                        path: p.path,
                        kind: baseKind(flip(p.kind)),
                        replace: p.kind.endsWith("-replace") || (step.keys ?? []).includes(p.path),
                        old: masked(valueIn(step.new, p.segments, true), p.segments, step.type),
                        new: masked(valueIn(step.old, p.segments, p.inputDiff), p.segments, step.type),
                    })),
                );
                break;
            }
            case "create":
            case "import": {
                const r = entry(step, "not-deployed");
                r.action = "create";
                break;
            }
            case "delete": {
                const r = entry(step, "not-in-program");
                r.action = "delete";
                break;
            }
            default:
                break; // same, read, delete-replaced, discard...: nothing of their own to report
        }
    }

    const resources = [...byUrn.values()]
        .map(r => ({ ...r, properties: [...r.properties].sort((a, b) => a.path.localeCompare(b.path)) }))
        .sort((a, b) => clusterOrder(a.cluster, b.cluster) || compKey(a).localeCompare(compKey(b)) || a.name.localeCompare(b.name) || a.type.localeCompare(b.type));
    const drift = resources.length > 0;
    const exitCode = drift ? EXIT_DRIFT : c.errors.length > 0 ? EXIT_FAILED : EXIT_NO_DRIFT;
    return { stack: opts.stack, source: opts.source, checked: checked.size, drift, resources, policyViolations: c.policyViolations, errors: c.errors, exitCode };
}

function compKey(r: DriftedResource): string {
    return r.component ? `${r.component.type} ${r.component.name}` : "";
}

function clusterOrder(a: string, b: string): number {
    if (a === b) return 0;
    if (a === STACK_WIDE) return 1;
    if (b === STACK_WIDE) return -1;
    return a.localeCompare(b);
}

function ancestors(urn: string, parents: Map<string, string>): string[] {
    const out: string[] = [];
    let cur = parents.get(urn);
    while (cur && !out.includes(cur) && out.length < 50) {
        out.push(cur);
        cur = parents.get(cur);
    }
    return out;
}

/**
 * The cluster a resource belongs to: the longest cluster name that its own name or the name of one
 * of its ancestors equals or starts with (followed by `-`); children are named from their component,
 * which is named from the cluster.
 */
function clusterOf(urn: string, parents: Map<string, string>, clusters: Set<string>): string {
    const names = [urn, ...ancestors(urn, parents)].map(u => parseUrn(u).name);
    let best = "";
    for (const c of clusters) {
        if (c.length > best.length && names.some(n => n === c || n.startsWith(`${c}-`))) best = c;
    }
    return best || STACK_WIDE;
}

/** The component that owns the resource: its parent (from the events), or the parent type in the URN. */
function componentOf(urn: string, parents: Map<string, string>): { type: string; name: string } | null {
    const p = parents.get(urn);
    if (p) {
        const u = parseUrn(p);
        if (u.type !== "pulumi:pulumi:Stack") return { type: u.type, name: u.name };
        return null;
    }
    const types = parseUrn(urn).types;
    const parentType = types[types.length - 2];
    return parentType && parentType !== "pulumi:pulumi:Stack" ? { type: parentType, name: "" } : null;
}

const KIND_TEXT: Record<DriftKind, string> = {
    modified: "changed outside Pulumi",
    deleted: "deleted outside Pulumi",
    "not-deployed": "in the program, not in the stack",
    "not-in-program": "in the stack, not in the program",
};

/** Markdown for the job summary, an issue body and the artifact. */
export function driftMarkdown(r: DriftReport): string {
    const lines: string[] = [];
    const props = r.resources.reduce((n, x) => n + x.properties.length, 0);
    lines.push(`# Drift report: stack \`${r.stack}\``, "");
    if (r.drift) lines.push(`**Drift: ${r.resources.length} resource${r.resources.length === 1 ? "" : "s"}, ${props} propert${props === 1 ? "y" : "ies"}** (${r.checked} resources checked; source: ${r.source}).`);
    else lines.push(`**No drift** (${r.checked} resources checked; source: ${r.source}).`);
    if (r.errors.length > 0) lines.push("", `**The run reported ${r.errors.length} error${r.errors.length === 1 ? "" : "s"}**: the check is incomplete (see *Errors*).`);
    lines.push("", "`old` is Pulumi's value (state or program), `new` the value found in the cloud.");
    const clusters = [...new Set(r.resources.map(x => x.cluster))];
    for (const cluster of clusters) {
        lines.push("", `## ${cluster === STACK_WIDE ? "Stack-wide" : `Cluster \`${cluster}\``}`);
        const inCluster = r.resources.filter(x => x.cluster === cluster);
        for (const comp of [...new Set(inCluster.map(compKey))]) {
            const first = inCluster.find(x => compKey(x) === comp)!;
            lines.push("", `### ${first.component ? `\`${first.component.type}\`${first.component.name ? ` ${first.component.name}` : ""}` : "(no component)"}`);
            for (const res of inCluster.filter(x => compKey(x) === comp)) {
                const action = res.action ? `; \`pulumi up\` would ${res.action} it` : "";
                lines.push("", `- **${res.name}** \`${res.type}\`: ${KIND_TEXT[res.kind]}${action}`);
                if (res.properties.length > 0) {
                    lines.push("", "  | property | change | old (Pulumi) | new (cloud) |", "  |---|---|---|---|");
                    for (const p of res.properties) lines.push(`  | \`${p.path}\` | ${p.kind}${p.replace ? " (replaces)" : ""} | ${inlineValue(p.old)} | ${inlineValue(p.new)} |`);
                }
            }
        }
    }
    if (r.policyViolations.length > 0) {
        lines.push("", "## Policy violations", "", "| policy | level | resource | message |", "|---|---|---|---|");
        for (const v of r.policyViolations) lines.push(`| ${v.pack}/${v.policy} | ${v.enforcementLevel} | ${v.urn ? `\`${parseUrn(v.urn).name}\`` : "stack"} | ${v.message.replace(/\|/g, "\\|").replace(/\n+/g, " ")} |`);
    }
    if (r.errors.length > 0) {
        lines.push("", "## Errors", "");
        for (const e of r.errors) lines.push(`- ${e.urn ? `\`${parseUrn(e.urn).name}\`: ` : ""}${e.message.replace(/\n+/g, " ")}`);
    }
    return lines.join("\n") + "\n";
}

/** The JSON report (`drift.json`). */
export function driftJson(r: DriftReport): string {
    return JSON.stringify(r, (_k, v) => (v === undefined ? null : v), 2) + "\n";
}

/** A short plain-text summary for Slack: counts and the drifted resources (at most `max`). */
export function driftSummaryLines(r: DriftReport, max = 10): string[] {
    const lines = r.resources.slice(0, max).map(x => {
        const props = x.properties.map(p => p.path);
        return `• ${x.cluster === STACK_WIDE ? "" : `${x.cluster}: `}${x.name} (${x.type}) ${KIND_TEXT[x.kind]}${props.length ? `: ${props.slice(0, 5).join(", ")}${props.length > 5 ? ", …" : ""}` : ""}`;
    });
    if (r.resources.length > max) lines.push(`… and ${r.resources.length - max} more`);
    if (r.errors.length > 0) lines.push(`${r.errors.length} error(s) during the check`);
    return lines;
}
