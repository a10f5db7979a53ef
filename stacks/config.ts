/**
 * Reads and validates the whole environment before anything is registered. A bad value yields one
 * ConfigError naming the key, the value and what is allowed; under the Pulumi CLI it is a RunError,
 * so the user sees that one line and no stack trace.
 */
import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import { CONFIG_KEYS, Environment, EnvironmentSchema } from "./schema";

export const PROJECT = "observability";

export class ConfigError extends pulumi.RunError {
    constructor(message: string) {
        super(message);
        this.name = "ConfigError";
    }
}

/** A secret the stack reads with requireSecret. `when` says whether this environment needs it. */
interface SecretSpec {
    readonly key: string;
    readonly description: string;
    readonly pattern: RegExp;
    readonly allowed: string;
    readonly when: (env: Environment) => boolean;
    /** What `npm run preview:offline` puts in its place: marked, and shaped like the real thing. */
    readonly placeholder: string;
}

export const SECRETS: readonly SecretSpec[] = [
    {
        key: "slackWebhookUrl",
        description: "Slack incoming-webhook URL Alertmanager posts to",
        pattern: /^https:\/\/\S+$/,
        allowed: "an https URL like \"https://hooks.slack.com/services/…\"",
        when: () => true,
        placeholder: "https://hooks.slack.com/services/OFFLINE-PLACEHOLDER",
    },
    {
        key: "pagerdutyRoutingKey",
        description: "PagerDuty Events API v2 integration (routing) key",
        pattern: /^[A-Za-z0-9]{32}$/,
        allowed: "a 32-character PagerDuty Events v2 routing key",
        when: env => env.alerting.pagerduty.enabled,
        placeholder: "OFFLINEPLACEHOLDER00000000000000",
    },
];

/** The validated environment plus its secrets, each a secret Output. */
export interface LoadedEnvironment {
    readonly stack: string;
    readonly env: Environment;
    readonly secrets: Readonly<Record<string, pulumi.Output<string>>>;
}

/**
 * The raw config of one stack: plain values and which keys are secret. `observability:` keys are
 * without their namespace; keys of any other namespace, the engine's own `pulumi:` included, keep it.
 */
export interface RawConfig {
    readonly values: Readonly<Record<string, unknown>>;
    readonly secretKeys: ReadonlySet<string>;
}

// ---- formatting ----

function keyOf(path: readonly PropertyKey[]): string {
    let out = `${PROJECT}:`;
    path.forEach((p, i) => {
        if (typeof p === "number") out += `[${p}]`;
        else out += i === 0 ? String(p) : `.${String(p)}`;
    });
    return out;
}

