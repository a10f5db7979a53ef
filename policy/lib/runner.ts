/**
 * Runs the pack's policies without the Pulumi engine: on a captured resource graph (the offline
 * preview) or on hand-made resources (the tests). It builds the same arguments @pulumi/policy 1.21
 * hands a policy (`type, props, urn, name, opts, provider, stackTags, isType, asType, getConfig,
 * notApplicable`; stack policies get `PolicyResource`s with parent, dependencies and property
 * dependencies resolved), resolves enforcement levels as the engine does, and validates the policy
 * config against each policy's configSchema, applying its defaults (the engine's job, which the
 * SDK leaves out). Resource policies see inputs, stack policies the resources' state.
 */
import * as crypto from "crypto";
import * as path from "path";
import type Ajv from "ajv";
import type { ValidateFunction } from "ajv";
import type {
    EnforcementLevel, Policies, PolicyResource, PolicyResourceOptions, ResourceValidationArgs, ResourceValidationPolicy,
    StackValidationPolicy,
} from "@pulumi/policy";
import { CHECKS_CACHE, readCached, writeCached } from "../../tools/lib/cache";

/** One resource of a graph, as tools/lib/mock-runtime.ts captures it (the fields used here). */
export interface GraphResource {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    readonly parent: string;
    readonly dependencies: readonly string[];
    readonly propertyDependencies: Readonly<Record<string, readonly string[]>>;
    readonly protect: boolean;
    readonly ignoreChanges?: readonly string[];
    /** `<provider urn>::<id>`, or "". */
    readonly provider: string;
    readonly inputs: Record<string, unknown>;
    /** State (inputs plus computed outputs); stack policies see this. Defaults to the inputs. */
    readonly outputs?: Record<string, unknown>;
}

export interface Violation {
    readonly policy: string;
    readonly urn: string;
    readonly message: string;
    readonly enforcementLevel: "mandatory" | "advisory";
}

/** A CrossGuard policy config file: policy name → level or `{ enforcementLevel?, …props }`, plus `all`. */
export type PolicyPackConfig = Readonly<Record<string, unknown>>;

export class PolicyConfigError extends Error {}

/** Ajv's message for a key the schema does not list (kept for the policies without a configSchema, checked without Ajv). */
const NO_ADDITIONAL = "must NOT have additional properties";

const LEVELS: readonly EnforcementLevel[] = ["advisory", "mandatory", "remediate", "disabled"];

export interface ResolvedPolicy {
    readonly policy: ResourceValidationPolicy | StackValidationPolicy;
    readonly level: EnforcementLevel;
    readonly config: Record<string, unknown>;
}

/**
 * Each policy's level and config from a config file: the policy's entry, then `all`, then the
 * policy's own level, then advisory. Props are validated against the configSchema (unknown keys
 * are errors) with its defaults applied. Throws PolicyConfigError naming the policy and key.
 */
