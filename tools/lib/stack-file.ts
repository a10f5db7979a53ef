/**
 * Reads a committed `Pulumi.<stack>.yaml` into the config a program run would see, exactly as the
 * Pulumi CLI reads it, and validates the stack name as the CLI does.
 *
 * How the CLI reads a stack file (pulumi/pulumi, checked at 1b59498, 2026-08-21):
 * - `sdk/go/common/encoding/marshal.go` decodes stack files with `gopkg.in/yaml.v3` (go.mod pins v3.0.1).
 * - `sdk/go/common/resource/config/object.go` (`object.UnmarshalYAML`) decodes every value into
 *   `any`, so yaml.v3's resolver (`resolve.go`) decides the types:
 *   - booleans are only `true/True/TRUE/false/False/FALSE`: `yes/no/on/off/y/n` stay strings (v3
 *     maps them to bool only when decoding into a typed Go bool, `decode.go`, which config never does);
 *   - integers go through `strconv.ParseInt(s, 0, 64)` after removing `_`: `010` is 8 (1.1 octal),
 *     `0o10` is 8, `0x10` 16, `0b10` 2, `1_000` 1000; base-60 (`1:20`) is "purposefully unsupported";
 *   - `.nan`, `.inf`, `-.inf` are floats, which `object.MarshalString` then cannot encode as JSON
 *     (`json: unsupported value: NaN`): the CLI fails on them;
 *   - timestamps decoded into `any` stay strings (v3 `decode.go`, "for backward compatibility");
 *   - merge keys `<<` are honoured (explicit keys win; in a list of maps the earlier map wins);
 *   - duplicate keys are an error; tags it does not know are ignored (the plain value is read).
 * - `config.ParseKey` (`key.go`) accepts `<namespace>:<name>` and the legacy `<namespace>:config:<name>`.
 * - Stack names: `tokens.ParseStackName` (`sdk/go/common/tokens/stack_name.go`): not empty, at
 *   most 100 characters, only `[A-Za-z0-9_.-]`.
 *
 * The `yaml` package's YAML 1.1 mode is used with its tags adjusted to yaml.v3's resolver (above).
 * Secrets cannot be decrypted offline, so every secret the program knows (stacks/config.ts
 * SECRETS) gets its marked placeholder, stored as a secret, unless the file holds it in plaintext,
 * which is passed through as plaintext so the program rejects it exactly as `pulumi up` would.
 */
import * as fs from "fs";
import * as path from "path";
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type ScalarTag, type Tags } from "yaml";
import { PROJECT, SECRETS } from "../../stacks/config";

export const ROOT = path.resolve(__dirname, "../..");

export interface StackConfig {
    readonly stack: string;
    /** Config keys as the program sees them: `observability:` keys without the namespace, others with theirs. */
    readonly config: Record<string, unknown>;
    readonly secretKeys: string[];
}

export class StackFileError extends Error {}

/** The Pulumi CLI's stack-name rule (tokens.ParseStackName), with its messages; undefined when valid. */
export function stackNameError(s: string): string | undefined {
    if (s === "") return "a stack name may not be empty";
    if (s.length > 100) return "a stack name cannot exceed 100 characters";
    const bad = /[^A-Za-z0-9_.-]/.exec(s);
    if (bad) {
        return `a stack name may only contain alphanumeric, hyphens, underscores, or periods: invalid character '${bad[0]}' at position ${bad.index}`;
    }
    return undefined;
}

export function availableStacks(root = ROOT): string[] {
    return fs.readdirSync(root).map(f => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => !!s && stackNameError(s) === undefined).sort();
}

// ---- YAML as yaml.v3 resolves it ----

const BOOL = "tag:yaml.org,2002:bool";
const INT = "tag:yaml.org,2002:int";
const TIMESTAMP = "tag:yaml.org,2002:timestamp";

/**
 * The YAML 1.1 schema's tags, adjusted to what yaml.v3 resolves when decoding into `any`:
 * booleans only true/false (three spellings each), no base-60 numbers, no timestamps, and the
 * prefixes Go's strconv.ParseInt(s, 0, 64) also reads (`0o17`, `0X1F`, `0B11`) added.
 */
