/**
 * NetworkPolicies rendered from the wiring table: their shape, their evaluation against the pods of
 * the rendered manifests (every wired flow passes, flows not in the table are denied, a flow without
 * its policy is found), and the component that deploys them.
 */
import * as assert from "assert";
import { parseEnvironment } from "../stacks/config";
import { renderNetworkPolicies, renderPoliciesForFlows } from "../components/render/networkPolicies";
import { stackNamespaces, wiring } from "../components/render/wiring";
import { renderReleases } from "../tools/lib/manifests";
import { readStackFile } from "../tools/lib/stack-file";
import { clusterManifests, type ClusterManifests } from "../tools/lib/checks/model";
import { allows, cidrContains, type Endpoint } from "../tools/lib/checks/networkPolicy";
import { APP_POD, policyFindings } from "../tools/lib/checks/policies";
import { runStack } from "./lib/run";

async function prodEks(): Promise<ClusterManifests> {
    const s = readStackFile("prod");
    const env = parseEnvironment({ values: s.config, secretKeys: new Set(s.secretKeys) });
    const { records } = await runStack("prod");
    const rendered = await renderReleases("prod", records, () => "1.34");
    return clusterManifests("prod", env, rendered).find(c => c.cluster === "prod-eks")!;
}

const pod = (namespace: string, labels: Record<string, string>, name = `${namespace}/pod`): Endpoint => ({ kind: "pod", namespace, labels, name });
const ip = (address: string): Endpoint => ({ kind: "ip", ip: address, name: address });

