import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { execFile, spawnSync } from "child_process";
import { compare, diffMarkdown, readSide, type DiffResult, type PlanResource, type Side } from "../tools/lib/diff";

const ROOT = path.resolve(__dirname, "..");
const U = "urn:pulumi:dev::observability::";

const platform: PlanResource = { urn: `${U}obs:gcp:ClusterPlatform::dev-gke`, type: "obs:gcp:ClusterPlatform", name: "dev-gke", custom: false };
const bucket = (age: number, labels: Record<string, string>): PlanResource => ({
    urn: `${U}obs:gcp:Bucket$gcp:storage/bucket:Bucket::dev-gke-loki-chunks`,
    type: "gcp:storage/bucket:Bucket",
    name: "dev-gke-loki-chunks",
    custom: true,
    parent: `${U}obs:gcp:ClusterPlatform$obs:gcp:Bucket::dev-gke-loki-chunks`,
    dependencies: [],
    protect: false,
    inputs: { lifecycleRules: [{ action: { type: "Delete" }, condition: { age } }], labels },
});
const secret = (password: string): PlanResource => ({
    urn: `${U}obs:k8s:Metrics$kubernetes:core/v1:Secret::dev-gke-obs-metrics-grafana-admin`,
    type: "kubernetes:core/v1:Secret",
    name: "dev-gke-obs-metrics-grafana-admin",
    custom: true,
    inputs: { metadata: { name: "grafana-admin" }, stringData: { "admin-password": password } },
});
const provider: PlanResource = { urn: `${U}pulumi:providers:random::random`, type: "pulumi:providers:random", name: "random", custom: true, inputs: {} };
const sa = (name: string): PlanResource => ({ urn: `${U}obs:gcp:WorkloadIdentity$gcp:serviceaccount/account:Account::${name}`, type: "gcp:serviceaccount/account:Account", name, custom: true, inputs: { accountId: name } });

function manifests(objs: object[]): Side["manifests"] {
    return new Map([["dev-gke", new Map([["loki", objs as never[]]])]]);
}
const cm = (config: string) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "loki", namespace: "logging" }, data: { "config.yaml": config } });
const k8sSecret = (pw: string) => ({ apiVersion: "v1", kind: "Secret", metadata: { name: "loki-s3", namespace: "logging" }, stringData: { key: pw } });
const v1 = { policy: "gcp-storage-configure-expiry", urn: bucket(4, {}).urn, message: "Set an expiry.", enforcementLevel: "mandatory" };
const v2 = { policy: "k8s-release-pin-version", urn: `${U}obs:k8s:Logs$kubernetes:helm.sh/v3:Release::dev-gke-obs-logs-loki`, message: "Pin | the chart.", enforcementLevel: "advisory" };

const BASE: Side = {
    resources: [platform, bucket(4, { team: "obs" }), secret("OFFLINE-PLACEHOLDER-1"), provider, sa("dev-gke-old")],
    manifests: manifests([cm("retention: 72h"), k8sSecret("s3cr3t-one"), { apiVersion: "v1", kind: "Service", metadata: { name: "loki-old", namespace: "logging" } }]),
    policy: [v1],
};
const HEAD: Side = {
    resources: [platform, bucket(6, { team: "obs", owner: "x" }), secret("[secret]"), provider, sa("dev-gke-new")],
    manifests: manifests([cm("retention: 120h"), k8sSecret("s3cr3t-two"), { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "loki-gateway", namespace: "logging" } }]),
    policy: [v2],
};

