/**
 * The policy step of `npm run preview:offline`: runs every policy of the pack on the captured graph
 * and the manifests Helm rendered, with the environment's policy config (`--policy-config <file>`,
 * default policy/config/<stack>.json when it exists), and writes out/<stack>/policy.json:
 * `{ "violations": [ { policy, urn, message, enforcementLevel } ] }`.
 */
import * as fs from "fs";
import * as path from "path";
import type { ResourceRecord } from "../../tools/lib/mock-runtime";
import { releaseSpecs, RenderedRelease } from "../../tools/lib/manifests";
import { POLICIES } from "../policies";
import { K8sObject, useRenderedObjects } from "./manifests";
import { PolicyConfigError, PolicyPackConfig, runPolicies, Violation } from "./runner";

export const POLICY_DIR = path.resolve(__dirname, "..");

/** The config file for a stack: the one given, else policy/config/<stack>.json if it exists, else none (policies' own levels). */
export function policyConfigPath(stack: string, given: string | undefined, cwd = process.cwd()): string | undefined {
    if (given !== undefined) return path.resolve(cwd, given);
    const file = path.join(POLICY_DIR, "config", `${stack}.json`);
    return fs.existsSync(file) ? file : undefined;
}

/** Reads a policy config file; a missing or unparsable file is a PolicyConfigError. */
export function readPolicyConfig(file: string | undefined): PolicyPackConfig {
    if (file === undefined) return {};
    if (!fs.existsSync(file)) throw new PolicyConfigError(`policy config ${file} does not exist`);
    try {
        const parsed = JSON.parse(fs.readFileSync(file, "utf8")) as unknown;
        if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("not a JSON object");
        return parsed as PolicyPackConfig;
    } catch (e) {
        throw new PolicyConfigError(`policy config ${file} is not valid: ${(e as Error).message}`);
    }
}

/** Rendered objects per Helm resource URN, from the preview's rendered releases. */
export function objectsByUrn(records: readonly ResourceRecord[], rendered: readonly RenderedRelease[]): Map<string, readonly K8sObject[]> {
    const out = new Map<string, readonly K8sObject[]>();
    for (const s of releaseSpecs(records)) {
        const r = rendered.find(x => x.cluster === s.cluster && x.release === s.release);
        if (r) out.set(s.record.urn, r.objects);
    }
    return out;
}

/** Runs the pack on a captured graph and its rendered manifests. */
export async function checkGraph(records: readonly ResourceRecord[], rendered: readonly RenderedRelease[], config: PolicyPackConfig): Promise<Violation[]> {
    useRenderedObjects(objectsByUrn(records, rendered));
    return runPolicies(POLICIES, records, config);
}

/** The console lines for violations: one per violation, `[level] policy  resource: message`. */
export function formatViolations(violations: readonly Violation[]): string[] {
    return violations.map(v => `  [${v.enforcementLevel}] ${v.policy}  ${v.urn.split("::").pop() || "(stack)"}: ${v.message}`);
}

/** The text of out/<stack>/policy.json. */
export function policyReport(violations: readonly Violation[]): string {
    return JSON.stringify({ violations }, null, 2) + "\n";
}
