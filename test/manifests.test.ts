/**
 * The manifest checks (tools/lib/checks) on every release Helm renders for both committed stacks and
 * for test stacks covering AWS only, GCP only and several clusters; and each check shown to fail on
 * the defect it guards against. Known failures live in tools/lib/checks/knownFailures.ts only.
 */
import * as assert from "assert";
import { parseEnvironment } from "../stacks/config";
import type { Environment } from "../stacks/schema";
import { renderReleases, type K8sObject, type RenderedRelease } from "../tools/lib/manifests";
import type { ResourceRecord } from "../tools/lib/mock-runtime";
import { availableStacks, readStackFile } from "../tools/lib/stack-file";
import { checkRendered } from "../tools/lib/preview-checks";
import { formatFinding, stackFindings } from "../tools/lib/checks";
import { isKnown, KNOWN_FAILURES } from "../tools/lib/checks/knownFailures";
import { clusterManifests, type ClusterManifests } from "../tools/lib/checks/model";
import { builtinSchemaFindings, crdSchemaFindings, schemaSetsFor, structuralToAjv } from "../tools/lib/checks/schemas";
import { addressFindings, configAddresses, resolve } from "../tools/lib/checks/wiring";
import { identityFindings, rolloutFindings, resourceFindings } from "../tools/lib/checks/workloads";
import { wiring } from "../components/render/wiring";
import { runConfig, runStack, validConfig, VALID_SECRET_KEYS } from "./lib/run";

interface Checked { stack: string; env: Environment; records: readonly ResourceRecord[]; rendered: RenderedRelease[] }

const memo = new Map<string, Promise<Checked>>();
/** A stack run under mocks and rendered by Helm (cached on disk by the Helm layer), once per process. */
function checked(stack: string, config?: Record<string, unknown>): Promise<Checked> {
    if (!memo.has(stack)) {
        memo.set(stack, (async () => {
            const values = config ?? readStackFile(stack).config;
            const secretKeys = config ? VALID_SECRET_KEYS : readStackFile(stack).secretKeys;
            const env = parseEnvironment({ values, secretKeys: new Set(secretKeys) });
            const { records } = config ? await runConfig(config, secretKeys, stack) : await runStack(stack);
            const rendered = await renderReleases(stack, records, c => String(env.clusters.find(x => x.name === c)!.kubernetesVersion));
            return { stack, env, records, rendered };
        })());
    }
    return memo.get(stack)!;
}

/** AWS only: one prod EKS cluster on the smallest HA pool (3 nodes), at the EKS minor in standard support (1.35). */
function awsOnly(): Record<string, unknown> {
    const c = validConfig();
    return { ...c, tier: "prod", alerting: { ...c.alerting, pagerduty: { enabled: false } },
        clusters: [{ name: "ops-eks", cloud: "aws", region: "eu-west-1", kubernetesVersion: "1.35", nodePool: { machineType: "m6i.xlarge", min: 3, max: 6 },
            admins: ["arn:aws:iam::123456789012:role/admin"], deployRole: "arn:aws:iam::123456789012:role/pulumi-deploy", authorizedNetworks: ["203.0.113.0/24"] }] };
}
/** GCP only: one dev GKE cluster at Kubernetes 1.35. */
function gcpOnly(): Record<string, unknown> {
    return { ...validConfig(), clusters: [{ name: "ops-gke", cloud: "gcp", region: "europe-west1", project: "acme-ops", kubernetesVersion: "1.35", nodePool: { machineType: "e2-standard-4", min: 1, max: 3 } }] };
}
/** Several clusters: GKE and two EKS in different regions (EKS standard support allows only 1.35 today; 1.32 and 1.33 are now refused by stacks/schema.ts). */
function multi(): Record<string, unknown> {
    const c = validConfig();
    return { ...c, clusters: [...c.clusters, { name: "dev-eks-b", cloud: "aws", region: "eu-central-1", kubernetesVersion: "1.35", nodePool: { machineType: "m6i.large", min: 2, max: 4 },
        admins: ["arn:aws:iam::123456789012:role/admin"], deployRole: "arn:aws:iam::123456789012:role/pulumi-deploy" }] };
}

