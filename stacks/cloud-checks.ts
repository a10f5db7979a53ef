/**
 * Checks of a well-formed environment against the clouds' own rules and what the stack will run,
 * before any resource is registered: regions and partitions, machine types (existence,
 * architecture, capacity), the physical names the components derive, chart pins, duplicates.
 * Each problem is one issue naming its key; stacks/schema.ts reports the first.
 *
 * Data lives elsewhere: components/cloud-rules.ts (name rules), components/regions.ts,
 * components/machine-types.ts, components/versions.ts (pins), components/sizing.ts (requests,
 * replicas, series), components/naming.ts (the names the components use).
 */
import { NAME_RULES, type NameRuleKey, nameViolation } from "../components/cloud-rules";
import { ec2Type, gceType, type MachineType } from "../components/machine-types";
import { autoNamed, KMS_KEY_USES, names, serviceAccountId } from "../components/naming";
import { AWS_REGIONS, GCP_REGIONS, REGIONS_TAKEN } from "../components/regions";
import { BUCKET_KEYS } from "../components/retention";
import { nodesRequiredBySpread, podRequests, SYSTEM_DAEMONSET_REQUESTS, SIZING } from "../components/sizing";
import { WORKLOADS } from "../components/defaults";
import { CHART_KEYS, CHART_PAIRS, CHARTS, CHARTS_BY_TIER, resolveChart, UNSUPPORTED_MAJORS } from "../components/versions";
import type { AwsClusterConfig, ClusterConfig, Environment, GcpClusterConfig } from "./schema";

export interface CloudIssue {
    readonly path: (string | number)[];
    readonly input: unknown;
    readonly message: string;
}

// ---- names ----

/** Every restricted physical name a cluster's components create, with its rule: the names as the components derive them. */
export function physicalNames(cluster: Pick<ClusterConfig, "name" | "cloud">): { rule: NameRuleKey; name: string; auto: boolean }[] {
    const c = cluster.name;
    const auto = (rule: NameRuleKey, logical: string) => ({ rule, name: autoNamed(logical), auto: true });
    const explicit = (rule: NameRuleKey, name: string) => ({ rule, name, auto: false });
    const workloads = Object.keys(WORKLOADS);
    if (cluster.cloud === "aws") {
        return [
            explicit("eksCluster", c),
            auto("eksNodeGroup", names.nodes(c)),
            ...KMS_KEY_USES.map(use => explicit("kmsAlias", names.kmsAlias(c, use))),
            ...BUCKET_KEYS.map(b => auto("s3Bucket", names.bucket(c, b))),
            ...[names.eksClusterRole(c), names.eksNodeRole(c), names.ebsCsiRole(c), names.autoscalerRole(c), names.flowLogsRole(c),
                ...workloads.map(w => names.workloadRole(c, w))].map(r => auto("iamRole", r)),
        ];
    }
    return [
        explicit("gkeCluster", c),
        auto("gkeNodePool", names.nodes(c)),
        ...BUCKET_KEYS.map(b => auto("gcsBucket", names.bucket(c, b))),
        ...["nodes", ...workloads].map(p => explicit("gcpServiceAccountId", serviceAccountId(c, p))),
        ...[names.gcpNetwork(c), names.gcpSubnetwork(c), names.gcpRouter(c), names.gcpNat(c)].map(n => auto("computeName", n)),
    ];
}

function nameIssue(cluster: ClusterConfig): string | undefined {
    for (const n of physicalNames(cluster)) {
        const rule = NAME_RULES[n.rule];
        const why = nameViolation(rule, n.name);
        if (why !== undefined) {
            const shown = n.auto ? `${n.name.slice(0, -7)}<7 hex>` : n.name;
            return `a name from which every derived cloud name is valid: the ${rule.what} "${shown}"${n.auto ? " (Pulumi's auto-name)" : ""} ${why} (source: ${rule.source})`;
        }
    }
    return undefined;
}

// ---- machines ----

/**
 * Allocatable memory (MiB) and CPU (millicores) of a node: capacity less the kubelet's reservations
 * and the hard eviction threshold (100 MiB). Memory reserved: GKE 25 % of the first 4 GiB, 20 % of
 * the next 4, 10 % of the next 8, 6 % of the next 112, 2 % above (cloud.google.com/kubernetes-engine/
 * docs/concepts/plan-node-sizes); EKS 255 MiB + 11 MiB per pod the node may run (awslabs/amazon-eks-ami
 * nodeadm: max pods from the ENI limits, approximated as 29 up to 2 vCPUs, 58 up to 8, 110 above).
 * CPU reserved on both: 6 % of the first core, 1 % of the second, 0.5 % of the next two, 0.25 % above.
 */