describe("offline diff: comparison", () => {
    it("resources added, removed and changed with their inputs; objects per release; policy; secrets masked", () => {
        const d = compare("dev", "`main` (abc1234)", "the working tree", BASE, HEAD);
        assert.deepStrictEqual(d.resources, {
            added: [{ urn: sa("dev-gke-new").urn, type: "gcp:serviceaccount/account:Account", name: "dev-gke-new", cluster: "dev-gke" }],
            removed: [{ urn: sa("dev-gke-old").urn, type: "gcp:serviceaccount/account:Account", name: "dev-gke-old", cluster: "dev-gke" }],
            changed: [
                {
                    urn: bucket(4, {}).urn,
                    type: "gcp:storage/bucket:Bucket",
                    name: "dev-gke-loki-chunks",
                    cluster: "dev-gke",
                    changes: [
                        { path: "labels.owner", kind: "add", old: undefined, new: "x" },
                        { path: "lifecycleRules[0].condition.age", kind: "update", old: 4, new: 6 },
                    ],
                },
                {
                    urn: secret("").urn,
                    type: "kubernetes:core/v1:Secret",
                    name: "dev-gke-obs-metrics-grafana-admin",
                    cluster: "dev-gke",
                    changes: [{ path: 'stringData["admin-password"]', kind: "update", old: "[secret]", new: "[secret]" }],
                },
            ],
        });
        assert.deepStrictEqual(d.manifests, {
            compared: true,
            releases: [
                {
                    cluster: "dev-gke",
                    release: "loki",
                    added: ["Deployment logging/loki-gateway (apps/v1)"],
                    removed: ["Service logging/loki-old (v1)"],
                    changed: [
                        { object: "ConfigMap logging/loki (v1)", changes: [{ path: 'data["config.yaml"]', kind: "update", old: "retention: 72h", new: "retention: 120h" }] },
                        { object: "Secret logging/loki-s3 (v1)", changes: [{ path: "stringData.key", kind: "update", old: "[secret]", new: "[secret]" }] },
                    ],
                },
            ],
        });
        assert.deepStrictEqual(d.policy, { compared: true, added: [v2], resolved: [v1] });
        assert.deepStrictEqual([d.changed, d.notes], [true, []]);
        assert.ok(!JSON.stringify(d).includes("s3cr3t") && !diffMarkdown(d).includes("s3cr3t"));
    });

    it("the PR-comment Markdown, exactly", () => {
        const md = diffMarkdown(compare("dev", "`main` (abc1234)", "the working tree", BASE, HEAD));
        assert.strictEqual(
            md,
            [
                "### Offline diff: stack `dev`",
                "",
                "Base `main` (abc1234) → the working tree.",
                "",
                "**2 resources changed, 1 added, 1 removed; 1 release with changed Kubernetes objects; policy: 1 new violation, 1 resolved.**",
                "",
                "<details><summary>Cluster <code>dev-gke</code>: 2 changed, 1 added, 1 removed</summary>",
                "",
                "| resource | type | |",
                "|---|---|---|",
                "| `dev-gke-new` | `gcp:serviceaccount/account:Account` | added |",
                "| `dev-gke-old` | `gcp:serviceaccount/account:Account` | removed |",
                "",
                "**`dev-gke-loki-chunks`** `gcp:storage/bucket:Bucket`",
                "",
                "| field | change | base | now |",
                "|---|---|---|---|",
                '| `labels.owner` | add | – | `"x"` |',
                "| `lifecycleRules[0].condition.age` | update | `4` | `6` |",
                "",
                "**`dev-gke-obs-metrics-grafana-admin`** `kubernetes:core/v1:Secret`",
                "",
                "| field | change | base | now |",
                "|---|---|---|---|",
                '| `stringData["admin-password"]` | update | `"[secret]"` | `"[secret]"` |',
                "",
                "</details>",
                "",
                "<details><summary>Release <code>dev-gke/loki</code>: 2 objects changed, 1 added, 1 removed</summary>",
                "",
                "- added `Deployment logging/loki-gateway (apps/v1)`",
                "- removed `Service logging/loki-old (v1)`",
                "",
                "**`ConfigMap logging/loki (v1)`**",
                "",
                "| field | change | base | now |",
                "|---|---|---|---|",
                '| `data["config.yaml"]` | update | `"retention: 72h"` | `"retention: 120h"` |',
                "",
                "**`Secret logging/loki-s3 (v1)`**",
                "",
                "| field | change | base | now |",
                "|---|---|---|---|",
                '| `stringData.key` | update | `"[secret]"` | `"[secret]"` |',
                "",
                "</details>",
                "",
                "<details><summary>Policy: 1 new violation, 1 resolved</summary>",
                "",
                "| | policy | level | resource | message |",
                "|---|---|---|---|---|",
                "| new | k8s-release-pin-version | advisory | `dev-gke-obs-logs-loki` | Pin \\| the chart. |",
                "| resolved | gcp-storage-configure-expiry | mandatory | `dev-gke-loki-chunks` | Set an expiry. |",
                "",
                "</details>",
                "",
            ].join("\n"),
        );
    });

    it("an old base without manifests or policy results: said so, those parts skipped or all new", () => {
        const d = compare("dev", "b", "h", { ...BASE, manifests: null, policy: null }, HEAD);
        assert.deepStrictEqual(d.notes, [
            "The base has no rendered manifests (`<cluster>/manifests/`; added to the offline preview after it): Kubernetes objects not compared.",
            "The base has no policy results (`policy.json`): every current violation shows as new.",
        ]);
        assert.deepStrictEqual([d.manifests, d.policy.added, d.policy.resolved], [{ compared: false, releases: [] }, [v2], []]);
        const none = compare("dev", "b", "h", { resources: BASE.resources, manifests: null, policy: null }, { resources: BASE.resources, manifests: null, policy: null });
        assert.deepStrictEqual([none.changed, none.notes], [false, ["Neither side has rendered manifests: Kubernetes objects not compared.", "The working tree has no policy results (`policy.json`): policies not compared."]]);
        assert.strictEqual(
            diffMarkdown(none),
            "### Offline diff: stack `dev`\n\nBase b → h.\n\n**No changes.**\n\n> Neither side has rendered manifests: Kubernetes objects not compared.\n\n> The working tree has no policy results (`policy.json`): policies not compared.\n",
        );
    });

    it("fits the comment limit: whole sections are cut and named", () => {
        const many = (n: number, age: number): Side => ({
            resources: [platform, ...Array.from({ length: n }, (_, i) => ({ ...bucket(age, {}), urn: `${bucket(age, {}).urn}-${i}`, name: `dev-gke-b${i}` }))],
            manifests: new Map(Array.from({ length: 30 }, (_, c) => [`c${c}`, new Map([["loki", [cm(`x${age}`.repeat(40))] as never[]]])])),
            policy: [],
        });
        const d = compare("dev", "b", "h", many(10, 1), many(10, 2));
        const md = diffMarkdown(d, 4000);
        assert.ok(md.length <= 4000, `${md.length} characters`);
        const shown = (md.match(/<details>/g) ?? []).length;
        const cut = /\*\*Cut to fit GitHub's 4000-character comment limit:\*\* (\d+) sections not shown \((.*)\)\. The full diff is in `diff\.json`/.exec(md);
        assert.ok(cut, md.slice(-600));
        assert.strictEqual(shown + Number(cut[1]), 31);
        assert.ok(cut[2].endsWith("Release `c9/loki`: 1 objects changed, 0 added, 0 removed"), cut[2]);
        assert.strictEqual(diffMarkdown(d).length < 65536 && !diffMarkdown(d).includes("Cut to fit"), true);
    });

    it("readSide: plan, multi-document manifests per cluster and release, policy; missing parts are null", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "diff-side-"));
        fs.writeFileSync(path.join(dir, "plan.json"), JSON.stringify({ resources: [provider] }));
        fs.mkdirSync(path.join(dir, "dev-gke", "manifests"), { recursive: true });
        fs.writeFileSync(path.join(dir, "dev-gke", "manifests", "loki.yaml"), "---\n# Source: loki/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: b\n  namespace: logging\n");
        fs.mkdirSync(path.join(dir, "dev-gke", "helm"));
        const side = readSide(dir);
        assert.deepStrictEqual(side.resources, [provider]);
        assert.deepStrictEqual([...side.manifests!.keys()], ["dev-gke"]);
        assert.deepStrictEqual(side.manifests!.get("dev-gke")!.get("loki"), [
            { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a" } },
            { apiVersion: "v1", kind: "Service", metadata: { name: "b", namespace: "logging" } },
        ]);
        assert.strictEqual(side.policy, null);
        assert.deepStrictEqual(readSide(path.join(dir, "nope")), { resources: null, manifests: null, policy: null });
    });
});

