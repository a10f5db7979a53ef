/**
 * No secret in plain inputs: Helm values, ConfigMaps and every other resource input end up in the
 * Pulumi state, the Helm release Secret and `helm get values` in plaintext. Secrets belong in
 * stack secrets (`pulumi config set --secret`) flowing into Kubernetes Secrets that charts
 * reference by name or file path. Recognised: Slack webhooks and tokens, PagerDuty keys, private
 * keys, AWS access keys, GitHub tokens, and any literal under a password/token/key-like name.
 * Kubernetes Secrets' data, and values the engine marks secret, are where secrets belong.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { T } from "../lib/common";

/** Values that are secrets whatever their key. */
const VALUE_PATTERNS: readonly [string, RegExp][] = [
    ["a Slack webhook URL", /https:\/\/hooks\.slack\.com\/(services|workflows|triggers)\/[A-Za-z0-9/_-]+/],
    ["a Slack token", /\bxox[abposr]-[A-Za-z0-9-]{10,}/],
    ["a private key", /-----BEGIN ([A-Z]+ )?PRIVATE KEY-----/],
    ["an AWS access key id", /\b(AKIA|ASIA)[0-9A-Z]{16}\b/],
    ["a GitHub token", /\b(ghp|gho|ghs|ghu|github_pat)_[A-Za-z0-9_]{20,}/],
    ["a PagerDuty Events API URL with a key", /events\.pagerduty\.com\/[^\s"']*[?&](routing_key|integration_key)=[A-Za-z0-9]{20,}/],
];

/** Keys whose literal value is a credential. */
const SECRET_KEY = /(^|[^a-z])(password|passwd|pwd|secret|token|api_?key|apikey|access_?key|secret_?key|private_?key|client_?secret|webhook(_?url)?|bearer|credentials?)$/i;
/** PagerDuty key names: their value is a key only when it looks like one (`routing_key: traceID` routes load balancing). */
const PAGERDUTY_KEY = /(^|[^a-z])(routing_?key|service_?key|integration_?key)$/i;

/** Literal values that only point at a secret: references, paths, env expansion, placeholders. */
function isReference(v: string): boolean {
    return v === "" || v === "[secret]" || v.startsWith("/") || v.startsWith("$") || v.includes("${") || v.includes("$__file{")
        || v.includes("{{") || /^<[^>]*>$/.test(v) || /OFFLINE-PLACEHOLDER/.test(v);
}

export interface SecretFinding {
    readonly path: string;
    readonly what: string;
}

/** Every secret-looking value below `v` (dotted paths). Objects the engine marks secret (`Secret`) are skipped. */
export function findSecrets(v: unknown, path = ""): SecretFinding[] {
    if (typeof v === "string") {
        const hit = VALUE_PATTERNS.find(([, re]) => re.test(v));
        if (hit) return [{ path, what: hit[0] }];
        const key = path.split(/[.[\]]/).filter(Boolean).pop() ?? "";
        const words = key.replace(/([a-z0-9])([A-Z])/g, "$1_$2").replace(/-/g, "_");
        if (PAGERDUTY_KEY.test(words)) return /^[A-Za-z0-9]{20,}$/.test(v) ? [{ path, what: "a PagerDuty key" }] : [];
        if (SECRET_KEY.test(words) && !isReference(v) && !/_file$|_path$|file$|existingsecret|secretname|secretref/i.test(key)) {
            return [{ path, what: `a literal value under "${key}"` }];
        }
        return [];
    }
    if (Array.isArray(v)) return v.flatMap((x, i) => findSecrets(x, `${path}[${i}]`));
    if (v && typeof v === "object") {
        if ((v as { constructor?: { name?: string } }).constructor?.name === "Secret") return [];
        return Object.entries(v).flatMap(([k, x]) => findSecrets(x, path ? `${path}.${k}` : k));
    }
    return [];
}

/** Where to move a secret found in a resource of this type. */
function advice(type: string): string {
    if (type === T.release || type === T.chartV4 || type === T.chartV3) {
        return "move it into a Kubernetes Secret fed by a stack secret (pulumi config set --secret observability:<key>) and reference it from the values by existing-secret name or file path";
    }
    if (type === T.configMap) return "move it into a Kubernetes Secret fed by a stack secret (pulumi config set --secret observability:<key>)";
    return "read it with config.requireSecret (pulumi config set --secret observability:<key>) so it stays a secret Output";
}

export const secretHygienePolicy: ResourceValidationPolicy = {
    name: "obs-inputs-disallow-plaintext-secrets",
    description: "No secret-looking value (Slack webhook or token, PagerDuty key, password, private key, access key or token) appears in Helm values, ConfigMaps or any plain resource input, where it would be stored and shown in plaintext.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        const props = { ...args.props };
        if (args.type === T.secret) {
            delete props.data;
            delete props.stringData;
        }
        for (const f of findSecrets(props)) {
            reportViolation(`${args.type.split(":").pop()} ${args.name} has ${f.what} in plain input ${f.path}; ${advice(args.type)}.`);
        }
    },
};
