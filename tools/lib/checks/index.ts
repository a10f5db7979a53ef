/**
 * Every manifest check over one stack's rendered releases, and the known failures (knownFailures.ts).
 * Pure over RenderedRelease[] (tools/lib/manifests.ts) and the captured graph.
 */
import type { Environment } from "../../../stacks/schema";
import type { RenderedRelease } from "../manifests";
import type { ResourceRecord } from "../mock-runtime";
import { clusterManifests, type ClusterManifests, type Finding } from "./model";
import { policyFindings } from "./policies";
import { builtinSchemaFindings, crdSchemaFindings } from "./schemas";
import { wiringFindings } from "./wiring";
import { identityFindings, resourceFindings, rolloutFindings } from "./workloads";

export type { ClusterManifests, Finding } from "./model";

/** Every check on one cluster. */
export function clusterFindings(c: ClusterManifests, records: readonly ResourceRecord[]): Finding[] {
    return [
        ...builtinSchemaFindings(c),
        ...crdSchemaFindings(c),
        ...wiringFindings(c),
        ...identityFindings(c, records),
        ...rolloutFindings(c),
        ...resourceFindings(c),
        ...policyFindings(c, { records }),
    ];
}

/** Every check on every cluster of a stack. */
export function stackFindings(stack: string, env: Environment, rendered: readonly RenderedRelease[], records: readonly ResourceRecord[]): Finding[] {
    return clusterManifests(stack, env, rendered).flatMap(c => clusterFindings(c, records));
}

export { formatFinding } from "./model";
