/**
 * obs:aws:Network — a VPC with one private and one public subnet per availability zone, an
 * internet gateway, and NAT for the private subnets (one NAT gateway per AZ when `highlyAvailableNat`,
 * else one shared). Nodes live in the private subnets only. Hardening (CIS AWS Foundations): flow
 * logs of all traffic to a KMS-encrypted log group, the default security group without any rule,
 * and an S3 gateway endpoint so Loki's and Tempo's object traffic stays off NAT and the internet.
 */
import * as pulumi from "@pulumi/pulumi";
import { getAvailabilityZonesOutput } from "@pulumi/aws/getAvailabilityZones";
import { LogGroup } from "@pulumi/aws/cloudwatch";
import {
    DefaultSecurityGroup, Eip, FlowLog, InternetGateway, NatGateway, Route, RouteTable, RouteTableAssociation, Subnet, Vpc, VpcEndpoint,
} from "@pulumi/aws/ec2";
import { Role, RolePolicy } from "@pulumi/aws/iam";
import { flowLogsDeliveryPolicy, serviceTrustPolicy } from "./policies";

export interface NetworkArgs {
    /** VPC CIDR; must be a /16 (subnets are carved as /19 private and /24 public). */
    readonly cidr: string;
    /** Number of availability zones (2 or more). */
    readonly azCount: number;
    /** One NAT gateway per AZ (prod) instead of one shared NAT gateway (dev). */
    readonly highlyAvailableNat: boolean;
    /** EKS cluster name, for the subnet discovery tags of the AWS load balancer controller. */
    readonly clusterName: string;
    readonly region: string;
    /** Key of the flow-log group. */
    readonly logsKeyArn: pulumi.Input<string>;
    readonly logRetentionDays: number;
    readonly tags: Readonly<Record<string, string>>;
}

/** The flow-log group of a network (the logs key's policy names it). */
export function flowLogGroupName(network: string): string {
    return `/aws/vpc-flow-logs/${network}`;
}

/** Private /19 and public /24 subnets of a /16, one pair per AZ index. */
export function subnetCidrs(cidr: string, azIndex: number): { readonly private: string; readonly public: string } {
    const m = /^(\d+)\.(\d+)\.0\.0\/16$/.exec(cidr);
    if (!m) throw new Error(`network cidr must be a /16 like 10.0.0.0/16, got ${cidr}`);
    const [a, b] = [m[1], m[2]];
    if (azIndex < 0 || azIndex > 5) throw new Error(`at most 6 availability zones, got index ${azIndex}`);
    return { private: `${a}.${b}.${azIndex * 32}.0/19`, public: `${a}.${b}.${192 + azIndex}.0/24` };
}

export class Network extends pulumi.ComponentResource {
    public readonly vpcId: pulumi.Output<string>;
    public readonly privateSubnetIds: pulumi.Output<string>[];
    /** The private subnets' default routes through NAT: nodes need them to join the cluster. */
    public readonly egress: pulumi.Resource[];

    constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("obs:aws:Network", name, {}, opts);
        const built = createNetwork(this, name, args);
        this.vpcId = built.vpcId;
        this.privateSubnetIds = built.privateSubnetIds;
        this.egress = built.egress;
        this.registerOutputs({ vpcId: this.vpcId, privateSubnetIds: this.privateSubnetIds });
    }
}