export function allocatable(cloud: "aws" | "gcp", t: MachineType): { memoryMiB: number; cpuMillis: number } {
    const mem = t.memoryGiB * 1024;
    let reserved: number;
    if (cloud === "gcp") {
        const tiers: [number, number][] = [[4096, 0.25], [4096, 0.2], [8192, 0.1], [114688, 0.06], [Infinity, 0.02]];
        let left = mem;
        reserved = 0;
        for (const [size, share] of tiers) {
            const part = Math.min(left, size);
            reserved += part * share;
            left -= part;
        }
        if (mem < 1024) reserved = 255;
    } else {
        const maxPods = t.vcpus <= 2 ? 29 : t.vcpus <= 8 ? 58 : 110;
        reserved = 255 + 11 * maxPods;
    }
    const cores = t.vcpus;
    const cpuReserved = 60 * Math.min(cores, 1) + 10 * Math.min(Math.max(cores - 1, 0), 1) + 5 * Math.min(Math.max(cores - 2, 0), 2) + 2.5 * Math.max(cores - 4, 0);
    return { memoryMiB: Math.floor(mem - reserved - 100), cpuMillis: Math.floor(cores * 1000 - cpuReserved) };
}

function mib(q: string): number {
    const m = /^(\d+(?:\.\d+)?)(Mi|Gi)$/.exec(q);
    if (!m) throw new Error(`unsupported memory quantity ${q}`);
    return Number(m[1]) * (m[2] === "Gi" ? 1024 : 1);
}

function millis(q: string): number {
    return q.endsWith("m") ? Number(q.slice(0, -1)) : Number(q) * 1000;
}

function machineIssues(cluster: ClusterConfig, tier: Environment["tier"], at: (string | number)[]): CloudIssue | undefined {
    const type = cluster.nodePool.machineType;
    const found = cluster.cloud === "aws" ? ec2Type(type) : gceType(type);
    const mt = [...at, "nodePool", "machineType"];
    if (typeof found === "string") return { path: mt, input: type, message: found };
    if (cluster.cloud === "gcp" && found.arch === "arm64") {
        return {
            path: mt, input: type,
            message: "an x86 machine type: GKE taints Arm nodes (kubernetes.io/arch=arm64:NoSchedule) and the releases' pods carry no toleration for it, so nothing would schedule",
        };
    }
    const alloc = allocatable(cluster.cloud, found);
    const alloy = SIZING[tier].alloy.resources.requests;
    const perNodeMiB = mib(alloy.memory) + SYSTEM_DAEMONSET_REQUESTS.memoryMiB;
    const perNodeMillis = millis(alloy.cpu) + SYSTEM_DAEMONSET_REQUESTS.cpuMillis;
    const pods = podRequests(tier);
    const biggestMem = pods.reduce((a, b) => (mib(b.requests.memory) > mib(a.requests.memory) ? b : a));
    const biggestCpu = pods.reduce((a, b) => (millis(b.requests.cpu) > millis(a.requests.cpu) ? b : a));
    if (mib(biggestMem.requests.memory) + perNodeMiB > alloc.memoryMiB) {
        return {
            path: mt, input: type,
            message: `a type whose allocatable memory holds ${tier}'s largest pod request (${biggestMem.workload}: ${biggestMem.requests.memory}) plus the per-node DaemonSets (${perNodeMiB}Mi); ${type} has ${found.memoryGiB} GiB, ${alloc.memoryMiB} MiB allocatable`,
        };
    }
    if (millis(biggestCpu.requests.cpu) + perNodeMillis > alloc.cpuMillis) {
        return {
            path: mt, input: type,
            message: `a type whose allocatable CPU holds ${tier}'s largest pod request (${biggestCpu.workload}: ${biggestCpu.requests.cpu}) plus the per-node DaemonSets (${perNodeMillis}m); ${type} has ${found.vcpus} vCPUs, ${alloc.cpuMillis}m allocatable`,
        };
    }
    const spread = nodesRequiredBySpread(tier);
    if (cluster.cloud === "aws" && cluster.nodePool.min < spread.nodes) {
        return {
            path: [...at, "nodePool", "min"], input: cluster.nodePool.min,
            message: `at least ${spread.nodes}: ${spread.why}, and a rollout can count only on the node group's minimum (the Cluster Autoscaler adds nodes after pods are pending, and an atomic upgrade times out meanwhile)`,
        };
    }
    if (cluster.cloud === "gcp" && cluster.nodePool.max < spread.nodes) {
        return {
            path: [...at, "nodePool", "max"], input: cluster.nodePool.max,
            message: `at least ${spread.nodes}: ${spread.why}, and GKE's autoscaler adds nodes only up to max`,
        };
    }
    return undefined;
}

