/**
 * The alerting files of the offline preview, from the captured resource graph, per cluster:
 *   alertmanager.yaml + its templates beside it (the config as kube-prometheus-stack passes it to
 *   Alertmanager, with the template glob made relative so `amtool check-config` and
 *   `alertmanager --config.file` load it from that folder), prometheus-rules.yaml (every
 *   PrometheusRule's groups, the form promtool reads) and dashboards/<file>.json (the sidecar
 *   ConfigMaps' data).
 */
import { stringify } from "yaml";
import { DASHBOARD_SIDECAR_LABEL } from "../../components/render/dashboards";
import { RELEASES } from "../../components/render/topology";
import type { RuleGroup } from "../../components/render/rules";
import type { ResourceRecord } from "./mock-runtime";
import { clusterOf, helmReleaseFiles } from "./report";

export interface ClusterFile {
    readonly cluster: string;
    /** Path below out/<stack>/<cluster>/. */
    readonly file: string;
    readonly text: string;
}

export const PROMETHEUS_RULE_TYPE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule";

export function alertingFiles(records: readonly ResourceRecord[]): ClusterFile[] {
    const out: ClusterFile[] = [];
    const byUrn = new Map(records.map(r => [r.urn, r]));
    const yaml = (v: unknown) => stringify(v, { lineWidth: 0 });
    for (const f of helmReleaseFiles(records)) {
        if (f.release !== RELEASES.kubePrometheusStack) continue;
        const am = (f.content.values as Record<string, any>).alertmanager ?? {};
        if (!am.config) continue;
        const templates = Object.keys(am.templateFiles ?? {});
        out.push({ cluster: f.cluster, file: "alertmanager.yaml", text: yaml({ ...am.config, templates: templates.length > 0 ? ["*.tmpl"] : [] }) });
        for (const t of templates) out.push({ cluster: f.cluster, file: t, text: String(am.templateFiles[t]) });
    }
    const groups = new Map<string, RuleGroup[]>();
    for (const r of records.filter(r => r.type === PROMETHEUS_RULE_TYPE)) {
        const cluster = clusterOf(r, byUrn)!;
        groups.set(cluster, [...(groups.get(cluster) ?? []), ...((r.inputs.spec as { groups: RuleGroup[] }).groups)]);
    }
    for (const [cluster, g] of groups) out.push({ cluster, file: "prometheus-rules.yaml", text: yaml({ groups: g }) });
    for (const r of records.filter(r => r.type === "kubernetes:core/v1:ConfigMap")) {
        const labels = ((r.inputs.metadata as Record<string, any>)?.labels ?? {}) as Record<string, string>;
        if (labels[DASHBOARD_SIDECAR_LABEL.key] !== DASHBOARD_SIDECAR_LABEL.value) continue;
        const cluster = clusterOf(r, byUrn)!;
        for (const [file, json] of Object.entries(r.inputs.data as Record<string, string>)) {
            out.push({ cluster, file: `dashboards/${file}`, text: JSON.stringify(JSON.parse(json), null, 2) + "\n" });
        }
    }
    return out;
}
