/**
 * The fixes of issue 6, checked on what Helm renders for the committed stacks (the objects an
 * install creates), not on the values: each test reads the rendered Kubernetes objects and the
 * configs inside them.
 */
import * as assert from "assert";
import { TRACE_METRICS } from "../components/render/collector";
import { OTLP_MESSAGE_LIMITS } from "../components/sizing";
import type { K8sObject, RenderedRelease } from "../tools/lib/manifests";
import { collectorConfig, configMapYaml, object, objectsOf, release, renderedStack, stackClusters } from "./lib/rendered";
import { runStack } from "./lib/run";

const STACKS = [["dev", ["dev-gke"]], ["prod", ["prod-eks", "prod-gke"]]] as const;
const MIB = 1024 * 1024;
const LARGEST_BATCH_BYTES = OTLP_MESSAGE_LIMITS.batchMaxSpans * OTLP_MESSAGE_LIMITS.assumedMaxAvgSpanBytes;

/** tempo.yaml as the Tempo pods read it: ConfigMap `tempo` (dev chart) or `tempo-config` (tempo-distributed). */
function tempoConfig(r: RenderedRelease): Record<string, any> {
    return configMapYaml(r, r.objects.some(o => o.kind === "ConfigMap" && o.metadata.name === "tempo-config") ? "tempo-config" : "tempo", "tempo.yaml");
}

function podSpec(o: K8sObject): Record<string, any> {
    return (o as any).spec.template.spec;
}

