/**
 * How every Helm release of the stack is deployed, in one place.
 *
 * Releases use `helm.v3.Release` (one Pulumi resource per Helm release):
 *  - Helm semantics the charts are written for: hooks (kube-prometheus-stack's admission-webhook
 *    patch jobs, Loki's/Tempo's migration hooks), `atomic` install/upgrade with rollback, and a
 *    release history operators can inspect with `helm history`;
 *  - the whole rendered values object is one input, which is what the policy pack and the offline
 *    preview inspect (chart, repository, version, values).
 * The trade-off: previews diff values, not the rendered manifests. The CRDs are the exception
 * (k8s/prometheusCrds.ts).
 */
import * as pulumi from "@pulumi/pulumi";
import { Release } from "@pulumi/kubernetes/helm/v3";
import type { ChartSource } from "../versions";

export interface HelmReleaseArgs {
    /** Helm release name; also the chart's fullnameOverride (render/topology.ts). */
    readonly release: string;
    readonly namespace: pulumi.Input<string>;
    readonly chart: ChartSource;
    readonly values: pulumi.Input<Record<string, unknown>>;
    /** Seconds Helm waits for the release to become ready. Defaults to 600. */
    readonly timeoutSeconds?: number;
}

export const HELM_DEFAULTS = { timeoutSeconds: 600, maxHistory: 10 } as const;

/** A Helm release with the stack's defaults: atomic, cleaned up on failure, bounded history. */
export function helmRelease(name: string, args: HelmReleaseArgs, opts: pulumi.CustomResourceOptions): Release {
    return new Release(name, {
        name: args.release,
        chart: args.chart.chart,
        version: args.chart.version,
        repositoryOpts: { repo: args.chart.repo },
        namespace: args.namespace,
        createNamespace: false,
        values: args.values,
        atomic: true,
        cleanupOnFail: true,
        maxHistory: HELM_DEFAULTS.maxHistory,
        timeout: args.timeoutSeconds ?? HELM_DEFAULTS.timeoutSeconds,
    }, opts);
}