function v3Tags(tags: Tags): Tags {
    const out: Tags = [];
    for (const t of tags) {
        if (typeof t === "string") continue;
        if ("format" in t && t.format === "TIME") continue; // base 60: 1:20
        if (t.tag === TIMESTAMP) continue;
        if (t.tag === BOOL && "test" in t && t.test) {
            const value = t.test.test("true");
            out.push({ ...(t as ScalarTag), test: value ? /^(?:[Tt]rue|TRUE)$/ : /^(?:[Ff]alse|FALSE)$/ });
            continue;
        }
        out.push(t);
    }
    // strconv.ParseInt(s, 0, 64) also takes the YAML 1.2 `0o` octal and upper-case prefixes (0X, 0O, 0B).
    const goPrefixed: ScalarTag = {
        identify: () => false, // never chosen to write a value; reading only
        default: true,
        tag: INT,
        test: /^[-+]?0(?:[oO][0-7_]+|X[0-9a-fA-F_]+|B[01_]+)$/,
        resolve: (s: string) => {
            const n = Number(s.replace(/^[-+]/, "").replace(/_/g, "").toLowerCase());
            return s.startsWith("-") ? -n : n;
        },
    };
    return [...out, goPrefixed];
}

/** A YAML error's message without the position and source excerpt that prettyErrors appends. */
function firstLine(message: string): string {
    return message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
}

/** Where a node starts, as `Pulumi.<stack>.yaml:<line>`. */
function at(file: string, lines: LineCounter, node: { range?: readonly number[] | null } | null | undefined): string {
    const offset = node?.range?.[0];
    return offset === undefined ? file : `${file}:${lines.linePos(offset).line}`;
}

function kindOf(node: unknown): string {
    if (isSeq(node)) return "a list";
    if (isMap(node)) return "a map";
    if (isScalar(node)) return node.value === null ? "null" : `${JSON.stringify(node.value)}`;
    return "nothing";
}

/** A config key as the CLI's config.ParseKey reads it: `ns:name` or the legacy `ns:config:name`. */
export function parseConfigKey(s: string): string | undefined {
    const parts = s.split(":");
    if (parts.length === 2) return s;
    if (parts.length === 3 && parts[1] === "config" && parts[0] !== "" && parts[2] !== "") return `${parts[0]}:${parts[2]}`;
    return undefined;
}

/** How a non-finite float is spelt in YAML, for messages. */
function yamlFloat(n: number): string {
    return Number.isNaN(n) ? ".nan" : n > 0 ? ".inf" : "-.inf";
}

/** The first non-finite number in a value, with its path below the key. */
function nonFinite(v: unknown, p: string): { path: string; value: number } | undefined {
    if (typeof v === "number") return Number.isFinite(v) ? undefined : { path: p, value: v };
    if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) {
            const f = nonFinite(v[i], `${p}[${i}]`);
            if (f) return f;
        }
    } else if (v && typeof v === "object") {
        for (const [k, x] of Object.entries(v)) {
            const f = nonFinite(x, `${p}.${k}`);
            if (f) return f;
        }
    }
    return undefined;
}

const isSecure = (v: unknown): boolean =>
    typeof v === "object" && v !== null && !Array.isArray(v) && Object.keys(v).length === 1 && typeof (v as { secure?: unknown }).secure === "string";

/** Replaces encrypted values (`{secure: ...}`) anywhere in a value with a marker; reports whether any was found. */
function maskSecure(v: unknown): { value: unknown; secret: boolean } {
    if (isSecure(v)) return { value: "[encrypted]", secret: true };
    if (Array.isArray(v)) {
        const parts = v.map(maskSecure);
        return { value: parts.map(p => p.value), secret: parts.some(p => p.secret) };
    }
    if (v && typeof v === "object") {
        let secret = false;
        const out: Record<string, unknown> = {};
        for (const [k, x] of Object.entries(v)) {
            const p = maskSecure(x);
            out[k] = p.value;
            secret ||= p.secret;
        }
        return { value: out, secret };
    }
    return { value: v, secret: false };
}

/**
 * Parses the text of a stack file into `<namespace>:<name>` → value, as the CLI would hold it.
 * Throws StackFileError with one line naming the file, line and structure.
 */
