/**
 * Schema checks on rendered objects.
 *
 * Built-in kinds: the Kubernetes OpenAPI schemas as published by the `kubernetes-models` package,
 * compiled into validators, in two pinned sets: 4.5.1 (generated from Kubernetes v1.33.0, installed
 * as `kubernetes-models-1.33`) and 5.1.0 (Kubernetes v1.36.0). No package ships the schemas of every
 * minor, so a cluster at version v is checked against the newest set at or below v and the oldest
 * set at or above it (1.32 and 1.33 → 1.33.0; 1.34 and 1.35 → 1.33.0 and 1.36.0): a kind or
 * apiVersion with no schema there, a wrong type, a missing required field or a bad enum fails.
 * Limits: like the API's own OpenAPI, these schemas allow unknown fields, so a misspelt field of a
 * built-in kind is not caught here (the API server warns on it); and the packages keep the schemas
 * of API versions Kubernetes has removed (policy/v1beta1 is still in both), so a removed apiVersion
 * is not caught either.
 *
 * Custom resources: the `openAPIV3Schema` of the version of their CRD, taken from the CRDs release
 * rendered for the same cluster, validated with ajv the way the API server applies a structural
 * schema: unknown fields are errors except under `x-kubernetes-preserve-unknown-fields` or an
 * embedded resource (strict field validation, as `kubectl apply` and server-side apply use),
 * `x-kubernetes-int-or-string` accepts an integer or a string, `nullable` is honoured, patterns are
 * matched as Go (RE2) expressions with `re2-wasm`. CEL rules
 * (`x-kubernetes-validations`) and formats are not evaluated.
 */
import { createHash } from "crypto";
import * as path from "path";
import Ajv, { type ValidateFunction } from "ajv";
import { RE2 } from "re2-wasm";
import type { K8sObject } from "../manifests";
import type { ClusterManifests, Finding } from "./model";
import { subjectOf } from "./model";

/** The published schema sets, oldest first: Kubernetes version and the package that holds it. */
export const SCHEMA_SETS = [
    { kubernetes: "1.33.0", pkg: "kubernetes-models-1.33", npm: "kubernetes-models@4.5.1" },
    { kubernetes: "1.36.0", pkg: "kubernetes-models", npm: "kubernetes-models@5.1.0" },
] as const;
export type SchemaSet = (typeof SCHEMA_SETS)[number];

const minor = (v: string) => Number(v.split(".")[1]);

/** The schema sets that bracket a cluster's Kubernetes minor (see the header). */
export function schemaSetsFor(kubernetesVersion: string): SchemaSet[] {
    const m = minor(kubernetesVersion);
    const below = SCHEMA_SETS.filter(s => minor(s.kubernetes) <= m).at(-1);
    const above = SCHEMA_SETS.find(s => minor(s.kubernetes) >= m);
    return [...new Set([below, above].filter((s): s is SchemaSet => !!s))];
}

type Validate = (data: unknown) => void;
const modelCache = new Map<string, Validate | null>();

/** The validator of a built-in kind in one schema set, or null when the set has no such apiVersion/kind. */
export function builtinValidator(set: SchemaSet, apiVersion: string, kind: string): Validate | null {
    const key = `${set.pkg}|${apiVersion}|${kind}`;
    if (modelCache.has(key)) return modelCache.get(key)!;
    const root = path.dirname(require.resolve(`${set.pkg}/package.json`));
    const file = path.join(root, ...(apiVersion.includes("/") ? apiVersion.split("/") : [apiVersion]), `${kind}.js`);
    let v: Validate | null = null;
    try {
        // Absolute file path: the 5.x package is ESM with an import-only export map (Node ≥ 22 requires ESM).
        const Model = (require(file) as Record<string, new (data: unknown) => { validate(): void }>)[kind];
        if (Model) v = data => new Model(data).validate();
    } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "MODULE_NOT_FOUND") throw e;
    }
    modelCache.set(key, v);
    return v;
}

/** The groups the cluster's CRDs serve. */
export function crdGroups(c: ClusterManifests): Set<string> {
    return new Set(crds(c).map(o => (o.spec as { group: string }).group));
}

function crds(c: ClusterManifests): K8sObject[] {
    return c.objects.map(r => r.object).filter(o => o.kind === "CustomResourceDefinition");
}

/** Every built-in object validated against the schema sets of the cluster's version. */
export function builtinSchemaFindings(c: ClusterManifests): Finding[] {
    const groups = crdGroups(c);
    const out: Finding[] = [];
    for (const r of c.objects) {
        const o = r.object;
        const group = o.apiVersion.includes("/") ? o.apiVersion.split("/")[0]! : "";
        if (groups.has(group)) continue;
        for (const set of schemaSetsFor(c.kubernetesVersion)) {
            const validate = builtinValidator(set, o.apiVersion, o.kind);
            const where = { check: "schema" as const, stack: c.stack, cluster: c.cluster, subject: subjectOf(r) };
            if (!validate) {
                out.push({ ...where, message: `${o.apiVersion} ${o.kind} has no schema in Kubernetes ${set.kubernetes} (${set.npm}), and no CRD of this cluster defines it` });
                continue;
            }
            try {
                validate(o);
            } catch (e) {
                out.push({ ...where, message: `invalid at Kubernetes ${set.kubernetes}: ${(e as Error).message}` });
            }
        }
    }
    return out;
}

