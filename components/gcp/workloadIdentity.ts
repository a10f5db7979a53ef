/**
 * obs:gcp:WorkloadIdentity — a Google service account for one Kubernetes service account: allowed
 * to impersonate it only through GKE Workload Identity (`roles/iam.workloadIdentityUser` for
 * `<pool>[<ns>/<ksa>]`) and granted object access on its own buckets only.
 */
import * as pulumi from "@pulumi/pulumi";
import { Account, IAMMember as ServiceAccountIAMMember } from "@pulumi/gcp/serviceaccount";
import { BucketIAMMember } from "@pulumi/gcp/storage";

/** Create, read, list and delete objects; unlike objectAdmin, no object IAM or ACL permissions. */
export const BUCKET_ROLE = "roles/storage.objectUser";
export const WORKLOAD_IDENTITY_ROLE = "roles/iam.workloadIdentityUser";

export interface WorkloadIdentityArgs {
    readonly project: string;
    readonly accountId: string;
    /** `<project>.svc.id.goog` of the cluster. */
    readonly workloadPool: pulumi.Input<string>;
    readonly namespace: string;
    readonly serviceAccount: string;
    readonly buckets: readonly pulumi.Input<string>[];
    /** The project's APIs (iam): the service account waits for them. */
    readonly apis: pulumi.Resource;
}

export class WorkloadIdentity extends pulumi.ComponentResource {
    public readonly email: pulumi.Output<string>;
    /** `iam.gke.io/gcp-service-account` for the Kubernetes service account. */
    public readonly annotations: pulumi.Output<Record<string, string>>;

    constructor(name: string, args: WorkloadIdentityArgs, opts?: pulumi.ComponentResourceOptions) {
        super("obs:gcp:WorkloadIdentity", name, {}, opts);
        const account = createWorkloadIdentity(this, name, args);
        this.email = account.email;
        this.annotations = account.email.apply((email): Record<string, string> => ({ "iam.gke.io/gcp-service-account": email }));
        this.registerOutputs({ email: this.email, annotations: this.annotations });
    }
}

/** @internal */
function createWorkloadIdentity(parent: pulumi.Resource, name: string, args: WorkloadIdentityArgs): Account {
    const o = { parent };
    const account = new Account(name, {
        project: args.project, accountId: args.accountId, displayName: `${args.namespace}/${args.serviceAccount} (Workload Identity)`,
    }, { parent, dependsOn: [args.apis] });
    const member = pulumi.interpolate`serviceAccount:${account.email}`;
    args.buckets.forEach((bucket, i) => new BucketIAMMember(`${name}-bucket-${i}`, { bucket, role: BUCKET_ROLE, member }, o));
    new ServiceAccountIAMMember(`${name}-wi`, {
        serviceAccountId: account.name,
        role: WORKLOAD_IDENTITY_ROLE,
        member: pulumi.interpolate`serviceAccount:${args.workloadPool}[${args.namespace}/${args.serviceAccount}]`,
    }, o);
    return account;
}
