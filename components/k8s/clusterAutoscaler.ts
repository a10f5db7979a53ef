/**
 * obs:k8s:ClusterAutoscaler — the EKS Cluster Autoscaler from our own manifests
 * (components/render/clusterAutoscaler.ts): one Pulumi resource per Kubernetes object, so a preview
 * diffs each object. The RBAC objects and the service account come before the Deployment.
 */
import * as pulumi from "@pulumi/pulumi";
import { Deployment } from "@pulumi/kubernetes/apps/v1";
import { ServiceAccount } from "@pulumi/kubernetes/core/v1";
import { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from "@pulumi/kubernetes/rbac/v1";
import { clusterAutoscalerObjects, ClusterAutoscalerObjects } from "../render/clusterAutoscaler";

export interface ClusterAutoscalerArgs {
    /** The EKS cluster: its Auto Scaling groups carry `k8s.io/cluster-autoscaler/<clusterName>`. */
    readonly clusterName: string;
    readonly region: string;
    /** The IRSA role the service account assumes. */
    readonly roleArn: pulumi.Input<string>;
}

export class ClusterAutoscaler extends pulumi.ComponentResource {
    public readonly deployment: Deployment;

    constructor(name: string, args: ClusterAutoscalerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("obs:k8s:ClusterAutoscaler", name, {}, opts);
        this.deployment = createObjects(this, name, args);
        this.registerOutputs({});
    }
}

/** @internal */
function createObjects(parent: pulumi.Resource, name: string, args: ClusterAutoscalerArgs): Deployment {
    const objects = pulumi.output(args.roleArn).apply(roleArn => clusterAutoscalerObjects({ clusterName: args.clusterName, region: args.region, roleArn }));
    // One field of the rendered objects as an Output (every field the renderer sets is defined).
    const pick = <T>(field: (objs: ClusterAutoscalerObjects) => pulumi.Input<T> | undefined) => pulumi.output(objects.apply(objs => field(objs)!));
    const o = { parent };
    const serviceAccount = new ServiceAccount(`${name}-service-account`, { metadata: pick(x => x.serviceAccount.metadata) }, o);
    const clusterRole = new ClusterRole(`${name}-cluster-role`, { metadata: pick(x => x.clusterRole.metadata), rules: pick(x => x.clusterRole.rules) }, o);
    const clusterRoleBinding = new ClusterRoleBinding(`${name}-cluster-role-binding`, {
        metadata: pick(x => x.clusterRoleBinding.metadata), roleRef: pick(x => x.clusterRoleBinding.roleRef), subjects: pick(x => x.clusterRoleBinding.subjects),
    }, { parent, dependsOn: [clusterRole, serviceAccount] });
    const role = new Role(`${name}-role`, { metadata: pick(x => x.role.metadata), rules: pick(x => x.role.rules) }, o);
    const roleBinding = new RoleBinding(`${name}-role-binding`, {
        metadata: pick(x => x.roleBinding.metadata), roleRef: pick(x => x.roleBinding.roleRef), subjects: pick(x => x.roleBinding.subjects),
    }, { parent, dependsOn: [role, serviceAccount] });
    const deployment = new Deployment(`${name}-deployment`, { metadata: pick(x => x.deployment.metadata), spec: pick(x => x.deployment.spec) },
        { parent, dependsOn: [serviceAccount, clusterRoleBinding, roleBinding] });
    return deployment;
}
