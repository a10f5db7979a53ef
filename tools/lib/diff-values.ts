/**
 * Value helpers shared by the drift report (tools/lib/drift.ts) and the offline diff
 * (tools/lib/diff.ts): secret masking, Pulumi property paths, leaf-level comparison and short
 * rendering of values for Markdown.
 */

/** The signature key and value Pulumi uses to mark a secret in serialized property values. */
export const SECRET_SIG = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG_VALUE = "1b47061264138c4ac30d75fd1eb44270";
export const MASK = "[secret]";

/** Marked placeholders the offline preview uses for secrets it cannot decrypt. */
const PLACEHOLDER = /OFFLINE-PLACEHOLDER/;

/**
 * Keys whose values are credentials. Compared after lower-casing and dropping `-`/`_`, by suffix:
 * `adminPassword`, `client_secret`, `routing_key`, `slack_api_url`, `webhookUrl`, `bearerToken`.
 * Names of secrets (`existingSecret`, `secretName`, `*SecretRef`, `*File`, `*Path`) are not secret.
 */
const SECRET_KEY = /(password|passwd|secret|token|privatekey|apikey|accesskey|secretkey|routingkey|webhookurl|slackapiurl|credentials|authorization|connectionstring)$/;
const NOT_SECRET_KEY = /(^existing|name$|ref$|file$|path$|keyid$|arn$|mount$)/;

export function isSecretKey(key: string): boolean {
    const k = key.toLowerCase().replace(/[-_]/g, "");
    return SECRET_KEY.test(k) && !NOT_SECRET_KEY.test(k);
}

/** Kubernetes Secret payload properties: every value under them is secret whatever its key. */
function isSecretPayload(resourceType: string | undefined, path: readonly (string | number)[]): boolean {
    return resourceType === "kubernetes:core/v1:Secret" && path.length >= 1 && (path[0] === "data" || path[0] === "stringData");
}

function isEnvelope(v: unknown): boolean {
    return typeof v === "object" && v !== null && !Array.isArray(v) && (v as Record<string, unknown>)[SECRET_SIG] === SECRET_SIG_VALUE;
}

/**
 * Returns `value` with every secret replaced by "[secret]": Pulumi secret envelopes (sig key
 * 4dabf18193072939515e22adb298388d, with `value` or `ciphertext`), the CLI's own "[secret]",
 * offline placeholders, values under secret-looking keys, and Kubernetes Secret `data`/`stringData`.
 * `path` is where `value` sits in its resource (used for the key and Secret-payload rules).
 */
export function maskSecrets(value: unknown, path: readonly (string | number)[] = [], resourceType?: string): unknown {
    if (value === undefined || value === null) return value;
    if (isEnvelope(value)) return MASK;
    const last = path[path.length - 1];
    if ((typeof last === "string" && isSecretKey(last)) || (isSecretPayload(resourceType, path) && path.length >= 2)) {
        return typeof value === "object" && !Array.isArray(value) ? maskObject(value as Record<string, unknown>, path, resourceType, true) : MASK;
    }
    if (typeof value === "string") return PLACEHOLDER.test(value) ? MASK : value;
    if (Array.isArray(value)) return value.map((v, i) => maskSecrets(v, [...path, i], resourceType));
    if (typeof value === "object") return maskObject(value as Record<string, unknown>, path, resourceType, false);
    return value;
}

function maskObject(obj: Record<string, unknown>, path: readonly (string | number)[], resourceType: string | undefined, all: boolean): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(obj)) out[k] = all ? (v === null || v === undefined ? v : MASK) : maskSecrets(v, [...path, k], resourceType);
    return out;
}

/** True when any segment of the path names a secret (so both sides of a change are masked). */
export function isSecretPath(path: readonly (string | number)[], resourceType?: string): boolean {
    return path.some(s => typeof s === "string" && isSecretKey(s)) || isSecretPayload(resourceType, path);
}

/**
 * Parses a Pulumi property path (`a.b[0].c`, `labels["app.kubernetes.io/name"]`, `["a.b"].c`) into
 * segments. Numbers in brackets are array indices.
 */
