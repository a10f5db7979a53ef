/**
 * Flipping Helm values one leaf at a time, for the keys-that-do-nothing suite
 * (test/no-op-keys.charts.ts): every leaf path of a values tree, a changed value per leaf, and a
 * copy of the tree with that one leaf changed.
 */
import * as fs from "fs";
import * as path from "path";

export type Segment = string | number;
export type LeafPath = readonly Segment[];

/** `a.b[0].c` (keys with dots or slashes are quoted: `presets["app.kubernetes.io/name"]`). */
export function formatPath(p: LeafPath): string {
    return p.map((s, i) => typeof s === "number" ? `[${s}]` : /^[A-Za-z_$][\w$-]*$/.test(s) ? (i === 0 ? s : `.${s}`) : `[${JSON.stringify(s)}]`).join("");
}

/** Every leaf of a values tree: scalars, and empty maps and lists (which have no leaves of their own). */
export function leafPaths(value: unknown, prefix: Segment[] = []): Segment[][] {
    if (Array.isArray(value)) {
        return value.length === 0 ? [prefix] : value.flatMap((v, i) => leafPaths(v, [...prefix, i]));
    }
    if (value !== null && typeof value === "object") {
        const entries = Object.entries(value as Record<string, unknown>);
        return entries.length === 0 ? [prefix] : entries.flatMap(([k, v]) => leafPaths(v, [...prefix, k]));
    }
    return [prefix];
}

export function valueAt(value: unknown, p: LeafPath): unknown {
    return p.reduce<unknown>((v, s) => (v as Record<string | number, unknown> | undefined)?.[s], value);
}

/**
 * The flipped value of a leaf: booleans negated, numbers + 1, strings suffixed "-x" (or, where the
 * chart's schema lists allowed values, another allowed value), an empty map or list given one entry.
 */
export function flipValue(v: unknown, allowed?: readonly unknown[]): unknown {
    if (typeof v === "boolean") return !v;
    if (typeof v === "number") return v + 1;
    if (typeof v === "string") {
        const other = allowed?.find(a => typeof a === "string" && a !== v);
        return other ?? `${v}-x`;
    }
    if (Array.isArray(v)) return ["flipped"];
    if (v !== null && typeof v === "object") return { flipped: true };
    if (v === null) return "flipped";
    throw new Error(`cannot flip ${typeof v}`);
}

/** A deep copy of `value` with the leaf at `p` replaced by `leaf`. */
export function withLeaf(value: unknown, p: LeafPath, leaf: unknown): unknown {
    if (p.length === 0) return leaf;
    const [head, ...rest] = p;
    if (Array.isArray(value)) return value.map((v, i) => (i === head ? withLeaf(v, rest, leaf) : v));
    const obj = value as Record<string, unknown>;
    return { ...obj, [head as string]: withLeaf(obj[head as string], rest, leaf) };
}

/** The `enum` a JSON schema gives the value at `p` (following properties, items and additionalProperties), if any. */
export function schemaEnum(schema: unknown, p: LeafPath): readonly unknown[] | undefined {
    let node = schema as Record<string, any> | undefined;
    for (const s of p) {
        if (!node) return undefined;
        if (typeof s === "number") node = node.items;
        else node = node.properties?.[s] ?? (typeof node.additionalProperties === "object" ? node.additionalProperties : undefined);
    }
    return Array.isArray(node?.enum) ? node!.enum : undefined;
}

/** A chart folder's values.schema.json, or undefined where the chart ships none. */
export function readSchema(chartFolder: string): unknown {
    const file = path.join(chartFolder, "values.schema.json");
    return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : undefined;
}
