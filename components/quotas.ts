/**
 * What a stack consumes of the cloud quotas a fresh account or project starts with, per AWS region
 * and per GCP project+region, computed from the validated config (the same numbers the program warns
 * about and summary.md shows). A pure module: data (default quotas, with where they are read) and
 * functions of the environment.
 *
 * Defaults are those of a new account/project; many are raised already, so an excess is a warning
 * (request the increase before `pulumi up`), not an error.
 */
import { NETWORK } from "./defaults";
import { SIZING } from "./sizing";
import type { Environment } from "../stacks/schema";

export interface Quota {
    readonly limit: number;
    /** The quota as the provider's console names it (AWS Service Quotas code, GCP metric). */
    readonly name: string;
}

/** Default quotas of a new AWS account (per region) and a new GCP project (per region). */
export const DEFAULT_QUOTAS = {
    aws: {
        vpcs: { limit: 5, name: "Amazon VPC: VPCs per Region (L-F678F1CE)" },
        eips: { limit: 5, name: "Amazon EC2: EC2-VPC Elastic IPs (L-0263D0A3)" },
        natGateways: { limit: 5, name: "Amazon VPC: NAT gateways per Availability Zone (L-FE5A380F)" },
        /** New accounts start far below the documented 1,152; 32 is a conservative assumption. */
        vcpus: { limit: 32, name: "Amazon EC2: Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances, vCPUs (L-1216C47A)" },
    },
    gcp: {
        cpus: { limit: 24, name: "Compute Engine API: CPUS (per region)" },
        ssdGb: { limit: 500, name: "Compute Engine API: SSD_TOTAL_GB (per region)" },
    },
} as const satisfies Record<"aws" | "gcp", Record<string, Quota>>;

/** vCPUs of an EC2 instance type from its size (large = 2, xlarge = 4, Nxlarge = 4N); undefined for metal. */
export function ec2Vcpus(instanceType: string): number | undefined {
    const size = instanceType.split(".")[1] ?? "";
    if (/^(nano|micro|small|medium|large)$/.test(size)) return 2;
    const m = /^(\d*)xlarge$/.exec(size);
    return m ? 4 * Number(m[1] || 1) : undefined;
}

/** vCPUs of a Compute Engine machine type (`e2-standard-8` = 8; shared-core e2-micro/small/medium count 2). */
export function gceVcpus(machineType: string): number {
    const m = /-(\d+)$/.exec(machineType);
    return m ? Number(m[1]) : 2;
}

/** GiB of persistent volumes the releases claim per cluster (all on SSD-backed classes: gp3, pd-balanced). */
export function volumeGb(tier: Environment["tier"]): number {
    const gi = (s: string) => Number(/^(\d+)Gi$/.exec(s)?.[1] ?? 0);
    return Object.values(SIZING[tier]).reduce((sum, w) => {
        const v = w as { replicas?: number; storage?: string };
        return v.storage && v.replicas ? sum + v.replicas * gi(v.storage) : sum;
    }, 0);
}

export interface QuotaUse {
    /** `aws eu-west-1` or `gcp acme-obs-prod europe-west1`. */
    readonly scope: string;
    readonly quota: Quota;
    /** At the node pools' maximum size. */
    readonly used: number;
    readonly exceeded: boolean;
}

/** What the stack uses of each default quota, per region (AWS) and project+region (GCP). */
export function quotaUse(env: Environment): QuotaUse[] {
    const scopes = new Map<string, Record<string, { quota: Quota; used: number }>>();
    const add = (scope: string, key: string, quota: Quota, n: number) => {
        const entry = scopes.get(scope) ?? {};
        entry[key] = { quota, used: (entry[key]?.used ?? 0) + n };
        scopes.set(scope, entry);
    };
    for (const c of env.clusters) {
        if (c.cloud === "aws") {
            const scope = `aws ${c.region}`;
            const q = DEFAULT_QUOTAS.aws;
            const ownVpc = c.network === undefined;
            const azs = NETWORK.awsAzCount[env.tier];
            const nats = ownVpc ? (env.tier === "prod" ? azs : 1) : 0;
            add(scope, "vpcs", q.vpcs, ownVpc ? 1 : 0);
            add(scope, "eips", q.eips, nats);
            // NAT gateways count per AZ: one cluster adds at most one per AZ.
            add(scope, "natGateways", q.natGateways, nats === 0 ? 0 : 1);
            add(scope, "vcpus", q.vcpus, (ec2Vcpus(c.nodePool.machineType) ?? 0) * c.nodePool.max);
        } else {
            const scope = `gcp ${c.project} ${c.region}`;
            const q = DEFAULT_QUOTAS.gcp;
            // The throw-away default pool (1 node per zone, 3 zones) exists during creation only.
            add(scope, "cpus", q.cpus, gceVcpus(c.nodePool.machineType) * c.nodePool.max);
            add(scope, "ssdGb", q.ssdGb, c.nodePool.diskSizeGb * c.nodePool.max + volumeGb(env.tier));
        }
    }
    return [...scopes.entries()].flatMap(([scope, entries]) =>
        Object.values(entries).map(({ quota, used }) => ({ scope, quota, used, exceeded: used > quota.limit })));
}

/** One warning per default quota the stack would exceed. */
export function quotaWarnings(env: Environment): string[] {
    return quotaUse(env).filter(u => u.exceeded).map(u =>
        `${u.scope}: this stack needs ${u.used} of "${u.quota.name}", above the default quota of ${u.quota.limit}; check the account/project's quota and request an increase before \`pulumi up\``);
}

/** The summary.md section. */
export function quotaMarkdown(env: Environment): string {
    const out = ["## Quotas (defaults of a new account or project; node pools at their maximum)", "",
        "| scope | quota | this stack | default | |", "|---|---|---|---|---|"];
    for (const u of quotaUse(env)) out.push(`| ${u.scope} | ${u.quota.name} | ${u.used} | ${u.quota.limit} | ${u.exceeded ? "⚠ exceeds the default" : "ok"} |`);
    return out.join("\n");
}