export function resolvePolicies(policies: Readonly<Policies>, file: PolicyPackConfig = {}): ResolvedPolicy[] {
    const names = new Set(policies.map(p => p.name));
    for (const key of Object.keys(file)) {
        if (key !== "all" && !names.has(key)) throw new PolicyConfigError(`unknown policy "${key}"; the pack has: ${[...names].join(", ")}`);
    }
    const checkLevel = (where: string, level: unknown): EnforcementLevel | undefined => {
        if (level === undefined) return undefined;
        if (!LEVELS.includes(level as EnforcementLevel)) throw new PolicyConfigError(`${where}: enforcement level ${JSON.stringify(level)} is not one of ${LEVELS.join(", ")}`);
        return level as EnforcementLevel;
    };
    const all = checkLevel("all", file.all);
    return policies.map(p => {
        const entry = file[p.name];
        const { enforcementLevel, ...props } = (typeof entry === "string" ? { enforcementLevel: entry } : (entry ?? {})) as Record<string, unknown>;
        const level = checkLevel(p.name, enforcementLevel) ?? all ?? p.enforcementLevel ?? "advisory";
        if (!p.configSchema) {
            const key = Object.keys(props)[0];
            if (key !== undefined) throw new PolicyConfigError(`${p.name}.${key}: ${NO_ADDITIONAL} (allowed: none)`);
            return { policy: p, level, config: {} };
        }
        const config = structuredClone(props);
        const validate = configValidator(configSchemaOf(p));
        if (!validate(config)) {
            const e = validate.errors![0]!;
            const key = e.keyword === "additionalProperties" ? (e.params as { additionalProperty: string }).additionalProperty : e.instancePath.replace(/^\//, "").replace(/\//g, ".");
            const allowed = Object.keys(p.configSchema?.properties ?? {});
            throw new PolicyConfigError(`${p.name}.${key || "(config)"}: ${e.message}${e.keyword === "additionalProperties" ? ` (allowed: ${allowed.join(", ") || "none"})` : ""}`);
        }
        return { policy: p, level, config };
    });
}

/** The JSON Schema a policy's config is validated against: its configSchema, closed to other keys. */
export function configSchemaOf(p: Readonly<Policies>[number]): object {
    return { type: "object", properties: p.configSchema?.properties ?? {}, required: p.configSchema?.required ?? [], additionalProperties: false };
}

/**
 * Ajv's options for the policies' config schemas. validateSchema off: the schemas are the pack's own,
 * typed and tested; checking them against the JSON Schema meta-schema cost half of Ajv's time.
 */
export const AJV_OPTIONS = { useDefaults: true, allErrors: false, strict: false, validateSchema: false } as const;
/** How the validators are compiled: Ajv's options for standalone code (no plugins, formats or keywords are added). */
const AJV_COMPILE_OPTIONS = { ...AJV_OPTIONS, code: { source: true } } as const;
let ajv: Ajv | undefined;

/**
 * The cache key of a schema's validator: Ajv's version, the options it compiles with and the schema.
 * Adding a plugin, format or keyword to the Ajv instance would have to enter this key too.
 */
export function validatorKey(schema: object, options: object = AJV_COMPILE_OPTIONS): string {
    return crypto.createHash("sha256")
        .update(JSON.stringify([(require("ajv/package.json") as { version: string }).version, options, schema])).digest("hex");
}

/**
 * The validator of one config schema. Loading Ajv and compiling takes ~50 ms of every offline
 * preview, so Ajv's standalone code for the schema (its documented way to skip that at start-up) is
 * cached by `validatorKey` (.cache/checks/<key>.ajv.js); a later run loads that small module (and
 * the few Ajv runtime helpers it requires), not Ajv. Only the policies with a configSchema need one. The cache is an optimisation:
 * an entry that cannot be read or loaded is compiled again and replaced, and one that cannot be
 * written is not cached.
 */
export function configValidator(schema: object, cacheDir = CHECKS_CACHE): ValidateFunction {
    const file = path.join(cacheDir, `${validatorKey(schema)}.ajv.js`);
    const cached = cachedValidator(file);
    if (cached) return cached;
    ajv ??= new (require("ajv") as typeof import("ajv")).default(AJV_COMPILE_OPTIONS);
    const validate = ajv.compile(schema);
    const standalone = (require("ajv/dist/standalone") as typeof import("ajv/dist/standalone")).default;
    try {
        writeCached(file, standalone(ajv, validate));
    } catch {
        // Not cached (an unwritable .cache): the next run compiles again.
    }
    return validate;
}

/** The validator cached in `file`, or undefined: not cached, unreadable, or damaged (then compiled again and replaced). */
function cachedValidator(file: string): ValidateFunction | undefined {
    try {
        const code = readCached(file);
        const cached = code === undefined ? undefined : loadModule(code, file);
        return typeof cached === "function" ? cached as ValidateFunction : undefined;
    } catch {
        return undefined;
    }
}

/**
 * Evaluates a cached CommonJS module's text as the file it was read from. Its `require`s (Ajv's
 * runtime helpers, e.g. `ajv/dist/runtime/ucs2length`) resolve as from this module, wherever the
 * cache folder is.
 */
function loadModule(code: string, file: string): unknown {
    const Module = require("module") as typeof import("module");
    const m = new Module(file) as import("module") & { _compile(code: string, file: string): void; paths: string[]; filename: string };
    m.filename = file;
    m.paths = module.paths;
    m._compile(code, file);
    return m.exports;
}

class NotApplicable extends Error {}

const EMPTY_OPTS: PolicyResourceOptions = {
    protect: false, ignoreChanges: [], aliases: [], additionalSecretOutputs: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
};

export interface ResourceArgsInput {
    readonly type: string;
    readonly props: Record<string, any>;
    readonly urn?: string;
    readonly name?: string;
    readonly opts?: Partial<PolicyResourceOptions>;
    readonly provider?: { type: string; props: Record<string, any>; urn: string; name: string };
    readonly config?: Record<string, unknown>;
    readonly stackTags?: ReadonlyMap<string, string>;
}

const typeOf = (cls: unknown) => (cls as { __pulumiType?: string }).__pulumiType;

/** `ResourceValidationArgs` as @pulumi/policy 1.21 builds them (notApplicable throws, as the SDK's does). */
export function resourceArgs(r: ResourceArgsInput): ResourceValidationArgs {
    const name = r.name ?? "test";
    const args: ResourceValidationArgs = {
        type: r.type, props: r.props, urn: r.urn ?? `urn:pulumi:test::observability::${r.type}::${name}`, name,
        opts: { ...EMPTY_OPTS, ...r.opts },
        stackTags: r.stackTags ?? new Map(),
        isType: cls => typeOf(cls) === r.type,
        asType: (cls => (typeOf(cls) === r.type ? r.props : undefined)) as ResourceValidationArgs["asType"],
        getConfig: <T extends object>() => (r.config ?? {}) as T,
        notApplicable: (reason?: string): never => { throw new NotApplicable(reason); },
    };
    if (r.provider) args.provider = r.provider;
    return args;
}

/** The graph as PolicyResources (props = state), parents and dependencies resolved, in graph order. */
export function policyResources(graph: readonly GraphResource[]): PolicyResource[] {
    const byUrn = new Map<string, PolicyResource>();
    const list = graph.map(g => {
        const pr: PolicyResource = {
            type: g.type, props: (g.outputs ?? g.inputs) as Record<string, any>, urn: g.urn, name: g.name,
            opts: { ...EMPTY_OPTS, protect: g.protect, ignoreChanges: [...(g.ignoreChanges ?? [])], ...(g.parent ? { parent: g.parent } : {}) },
            dependencies: [], propertyDependencies: {},
            isType: cls => typeOf(cls) === g.type,
            asType: (cls => (typeOf(cls) === g.type ? (g.outputs ?? g.inputs) : undefined)) as PolicyResource["asType"],
        };
        byUrn.set(g.urn, pr);
        return pr;
    });
    graph.forEach((g, i) => {
        const pr = list[i]!;
        const parent = byUrn.get(g.parent);
        if (parent) pr.parent = parent;
        pr.dependencies = g.dependencies.map(u => byUrn.get(u)).filter((x): x is PolicyResource => !!x);
        for (const [k, urns] of Object.entries(g.propertyDependencies)) pr.propertyDependencies[k] = urns.map(u => byUrn.get(u)).filter((x): x is PolicyResource => !!x);
        const provider = providerOf(g, byUrn);
        if (provider) pr.provider = provider;
    });
    return list;
}

function providerOf(g: GraphResource, byUrn: ReadonlyMap<string, PolicyResource>) {
    if (!g.provider) return undefined;
    const urn = g.provider.slice(0, g.provider.lastIndexOf("::"));
    const p = byUrn.get(urn);
    return p ? { type: p.type, props: p.props, urn: p.urn, name: p.name } : { type: urn.split("::")[2]?.split("$").pop() ?? "", props: {}, urn, name: urn.split("::").pop() ?? "" };
}

/** Runs one resource policy on one resource's args; its violations as messages (notApplicable → none). */
export async function runResourcePolicy(policy: ResourceValidationPolicy, args: ResourceValidationArgs): Promise<string[]> {
    const messages: string[] = [];
    const validations = policy.validateResource === undefined ? [] : Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource];
    for (const v of validations) {
        try {
            await v(args, m => messages.push(m));
        } catch (e) {
            if (!(e instanceof NotApplicable)) throw e;
        }
    }
    return messages;
}