describe("NetworkPolicies from the wiring table", function () {
    this.timeout(600_000);

    it("every stack namespace gets default-deny (ingress and egress) and DNS to kube-dns on 53 UDP/TCP", () => {
        const policies = renderNetworkPolicies({ tier: "dev", cloud: "gcp" });
        assert.deepStrictEqual(stackNamespaces(), ["monitoring", "node-exporter", "logging", "tracing"]);
        for (const ns of stackNamespaces()) {
            const deny = policies.find(p => p.metadata.namespace === ns && p.metadata.name === "default-deny")!;
            assert.deepStrictEqual(deny.spec, { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
            const dns = policies.find(p => p.metadata.namespace === ns && p.metadata.name === "allow-dns")!;
            assert.deepStrictEqual(dns.spec, { podSelector: {}, policyTypes: ["Egress"], egress: [{
                to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
                ports: [{ port: 53, protocol: "UDP" }, { port: 53, protocol: "TCP" }] }] });
        }
    });

    it("each workload gets one egress and one ingress policy, one rule per flow in table order, the flows named in the purpose annotation", () => {
        const policies = renderNetworkPolicies({ tier: "prod", cloud: "aws" });
        const egress = policies.find(p => p.metadata.name === "alloy-egress")!;
        const ingress = policies.find(p => p.metadata.name === "loki-gateway-ingress")!;
        assert.deepStrictEqual(egress.metadata, { name: "alloy-egress", namespace: "logging",
            labels: { "app.kubernetes.io/part-of": "observability", "app.kubernetes.io/managed-by": "pulumi" },
            annotations: { "observability/purpose": "alloy-to-loki-gateway: Alloy's loki.write pushes container logs\nalloy-to-apiserver: discovers pods and tails their logs (loki.source.kubernetes)" } });
        const gateway = { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "logging" } }, podSelector: { matchLabels: { "app.kubernetes.io/name": "loki", "app.kubernetes.io/instance": "loki", "app.kubernetes.io/component": "gateway" } } };
        assert.deepStrictEqual(egress.spec, { podSelector: { matchLabels: { "app.kubernetes.io/name": "alloy", "app.kubernetes.io/instance": "alloy" } }, policyTypes: ["Egress"],
            egress: [
                { to: [gateway], ports: [{ port: 8080, protocol: "TCP" }] },
                { to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ port: 443, protocol: "TCP" }] },
            ] });
        const inTracing = (instance: string) => ({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "tracing" } }, podSelector: { matchLabels: { "app.kubernetes.io/name": "opentelemetry-collector", "app.kubernetes.io/instance": instance } } });
        assert.deepStrictEqual([ingress.metadata.namespace, ingress.spec.podSelector, ingress.spec.policyTypes], ["logging", { matchLabels: gateway.podSelector.matchLabels }, ["Ingress"]]);
        assert.deepStrictEqual(ingress.spec.ingress, [
            { from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "logging" } }, podSelector: { matchLabels: { "app.kubernetes.io/name": "alloy", "app.kubernetes.io/instance": "alloy" } } }], ports: [{ port: 8080, protocol: "TCP" }] },
            { from: [inTracing("otel-gateway")], ports: [{ port: 8080, protocol: "TCP" }] },
            { from: [inTracing("otel-lb")], ports: [{ port: 8080, protocol: "TCP" }] },
            { from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } }, podSelector: { matchLabels: { "app.kubernetes.io/name": "grafana", "app.kubernetes.io/instance": "kps" } } }], ports: [{ port: 8080, protocol: "TCP" }] },
        ]);
        // Applications anywhere reach the entry tier; the GKE metadata server only exists on GCP.
        const apps = policies.find(p => p.metadata.name === "otel-lb-ingress")!;
        assert.deepStrictEqual([apps.metadata.namespace, apps.spec.podSelector, apps.spec.ingress], ["tracing", { matchLabels: { "app.kubernetes.io/name": "opentelemetry-collector", "app.kubernetes.io/instance": "otel-lb" } },
            [{ from: [{ namespaceSelector: {}, podSelector: {} }], ports: [{ port: 4317, protocol: "TCP" }, { port: 4318, protocol: "TCP" }] }]]);
        assert.ok(!policies.some(p => JSON.stringify(p).includes("169.254.169.25")));
        const gcp = renderNetworkPolicies({ tier: "prod", cloud: "gcp" });
        for (const name of ["loki-egress", "tempo-egress"]) {
            const p = gcp.find(x => x.metadata.name === name)!;
            assert.deepStrictEqual(p.spec.egress!.slice(-2), [
                { to: [{ ipBlock: { cidr: "169.254.169.254/32" } }], ports: [{ port: 80, protocol: "TCP" }] },
                { to: [{ ipBlock: { cidr: "169.254.169.252/32" } }], ports: [{ port: 988, protocol: "TCP" }] },
            ], name);
        }
        // 4 namespaces × (default-deny, allow-dns, all-pods-ingress for Prometheus's scrapes) plus one policy per workload and direction.
        assert.deepStrictEqual([policies.length, gcp.length], [33, 33]);
        assert.deepStrictEqual(policies.filter(p => p.metadata.namespace === "monitoring").map(p => p.metadata.name).sort(), [
            "admission-jobs-egress", "alertmanager-egress", "alertmanager-ingress", "all-pods-ingress", "allow-dns", "default-deny", "grafana-egress",
            "kube-state-metrics-egress", "prometheus-egress", "prometheus-ingress", "prometheus-operator-egress", "prometheus-operator-ingress"]);
    });

    it("the renderer refuses a wiring table with a flow id twice, and two workloads of one namespace sharing a selector under different names", () => {
        const flows = wiring({ tier: "dev", cloud: "aws" });
        assert.throws(() => renderPoliciesForFlows([...flows, flows[0]!], stackNamespaces()), { message: `flow ${flows[0]!.id} is in the wiring table twice: flow ids must be unique` });
        const alloy = flows.find(f => f.id === "alloy-to-loki-gateway")!;
        const renamed = { ...alloy, id: "alloy-again", from: { ...(alloy.from as any), name: "log-agent" } };
        assert.throws(() => renderPoliciesForFlows([...flows, renamed], stackNamespaces()), { message: "workloads alloy and log-agent have the same selector in logging: one name per selector" });
    });

    it("the evaluator: selectors, namespaces, ports and ipBlocks", () => {
        const policies = renderNetworkPolicies({ tier: "dev", cloud: "gcp" });
        assert.ok(cidrContains("169.254.169.254/32", "169.254.169.254") && !cidrContains("169.254.169.254/32", "169.254.169.253") && cidrContains("0.0.0.0/0", "8.8.8.8"));
        // Pods outside the stack's namespaces are not isolated: only the stack side decides.
        assert.ok(allows(policies, { from: APP_POD, to: pod("shop", { app: "cart" }), port: 80, protocol: "TCP" }));
        assert.ok(!allows(policies, { from: pod("logging", { "app.kubernetes.io/name": "alloy", "app.kubernetes.io/instance": "alloy" }), to: ip("203.0.113.10"), port: 80, protocol: "TCP" }));
    });

    it("every wired flow passes between the rendered pods (prod EKS): no finding (kps no longer scrapes the managed control plane)", async () => {
        const c = await prodEks();
        assert.deepStrictEqual(policyFindings(c).map(f => f.subject), []);
    });

    it("API-server egress: GKE's control-plane range only; EKS any address on 443", () => {
        const grafana = pod("monitoring", { "app.kubernetes.io/name": "grafana", "app.kubernetes.io/instance": "kps" });
        const gke = renderNetworkPolicies({ tier: "dev", cloud: "gcp" });
        assert.deepStrictEqual(gke.find(p => p.metadata.name === "grafana-egress")!.spec.egress!.at(-1), { to: [{ ipBlock: { cidr: "172.16.0.0/28" } }], ports: [{ port: 443, protocol: "TCP" }] });
        assert.ok(allows(gke, { from: grafana, to: ip("172.16.0.2"), port: 443, protocol: "TCP" }));
        assert.ok(!allows(gke, { from: grafana, to: ip("203.0.113.10"), port: 443, protocol: "TCP" }));
        assert.ok(allows(renderNetworkPolicies({ tier: "dev", cloud: "aws" }), { from: grafana, to: ip("203.0.113.10"), port: 443, protocol: "TCP" }));
    });

    it("a flow of the table without its policy is a finding naming the flow and the connection", async () => {
        const c = await prodEks();
        const flows = wiring(c);
        const policies = renderPoliciesForFlows(flows.filter(f => f.id !== "otel-gateway-to-tempo"), stackNamespaces());
        const missing = policyFindings(c, { flows, policies }).filter(f => f.subject.startsWith("flow "));
        assert.deepStrictEqual(missing.map(f => [f.subject, f.message]), [
            ["flow otel-gateway-to-tempo", "tracing/otel-gateway → tracing/tempo-distributor:4317/TCP is denied by the rendered NetworkPolicies"]]);
    });

    it("flows not in the table are denied", async () => {
        const c = await prodEks();
        const policies = renderNetworkPolicies(c);
        const labels = { alloy: { "app.kubernetes.io/name": "alloy", "app.kubernetes.io/instance": "alloy" },
            distributor: { "app.kubernetes.io/name": "tempo", "app.kubernetes.io/instance": "tempo", "app.kubernetes.io/component": "distributor" },
            gateway: { "app.kubernetes.io/name": "loki", "app.kubernetes.io/instance": "loki", "app.kubernetes.io/component": "gateway" },
            grafana: { "app.kubernetes.io/name": "grafana", "app.kubernetes.io/instance": "kps" },
            ingester: { "app.kubernetes.io/name": "loki", "app.kubernetes.io/instance": "loki", "app.kubernetes.io/component": "ingester" },
            samplers: { "app.kubernetes.io/name": "opentelemetry-collector", "app.kubernetes.io/instance": "otel-gateway" } };
        const cases: [string, Endpoint, Endpoint, number][] = [
            ["Alloy to Tempo", pod("logging", labels.alloy), pod("tracing", labels.distributor), 4317],
            ["an application straight to Loki", APP_POD, pod("logging", labels.gateway), 8080],
            ["an application past the load balancer to the samplers", APP_POD, pod("tracing", labels.samplers), 4317],
            // (443 to any address is open to API-server clients such as Grafana's sidecars: NetworkPolicy cannot name the control plane.)
            ["Grafana to the internet over HTTP", pod("monitoring", labels.grafana), ip("203.0.113.10"), 80],
            ["Loki to a mail relay", pod("logging", labels.ingester), ip("203.0.113.10"), 587],
            ["Grafana to a Loki ingester, past the gateway", pod("monitoring", labels.grafana), pod("logging", labels.ingester), 3100],
        ];
        for (const [what, from, to, port] of cases) assert.ok(!allows(policies, { from, to, port, protocol: "TCP" }), what);
        // ...while the wired neighbours of each pass.
        assert.ok(allows(policies, { from: pod("logging", labels.alloy), to: pod("logging", labels.gateway), port: 8080, protocol: "TCP" }));
        assert.ok(allows(policies, { from: APP_POD, to: pod("tracing", { "app.kubernetes.io/name": "opentelemetry-collector", "app.kubernetes.io/instance": "otel-lb" }), port: 4317, protocol: "TCP" }));
    });

    it("the stack deploys them: obs:k8s:NetworkPolicies per cluster, one NetworkPolicy per rendered policy, after the namespaces", async () => {
        const { records } = await runStack("prod");
        const components = records.filter(r => r.type === "obs:k8s:NetworkPolicies");
        assert.deepStrictEqual(components.map(r => r.name), ["prod-eks-obs-network-policies", "prod-gke-obs-network-policies"]);
        for (const [comp, cloud] of [[components[0]!, "aws"], [components[1]!, "gcp"]] as const) {
            const key = (ns: string, name: string) => `${ns}/${name}`;
            const children = records.filter(r => r.parent === comp.urn)
                .sort((a, b) => key((a.inputs.metadata as any).namespace, (a.inputs.metadata as any).name).localeCompare(key((b.inputs.metadata as any).namespace, (b.inputs.metadata as any).name)));
            const expected = renderNetworkPolicies({ tier: "prod", cloud }).sort((a, b) => key(a.metadata.namespace, a.metadata.name).localeCompare(key(b.metadata.namespace, b.metadata.name)));
            assert.deepStrictEqual(children.map(r => r.type), expected.map(() => "kubernetes:networking.k8s.io/v1:NetworkPolicy"));
            assert.deepStrictEqual(children.map(r => [(r.inputs.metadata as any).namespace, (r.inputs.metadata as any).name]), expected.map(p => [p.metadata.namespace, p.metadata.name]));
            assert.deepStrictEqual(children.map(r => r.inputs.spec), expected.map(p => JSON.parse(JSON.stringify(p.spec))));
            const namespaces = records.filter(r => r.type === "kubernetes:core/v1:Namespace" && r.parent === comp.parent).map(r => r.urn).sort();
            assert.strictEqual(namespaces.length, 4);
            for (const child of children) assert.deepStrictEqual([...child.dependencies].sort(), namespaces);
        }
    });
});
