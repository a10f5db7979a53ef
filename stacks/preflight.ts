/**
 * Checks that need the clouds, run after validation and before any resource but the providers is
 * registered (providers create nothing): the AWS caller is the declared deploy role, and each GKE
 * release channel carries the requested Kubernetes minor. Plus the warnings a preview should show.
 * A failure is a ConfigError naming the key, the value and what is allowed.
 */
import * as pulumi from "@pulumi/pulumi";
import { getCallerIdentity } from "@pulumi/aws/getCallerIdentity";
import { getEngineVersions } from "@pulumi/gcp/container";
import { quotaWarnings } from "../components/quotas";
import { IMAGES, supportStatus } from "../components/versions";
import { ConfigError, PROJECT } from "./config";
import type { Environment } from "./schema";

/** An IAM principal as `account`, `role|user` and name (paths dropped: assumed-role ARNs carry none). */
export function principalOf(arn: string): { account: string; kind: "role" | "user"; name: string } | undefined {
    const assumed = /^arn:aws[\w-]*:sts::(\d{12}):assumed-role\/([^/]+)\/.+$/.exec(arn);
    if (assumed) return { account: assumed[1]!, kind: "role", name: assumed[2]! };
    const iam = /^arn:aws[\w-]*:iam::(\d{12}):(role|user)\/(?:.*\/)?([^/]+)$/.exec(arn);
    if (iam) return { account: iam[1]!, kind: iam[2] as "role" | "user", name: iam[3]! };
    return undefined;
}

/** The error for a caller that is not the deploy role, or undefined when it is. */
export function deployRoleMismatch(index: number, deployRole: string, callerArn: string): string | undefined {
    const want = principalOf(deployRole);
    const got = principalOf(callerArn);
    if (want && got && want.account === got.account && want.kind === got.kind && want.name === got.name) return undefined;
    return `${PROJECT}:clusters[${index}].deployRole: got ${JSON.stringify(deployRole)}; expected the identity running \`pulumi up\` (the caller is ${callerArn}): it is the one principal given cluster-admin at creation`;
}

const minorOf = (version: string | undefined) => /^(\d+\.\d+)/.exec(version ?? "")?.[1];
const minorValue = (minor: string) => Number(minor.split(".")[1]);

/** Whether a GKE channel carries a minor, from getEngineVersions (filtered by the minor's prefix). */
export function channelCheck(index: number, minor: string, channel: string,
    versions: { readonly validMasterVersions: readonly string[]; readonly releaseChannelLatestVersion: Readonly<Record<string, string>>; readonly releaseChannelDefaultVersion: Readonly<Record<string, string>> }):
    { error?: string; warning?: string } {
    const latest = minorOf(versions.releaseChannelLatestVersion[channel]);
    const byDefault = minorOf(versions.releaseChannelDefaultVersion[channel]);
    const key = `${PROJECT}:clusters[${index}].kubernetesVersion`;
    if (versions.validMasterVersions.length === 0 || latest === undefined || minorValue(minor) > minorValue(latest)) {
        return { error: `${key}: got ${JSON.stringify(minor)}; expected a minor the ${channel} channel carries (its newest is ${latest ?? "unknown"}, its default ${byDefault ?? "unknown"})` };
    }
    if (byDefault !== undefined && minorValue(minor) < minorValue(byDefault)) {
        return { warning: `${key}: ${minor} is older than the ${channel} channel's default ${byDefault}; GKE will upgrade the cluster to it soon after creation` };
    }
    return {};
}

/** Warnings of a valid environment that a preview must show (support dates, open control planes, quotas). */
export function environmentWarnings(env: Environment, today: Date): string[] {
    const out: string[] = [];
    env.clusters.forEach((c, i) => {
        const status = supportStatus(c.cloud, c.kubernetesVersion, today);
        if (status.state === "ending") {
            out.push(`${PROJECT}:clusters[${i}].kubernetesVersion: ${c.kubernetesVersion} leaves ${c.cloud === "aws" ? "EKS" : "GKE"} standard support on ${status.ends} (in ${status.daysLeft} days); plan the upgrade`);
        }
        const autoscaler = minorOf(IMAGES.clusterAutoscaler.tag.replace(/^v/, ""));
        if (c.cloud === "aws" && autoscaler !== c.kubernetesVersion) {
            out.push(`${PROJECT}:clusters[${i}].kubernetesVersion: ${c.kubernetesVersion}, but the Cluster Autoscaler is ${autoscaler}; its minor must match the cluster's (bump IMAGES.clusterAutoscaler in components/versions.ts)`);
        }
        if (c.authorizedNetworks === undefined && !c.privateEndpoint) {
            out.push(`${PROJECT}:clusters[${i}].authorizedNetworks: not set; the control plane of ${c.name} accepts connections from any address (allowed in dev only)`);
        }
    });
    return [...out, ...quotaWarnings(env)];
}

/** The clouds' answers the program needs: the AWS account per cluster. Throws a ConfigError on a mismatch. */
export async function preflight(env: Environment, providerOf: (i: number) => pulumi.ProviderResource): Promise<{ accountIds: ReadonlyMap<number, string> }> {
    const accountIds = new Map<number, string>();
    await Promise.all(env.clusters.map(async (c, i) => {
        const provider = providerOf(i);
        if (c.cloud === "aws") {
            const caller = await getCallerIdentity({}, { provider });
            const error = deployRoleMismatch(i, c.deployRole, caller.arn);
            if (error) throw new ConfigError(error);
            accountIds.set(i, caller.accountId);
        } else {
            const versions = await getEngineVersions({ project: c.project, location: c.region, versionPrefix: `${c.kubernetesVersion}.` }, { provider });
            const check = channelCheck(i, c.kubernetesVersion, c.releaseChannel, versions);
            if (check.error) throw new ConfigError(check.error);
            if (check.warning) pulumi.log.warn(check.warning);
        }
    }));
    return { accountIds };
}