/** Runs one stack policy on resources; its violations as `{ urn, message }` (urn "" for the stack). */
export async function runStackPolicy(policy: StackValidationPolicy, resources: PolicyResource[], config: Record<string, unknown> = {},
    stackTags: ReadonlyMap<string, string> = new Map()): Promise<{ urn: string; message: string }[]> {
    const out: { urn: string; message: string }[] = [];
    try {
        await policy.validateStack({
            resources, stackTags, getConfig: <T extends object>() => config as T,
            notApplicable: (reason?: string): never => { throw new NotApplicable(reason); },
        }, (message, urn) => out.push({ urn: urn ?? "", message }));
    } catch (e) {
        if (!(e instanceof NotApplicable)) throw e;
    }
    return out;
}

const isStackPolicy = (p: ResourceValidationPolicy | StackValidationPolicy): p is StackValidationPolicy => "validateStack" in p;

/** Every policy over a whole graph with a policy config: the violations, resource policies first, in graph order. */
export async function runPolicies(policies: Readonly<Policies>, graph: readonly GraphResource[], file: PolicyPackConfig = {},
    stackTags: ReadonlyMap<string, string> = new Map()): Promise<Violation[]> {
    const resolved = resolvePolicies(policies, file).filter(r => r.level !== "disabled");
    const level = (l: EnforcementLevel) => (l === "advisory" ? "advisory" : "mandatory");
    const resources = policyResources(graph);
    const violations: Violation[] = [];
    for (const { policy, level: l, config } of resolved) {
        if (isStackPolicy(policy)) continue;
        for (let i = 0; i < graph.length; i++) {
            const g = graph[i]!;
            const pr = resources[i]!;
            const args = resourceArgs({ type: g.type, props: g.inputs, urn: g.urn, name: g.name, opts: pr.opts, config, stackTags, ...(pr.provider ? { provider: pr.provider } : {}) });
            for (const message of await runResourcePolicy(policy, args)) violations.push({ policy: policy.name, urn: g.urn, message, enforcementLevel: level(l) });
        }
    }
    for (const { policy, level: l, config } of resolved) {
        if (!isStackPolicy(policy)) continue;
        for (const v of await runStackPolicy(policy, resources, config, stackTags)) violations.push({ policy: policy.name, ...v, enforcementLevel: level(l) });
    }
    return violations;
}