// ---- per cluster ----

function awsIssues(cluster: AwsClusterConfig, at: (string | number)[]): CloudIssue | undefined {
    const partition = AWS_REGIONS[cluster.region];
    if (partition === undefined) {
        return { path: [...at, "region"], input: cluster.region, message: `an AWS region that exists, like "eu-west-1" (components/regions.ts, taken ${REGIONS_TAKEN})` };
    }
    for (let j = 0; j < cluster.admins.length; j++) {
        const arn = cluster.admins[j]!;
        const p = arn.split(":")[1];
        if (p !== partition) {
            return { path: [...at, "admins", j], input: arn, message: `an ARN in partition "${partition}" (arn:${partition}:...), the partition of ${cluster.region}` };
        }
        if (cluster.admins.indexOf(arn) !== j) return { path: [...at, "admins", j], input: arn, message: "an ARN not listed before" };
    }
    return undefined;
}

function gcpIssues(cluster: GcpClusterConfig, at: (string | number)[]): CloudIssue | undefined {
    if (!GCP_REGIONS.includes(cluster.region)) {
        return { path: [...at, "region"], input: cluster.region, message: `a GCP region that exists, like "europe-west1" (components/regions.ts, taken ${REGIONS_TAKEN})` };
    }
    if (cluster.cmekKeyName !== undefined) {
        const location = cluster.cmekKeyName.split("/")[3];
        if (location !== cluster.region) {
            return {
                path: [...at, "cmekKeyName"], input: cluster.cmekKeyName,
                message: `a Cloud KMS key in location "${cluster.region}", where the cluster's buckets are: Cloud Storage uses a customer-managed key only from the bucket's own location`,
            };
        }
    }
    return undefined;
}

// ---- charts ----

function majorOf(version: string): number {
    return Number(version.split(".")[0]);
}

function chartIssues(env: Environment): CloudIssue | undefined {
    const pinned = env.charts as Partial<Record<string, string>>;
    for (const key of CHART_KEYS) {
        const version = pinned[key];
        if (version === undefined) continue;
        const at = ["charts", key];
        if (!CHARTS_BY_TIER[env.tier].includes(key)) {
            const otherTier = env.tier === "dev" ? "prod" : "dev";
            const other = CHARTS_BY_TIER[env.tier].find(k => !CHARTS_BY_TIER[otherTier].includes(k));
            return { path: at, input: version, message: `no pin: ${env.tier} does not deploy ${CHARTS[key].chart}${other ? ` (it deploys ${CHARTS[other].chart}, charts.${other})` : ""}` };
        }
        const unsupported = UNSUPPORTED_MAJORS.find(u => u.key === key && majorOf(version) >= u.fromMajor);
        if (unsupported) return { path: at, input: version, message: `a version ${majorOf(CHARTS[key].version)}.x: ${unsupported.why}` };
        if (majorOf(version) !== majorOf(CHARTS[key].version)) {
            return {
                path: at, input: version,
                message: `a version ${majorOf(CHARTS[key].version)}.x: the values are rendered and checked for ${CHARTS[key].chart} ${majorOf(CHARTS[key].version)}.x (test/lib/chart-keys.ts); another major renames keys`,
            };
        }
    }
    for (const pair of CHART_PAIRS) {
        const [a, b] = pair.keys;
        const va = resolveChart(a, env.charts).version;
        const vb = resolveChart(b, env.charts).version;
        if (!pair.versions.some(([x, y]) => x === va && y === vb)) {
            const key = pinned[a] !== undefined ? a : b;
            return {
                path: ["charts", key], input: pinned[key],
                message: `a ${a}/${b} pair verified together (${pair.versions.map(([x, y]) => `${x} with ${y}`).join("; ")}; components/versions.ts CHART_PAIRS): ${pair.why}`,
            };
        }
    }
    return undefined;
}

// ---- all ----

/** Every cloud and capacity problem of an environment, in order; empty when there is none. */
export function cloudIssues(env: Environment): CloudIssue[] {
    const issues: CloudIssue[] = [];
    env.clusters.forEach((cluster, i) => {
        const at = ["clusters", i];
        const regional = cluster.cloud === "aws" ? awsIssues(cluster, at) : gcpIssues(cluster, at);
        if (regional) issues.push(regional);
        const named = nameIssue(cluster);
        if (named) issues.push({ path: [...at, "name"], input: cluster.name, message: named });
        const machine = machineIssues(cluster, env.tier, at);
        if (machine) issues.push(machine);
    });
    const charts = chartIssues(env);
    if (charts) issues.push(charts);
    return issues;
}
