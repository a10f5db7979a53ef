/**
 * obs:gcp:ProjectServices — the Google APIs a GKE cluster of the product needs, enabled in its project
 * so that the first `pulumi up` on a fresh project succeeds. Everything that calls an API depends on
 * this component (a dependency on a component waits for all its children).
 *
 * `disableOnDestroy: false`: destroying a stack never turns an API off under other users of the
 * project. What cannot be enabled from here (the Service Usage and Cloud Resource Manager APIs
 * themselves, billing) is a bootstrap prerequisite (README "Fresh account or project").
 */
import * as pulumi from "@pulumi/pulumi";
import { Service } from "@pulumi/gcp/projects";

/** Each API and what needs it. */
export const PROJECT_APIS = {
    "compute.googleapis.com": "network, subnets, router, NAT, node VMs and disks",
    "container.googleapis.com": "the GKE cluster and node pool (and the GKE service agent)",
    "iam.googleapis.com": "service accounts of nodes, Loki and Tempo",
    "iamcredentials.googleapis.com": "Workload Identity token exchange",
    "cloudresourcemanager.googleapis.com": "project IAM members",
    "cloudkms.googleapis.com": "the key ring and key that encrypt Kubernetes Secrets",
    "storage.googleapis.com": "the Loki and Tempo buckets",
} as const;

export interface ProjectServicesArgs {
    readonly project: string;
}

export class ProjectServices extends pulumi.ComponentResource {
    constructor(name: string, args: ProjectServicesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("obs:gcp:ProjectServices", name, {}, opts);
        for (const service of Object.keys(PROJECT_APIS)) {
            new Service(`${name}-${service.split(".")[0]}`, {
                project: args.project, service, disableOnDestroy: false, disableDependentServices: false,
            }, { parent: this });
        }
        this.registerOutputs({});
    }
}