describe("rendered manifests: the fixes of issue 6", function () {
    this.timeout(600_000);

    for (const [stack, clusters] of STACKS) {
        describe(stack, () => {
            let rendered: RenderedRelease[];
            before(async () => { rendered = await renderedStack(stack); });

            for (const cluster of clusters) {
                describe(cluster, () => {
                    it("Tempo listens on OTLP only, and its Service renders without Jaeger ports", () => {
                        const tempo = release(rendered, cluster, "tempo");
                        const receivers = tempoConfig(tempo).distributor.receivers;
                        assert.deepStrictEqual(Object.keys(receivers), ["otlp"]);
                        assert.deepStrictEqual(Object.keys(receivers.otlp.protocols).sort(), ["grpc", "http"]);
                        const ingest = object(tempo, "Service", stack === "dev" ? "tempo" : "tempo-distributor");
                        const ports = ((ingest as any).spec.ports as { port: number }[]).map(p => p.port);
                        assert.ok(ports.includes(4317) && ports.includes(4318), `OTLP ports: ${ports}`);
                        for (const jaeger of [14250, 14268, 6831, 6832]) assert.ok(!ports.includes(jaeger), `Jaeger port ${jaeger} on ${ports}`);
                    });

                    it("RED metrics and the service graph come from the gateway's connectors, ahead of tail_sampling", () => {
                        const config = collectorConfig(release(rendered, cluster, "otel-gateway"));
                        const p = config.service.pipelines;
                        // The OTLP pipeline feeds the connectors and the sampler; it samples nothing itself.
                        assert.deepStrictEqual(p.traces.receivers, ["otlp"]);
                        assert.ok(!p.traces.processors.includes("tail_sampling"));
                        assert.deepStrictEqual(p.traces.exporters, ["span_metrics", "servicegraph", "forward/sampling"]);
                        assert.deepStrictEqual(p["traces/sampling"], { receivers: ["forward/sampling"], processors: ["tail_sampling", "batch"], exporters: ["otlp_grpc/tempo"] });
                        const prometheus = Object.keys(config.exporters).filter(e => e.startsWith("prometheus_remote_write/"));
                        assert.ok(prometheus.length >= 1);
                        assert.deepStrictEqual(p["metrics/span-metrics"].exporters, prometheus);
                        assert.deepStrictEqual(p["metrics/service-graph"].exporters, prometheus);
                        assert.deepStrictEqual(config.connectors.span_metrics.exemplars, { enabled: true });
                        assert.strictEqual(config.connectors.span_metrics.namespace, TRACE_METRICS.spanMetricsNamespace);
                        assert.strictEqual(config.connectors.span_metrics.histogram.unit, "s");
                    });

                    it("Tempo's metrics generator is gone (no pods, no generator config)", () => {
                        const tempo = release(rendered, cluster, "tempo");
                        assert.deepStrictEqual(tempo.objects.filter(o => /metrics-generator/.test(o.metadata.name)).map(o => `${o.kind}/${o.metadata.name}`), []);
                        assert.strictEqual(tempoConfig(tempo).metrics_generator?.storage?.remote_write, undefined);
                    });

                    it("Grafana reads the connector series: RED links, service map, exemplars by trace_id", () => {
                        const ds = configMapYaml(release(rendered, cluster, "kps"), "kps-grafana-datasource", "datasource.yaml");
                        const tempo = (ds.datasources as any[]).find(d => d.uid === "tempo");
                        const queries = (tempo.jsonData.tracesToMetrics.queries as { query: string }[]).map(q => q.query).join("\n");
                        assert.ok(queries.includes(`${TRACE_METRICS.calls}{`) && queries.includes(`${TRACE_METRICS.durationBucket}{`), queries);
                        assert.ok(!/traces_spanmetrics_/.test(queries), "Tempo metrics-generator names are gone");
                        assert.deepStrictEqual(tempo.jsonData.tracesToMetrics.tags, [{ key: "service.name", value: TRACE_METRICS.labels.service }]);
                        assert.deepStrictEqual(tempo.jsonData.serviceMap, { datasourceUid: "prometheus" });
                        const prometheus = (ds.datasources as any[]).find(d => d.uid === "prometheus");
                        assert.deepStrictEqual(prometheus.jsonData.exemplarTraceIdDestinations, [{ datasourceUid: "tempo", name: TRACE_METRICS.exemplarTraceIdLabel, urlDisplayLabel: "View trace" }]);
                    });

                    it("the largest batch fits every OTLP gRPC receiver on the trace path (collector tiers and Tempo)", () => {
                        const limits: [string, number][] = [];
                        for (const name of stack === "prod" ? ["otel-lb", "otel-gateway"] : ["otel-gateway"]) {
                            const config = collectorConfig(release(rendered, cluster, name));
                            assert.ok(config.processors.batch.send_batch_max_size <= OTLP_MESSAGE_LIMITS.batchMaxSpans, name);
                            limits.push([`${name} receiver`, config.receivers.otlp.protocols.grpc.max_recv_msg_size_mib * MIB]);
                        }
                        const tempo = tempoConfig(release(rendered, cluster, "tempo"));
                        limits.push(["tempo distributor receiver", tempo.distributor.receivers.otlp.protocols.grpc.max_recv_msg_size_mib * MIB]);
                        limits.push(["tempo gRPC server (distributor -> ingester)", tempo.server.grpc_server_max_recv_msg_size]);
                        for (const [where, bytes] of limits) assert.ok(bytes >= LARGEST_BATCH_BYTES, `${where}: ${bytes} < ${LARGEST_BATCH_BYTES}`);
                    });

                    it("Kubernetes resource attributes become labels on every remote-written series", () => {
                        for (const name of stack === "prod" ? ["otel-lb", "otel-gateway"] : ["otel-gateway"]) {
                            const exporters = collectorConfig(release(rendered, cluster, name)).exporters as Record<string, any>;
                            const prw = Object.entries(exporters).filter(([id]) => id.startsWith("prometheus_remote_write/"));
                            assert.ok(prw.length >= 1, name);
                            for (const [id, e] of prw) assert.deepStrictEqual(e.resource_to_telemetry_conversion, { enabled: true }, `${name} ${id}`);
                        }
                    });

                    it("no Deployment with required per-node anti-affinity surges, nor runs more pods than the minimum node count", () => {
                        const minNodes = stackClusters(stack).find(c => c.name === cluster)!.nodePool.min;
                        const offenders: string[] = [];
                        for (const r of rendered.filter(x => x.cluster === cluster)) {
                            for (const d of objectsOf(r, "Deployment")) {
                                const required = podSpec(d).affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution as { topologyKey: string }[] | undefined;
                                if (!required?.some(t => t.topologyKey === "kubernetes.io/hostname")) continue;
                                const spec = (d as any).spec;
                                // Kubernetes' default surge is 25%, rounded up: at least one pod.
                                const surge = spec.strategy?.type === "Recreate" ? 0 : spec.strategy?.rollingUpdate?.maxSurge ?? "25%";
                                if (surge !== 0 && surge !== "0%") offenders.push(`${r.release} ${d.metadata.name}: maxSurge ${surge}`);
                                if ((spec.replicas ?? 1) > minNodes) offenders.push(`${r.release} ${d.metadata.name}: ${spec.replicas} replicas > ${minNodes} nodes`);
                            }
                        }
                        assert.deepStrictEqual(offenders, []);
                        const gateway = object(release(rendered, cluster, "loki"), "Deployment", "loki-gateway") as any;
                        assert.deepStrictEqual(gateway.spec.strategy, { type: "RollingUpdate", rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } });
                    });

                    it("Loki's service account (its cloud identity) gets no cluster-wide role, and no role reads Secrets", () => {
                        const loki = release(rendered, cluster, "loki");
                        assert.deepStrictEqual(loki.objects.filter(o => /^(Cluster)?Role(Binding)?$/.test(o.kind)).map(o => `${o.kind}/${o.metadata.name}`), []);
                        // Across every release: no ClusterRoleBinding names a workload-identity service account.
                        for (const r of rendered.filter(x => x.cluster === cluster)) {
                            for (const b of objectsOf(r, "ClusterRoleBinding")) {
                                const subjects = ((b as any).subjects ?? []) as { kind: string; name: string; namespace?: string }[];
                                for (const s of subjects) {
                                    assert.ok(!(s.kind === "ServiceAccount" && ["loki", "tempo"].includes(s.name) && ["logging", "tracing"].includes(s.namespace ?? "")),
                                        `${r.release} ${b.metadata.name} binds ${s.namespace}/${s.name}`);
                                }
                            }
                        }
                        // The rules sidecar (the only consumer of that role) is not in any Loki pod.
                        for (const w of loki.objects.filter(o => o.kind === "Deployment" || o.kind === "StatefulSet")) {
                            assert.ok(!(podSpec(w).containers as { name: string }[]).some(c => /sidecar/.test(c.name)), w.metadata.name);
                        }
                    });

                    it("nothing scrapes or alerts on control-plane components the managed cluster hides", () => {
                        const kps = release(rendered, cluster, "kps");
                        const hidden = ["kube-controller-manager", "kube-scheduler", "kube-etcd", "kube-proxy"];
                        const monitors = objectsOf(kps, "ServiceMonitor").map(o => o.metadata.name);
                        for (const h of hidden) assert.ok(!monitors.includes(`kps-${h}`), `ServiceMonitor kps-${h}`);
                        assert.deepStrictEqual(objectsOf(kps, "Service").filter(o => o.metadata.namespace === "kube-system").map(o => o.metadata.name), ["kps-coredns"]);
                        const rules = objectsOf(kps, "PrometheusRule").flatMap(o => ((o as any).spec.groups as { rules: { alert?: string; record?: string; expr: string }[] }[]).flatMap(g => g.rules));
                        assert.ok(rules.length > 100, `${rules.length} rules`);
                        const jobs = /job="(kube-controller-manager|kube-scheduler|kube-etcd|kube-proxy|etcd)"/;
                        assert.deepStrictEqual(rules.filter(r => jobs.test(r.expr) || /^etcd/.test(r.alert ?? "")).map(r => r.alert ?? r.record), []);
                        const alerts = rules.map(r => r.alert).filter(Boolean);
                        for (const a of ["KubeControllerManagerDown", "KubeSchedulerDown", "KubeProxyDown"]) assert.ok(!alerts.includes(a), a);
                    });

                    it("PDBs only where more than one pod runs", () => {
                        for (const r of rendered.filter(x => x.cluster === cluster)) {
                            for (const pdb of objectsOf(r, "PodDisruptionBudget")) {
                                const selector = (pdb as any).spec.selector.matchLabels as Record<string, string>;
                                // Workloads of the release, or the operator-run Prometheus/Alertmanager it names.
                                const targets = r.objects.filter(o => (["Deployment", "StatefulSet"].includes(o.kind)
                                    && Object.entries(selector).every(([k, v]) => (o as any).spec.template.metadata.labels?.[k] === v))
                                    || (["Prometheus", "Alertmanager"].includes(o.kind) && Object.values(selector).includes(o.metadata.name)));
                                assert.strictEqual(targets.length, 1, `${r.release} PDB ${pdb.metadata.name} selects ${targets.length} workloads`);
                                const t = targets[0] as any;
                                const hpa = objectsOf(r, "HorizontalPodAutoscaler").find(h => (h as any).spec.scaleTargetRef.name === t.metadata.name) as any;
                                const pods = hpa ? hpa.spec.minReplicas : t.spec.replicas ?? 1;
                                assert.ok(pods > 1, `${r.release} PDB ${pdb.metadata.name} over ${pods} pod(s)`);
                            }
                        }
                    });
                });
            }

            if (stack === "prod") {
                it("the sampler HPA owns the replica count and scales on a resource metric (CPU, from metrics-server)", async () => {
                    const { records } = await runStack(stack);
                    for (const cluster of clusters) {
                        const gateway = release(rendered, cluster, "otel-gateway");
                        const hpa = object(gateway, "HorizontalPodAutoscaler", "otel-gateway") as any;
                        assert.deepStrictEqual(hpa.spec.metrics, [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 80 } } }]);
                        assert.strictEqual((object(gateway, "Deployment", "otel-gateway") as any).spec.replicas, undefined);
                    }
                    const values = records.filter(r => r.inputs.name === "otel-gateway").map(r => r.inputs.values as Record<string, unknown>);
                    assert.strictEqual(values.length, clusters.length);
                    for (const v of values) assert.strictEqual(v.replicaCount, undefined, "replicaCount does nothing while the HPA is on");
                });
            }
        });
    }

});
