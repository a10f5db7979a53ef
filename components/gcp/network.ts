/**
 * obs:gcp:Network — a custom-mode VPC with one regional subnet for the nodes and secondary ranges
 * for pods and services (VPC-native GKE) and VPC flow logs (CIS GCP 3.8), plus Cloud NAT so private
 * nodes can pull images.
 */
import * as pulumi from "@pulumi/pulumi";
import { Network as VpcNetwork, Router, RouterNat, Subnetwork } from "@pulumi/gcp/compute";
import { GCP_FLOW_LOGS, NETWORK } from "../defaults";

export const SECONDARY_RANGES = { pods: "pods", services: "services" } as const;

export interface NetworkArgs {
    readonly project: string;
    readonly region: string;
    /** The project's APIs (compute): the network waits for them. */
    readonly apis: pulumi.Resource;
}

export class Network extends pulumi.ComponentResource {
    public readonly networkId: pulumi.Output<string>;
    public readonly subnetworkId: pulumi.Output<string>;
    /** Cloud NAT: private nodes need it to pull images. */
    public readonly egress: pulumi.Resource[];

    constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("obs:gcp:Network", name, {}, opts);
        const built = createNetwork(this, name, args);
        this.networkId = built.network.id;
        this.subnetworkId = built.subnet.id;
        this.egress = [built.nat];
        this.registerOutputs({ networkId: this.networkId, subnetworkId: this.subnetworkId });
    }
}

/** @internal */
function createNetwork(parent: pulumi.Resource, name: string, args: NetworkArgs) {
    const o = { parent };
    const { project, region } = args;
    const network = new VpcNetwork(name, { project, autoCreateSubnetworks: false, routingMode: "REGIONAL" }, { parent, dependsOn: [args.apis] });
    const subnet = new Subnetwork(`${name}-nodes`, {
        project, region, network: network.id,
        ipCidrRange: NETWORK.gcpNodeCidr,
        privateIpGoogleAccess: true,
        logConfig: { ...GCP_FLOW_LOGS },
        secondaryIpRanges: [
            { rangeName: SECONDARY_RANGES.pods, ipCidrRange: NETWORK.gcpPodCidr },
            { rangeName: SECONDARY_RANGES.services, ipCidrRange: NETWORK.gcpServiceCidr },
        ],
    }, o);
    const router = new Router(`${name}-router`, { project, region, network: network.id }, o);
    const nat = new RouterNat(`${name}-nat`, {
        project, region, router: router.name,
        natIpAllocateOption: "AUTO_ONLY",
        sourceSubnetworkIpRangesToNat: "ALL_SUBNETWORKS_ALL_IP_RANGES",
        logConfig: { enable: true, filter: "ERRORS_ONLY" },
    }, o);
    return { network, subnet, nat };
}
