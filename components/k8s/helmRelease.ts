/**
 * How every Helm release of the stack is deployed, in one place.
 *
 * Releases use `helm.v3.Release` (one Pulumi resource per Helm release):
 *  - Helm semantics the charts are written for: hooks (kube-prometheus-stack's admission-webhook
 *    patch jobs, Loki's/Tempo's migration hooks), `atomic` install/upgrade with rollback, and a
 *    release history operators can inspect with `helm history`;
 *  - the whole rendered values object is one input, which is what the policy pack and the offline
 *    preview inspect (chart, repository, version, values).
 * The trade-off: previews diff values, not the rendered manifests (the offline preview renders them,
 * out/<stack>/<cluster>/manifests/). The CRDs are the exception (k8s/prometheusCrds.ts).
 *
 * Every chart installs from its vendored package (components/charts.ts): the path is relative to the
 * project root, the working directory of `pulumi up`, so state holds the same value on every machine.
 */
import * as pulumi from "@pulumi/pulumi";
import { Release } from "@pulumi/kubernetes/helm/v3";
import { RELEASES } from "../render/topology";
import { chartPackagePath } from "../charts";
import type { ChartSource } from "../versions";

export type ReleaseKey = keyof typeof RELEASES;

export interface HelmReleaseArgs {
    /** Key of RELEASES: gives the Helm release name (also the chart's fullnameOverride) and its timeout. */
    readonly release: ReleaseKey;
    readonly namespace: pulumi.Input<string>;
    readonly chart: ChartSource;
    readonly values: pulumi.Input<Record<string, unknown>>;
}

/** Every release: bounded history, and by default 600 s for Helm to see the release ready. */
export const HELM_DEFAULTS = { timeoutSeconds: 600, maxHistory: 10 } as const;

/**
 * Releases that get longer than HELM_DEFAULTS.timeoutSeconds to become ready: 900 s. Each waits on
 * StatefulSets with persistent volumes (Prometheus, Alertmanager and Grafana; Loki's monolith or
 * ingesters; Tempo's single binary or ingesters), whose volumes are provisioned and pods started
 * in sequence, and kube-prometheus-stack also runs its admission-webhook hook jobs. With
 * `atomic`, running out of time rolls the release back, so the limit must cover a first install.
 */
export const HELM_TIMEOUT_SECONDS: Readonly<Partial<Record<ReleaseKey, number>>> = {
    kubePrometheusStack: 900,
    loki: 900,
    tempo: 900,
};

/** A Helm release with the stack's defaults: atomic, cleaned up on failure, bounded history. */
export function helmRelease(name: string, args: HelmReleaseArgs, opts: pulumi.CustomResourceOptions): Release {
    return new Release(name, {
        name: RELEASES[args.release],
        chart: chartPackagePath(args.chart),
        // Informational for a local package (Helm reads the version from the package); kept so the
        // state, the policy pack and the preview name the version deployed.
        version: args.chart.version,
        namespace: args.namespace,
        createNamespace: false,
        values: args.values,
        // A null in rendered values removes that chart default (Helm's own semantics); without this
        // flag the provider would drop nulls and the default would survive the merge.
        allowNullValues: true,
        atomic: true,
        cleanupOnFail: true,
        maxHistory: HELM_DEFAULTS.maxHistory,
        timeout: HELM_TIMEOUT_SECONDS[args.release] ?? HELM_DEFAULTS.timeoutSeconds,
    }, opts);
}