/** Runs `npm run diff:offline` with a temporary worktree of `ref` as the head (node_modules symlinked), after `edit`. */
function runDiff(stack: string, base: string, ref: string, edit?: (dir: string) => void): Promise<{ code: number; stdout: string; stderr: string; out: string; json: DiffResult; md: string }> {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "diff-head-"));
    const head = path.join(tmp, "head");
    const add = spawnSync("git", ["worktree", "add", "--detach", "--quiet", head, ref], { cwd: ROOT, encoding: "utf8" });
    assert.strictEqual(add.status, 0, add.stderr);
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(head, "node_modules"), "dir");
    edit?.(head);
    const out = path.join(tmp, "out");
    return new Promise(resolve => {
        execFile("npm", ["run", "--silent", "diff:offline", "--", "--stack", stack, "--base", base, "--head-dir", head, "--out", out, "--node-modules", "symlink", "--quiet"], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
            spawnSync("git", ["worktree", "remove", "--force", head], { cwd: ROOT });
            const code = err ? ((err as { code?: number }).code ?? 1) : 0;
            const file = (f: string) => (fs.existsSync(path.join(out, stack, f)) ? fs.readFileSync(path.join(out, stack, f), "utf8") : "");
            const result = { code, stdout, stderr, out, json: JSON.parse(file("diff.json") || "null") as DiffResult, md: file("diff.md") };
            fs.rmSync(tmp, { recursive: true, force: true });
            resolve(result);
        });
    });
}