type Schema = Record<string, unknown>;

/**
 * A CRD's openAPIV3Schema as ajv should apply it: closed objects unless the schema preserves unknown
 * fields, int-or-string as a union, Kubernetes' own keywords dropped.
 */
export function structuralToAjv(schema: Schema): Schema {
    const walk = (s: unknown): unknown => {
        if (Array.isArray(s)) return s.map(walk);
        if (!s || typeof s !== "object") return s;
        const src = s as Schema;
        const out: Schema = {};
        for (const [k, v] of Object.entries(src)) {
            if (k.startsWith("x-kubernetes-")) continue;
            if (k === "properties" && v && typeof v === "object") {
                out.properties = Object.fromEntries(Object.entries(v as Schema).map(([p, ps]) => [p, walk(ps)]));
            } else out[k] = walk(v);
        }
        if (src["x-kubernetes-int-or-string"] === true) {
            delete out.type;
            if (!out.anyOf) out.anyOf = [{ type: "integer" }, { type: "string" }];
        }
        const open = src["x-kubernetes-preserve-unknown-fields"] === true || src["x-kubernetes-embedded-resource"] === true;
        if (src.properties && !open && src.additionalProperties === undefined) out.additionalProperties = false;
        return out;
    };
    return walk(schema) as Schema;
}

/** Compiled RE2 expressions by flags and pattern: the CRDs repeat a few patterns (9 distinct in 109 uses on prod). */
const re2Cache = new Map<string, RE2>();

/**
 * ajv's RegExpEngine over re2-wasm (which requires the unicode flag). Compiling an expression to
 * WebAssembly is the costly part, so each distinct one is compiled once per process and shared: ajv
 * only calls `test` on it, and without the `g` or `y` flag an RE2 keeps no state between calls.
 * `code` is only used by ajv's standalone mode.
 */
const re2Engine = Object.assign((pattern: string, flags: string) => {
    const f = flags.includes("u") ? flags : `${flags}u`;
    const key = `${f}/${pattern}`;
    let re = re2Cache.get(key);
    if (!re) re2Cache.set(key, re = new RE2(pattern, f));
    return re;
}, { code: "re2-wasm" });

/** Compiled validators by schema digest: clusters and stacks share the same CRDs, compiled once per process. */
const crdCache = new Map<string, ValidateFunction>();
/** One ajv for every CRD schema (they carry no `$id`, so nothing in one can clash with another). */
let crdAjv: Ajv | undefined;

function crdValidator(crd: K8sObject, version: string): ValidateFunction | undefined {
    const spec = crd.spec as { versions: { name: string; served?: boolean; schema?: { openAPIV3Schema?: Schema } }[] };
    const v = spec.versions.find(x => x.name === version && x.served !== false);
    if (!v?.schema?.openAPIV3Schema) return undefined;
    const key = createHash("sha256").update(JSON.stringify(v.schema.openAPIV3Schema)).digest("hex");
    const cached = crdCache.get(key);
    if (cached) return cached;
    // CRD patterns are Go (RE2) regular expressions, e.g. "(?i)": RE2 compiled to WebAssembly, as the API server would match them.
    crdAjv ??= new Ajv({ strict: false, allErrors: false, validateFormats: false, code: { optimize: false, regExp: re2Engine } });
    const fn = crdAjv.compile(structuralToAjv(v.schema.openAPIV3Schema));
    crdCache.set(key, fn);
    return fn;
}

/** Every custom resource validated against the openAPIV3Schema of its CRD, as rendered for this cluster. */
export function crdSchemaFindings(c: ClusterManifests): Finding[] {
    const defs = crds(c);
    const groups = crdGroups(c);
    const out: Finding[] = [];
    for (const r of c.objects) {
        const o = r.object;
        const [group, version] = o.apiVersion.includes("/") ? o.apiVersion.split("/") as [string, string] : ["", o.apiVersion];
        if (!groups.has(group)) continue;
        const where = { check: "crd-schema" as const, stack: c.stack, cluster: c.cluster, subject: subjectOf(r) };
        const crd = defs.find(d => (d.spec as { group: string; names: { kind: string } }).group === group && (d.spec as { names: { kind: string } }).names.kind === o.kind);
        const validate = crd && crdValidator(crd, version);
        if (!validate) {
            out.push({ ...where, message: `no CRD of this cluster serves ${o.apiVersion} ${o.kind}` });
            continue;
        }
        if (!validate(o)) {
            const errors = (validate.errors ?? []).slice(0, 5).map(e => `${e.instancePath || "/"} ${e.message}${e.params && "additionalProperty" in e.params ? ` (${String(e.params.additionalProperty)})` : ""}`);
            out.push({ ...where, message: `invalid against CRD ${crd.metadata.name} ${version}: ${errors.join("; ")}` });
        }
    }
    return out;
}
