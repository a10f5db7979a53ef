/**
 * Builds the plain RenderInput a renderer needs from a platform's Outputs, resolving only the
 * buckets and identities that release uses, so its Helm values (and thus its dependencies) carry
 * nothing else. Facts a release does not use are filled with a marker that shows up loudly if a
 * renderer ever reads one.
 */
import * as pulumi from "@pulumi/pulumi";
import type { WorkloadKey } from "../defaults";
import type { BucketKey } from "../retention";
import type { ClusterPlatformOutputs } from "../platform";
import type { RenderInput, WorkloadIdentityFacts } from "../render/types";

export type RenderBase = Omit<RenderInput, "storage" | "identities">;

export interface RenderNeeds {
    readonly buckets?: readonly BucketKey[];
    readonly identities?: readonly WorkloadKey[];
}

export const NOT_PROVIDED = "<not-provided>";

export function renderInputFor(base: RenderBase, platform: ClusterPlatformOutputs, needs: RenderNeeds = {}): pulumi.Output<RenderInput> {
    const bucketKeys = needs.buckets ?? [];
    const identityKeys = needs.identities ?? [];
    return pulumi.all([
        pulumi.all(bucketKeys.map(b => platform.storage.buckets[b])),
        pulumi.all(identityKeys.map(w => platform.identities[w].annotations)),
    ]).apply(([bucketNames, annotations]) => {
        const buckets = { lokiChunks: NOT_PROVIDED, lokiRuler: NOT_PROVIDED, tempo: NOT_PROVIDED };
        bucketKeys.forEach((b, i) => { buckets[b] = bucketNames[i]!; });
        const identity = (w: WorkloadKey): WorkloadIdentityFacts => {
            const i = identityKeys.indexOf(w);
            const { namespace, serviceAccount } = platform.identities[w];
            return { namespace, serviceAccount, annotations: i >= 0 ? annotations[i]! : { [NOT_PROVIDED]: NOT_PROVIDED } };
        };
        return {
            ...base,
            storage: { type: platform.storage.type, region: platform.storage.region, buckets },
            identities: { loki: identity("loki"), tempo: identity("tempo") },
        };
    });
}
