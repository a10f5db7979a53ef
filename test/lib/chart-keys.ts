/**
 * Checks rendered Helm values against the pinned chart's default values, read from the vendored
 * package (charts/*.tgz, unpacked by tools/lib/charts.ts): every key path the program sets must exist
 * upstream, except under maps the chart leaves open (an empty `{}`/null/list default, or a path the
 * caller names as open with a reason). Helm silently ignores a misplaced key; this makes it loud.
 * `chart` names a vendored chart (`loki`, `tempo-distributed`, …) or a subchart (`grafana`).
 */
import * as fs from "fs";
import * as path from "path";
import Ajv, { type ValidateFunction } from "ajv";
import { parse } from "yaml";
import { chartDir } from "../../tools/lib/charts";

export { chartDir };

export function loadUpstreamValues(chart: string): unknown {
    return parse(fs.readFileSync(path.join(chartDir(chart), "values.yaml"), "utf8"));
}

export interface KeyCheckOptions {
    /** Dotted paths under which any key is allowed (e.g. "loki.structuredConfig"), with the reason in a comment at the call site. */
    readonly open?: readonly string[];
    /** Subcharts: top-level key -> reference dir whose values.yaml also defines keys under it (e.g. {grafana: "grafana"}). */
    readonly subcharts?: Readonly<Record<string, string>>;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Returns the dotted paths in `values` that the upstream chart does not define. */
export function unknownKeys(values: unknown, chart: string, opts: KeyCheckOptions = {}): string[] {
    const upstream = loadUpstreamValues(chart);
    const subUpstream: Record<string, unknown> = {};
    for (const [key, dir] of Object.entries(opts.subcharts ?? {})) subUpstream[key] = loadUpstreamValues(dir);
    const open = new Set(opts.open ?? []);
    const out: string[] = [];

    const walk = (v: unknown, ups: unknown[], p: string) => {
        if (open.has(p)) return;
        if (!isPlainObject(v)) return; // scalars and lists are leaves
        const defined = ups.filter(isPlainObject);
        // An upstream default of {} / null / [] (or no object at all where one is set) leaves the map open.
        if (ups.some(u => u === null || u === undefined || (isPlainObject(u) && Object.keys(u).length === 0) || Array.isArray(u))) {
            if (defined.every(d => Object.keys(d).length === 0)) return;
        }
        for (const [k, child] of Object.entries(v)) {
            const childPath = p ? `${p}.${k}` : k;
            const childUps = defined.filter(d => k in d).map(d => d[k]);
            if (p === "" && k in subUpstream) childUps.push(subUpstream[k]);
            if (childUps.length === 0) {
                if (!open.has(childPath)) out.push(childPath);
                continue;
            }
            walk(child, childUps, childPath);
        }
    };
    walk(values, [upstream], "");
    return out;
}

/** Reads a dotted path from a values tree. */
export function at(values: unknown, dotted: string): unknown {
    return dotted.split(".").reduce<unknown>((v, k) => (isPlainObject(v) ? v[k] : undefined), values);
}

/** Helm's coalescing of user values over the chart defaults: maps merge, everything else replaces. */
export function helmMerge(base: unknown, over: unknown): unknown {
    if (!isPlainObject(base) || !isPlainObject(over)) return over;
    const out: Record<string, unknown> = { ...base };
    for (const [k, v] of Object.entries(over)) out[k] = helmMerge(out[k], v);
    return out;
}

const validators = new Map<string, ValidateFunction>();

/**
 * What Helm's own schema validation would reject: the values merged over the chart's defaults,
 * checked with ajv against the chart's values.schema.json. One line per error: `<path>: <message>`.
 */
export function schemaErrors(values: unknown, chart: string): string[] {
    let validate = validators.get(chart);
    if (!validate) {
        const file = path.join(chartDir(chart), "values.schema.json");
        const { $schema: _ignored, ...schema } = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>;
        validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
        validators.set(chart, validate);
    }
    if (validate(helmMerge(loadUpstreamValues(chart), values))) return [];
    return (validate.errors ?? []).map(e => `${e.instancePath || "/"}: ${e.message ?? e.keyword}`);
}
