/**
 * The manifest checks step of `npm run preview:offline` (with manifests): every check of
 * tools/lib/checks (schemas, CRD schemas, wiring, identity, rollouts, resources, network policies) on
 * the stack's rendered releases, so a stack that no test knows (a new Pulumi.<name>.yaml) is checked
 * the same way the committed ones are in `npm test`.
 *
 * The checks cost about 2.7 s on prod (loading the Kubernetes schemas, compiling the CRDs' schemas),
 * so their findings are cached in .cache/checks/ under a key of everything they read: the stack, its
 * environment, the captured graph, the rendered manifests, every TypeScript source of the project
 * outside the tests, and package-lock.json, so a change to a check, to anything it imports or to a
 * library it uses is a miss.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import type { Environment } from "../../stacks/schema";
import type { RenderedRelease } from "./manifests";
import type { ResourceRecord } from "./mock-runtime";
import type { Finding } from "./checks/model";
import { ROOT } from "./stack-file";
import { CHECKS_CACHE, readCached, writeCached } from "./cache";

export interface CheckResult {
    readonly findings: readonly Finding[];
    /** Findings listed in tools/lib/checks/knownFailures.ts (reported, not failing). */
    readonly known: readonly Finding[];
    readonly cached: boolean;
}

/** Every TypeScript source under these folders (recursively), and the lockfile. */
const SOURCES = ["components", "stacks", "policy/lib", "policy/policies", "tools/lib"];

/** The sources the checks' result can depend on: the project's code (the checks, the wiring table, the renderers) and the libraries' pins. */
function codeDigest(): string {
    const files: string[] = [path.join(ROOT, "package-lock.json")];
    const walk = (dir: string) => {
        for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
            const full = path.join(dir, e.name);
            if (e.isDirectory()) walk(full);
            else if (e.name.endsWith(".ts")) files.push(full);
        }
    };
    for (const d of SOURCES) walk(path.join(ROOT, d));
    const h = crypto.createHash("sha256");
    for (const f of files.sort()) h.update(path.relative(ROOT, f)).update("\0").update(fs.readFileSync(f)).update("\0");
    return h.digest("hex");
}

export function checkRendered(stack: string, env: Environment, rendered: readonly RenderedRelease[], records: readonly ResourceRecord[]): CheckResult {
    const key = crypto.createHash("sha256").update(JSON.stringify([
        stack, env, codeDigest(),
        rendered.map(r => [r.cluster, r.release, r.apiVersions, crypto.createHash("sha256").update(r.manifest).digest("hex")]),
        records.map(r => [r.urn, r.parent, r.dependencies, r.inputs, r.outputs]),
    ])).digest("hex");
    const file = path.join(CHECKS_CACHE, `${key}.json`);
    let findings: Finding[];
    let cached = false;
    const hit = readCached(file);
    if (hit !== undefined) {
        findings = JSON.parse(hit) as Finding[];
        cached = true;
    } else {
        // Loaded only here: the schemas alone take most of a second to load.
        const { stackFindings } = require("./checks") as typeof import("./checks");
        findings = stackFindings(stack, env, rendered, records);
        writeCached(file, JSON.stringify(findings));
    }
    const { isKnown } = require("./checks/knownFailures") as typeof import("./checks/knownFailures");
    return { findings: findings.filter(f => !isKnown(f)), known: findings.filter(f => isKnown(f)), cached };
}