/** @internal */
function createNetwork(parent: pulumi.Resource, name: string, args: NetworkArgs) {
    if (args.azCount < 2) throw new Error(`${name}: EKS needs subnets in at least 2 availability zones, got ${args.azCount}`);
    const o = { parent };
    const tags = (extra: Record<string, string>, suffix: string) => ({ ...args.tags, ...extra, Name: `${name}-${suffix}` });
    const azs = getAvailabilityZonesOutput({ state: "available" }, o).names;
    const vpc = new Vpc(name, { cidrBlock: args.cidr, enableDnsHostnames: true, enableDnsSupport: true, tags: tags({}, "vpc") }, o);
    const igw = new InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags: tags({}, "igw") }, o);
    const publicRt = new RouteTable(`${name}-public`, { vpcId: vpc.id, tags: tags({}, "public") }, o);
    new Route(`${name}-public-default`, { routeTableId: publicRt.id, destinationCidrBlock: "0.0.0.0/0", gatewayId: igw.id }, o);

    const clusterTag = { [`kubernetes.io/cluster/${args.clusterName}`]: "shared" };
    const privateSubnetIds: pulumi.Output<string>[] = [];
    const egress: pulumi.Resource[] = [];
    const privateRouteTables: pulumi.Output<string>[] = [];
    let nat: NatGateway | undefined;
    for (let i = 0; i < args.azCount; i++) {
        const cidrs = subnetCidrs(args.cidr, i);
        const az = azs.apply(names => {
            if (names.length <= i) throw new Error(`${name}: region has ${names.length} availability zones, ${args.azCount} requested`);
            return names[i]!;
        });
        const pub = new Subnet(`${name}-public-${i}`, {
            vpcId: vpc.id, cidrBlock: cidrs.public, availabilityZone: az, mapPublicIpOnLaunch: false,
            tags: tags({ ...clusterTag, "kubernetes.io/role/elb": "1" }, `public-${i}`),
        }, o);
        new RouteTableAssociation(`${name}-public-${i}`, { subnetId: pub.id, routeTableId: publicRt.id }, o);
        if (args.highlyAvailableNat || i === 0) {
            const eip = new Eip(`${name}-nat-${i}`, { domain: "vpc", tags: tags({}, `nat-${i}`) }, o);
            nat = new NatGateway(`${name}-nat-${i}`, { allocationId: eip.id, subnetId: pub.id, tags: tags({}, `nat-${i}`) }, { parent, dependsOn: [igw] });
        }
        const priv = new Subnet(`${name}-private-${i}`, {
            vpcId: vpc.id, cidrBlock: cidrs.private, availabilityZone: az,
            tags: tags({ ...clusterTag, "kubernetes.io/role/internal-elb": "1" }, `private-${i}`),
        }, o);
        const rt = new RouteTable(`${name}-private-${i}`, { vpcId: vpc.id, tags: tags({}, `private-${i}`) }, o);
        egress.push(
            new Route(`${name}-private-${i}-default`, { routeTableId: rt.id, destinationCidrBlock: "0.0.0.0/0", natGatewayId: nat!.id }, o),
            new RouteTableAssociation(`${name}-private-${i}`, { subnetId: priv.id, routeTableId: rt.id }, o),
        );
        privateSubnetIds.push(priv.id);
        privateRouteTables.push(rt.id);
    }

    // No rule at all in the default security group: nothing may rely on it (CIS AWS 5.4).
    new DefaultSecurityGroup(`${name}-default-sg`, { vpcId: vpc.id, tags: tags({}, "default-deny") }, o);
    new VpcEndpoint(`${name}-s3`, {
        vpcId: vpc.id, serviceName: `com.amazonaws.${args.region}.s3`, vpcEndpointType: "Gateway", routeTableIds: privateRouteTables, tags: tags({}, "s3"),
    }, o);
    const flowLogs = new LogGroup(`${name}-flow-logs`, {
        name: flowLogGroupName(name), retentionInDays: args.logRetentionDays, kmsKeyId: args.logsKeyArn, tags: tags({}, "flow-logs"),
    }, o);
    // `name` is the network's (names.flowLogsRole of the cluster names the same role for the name checks).
    const delivery = new Role(`${name}-flow-logs`, {
        assumeRolePolicy: JSON.stringify(serviceTrustPolicy("vpc-flow-logs.amazonaws.com")), tags: args.tags,
    }, o);
    const deliveryPolicy = new RolePolicy(`${name}-flow-logs`, { role: delivery.id, policy: flowLogs.arn.apply(arn => JSON.stringify(flowLogsDeliveryPolicy(arn))) }, o);
    new FlowLog(`${name}-flow-logs`, {
        vpcId: vpc.id, trafficType: "ALL", logDestinationType: "cloud-watch-logs", logDestination: flowLogs.arn, iamRoleArn: delivery.arn,
        maxAggregationInterval: 60, tags: tags({}, "flow-logs"),
    }, { parent, dependsOn: [deliveryPolicy] });
    return { vpcId: vpc.id, privateSubnetIds, egress };
}