const STACKS: readonly [string, (() => Record<string, unknown>) | undefined, readonly string[] | undefined][] = [
    ["dev", undefined, ["dev-gke"]],
    ["prod", undefined, ["prod-eks", "prod-gke"]],
    ["aws-only", awsOnly, ["ops-eks"]],
    ["gcp-only", gcpOnly, ["ops-gke"]],
    ["multi", multi, ["dev-gke", "dev-eks", "dev-eks-b"]],
    // Any other Pulumi.<name>.yaml in the repository (a new environment) is checked the same way.
    ...availableStacks().filter(s => s !== "dev" && s !== "prod").map((s): [string, undefined, undefined] => [s, undefined, undefined]),
];

describe("manifest checks on every rendered release", function () {
    this.timeout(600_000);
    for (const [stack, config, clusters] of STACKS) {
        it(`${stack}: no finding beyond the known failures, and every known failure of its clusters still occurs`, async () => {
            const s = await checked(stack, config?.());
            if (clusters) assert.deepStrictEqual(s.env.clusters.map(c => c.name), clusters);
            const findings = stackFindings(stack, s.env, s.rendered, s.records);
            const unknown = findings.filter(f => !isKnown(f));
            assert.deepStrictEqual(unknown.map(formatFinding), []);
            for (const k of KNOWN_FAILURES) {
                for (const cluster of clusters ?? s.env.clusters.map(c => c.name)) {
                    if (k.where !== "every cluster" && !k.where.includes(`${stack}/${cluster}`)) continue;
                    const here = findings.filter(f => f.cluster === cluster && isKnown(f, [k]));
                    if (k.subject === "loki/StatefulSet/loki/loki-sc-rules" && k.where === "every cluster") continue;
                    assert.ok(here.length > 0, `known failure no longer occurs on ${stack}/${cluster}: [${k.check}] ${k.subject} (${k.defect}); delete it from tools/lib/checks/knownFailures.ts`);
                }
            }
        });
    }
});

describe("the offline preview's checks step (tools/lib/preview-checks.ts)", function () {
    this.timeout(600_000);
    it("reports what stackFindings reports, from .cache/checks the second time, and misses the cache when a manifest changes", async () => {
        const s = await checked("dev");
        const first = checkRendered("dev", s.env, s.rendered, s.records);
        assert.deepStrictEqual([first.findings, first.known], [stackFindings("dev", s.env, s.rendered, s.records).filter(f => !isKnown(f)), []]);
        const again = checkRendered("dev", s.env, s.rendered, s.records);
        assert.deepStrictEqual([again.findings, again.cached], [first.findings, true]);
        // Loki's gateway Service gone from the manifest: Alloy's and Grafana's addresses no longer resolve.
        const broken = s.rendered.map(r => r.release !== "loki" ? r : { ...r, manifest: `${r.manifest}\n# edited`, objects: r.objects.filter(o => !(o.kind === "Service" && o.metadata.name === "loki-gateway")) });
        const found = checkRendered("dev", s.env, broken, s.records);
        assert.strictEqual(found.cached, false);
        assert.ok(found.findings.some(f => f.check === "wiring" && /loki-gateway/.test(f.message)), found.findings.map(formatFinding).join("\n"));
    });
});

/** One cluster of the committed prod stack (EKS) or dev stack (GKE), as the checks see it. */
async function cluster(stack: "dev" | "prod", name: string): Promise<{ c: ClusterManifests; records: readonly ResourceRecord[] }> {
    const s = await checked(stack);
    return { c: clusterManifests(stack, s.env, s.rendered).find(x => x.cluster === name)!, records: s.records };
}

/** The cluster with one object replaced (by release, kind and name). */
function withObject(c: ClusterManifests, release: string, kind: string, name: string, edit: (o: any) => K8sObject): ClusterManifests {
    let hit = 0;
    const objects = c.objects.map(r => {
        if (r.release !== release || r.object.kind !== kind || r.object.metadata.name !== name) return r;
        hit++;
        return { release, object: edit(structuredClone(r.object)) };
    });
    assert.strictEqual(hit, 1, `${release}/${kind}/${name}`);
    return { ...c, objects };
}

