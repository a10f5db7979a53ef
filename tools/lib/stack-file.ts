/**
 * Reads a committed `Pulumi.<stack>.yaml` into the config a program run would see. Secrets cannot be
 * decrypted offline, so every secret the program knows (stacks/config.ts SECRETS) gets its marked
 * placeholder, stored as a secret — unless the file holds it in plaintext, which is passed through
 * as plaintext so the program rejects it exactly as `pulumi up` would.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { PROJECT, SECRETS } from "../../stacks/config";

export const ROOT = path.resolve(__dirname, "../..");

export interface StackConfig {
    readonly stack: string;
    readonly config: Record<string, unknown>;
    readonly secretKeys: string[];
}

export class StackFileError extends Error {}

export function availableStacks(root = ROOT): string[] {
    return fs.readdirSync(root).map(f => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1]).filter((s): s is string => !!s).sort();
}

export function readStackFile(stack: string, root = ROOT): StackConfig {
    const file = path.join(root, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(file)) {
        throw new StackFileError(`no stack file Pulumi.${stack}.yaml; stacks here: ${availableStacks(root).join(", ") || "none"}`);
    }
    let doc: { config?: Record<string, unknown> } | null;
    try {
        doc = parse(fs.readFileSync(file, "utf8"), { uniqueKeys: true }) as typeof doc;
    } catch (e) {
        throw new StackFileError(`Pulumi.${stack}.yaml is not valid YAML: ${(e as Error).message.split("\n")[0]}`);
    }
    const config: Record<string, unknown> = {};
    const secretKeys: string[] = [];
    for (const [fullKey, value] of Object.entries(doc?.config ?? {})) {
        if (fullKey.startsWith("pulumi:")) continue; // engine settings, e.g. disable-default-providers
        // Other namespaces keep theirs, so the program rejects them as it would under the CLI.
        const key = fullKey.startsWith(`${PROJECT}:`) ? fullKey.slice(PROJECT.length + 1) : fullKey;
        const encrypted = typeof value === "object" && value !== null && "secure" in value;
        if (encrypted) secretKeys.push(key);
        config[key] = encrypted ? "[encrypted]" : value;
    }
    for (const spec of SECRETS) {
        if (config[spec.key] === undefined || secretKeys.includes(spec.key)) {
            config[spec.key] = spec.placeholder;
            if (!secretKeys.includes(spec.key)) secretKeys.push(spec.key);
        }
    }
    return { stack, config, secretKeys };
}
