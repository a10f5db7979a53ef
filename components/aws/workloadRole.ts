/**
 * obs:aws:WorkloadRole — an IAM role for one Kubernetes service account (IRSA): trusted only by
 * that service account through the cluster's OIDC provider, with an inline policy and/or managed
 * policies. Yields the service-account annotation that binds the two.
 */
import * as pulumi from "@pulumi/pulumi";
import { Role, RolePolicy, RolePolicyAttachment } from "@pulumi/aws/iam";
import { irsaTrustPolicy, PolicyDocument } from "./policies";

export interface WorkloadRoleArgs {
    readonly oidcProviderArn: pulumi.Input<string>;
    /** The cluster's OIDC issuer URL (https://oidc.eks.<region>.amazonaws.com/id/<id>). */
    readonly oidcIssuerUrl: pulumi.Input<string>;
    readonly namespace: string;
    readonly serviceAccount: string;
    /** Inline policy, scoped to what this workload needs. */
    readonly policy?: pulumi.Input<PolicyDocument>;
    /** AWS-managed policies to attach (for AWS add-ons whose policy AWS maintains). */
    readonly managedPolicyArns?: readonly string[];
    readonly tags: Readonly<Record<string, string>>;
}

export class WorkloadRole extends pulumi.ComponentResource {
    public readonly roleArn: pulumi.Output<string>;
    /** `eks.amazonaws.com/role-arn` for the service account. */
    public readonly annotations: pulumi.Output<Record<string, string>>;

    constructor(name: string, args: WorkloadRoleArgs, opts?: pulumi.ComponentResourceOptions) {
        super("obs:aws:WorkloadRole", name, {}, opts);
        const role = createWorkloadRole(this, name, args);
        this.roleArn = role.arn;
        this.annotations = role.arn.apply((arn): Record<string, string> => ({ "eks.amazonaws.com/role-arn": arn }));
        this.registerOutputs({ roleArn: this.roleArn, annotations: this.annotations });
    }
}

/** @internal */
function createWorkloadRole(parent: pulumi.Resource, name: string, args: WorkloadRoleArgs): Role {
    const o = { parent };
    const role = new Role(name, {
        description: `IRSA role for ${args.namespace}/${args.serviceAccount}`,
        assumeRolePolicy: pulumi.all([args.oidcProviderArn, args.oidcIssuerUrl]).apply(([arn, url]) =>
            JSON.stringify(irsaTrustPolicy(arn, url, args.namespace, args.serviceAccount))),
        tags: args.tags,
    }, o);
    if (args.policy !== undefined) {
        new RolePolicy(`${name}-access`, { role: role.id, policy: pulumi.output(args.policy).apply(p => JSON.stringify(p)) }, o);
    }
    (args.managedPolicyArns ?? []).forEach((policyArn, i) => new RolePolicyAttachment(`${name}-managed-${i}`, { role: role.name, policyArn }, o));
    return role;
}