export function parseStackText(text: string, file: string): Map<string, { value: unknown; node: Node | null }> {
    const lines = new LineCounter();
    const doc = parseDocument(text.replace(/^\uFEFF/, ""), {
        version: "1.1", merge: true, uniqueKeys: true, customTags: v3Tags, lineCounter: lines,
        prettyErrors: true, logLevel: "silent",
    });
    if (doc.errors.length > 0) {
        const e = doc.errors[0]!;
        throw new StackFileError(`${file}:${e.linePos?.[0]?.line ?? "?"} is not valid YAML: ${firstLine(e.message)}`);
    }
    const unresolved = doc.warnings.find(w => w.code === "TAG_RESOLVE_FAILED");
    if (unresolved) {
        // The CLI would silently read the untagged value: refuse instead of guessing what the tag meant.
        const tag = /Unresolved tag: (\S+)/.exec(unresolved.message)?.[1] ?? "?";
        throw new StackFileError(`${file}:${unresolved.linePos?.[0]?.line ?? "?"}: unknown YAML tag ${tag}; Pulumi ignores tags it does not know and would read the plain value, so remove the tag`);
    }
    const top = doc.contents;
    if (top === null || (isScalar(top) && top.value === null)) return new Map();
    if (!isMap(top)) throw new StackFileError(`${file}: a stack file must be a map with a \`config\` key; got ${kindOf(top)}`);
    const out = new Map<string, { value: unknown; node: Node | null }>();
    for (const pair of top.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : "";
        if (key === "environment" && pair.value !== null && !(isScalar(pair.value) && pair.value.value === null)) {
            throw new StackFileError(`${at(file, lines, pair.key as Node)}: \`environment\` imports Pulumi ESC environments, which the offline preview cannot read; put the config in the stack file`);
        }
        if (key !== "config") continue; // secretsprovider, encryptedkey, ...: the CLI reads them, the program never sees them
        const config = pair.value as Node | null;
        if (config === null || (isScalar(config) && config.value === null)) continue;
        if (!isMap(config)) {
            throw new StackFileError(`${at(file, lines, config)}: \`config\` must be a map of \`<namespace>:<key>\` to values; got ${kindOf(config)}`);
        }
        const js = config.toJS(doc, { maxAliasCount: 100 }) as Record<string, unknown>;
        const rawKeys = new Map<string, string>();
        const nodes = new Map(config.items.map(p => [isScalar(p.key) ? String(p.key.value) : String(p.key), p]));
        for (const [raw, value] of Object.entries(js)) {
            const node = (nodes.get(raw)?.key ?? null) as Node | null;
            const parsed = parseConfigKey(raw);
            if (parsed === undefined) {
                throw new StackFileError(`${at(file, lines, node)}: \`config\` must be a map of \`<namespace>:<key>\` to values; got the key ${JSON.stringify(raw)}`);
            }
            if (out.has(parsed)) {
                throw new StackFileError(`${at(file, lines, node)}: ${parsed} is set twice, as ${rawKeys.get(parsed)} and as ${raw} (\`<namespace>:config:<key>\` is the legacy spelling of \`<namespace>:<key>\`); the Pulumi CLI would keep either one`);
            }
            rawKeys.set(parsed, raw);
            const bad = nonFinite(value, parsed);
            if (bad) {
                throw new StackFileError(`${bad.path}: got ${yamlFloat(bad.value)} (${Number.isNaN(bad.value) ? "not a number" : "infinity"}); the Pulumi CLI cannot store it (json: unsupported value), expected a finite number`);
            }
            out.set(parsed, { value, node });
        }
    }
    return out;
}

/**
 * The text the CLI hands the program for a top-level value (object.MarshalString): strings as
 * they are, numbers and booleans as JSON, lists and maps as JSON. The program decodes each with
 * JSON.parse, falling back to the text (stacks/config.ts readRawConfig); so does this.
 */
function asProgramSees(v: unknown): unknown {
    const text = typeof v === "string" ? v : JSON.stringify(v);
    try {
        return JSON.parse(text);
    } catch {
        return text;
    }
}

export function readStackFile(stack: string, root = ROOT): StackConfig {
    const invalid = stackNameError(stack);
    if (invalid !== undefined) throw new StackFileError(`--stack ${JSON.stringify(stack)}: ${invalid}`);
    const name = `Pulumi.${stack}.yaml`;
    const file = path.join(root, name);
    if (!fs.existsSync(file)) {
        throw new StackFileError(`no stack file ${name}; stacks here: ${availableStacks(root).join(", ") || "none"}`);
    }
    const entries = parseStackText(fs.readFileSync(file, "utf8"), name);
    const config: Record<string, unknown> = {};
    const secretKeys: string[] = [];
    for (const [fullKey, { value }] of entries) {
        // Other namespaces (and the engine's `pulumi:`) keep theirs, so the program judges them as it would under the CLI.
        const key = fullKey.startsWith(`${PROJECT}:`) ? fullKey.slice(PROJECT.length + 1) : fullKey;
        const masked = maskSecure(value);
        if (masked.secret) secretKeys.push(key);
        config[key] = masked.secret ? masked.value : asProgramSees(value);
    }
    for (const spec of SECRETS) {
        if (config[spec.key] === undefined || secretKeys.includes(spec.key)) {
            config[spec.key] = spec.placeholder;
            if (!secretKeys.includes(spec.key)) secretKeys.push(spec.key);
        }
    }
    return { stack, config, secretKeys };
}
