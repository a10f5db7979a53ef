/**
 * obs:k8s:NetworkPolicies — default-deny plus the explicit allows of the wiring table
 * (render/wiring.ts) in every namespace of the stack, as Kubernetes NetworkPolicy objects. The
 * policies are rendered by render/networkPolicies.ts; enforcing them is the cluster's CNI (GKE
 * Dataplane V2, the EKS VPC CNI's network policy agent).
 */
import * as pulumi from "@pulumi/pulumi";
import { NetworkPolicy } from "@pulumi/kubernetes/networking/v1";
import { renderNetworkPolicies } from "../render/networkPolicies";
import type { WiringFacts } from "../render/wiring";

export interface NetworkPoliciesArgs {
    readonly facts: WiringFacts;
    /** The namespaces the policies live in (they must exist first). */
    readonly dependsOn: readonly pulumi.Resource[];
}

export class NetworkPolicies extends pulumi.ComponentResource {
    constructor(name: string, args: NetworkPoliciesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("obs:k8s:NetworkPolicies", name, {}, opts);
        createPolicies(this, name, args);
        this.registerOutputs({});
    }
}

/** @internal */
function createPolicies(parent: pulumi.Resource, name: string, args: NetworkPoliciesArgs): void {
    for (const p of renderNetworkPolicies(args.facts)) {
        new NetworkPolicy(`${name}-${p.metadata.namespace}-${p.metadata.name}`, {
            metadata: { name: p.metadata.name, namespace: p.metadata.namespace, labels: { ...p.metadata.labels }, annotations: { ...p.metadata.annotations } },
            // A plain copy: the provider's input types take mutable arrays.
            spec: JSON.parse(JSON.stringify(p.spec)),
        }, { parent, dependsOn: [...args.dependsOn] });
    }
}

