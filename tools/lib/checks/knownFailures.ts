/**
 * THE list of known failures of the manifest checks: real defects of the current renderers, each
 * named, kept here (and only here) so the checks stay strict. The tests fail on any finding not
 * listed, and on any entry that no longer occurs: when a fix lands, delete its entries.
 */
import type { Finding } from "./model";

export interface KnownFailure {
    readonly check: Finding["check"];
    readonly subject: string;
    /** `<stack>/<cluster>` where it occurs, or every cluster of every stack checked. */
    readonly where: "every cluster" | readonly string[];
    readonly defect: string;
}

export const KNOWN_FAILURES: readonly KnownFailure[] = [];

export function isKnown(f: Finding, known: readonly KnownFailure[] = KNOWN_FAILURES): KnownFailure | undefined {
    return known.find(k => k.check === f.check && k.subject === f.subject && (k.where === "every cluster" || k.where.includes(`${f.stack}/${f.cluster}`)));
}