describe("each manifest check fails on the defect it guards", function () {
    this.timeout(600_000);

    it("schemas: the sets bracketing each supported Kubernetes minor", () => {
        assert.deepStrictEqual(["1.32", "1.33", "1.34", "1.35"].map(v => schemaSetsFor(v).map(s => s.kubernetes)),
            [["1.33.0"], ["1.33.0"], ["1.33.0", "1.36.0"], ["1.33.0", "1.36.0"]]);
    });

    it("schemas: a wrongly typed field and a kind with no schema are findings", async () => {
        const { c } = await cluster("prod", "prod-eks");
        const bad = withObject(c, "loki", "Deployment", "loki-gateway", o => ({ ...o, spec: { ...o.spec, replicas: "3" } }));
        assert.deepStrictEqual(builtinSchemaFindings(bad).map(f => [f.subject, f.message]), [
            ["loki/Deployment/loki-gateway", "invalid at Kubernetes 1.33.0: data/spec/replicas must be integer"],
            ["loki/Deployment/loki-gateway", "invalid at Kubernetes 1.36.0: data/spec/replicas must be integer"],
        ]);
        const old = withObject(c, "otel-gateway", "PodDisruptionBudget", "otel-gateway", o => ({ ...o, apiVersion: "policy/v2" }));
        assert.deepStrictEqual(builtinSchemaFindings(old).map(f => f.message), [
            "policy/v2 PodDisruptionBudget has no schema in Kubernetes 1.33.0 (kubernetes-models@4.5.1), and no CRD of this cluster defines it",
            "policy/v2 PodDisruptionBudget has no schema in Kubernetes 1.36.0 (kubernetes-models@5.1.0), and no CRD of this cluster defines it",
        ]);
    });

    it("CRD schemas: an unknown field, a wrong type and a bad enum in custom resources are findings; int-or-string takes both", async () => {
        const { c } = await cluster("prod", "prod-eks");
        const typo = withObject(c, "kps", "Prometheus", "kps-prometheus", o => ({ ...o, spec: { ...o.spec, retentionn: "90d" } }));
        assert.deepStrictEqual(crdSchemaFindings(typo).map(f => [f.subject, f.message]),
            [["kps/Prometheus/kps-prometheus", "invalid against CRD prometheuses.monitoring.coreos.com v1: /spec must NOT have additional properties (retentionn)"]]);
        const type = withObject(c, "kps", "Alertmanager", "kps-alertmanager", o => ({ ...o, spec: { ...o.spec, replicas: "three" } }));
        assert.deepStrictEqual(crdSchemaFindings(type).map(f => f.message), ["invalid against CRD alertmanagers.monitoring.coreos.com v1: /spec/replicas must be integer"]);
        const sm = withObject(c, "loki", "ServiceMonitor", "loki", o => ({ ...o, spec: { ...o.spec, endpoints: [{ ...o.spec.endpoints[0], scheme: "gopher" }] } }));
        assert.match(crdSchemaFindings(sm).map(f => f.message).join("\n"), /^invalid against CRD servicemonitors\.monitoring\.coreos\.com v1: \/spec\/endpoints\/0\/scheme must be equal to one of the allowed values$/);
        // Patterns are RE2 expressions, compiled once per process and shared: the duration pattern (85 uses
        // in the CRDs) rejects a bad value in two kinds, another pattern in a third, and the rendered values pass.
        const bad = [
            withObject(c, "kps", "Prometheus", "kps-prometheus", o => ({ ...o, spec: { ...o.spec, retention: "90 days" } })),
            withObject(c, "loki", "ServiceMonitor", "loki", o => ({ ...o, spec: { ...o.spec, endpoints: [{ ...o.spec.endpoints[0], interval: "30 seconds" }] } })),
            withObject(c, "kps", "Alertmanager", "kps-alertmanager", o => ({ ...o, spec: { ...o.spec, retention: "5d" } })),
        ];
        const duration = "^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$";
        assert.deepStrictEqual(bad.map(b => crdSchemaFindings(b).map(f => f.message)), [
            [`invalid against CRD prometheuses.monitoring.coreos.com v1: /spec/retention must match pattern "${duration}"`],
            [`invalid against CRD servicemonitors.monitoring.coreos.com v1: /spec/endpoints/0/interval must match pattern "${duration}"`],
            ['invalid against CRD alertmanagers.monitoring.coreos.com v1: /spec/retention must match pattern "^(0|(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$"'],
        ]);
        assert.deepStrictEqual(crdSchemaFindings(c), []);
        const schema = structuralToAjv({ type: "object", properties: { port: { "x-kubernetes-int-or-string": true }, free: { type: "object", "x-kubernetes-preserve-unknown-fields": true, properties: { a: { type: "string" } } } } });
        assert.deepStrictEqual(schema, { type: "object", additionalProperties: false, properties: {
            port: { anyOf: [{ type: "integer" }, { type: "string" }] }, free: { type: "object", properties: { a: { type: "string" } } } } });
    });

    it("wiring: reads every address the configs name, and each resolves to a rendered Service and port", async () => {
        const { c } = await cluster("prod", "prod-eks");
        const addrs = configAddresses(c).map(a => `${a.owner} ${a.host}:${a.port}`);
        assert.deepStrictEqual(addrs.sort(), [
            "alloy loki-gateway.logging.svc.cluster.local:80",
            "grafana kps-alertmanager.monitoring:9093",
            "grafana kps-prometheus.monitoring:9090",
            "grafana loki-gateway.logging.svc.cluster.local:80",
            "grafana tempo-query-frontend.tracing.svc.cluster.local:3200",
            "otel-gateway loki-gateway.logging.svc.cluster.local:80",
            "otel-gateway prometheus-kps-prometheus-0.prometheus-operated.monitoring.svc.cluster.local:9090",
            "otel-gateway prometheus-kps-prometheus-1.prometheus-operated.monitoring.svc.cluster.local:9090",
            "otel-gateway tempo-distributor.tracing.svc.cluster.local:4317",
            "otel-lb loki-gateway.logging.svc.cluster.local:80",
            "otel-lb otel-gateway-headless.tracing.svc.cluster.local:4317",
            "otel-lb prometheus-kps-prometheus-0.prometheus-operated.monitoring.svc.cluster.local:9090",
            "otel-lb prometheus-kps-prometheus-1.prometheus-operated.monitoring.svc.cluster.local:9090",
            "prometheus kps-alertmanager.monitoring.svc:http-web",
        ]);
        const gw = resolve(c, configAddresses(c).find(a => a.owner === "alloy")!);
        assert.ok(typeof gw !== "string");
        assert.deepStrictEqual([gw.service.name, gw.servicePort.port, gw.targetPort, gw.pods.map(p => p.owner.metadata.name)], ["loki-gateway", 80, 8080, ["loki-gateway"]]);
    });

    it("wiring: a misspelt Service, a wrong port, a replica that does not exist and a flow missing from the table are findings", async () => {
        const { c } = await cluster("prod", "prod-eks");
        const alloy = (url: string) => withObject(c, "alloy", "ConfigMap", "alloy", o => ({ ...o, data: { "config.alloy": o.data["config.alloy"].replace("http://loki-gateway.logging.svc.cluster.local:80/loki/api/v1/push", url) } }));
        assert.deepStrictEqual(addressFindings(alloy("http://loki-gatway.logging.svc.cluster.local:80/loki/api/v1/push")).map(f => f.message),
            ["no Service logging/loki-gatway is rendered in cluster prod-eks (nor created at run time: render/wiring.ts runtimeServices)"]);
        assert.deepStrictEqual(addressFindings(alloy("http://loki-gateway.logging.svc.cluster.local:3100/loki/api/v1/push")).map(f => f.message),
            ["Service logging/loki-gateway has no port 3100 (it has http:80)"]);
        const third = withObject(c, "otel-gateway", "ConfigMap", "otel-gateway", o => ({ ...o, data: { ...o.data, relay: o.data.relay.replace("prometheus-kps-prometheus-1.", "prometheus-kps-prometheus-2.") } }));
        assert.deepStrictEqual(addressFindings(third).map(f => f.message),
            ["pod prometheus-kps-prometheus-2 does not exist: prometheus-kps-prometheus-<0..1> run behind monitoring/prometheus-operated"]);
        const without = wiring(c).filter(f => f.id !== "alloy-to-loki-gateway");
        assert.deepStrictEqual(addressFindings(c, without).map(f => [f.subject, f.message]), [[
            "alloy ConfigMap config.alloy: url → loki-gateway.logging.svc.cluster.local:80",
            "no flow in the wiring table (components/render/wiring.ts) from alloy to Service logging/loki-gateway port 80: add one, so the NetworkPolicies allow it",
        ]]);
    });

    it("identity: every pod that names a bucket runs under the annotated service account the cloud trusts", async () => {
        for (const [stack, name, key, value] of [
            ["prod", "prod-eks", "eks.amazonaws.com/role-arn", "arn:aws:iam::123456789012:role/prod-eks-loki"],
            ["dev", "dev-gke", "iam.gke.io/gcp-service-account", "dev-gke-loki@acme-obs-dev.iam.gserviceaccount.com"],
        ] as const) {
            const { c, records } = await cluster(stack, name);
            assert.deepStrictEqual(identityFindings(c, records), []);
            const sa = c.objects.find(r => r.release === "loki" && r.object.kind === "ServiceAccount" && r.object.metadata.name === "loki")!;
            assert.strictEqual(sa.object.metadata.annotations?.[key], value);
            const stripped = withObject(c, "loki", "ServiceAccount", "loki", o => ({ ...o, metadata: { ...o.metadata, annotations: {} } }));
            const findings = identityFindings(stripped, records);
            assert.ok(findings.length > 0);
            assert.deepStrictEqual([...new Set(findings.map(f => f.message))], [`talks to a bucket under service account logging/loki, which has no ${key} annotation`]);
        }
    });

    it("rollouts: the Loki gateway's surge deadlock at 3 nodes is found; maxUnavailable 1 (rendered) or more nodes clear it; replicas above the nodes are found", async () => {
        const { c } = await cluster("prod", "prod-eks");
        assert.deepStrictEqual(rolloutFindings(c), []);
        const gw = (strategy: unknown) => withObject(c, "loki", "Deployment", "loki-gateway", o => ({ ...o, spec: { ...o.spec, strategy } }));
        const surge = gw({ type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
        assert.deepStrictEqual(rolloutFindings(surge).map(f => [f.subject, f.message]), [["loki/Deployment/loki-gateway",
            "a rollout adds 1 surge pod(s) to 3 replicas with required anti-affinity on kubernetes.io/hostname and maxUnavailable 0: at the minimum of 3 nodes the surge pod never schedules and the rollout deadlocks"]]);
        assert.deepStrictEqual(rolloutFindings({ ...surge, minNodes: 4 }), []);
        assert.deepStrictEqual(rolloutFindings({ ...c, minNodes: 2 }).map(f => f.subject).sort(), [
            "loki/Deployment/loki-distributor", "loki/Deployment/loki-gateway", "loki/Deployment/loki-querier", "loki/Deployment/loki-query-frontend",
            "loki/Deployment/loki-query-scheduler", "loki/StatefulSet/loki-index-gateway", "loki/StatefulSet/loki-ingester", "loki/StatefulSet/loki-ruler",
        ]);
    });

    it("resources: a container without requests or a memory limit is a finding, naming what is missing", async () => {
        const { c } = await cluster("prod", "prod-eks");
        const before = resourceFindings(c).length;
        const bare = withObject(c, "otel-gateway", "Deployment", "otel-gateway", o => {
            o.spec.template.spec.containers[0].resources = { requests: { cpu: "1" } };
            return o;
        });
        const added = resourceFindings(bare).filter(f => f.subject.startsWith("otel-gateway/"));
        assert.strictEqual(resourceFindings(bare).length, before + 1);
        assert.deepStrictEqual(added.map(f => f.message), ["container opentelemetry-collector lacks requests.memory, limits.memory"]);
    });
});