export function parsePropertyPath(p: string): (string | number)[] {
    const out: (string | number)[] = [];
    let i = 0;
    let cur = "";
    const flush = () => {
        if (cur !== "") out.push(cur);
        cur = "";
    };
    while (i < p.length) {
        const c = p[i];
        if (c === ".") {
            flush();
            i++;
        } else if (c === "[") {
            flush();
            const end = p[i + 1] === '"' ? p.indexOf('"]', i + 2) : p.indexOf("]", i);
            if (end < 0) {
                cur += p.slice(i);
                break;
            }
            if (p[i + 1] === '"') {
                out.push(JSON.parse(p.slice(i + 1, end + 1)) as string);
                i = end + 2;
            } else {
                const inner = p.slice(i + 1, end);
                out.push(/^\d+$/.test(inner) ? Number(inner) : inner === "*" ? "*" : inner);
                i = end + 1;
            }
        } else {
            cur += c;
            i++;
        }
    }
    flush();
    return out;
}

/** Formats segments back into a Pulumi property path. */
export function formatPropertyPath(segments: readonly (string | number)[]): string {
    let s = "";
    for (const seg of segments) {
        if (typeof seg === "number") s += `[${seg}]`;
        else if (/^[A-Za-z_$][\w$-]*$/.test(seg)) s += s === "" ? seg : `.${seg}`;
        else s += `[${JSON.stringify(seg)}]`;
    }
    return s;
}

/** The value at `path` in `obj`, or undefined. Secret envelopes are looked through. */
export function getPath(obj: unknown, path: readonly (string | number)[]): unknown {
    let cur: unknown = obj;
    for (const seg of path) {
        if (isEnvelope(cur) || cur === MASK) return MASK;
        if (cur === null || typeof cur !== "object") return undefined;
        cur = (cur as Record<string | number, unknown>)[seg];
    }
    return cur;
}

export interface LeafChange {
    readonly path: (string | number)[];
    readonly kind: "add" | "delete" | "update";
    readonly old: unknown;
    readonly new: unknown;
}

/**
 * Leaf-level differences between two JSON values: objects are compared key by key, arrays index by
 * index (a length change reports the extra indices as added/deleted), anything else by value.
 */
export function leafChanges(a: unknown, b: unknown, path: (string | number)[] = []): LeafChange[] {
    if (isEnvelope(a) || isEnvelope(b)) return JSON.stringify(a) === JSON.stringify(b) ? [] : [{ path, kind: "update", old: a, new: b }];
    const bothObjects = isPlainObject(a) && isPlainObject(b);
    const bothArrays = Array.isArray(a) && Array.isArray(b);
    if (bothObjects) {
        const out: LeafChange[] = [];
        const ao = a as Record<string, unknown>;
        const bo = b as Record<string, unknown>;
        const keys = [...new Set([...Object.keys(ao), ...Object.keys(bo)])].sort();
        for (const k of keys) {
            if (!(k in bo) || bo[k] === undefined) {
                if (ao[k] !== undefined) out.push({ path: [...path, k], kind: "delete", old: ao[k], new: undefined });
            } else if (!(k in ao) || ao[k] === undefined) out.push({ path: [...path, k], kind: "add", old: undefined, new: bo[k] });
            else out.push(...leafChanges(ao[k], bo[k], [...path, k]));
        }
        return out;
    }
    if (bothArrays) {
        const aa = a as unknown[];
        const ba = b as unknown[];
        const out: LeafChange[] = [];
        for (let i = 0; i < Math.max(aa.length, ba.length); i++) {
            if (i >= ba.length) out.push({ path: [...path, i], kind: "delete", old: aa[i], new: undefined });
            else if (i >= aa.length) out.push({ path: [...path, i], kind: "add", old: undefined, new: ba[i] });
            else out.push(...leafChanges(aa[i], ba[i], [...path, i]));
        }
        return out;
    }
    return JSON.stringify(a) === JSON.stringify(b) ? [] : [{ path, kind: "update", old: a, new: b }];
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A value as short inline Markdown code (at most `max` characters), safe inside a table cell. */
export function inlineValue(v: unknown, max = 120): string {
    if (v === undefined) return "–";
    let s = typeof v === "string" ? JSON.stringify(v) : JSON.stringify(v) ?? String(v);
    if (s.length > max) s = `${s.slice(0, max - 1)}…`;
    return `\`${s.replace(/`/g, "'").replace(/\|/g, "\\|").replace(/\n/g, " ")}\``;
}

/** Splits a Pulumi URN into its parts: stack, project, type chain (outermost first) and name. */
export function parseUrn(urn: string): { stack: string; project: string; types: string[]; type: string; name: string } {
    const parts = urn.split("::");
    const stack = parts[0]?.replace(/^urn:pulumi:/, "") ?? "";
    const types = (parts[2] ?? "").split("$");
    return { stack, project: parts[1] ?? "", types, type: types[types.length - 1] ?? "", name: parts.slice(3).join("::") };
}