/** An edit of the head checkout's Pulumi.dev.yaml: `from` (which must be there) becomes `to`. */
function editDevStack(from: string, to: string): (dir: string) => void {
    return dir => {
        const file = path.join(dir, "Pulumi.dev.yaml");
        const text = fs.readFileSync(file, "utf8");
        assert.ok(text.includes(from), `${from} is not in Pulumi.dev.yaml`);
        fs.writeFileSync(file, text.replace(from, to));
    };
}

function changedInputs(d: DiffResult): string[] {
    return d.resources.changed.flatMap(r => r.changes.map(c => `${r.name} ${c.path} ${c.kind}: ${JSON.stringify(c.old)} -> ${JSON.stringify(c.new)}`));
}

describe("offline diff: npm run diff:offline between committed refs and on synthetic changes", function () {
    this.timeout(900_000);

    it("a pair of committed refs: a1000e9 → 95577f2 (Tempo dev: OTLP receivers only) changes exactly the dev Tempo values; no manifests then", async () => {
        const r = await runDiff("dev", "a1000e9", "95577f2");
        assert.strictEqual(r.code, 10, r.stderr);
        // helmRelease.ts passed `allowNullValues` to every release; tempo.ts removed the Jaeger receivers with a null.
        assert.deepStrictEqual(changedInputs(r.json), [
            "dev-gke-obs-logs-alloy allowNullValues add: null -> true",
            "dev-gke-obs-logs-loki allowNullValues add: null -> true",
            "dev-gke-obs-metrics-kps allowNullValues add: null -> true",
            "dev-gke-obs-traces-otel-gateway allowNullValues add: null -> true",
            "dev-gke-obs-traces-tempo allowNullValues add: null -> true",
            "dev-gke-obs-traces-tempo values.tempo.receivers.jaeger add: null -> null",
        ]);
        assert.deepStrictEqual([r.json.resources.added, r.json.resources.removed, r.json.manifests], [[], [], { compared: false, releases: [] }]);
        assert.deepStrictEqual(r.json.notes, ["Neither side has rendered manifests: Kubernetes objects not compared.", "The working tree has no policy results (`policy.json`): policies not compared."]);
        assert.strictEqual(r.md.split("\n")[4], "**5 resources changed, 0 added, 0 removed.**");
        assert.ok(r.md.includes("| `values.tempo.receivers.jaeger` | add | – | `null` |"));
    });

    it("a pair of committed refs without a change to the stack: 54b18a0 → 6e4df5d (README only) exits 0, exact Markdown", async () => {
        const r = await runDiff("dev", "54b18a0", "6e4df5d");
        assert.strictEqual(r.code, 0, r.stderr);
        assert.strictEqual(
            r.md,
            "### Offline diff: stack `dev`\n\nBase `54b18a0` (54b18a0) → the checkout at 6e4df5d.\n\n**No changes.**\n\n" +
                "> Neither side has rendered manifests: Kubernetes objects not compared.\n\n> The working tree has no policy results (`policy.json`): policies not compared.\n",
        );
    });

    it("a change the policy pack refuses (dev metrics kept 90d, above the 30d bound): the diff is written, names the violation first, and the tool exits 3", async () => {
        const r = await runDiff("dev", "HEAD", "HEAD", editDevStack("metrics: 15d", "metrics: 90d"));
        assert.strictEqual(r.code, 3, r.stderr);
        assert.match(r.json.notes[0]!, /^\*\*The preview of the checkout at \w+ has 1 mandatory policy violation\(s\)\*\*: `obs-release-configure-retention` Prometheus keeps data for 90d/);
        assert.ok(r.md.includes(r.json.notes[0]!));
        assert.match(r.stderr, /error: the offline preview of the checkout at \w+ exits 3:/);
    });

    it("a synthetic change (dev logs retention 3d → 5d in the stack file): bucket expiry, Loki values and the rendered Loki config", async () => {
        const r = await runDiff("dev", "HEAD", "HEAD", editDevStack("logs: 3d", "logs: 5d"));
        assert.strictEqual(r.code, 10, r.stderr);
        assert.deepStrictEqual(changedInputs(r.json), [
            "dev-gke-loki-chunks lifecycleRules[0].condition.age update: 4 -> 6",
            'dev-gke-obs-logs-loki values.loki.limits_config.retention_period update: "72h" -> "120h"',
        ]);
        assert.deepStrictEqual(
            r.json.manifests.releases.map(x => [x.cluster, x.release, x.added, x.removed, x.changed.map(o => `${o.object}: ${o.changes.map(c => c.path).join(", ")}`)]),
            [["dev-gke", "loki", [], [], ['ConfigMap logging/loki (v1): data["config.yaml"]', 'StatefulSet logging/loki (apps/v1): spec.template.metadata.annotations["checksum/config"]']]],
        );
    });
});