function show(value: unknown): string {
    const s = JSON.stringify(value);
    return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/** One line for one zod issue: key, value, what is allowed. */
export function formatIssue(iss: z.core.$ZodIssue): string {
    const input = (iss as { input?: unknown }).input;
    if (iss.code === "unrecognized_keys") {
        // At the top level, the secrets are keys too (validated separately, below).
        const message = iss.path.length === 0 ? `allowed keys are ${[...CONFIG_KEYS, ...SECRETS.map(s => s.key)].join(", ")}` : iss.message;
        return `${keyOf([...iss.path, iss.keys[0]!])}: unknown key; ${message}`;
    }
    if (iss.code === "invalid_union" && "discriminator" in iss && typeof iss.discriminator === "string") {
        // zod reports the discriminator's own path, with the whole object as input.
        const path = iss.path.at(-1) === iss.discriminator ? iss.path : [...iss.path, iss.discriminator];
        const value = (input as Record<string, unknown> | undefined)?.[iss.discriminator];
        return value === undefined
            ? `${keyOf(path)}: missing; expected ${iss.message}`
            : `${keyOf(path)}: got ${show(value)}; expected ${iss.message}`;
    }
    if (input === undefined) return `${keyOf(iss.path)}: missing; expected ${iss.message}`;
    return `${keyOf(iss.path)}: got ${show(input)}; expected ${iss.message}`;
}

// ---- validation (pure) ----

/**
 * Provider namespaces a stack (or an ESC environment it imports) may carry. Providers here are
 * explicit and take region and project from each cluster, so their keys have no effect: the program
 * warns about them (ignoredProviderKeys) instead of failing. Any other namespace is a typo: an error.
 */
export const PROVIDER_NAMESPACES = ["aws", "gcp", "kubernetes", "random"];

/** The engine's own namespace (`pulumi:disable-default-providers`, `pulumi:autonaming`, ...). */
const ENGINE = "pulumi:";

/** Provider config keys present in the stack, which the explicit providers ignore. */
export function ignoredProviderKeys(raw: RawConfig): string[] {
    return Object.keys(raw.values).filter(k => k.includes(":") && !k.startsWith(ENGINE)).sort();
}

/**
 * Engine settings that change what gets created. `pulumi:autonaming` changes the physical name of
 * every auto-named resource (S3/GCS buckets, IAM roles, networks); the name checks before any
 * registration (components/cloud-rules.ts) assume the default `<name>-<7 hex>`, so only the
 * default mode is accepted. The other engine settings leave names and resources as they are.
 */
function checkEngineSettings(raw: RawConfig): void {
    const autonaming = raw.values[`${ENGINE}autonaming`];
    if (autonaming === undefined) return;
    const isDefault = typeof autonaming === "object" && autonaming !== null && !Array.isArray(autonaming)
        && Object.keys(autonaming).length === 1 && (autonaming as { mode?: unknown }).mode === "default";
    if (!isDefault) {
        throw new ConfigError(`${ENGINE}autonaming: got ${show(autonaming)}; expected no setting or {mode: default}: `
            + "the cloud name checks (components/cloud-rules.ts) hold for Pulumi's default auto-names `<name>-<7 hex>` only, and other modes or patterns change every bucket and IAM role name");
    }
}

/** Validates raw config. Throws one ConfigError for the first problem, in schema order. */
export function parseEnvironment(raw: RawConfig): Environment {
    const foreign = Object.keys(raw.values).find(k => k.includes(":") && !k.startsWith(ENGINE) && !PROVIDER_NAMESPACES.includes(k.split(":")[0]!));
    if (foreign !== undefined) {
        throw new ConfigError(`${foreign}: unknown key; allowed namespaces are ${PROJECT}:, pulumi: and the providers' ${PROVIDER_NAMESPACES.map(n => `${n}:`).join(", ")}`);
    }
    checkEngineSettings(raw);
    const secretKeys = new Set(SECRETS.map(s => s.key));
    const plain: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(raw.values)) if (!secretKeys.has(k) && !k.includes(":")) plain[k] = v;
    const result = EnvironmentSchema.safeParse(plain, { reportInput: true });
    if (!result.success) throw new ConfigError(formatIssue(result.error.issues[0]!));
    const env = result.data;
    for (const spec of SECRETS) {
        const value = raw.values[spec.key];
        const key = `${PROJECT}:${spec.key}`;
        const how = `pulumi config set --secret ${key} <value>`;
        if (value === undefined) {
            if (spec.when(env)) throw new ConfigError(`${key}: missing; expected ${spec.allowed}, set with \`${how}\``);
            continue;
        }
        if (!raw.secretKeys.has(spec.key)) {
            throw new ConfigError(`${key}: stored in plaintext; expected a secret, set with \`${how}\``);
        }
        if (typeof value !== "string" || !spec.pattern.test(value)) {
            throw new ConfigError(`${key}: got [secret]; expected ${spec.allowed}`);
        }
    }
    return env;
}

/** Parses a stored config value: structured values arrive as JSON text, strings as themselves. */
function decode(text: string): unknown {
    try {
        return JSON.parse(text);
    } catch {
        return text;
    }
}

/**
 * `isConfigSecret` is exported by @pulumi/pulumi's runtime but stripped from its typings (internal);
 * it is the only way to know, before reading a value, that the stack stored it as a secret.
 * @pulumi/pulumi is pinned exactly, and the config tests cover this path.
 */
const isConfigSecret = (pulumi.runtime as unknown as { isConfigSecret(key: string): boolean }).isConfigSecret;

/** This stack's `observability:*` config, as the Pulumi runtime holds it. */
export function readRawConfig(): RawConfig {
    const values: Record<string, unknown> = {};
    const secretKeys = new Set<string>();
    const prefix = `${PROJECT}:`;
    for (const [fullKey, text] of Object.entries(pulumi.runtime.allConfig())) {
        const key = fullKey.startsWith(prefix) ? fullKey.slice(prefix.length) : fullKey;
        values[key] = decode(text);
        if (isConfigSecret(fullKey)) secretKeys.add(key);
    }
    return { values, secretKeys };
}

/** Validates this stack's config and reads its secrets as secret Outputs. Registers nothing. */
export function loadEnvironment(): LoadedEnvironment {
    const raw = readRawConfig();
    const env = parseEnvironment(raw);
    for (const key of ignoredProviderKeys(raw)) {
        pulumi.log.warn(`${key} has no effect: providers are explicit and each cluster in ${PROJECT}:clusters sets its own region and project`);
    }
    const config = new pulumi.Config(PROJECT);
    const secrets: Record<string, pulumi.Output<string>> = {};
    for (const spec of SECRETS) {
        if (spec.when(env)) secrets[spec.key] = config.requireSecret(spec.key);
    }
    return { stack: pulumi.getStack(), env, secrets };
}

