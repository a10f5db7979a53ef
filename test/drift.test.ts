import * as assert from "assert";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { execFile } from "child_process";
import { analyze, driftMarkdown, EventInputError, parseEventText, STACK_WIDE, type DriftReport } from "../tools/lib/drift";
import { slackMessage } from "../tools/lib/drift-slack";
import { maskSecrets, parsePropertyPath, formatPropertyPath, isSecretKey } from "../tools/lib/diff-values";

const ROOT = path.resolve(__dirname, "..");
const FIX = path.join(ROOT, "test/fixtures/drift");
const DEV = "urn:pulumi:dev::observability::";
const PROD = "urn:pulumi:prod::observability::";

function report(file: string, stack: string, clusters: string[] = []): DriftReport {
    return analyze(parseEventText(fs.readFileSync(path.join(FIX, file), "utf8")), { stack, source: file, clusters });
}

/** The drifted resources as one line each: name, type, cluster, component, kind, action. */
function summary(r: DriftReport): string[] {
    return r.resources.map(x => `${x.name} ${x.type} @${x.cluster} <${x.component ? `${x.component.type} ${x.component.name}` : "-"}> ${x.kind}${x.action ? ` -> ${x.action}` : ""}`);
}

function props(r: DriftReport, name: string): [string, string, boolean, unknown, unknown][] {
    const res = r.resources.find(x => x.name === name);
    assert.ok(res, `${name} not in the report`);
    return res.properties.map(p => [p.path, p.kind, p.replace, p.old, p.new]);
}

describe("drift report: recorded event streams", () => {
    it("no drift: a clean refresh exits 0 with every custom resource checked", () => {
        const r = report("refresh-no-drift.jsonl", "dev");
        assert.deepStrictEqual([r.drift, r.resources, r.errors, r.exitCode, r.checked], [false, [], [], 0, 30]);
    });

    it("pulumi refresh --preview-only: updates with detailedDiff and an out-of-band delete, grouped by cluster and component", () => {
        const r = report("refresh-drift.jsonl", "dev");
        assert.strictEqual(r.exitCode, 7);
        assert.deepStrictEqual(summary(r), [
            "dev-gke-loki-chunks gcp:storage/bucket:Bucket @dev-gke <obs:gcp:Bucket dev-gke-loki-chunks> modified",
            "dev-gke-nodes gcp:container/nodePool:NodePool @dev-gke <obs:gcp:GkeCluster dev-gke> modified",
            "dev-gke-tempo gcp:serviceaccount/account:Account @dev-gke <obs:gcp:WorkloadIdentity dev-gke-tempo> deleted",
            "dev-gke-obs-logs-loki kubernetes:helm.sh/v3:Release @dev-gke <obs:k8s:Logs dev-gke-obs-logs> modified",
            "dev-gke-obs-metrics-grafana-admin kubernetes:core/v1:Secret @dev-gke <obs:k8s:Metrics dev-gke-obs-metrics> modified",
        ]);
        assert.deepStrictEqual(props(r, "dev-gke-loki-chunks"), [
            ["labels.owner", "add", false, undefined, "jane"],
            ["lifecycleRules[0].condition.age", "update", false, 4, 30],
        ]);
        assert.deepStrictEqual(props(r, "dev-gke-nodes"), [["autoscaling.totalMaxNodeCount", "update", false, 4, 12]]);
        assert.deepStrictEqual(props(r, "dev-gke-obs-logs-loki"), [["values.loki.limits_config.retention_period", "update", false, "72h", "720h"]]);
        assert.strictEqual(r.resources[0].urn, `${DEV}obs:gcp:ClusterPlatform$obs:gcp:Bucket$gcp:storage/bucket:Bucket::dev-gke-loki-chunks`);
    });

    it("secrets: a Secret's payload and a secret envelope never reach the report", () => {
        const r = report("refresh-drift.jsonl", "dev");
        assert.deepStrictEqual(props(r, "dev-gke-obs-metrics-grafana-admin"), [['stringData["admin-password"]', "update", false, "[secret]", "[secret]"]]);
        const text = driftMarkdown(r) + JSON.stringify(r);
        assert.ok(!text.includes("hunter2"), "the secret value leaked");
        assert.ok(fs.readFileSync(path.join(FIX, "refresh-drift.jsonl"), "utf8").includes("hunter2-typed-by-hand"), "the fixture holds the secret (so the test can fail)");
    });

    it("the Markdown report, exactly", () => {
        const md = driftMarkdown(report("refresh-drift.jsonl", "dev"));
        assert.strictEqual(
            md,
            [
                "# Drift report: stack `dev`",
                "",
                "**Drift: 5 resources, 5 properties** (30 resources checked; source: refresh-drift.jsonl).",
                "",
                "`old` is Pulumi's value (state or program), `new` the value found in the cloud.",
                "",
                "## Cluster `dev-gke`",
                "",
                "### `obs:gcp:Bucket` dev-gke-loki-chunks",
                "",
                "- **dev-gke-loki-chunks** `gcp:storage/bucket:Bucket`: changed outside Pulumi",
                "",
                "  | property | change | old (Pulumi) | new (cloud) |",
                "  |---|---|---|---|",
                '  | `labels.owner` | add | – | `"jane"` |',
                "  | `lifecycleRules[0].condition.age` | update | `4` | `30` |",
                "",
                "### `obs:gcp:GkeCluster` dev-gke",
                "",
                "- **dev-gke-nodes** `gcp:container/nodePool:NodePool`: changed outside Pulumi",
                "",
                "  | property | change | old (Pulumi) | new (cloud) |",
                "  |---|---|---|---|",
                "  | `autoscaling.totalMaxNodeCount` | update | `4` | `12` |",
                "",
                "### `obs:gcp:WorkloadIdentity` dev-gke-tempo",
                "",
                "- **dev-gke-tempo** `gcp:serviceaccount/account:Account`: deleted outside Pulumi",
                "",
                "### `obs:k8s:Logs` dev-gke-obs-logs",
                "",
                "- **dev-gke-obs-logs-loki** `kubernetes:helm.sh/v3:Release`: changed outside Pulumi",
                "",
                "  | property | change | old (Pulumi) | new (cloud) |",
                "  |---|---|---|---|",
                '  | `values.loki.limits_config.retention_period` | update | `"72h"` | `"720h"` |',
                "",
                "### `obs:k8s:Metrics` dev-gke-obs-metrics",
                "",
                "- **dev-gke-obs-metrics-grafana-admin** `kubernetes:core/v1:Secret`: changed outside Pulumi",
                "",
                "  | property | change | old (Pulumi) | new (cloud) |",
                "  |---|---|---|---|",
                '  | `stringData["admin-password"]` | update | `"[secret]"` | `"[secret]"` |',
                "",
            ].join("\n"),
        );
    });

    it("legacy refresh diff (no diffs in the event): the changed outputs are compared leaf by leaf", () => {
        const r = report("refresh-legacy-diff.jsonl", "dev");
        assert.deepStrictEqual(summary(r), ["dev-gke-tempo gcp:storage/bucket:Bucket @dev-gke <obs:gcp:Bucket dev-gke-tempo> modified"]);
        assert.deepStrictEqual(props(r, "dev-gke-tempo"), [
            ["softDeletePolicy.retentionDurationSeconds", "update", false, 0, 604800],
            ["versioning.enabled", "update", false, false, true],
        ]);
    });

    it("a failed refresh with no drift exits 3 and names the resource and the provider's error", () => {
        const r = report("refresh-failed.jsonl", "dev");
        assert.deepStrictEqual([r.drift, r.exitCode], [false, 3]);
        const gke = `${DEV}obs:gcp:ClusterPlatform$obs:gcp:GkeCluster$gcp:container/cluster:Cluster::dev-gke`;
        assert.deepStrictEqual(r.errors, [
            { urn: gke, message: 'reading GKE cluster dev-gke: googleapi: Error 403: Required "container.clusters.get" permission(s) for "projects/acme-obs-dev/locations/europe-west1/clusters/dev-gke"., forbidden' },
            { urn: gke, message: "refresh of dev-gke (gcp:container/cluster:Cluster) failed (status 1)" },
            { urn: null, message: "preview failed" },
        ]);
    });

    it("preview --refresh --expect-no-changes (Automation API events, JSON array): refresh and program steps merged; replace, re-create, policy events", () => {
        const r = report("prod-preview-refresh-drift.json", "prod", ["prod-eks", "prod-gke"]);
        assert.strictEqual(r.exitCode, 7);
        assert.deepStrictEqual(summary(r), [
            "prod-eks-loki-chunks-public-access aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock @prod-eks <obs:aws:Bucket prod-eks-loki-chunks> deleted -> create",
            "prod-eks-data aws:kms/key:Key @prod-eks <obs:aws:ClusterPlatform prod-eks> modified -> update",
            "prod-eks-nodes aws:eks/nodeGroup:NodeGroup @prod-eks <obs:aws:EksCluster prod-eks> modified -> replace",
            "prod-eks-net-nat-1 aws:ec2/eip:Eip @prod-eks <obs:aws:Network prod-eks-net> deleted -> create",
        ]);
        assert.deepStrictEqual(props(r, "prod-eks-nodes"), [
            ["instanceTypes[0]", "update", true, "m6i.2xlarge", "m7i.4xlarge"],
            ["scalingConfig.desiredSize", "update", false, 3, 9],
        ]);
        assert.deepStrictEqual(props(r, "prod-eks-data"), [["enableKeyRotation", "update", false, true, false]]);
        // "no changes were expected" is the drift itself, not an error.
        assert.deepStrictEqual(r.errors, []);
        assert.deepStrictEqual(r.policyViolations, [
            {
                policy: "aws-s3-configure-expiry",
                pack: "observability-policies",
                urn: `${PROD}obs:aws:ClusterPlatform$obs:aws:Bucket$aws:s3/bucket:Bucket::prod-eks-tempo`,
                message: "Buckets holding telemetry must have an expiry rule.\nAdd a lifecycle rule to prod-eks-tempo.",
                enforcementLevel: "warning",
            },
        ]);
    });

    it("pulumi refresh --preview-only --json (preview digest): update and delete results", () => {
        const r = report("refresh-preview-digest.json", "dev");
        assert.deepStrictEqual(summary(r), [
            "dev-gke-loki-ruler gcp:storage/bucket:Bucket @dev-gke <obs:gcp:Bucket dev-gke-loki-ruler> deleted",
            "dev-gke-tempo gcp:storage/bucket:Bucket @dev-gke <obs:gcp:Bucket dev-gke-tempo> modified",
        ]);
        assert.deepStrictEqual(props(r, "dev-gke-tempo"), [
            ["lifecycleRules[0].condition.age", "update", false, 2, 1],
            ["publicAccessPrevention", "update", false, "enforced", "inherited"],
        ]);
    });
});

describe("drift report: engine semantics on small streams", () => {
    const urn = (chain: string, name: string) => `${DEV}${chain}::${name}`;
    const bucket = urn("obs:gcp:ClusterPlatform$obs:gcp:Bucket$gcp:storage/bucket:Bucket", "dev-gke-tempo");
    const parent = urn("obs:gcp:ClusterPlatform$obs:gcp:Bucket", "dev-gke-tempo");
    const state = (inputs: Record<string, unknown>) => ({ type: "gcp:storage/bucket:Bucket", urn: bucket, custom: true, id: "b", parent, inputs, outputs: inputs, provider: "p" });
    const ev = (seq: number, e: object) => JSON.stringify({ sequence: seq, timestamp: 1, ...e });

    it("program steps without a refresh: create is not-deployed, delete is not-in-program; components and providers never drift", () => {
        const comp = { type: "obs:gcp:Bucket", urn: parent, custom: false, id: "", parent: "", inputs: {}, outputs: {}, provider: "" };
        const text = [
            ev(1, { resourcePreEvent: { metadata: { op: "update", urn: parent, type: "obs:gcp:Bucket", old: comp, new: comp, provider: "", diffs: ["x"] } } }),
            ev(2, { resourcePreEvent: { metadata: { op: "update", urn: `${DEV}pulumi:providers:gcp::gcp`, type: "pulumi:providers:gcp", provider: "", diffs: ["version"] } } }),
            ev(3, { resourcePreEvent: { metadata: { op: "create", urn: bucket, type: "gcp:storage/bucket:Bucket", new: state({}), provider: "p" } } }),
            ev(4, { resourcePreEvent: { metadata: { op: "delete", urn: bucket.replace("dev-gke-tempo", "dev-gke-old"), type: "gcp:storage/bucket:Bucket", old: { ...state({}), urn: bucket.replace("dev-gke-tempo", "dev-gke-old") }, provider: "p" } } }),
        ].join("\n");
        const r = analyze(parseEventText(text), { stack: "dev", source: "t", clusters: ["dev-gke"] });
        assert.deepStrictEqual(summary(r), [
            "dev-gke-old gcp:storage/bucket:Bucket @dev-gke <obs:gcp:Bucket dev-gke-tempo> not-in-program -> delete",
            "dev-gke-tempo gcp:storage/bucket:Bucket @dev-gke <obs:gcp:Bucket dev-gke-tempo> not-deployed -> create",
        ]);
    });

    it("a program update reports Pulumi's (program) value as old and the cloud's as new; add/delete read from Pulumi's side", () => {
        const live = state({ labels: { team: "x" }, versioning: { enabled: true } });
        const want = state({ labels: {}, versioning: { enabled: false }, location: "EU" });
        const platform = `${DEV}obs:gcp:ClusterPlatform::dev-gke`;
        const component = { type: "obs:gcp:ClusterPlatform", urn: platform, custom: false, id: "", parent: `${DEV}pulumi:pulumi:Stack::observability-dev`, inputs: {}, outputs: {}, provider: "" };
        const text = ev(0, { resourcePreEvent: { metadata: { op: "same", urn: platform, type: "obs:gcp:ClusterPlatform", old: component, new: component, provider: "" } } }) + "\n" + ev(1, {
            resourcePreEvent: {
                metadata: { op: "update", urn: bucket, type: "gcp:storage/bucket:Bucket", old: live, new: want, provider: "p", diffs: ["labels", "versioning", "location"], detailedDiff: { "labels.team": { diffKind: "delete", inputDiff: true }, "versioning.enabled": { diffKind: "update", inputDiff: true }, location: { diffKind: "add-replace", inputDiff: true } } },
            },
        });
        const r = analyze(parseEventText(text), { stack: "dev", source: "t" });
        assert.deepStrictEqual(props(r, "dev-gke-tempo"), [
            ["labels.team", "add", false, undefined, "x"],
            ["location", "delete", true, "EU", undefined],
            ["versioning.enabled", "update", false, false, true],
        ]);
        // Without cluster names from config, the ClusterPlatform parent names the cluster.
        assert.strictEqual(r.resources[0].cluster, "dev-gke");
    });

    it("resources outside any cluster are stack-wide; events are ordered by sequence", () => {
        const key = `${DEV}gcp:kms/cryptoKey:CryptoKey::shared-key`;
        const st = (v: number) => ({ type: "gcp:kms/cryptoKey:CryptoKey", urn: key, custom: true, id: "k", parent: `${DEV}pulumi:pulumi:Stack::observability-dev`, inputs: { rotationPeriod: `${v}s` }, outputs: { rotationPeriod: `${v}s` }, provider: "p" });
        const text = [
            ev(2, { resOutputsEvent: { metadata: { op: "update", urn: key, type: "gcp:kms/cryptoKey:CryptoKey", old: st(1), new: st(2), provider: "p", diffs: ["rotationPeriod"], detailedDiff: { rotationPeriod: { diffKind: "update", inputDiff: false } } } } }),
            ev(1, { resourcePreEvent: { metadata: { op: "refresh", urn: key, type: "gcp:kms/cryptoKey:CryptoKey", old: st(1), new: st(1), provider: "p" } } }),
        ].join("\n");
        const r = analyze(parseEventText(text), { stack: "dev", source: "t", clusters: ["dev-gke"] });
        assert.deepStrictEqual(r.resources.map(x => [x.name, x.cluster, x.component, x.properties.map(p => [p.path, p.old, p.new])]), [["shared-key", STACK_WIDE, null, [["rotationPeriod", "1s", "2s"]]]]);
    });

    it("unreadable input is an EventInputError naming the line", () => {
        assert.throws(() => parseEventText('{"sequence":1,"timestamp":1,"cancelEvent":{}}\nnot json\n'), (e: Error) => e instanceof EventInputError && /^line 2 is not JSON/.test(e.message));
        assert.throws(() => parseEventText('{"hello": 1}'), (e: Error) => e instanceof EventInputError && /neither engine events nor a preview digest/.test(e.message));
        assert.throws(() => parseEventText("  \n"), /the event file is empty/);
    });
});

describe("secret masking and property paths", () => {
    it("masks envelopes, [secret], placeholders, secret-looking keys and Secret payloads; keeps names of secrets", () => {
        const v = {
            env: { PASSWORD: "p", password_file: "/etc/p", existingSecret: "grafana-admin", secretName: "x", routing_key: "k", slack_api_url: "https://hooks", webhookUrl: "u", clientSecret: "s", bearerToken: "t" },
            wrapped: { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value: "plain" },
            placeholder: "OFFLINE-PLACEHOLDER-slack",
            kmsKeyName: "projects/p/keys/k",
        };
        assert.deepStrictEqual(maskSecrets(v), {
            env: { PASSWORD: "[secret]", password_file: "/etc/p", existingSecret: "grafana-admin", secretName: "x", routing_key: "[secret]", slack_api_url: "[secret]", webhookUrl: "[secret]", clientSecret: "[secret]", bearerToken: "[secret]" },
            wrapped: "[secret]",
            placeholder: "[secret]",
            kmsKeyName: "projects/p/keys/k",
        });
        assert.deepStrictEqual(maskSecrets({ data: { "admin-user": "YWRtaW4=" }, metadata: { name: "n" } }, [], "kubernetes:core/v1:Secret"), { data: { "admin-user": "[secret]" }, metadata: { name: "n" } });
        assert.deepStrictEqual(["apiKey", "auth_token", "tokenSecretRef", "kmsKeyId"].map(isSecretKey), [true, true, false, false]);
    });

    it("parses and formats Pulumi property paths", () => {
        assert.deepStrictEqual(parsePropertyPath('a.b[0].c["app.kubernetes.io/name"][12]'), ["a", "b", 0, "c", "app.kubernetes.io/name", 12]);
        assert.deepStrictEqual(parsePropertyPath('["a.b"].c'), ["a.b", "c"]);
        assert.strictEqual(formatPropertyPath(["a", "b", 0, "app.kubernetes.io/name"]), 'a.b[0]["app.kubernetes.io/name"]');
    });
});

function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise(resolve => {
        execFile(process.execPath, ["-r", "./tools/lib/register.js", "tools/drift.ts", ...args], { cwd: ROOT, env }, (err, stdout, stderr) => {
            resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
        });
    });
}

/** A PATH with node but without any pulumi binary. */
function pathWithoutPulumi(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "drift-bin-"));
    fs.symlinkSync(process.execPath, path.join(dir, "node"));
    return dir;
}

describe("drift CLI", () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "drift-out-"));

    it("without the Pulumi CLI and without --events: exit 2 with the install hint", async () => {
        const r = await runCli(["--stack", "dev", "--out", out], { PATH: pathWithoutPulumi(), HOME: os.tmpdir() });
        assert.strictEqual(r.code, 2);
        assert.match(r.stderr, /^error: the Pulumi CLI is not on PATH, so the stack cannot be refreshed\.\nInstall it/);
        assert.match(r.stderr, /--events events\.jsonl/);
    });

    it("--events: writes drift.md and drift.json and exits 7; a bad file exits 2", async () => {
        const r = await runCli(["--stack", "dev", "--events", path.join(FIX, "refresh-drift.jsonl"), "--out", out, "--quiet"], { ...process.env });
        assert.strictEqual(r.code, 7, r.stderr);
        assert.strictEqual(r.stdout.split("\n")[0], "**Drift: 5 resources, 5 properties** (30 resources checked; source: refresh-drift.jsonl).");
        const json = JSON.parse(fs.readFileSync(path.join(out, "dev", "drift.json"), "utf8")) as DriftReport;
        assert.deepStrictEqual([json.exitCode, json.resources.length, json.resources[2].kind], [7, 5, "deleted"]);
        assert.strictEqual(fs.readFileSync(path.join(out, "dev", "drift.md"), "utf8"), driftMarkdown(report("refresh-drift.jsonl", "dev", ["dev-gke"])));
        const bad = path.join(out, "bad.jsonl");
        fs.writeFileSync(bad, "{nope\n");
        const b = await runCli(["--stack", "dev", "--events", bad, "--out", out], { ...process.env });
        assert.strictEqual(b.code, 2);
        assert.match(b.stderr, /bad\.jsonl: line 1 is not JSON/);
    });

    describe("Slack notification (local capture server on 127.0.0.1)", () => {
        let server: http.Server;
        let status = 200;
        const captured: { method?: string; url?: string; type?: string; body: string }[] = [];
        before(async () => {
            server = http.createServer((req, res) => {
                let body = "";
                req.on("data", c => (body += c));
                req.on("end", () => {
                    captured.push({ method: req.method, url: req.url, type: req.headers["content-type"], body });
                    res.writeHead(status, { "content-type": "text/plain" });
                    res.end(status === 200 ? "ok" : "invalid_payload");
                });
            });
            await new Promise<void>(r => server.listen(0, "127.0.0.1", r));
        });
        after(() => server.close());
        beforeEach(() => {
            captured.length = 0;
            status = 200;
        });
        const hook = () => `http://127.0.0.1:${(server.address() as { port: number }).port}/services/T0/B0/not-a-real-token`;

        it("posts the drift summary as JSON once, and never prints the webhook URL", async () => {
            const r = await runCli(["--stack", "dev", "--events", path.join(FIX, "refresh-drift.jsonl"), "--out", out, "--slack", "--link", "https://ci.example/run/1"], { ...process.env, SLACK_WEBHOOK_URL: hook() });
            assert.strictEqual(r.code, 7);
            assert.strictEqual(captured.length, 1);
            assert.deepStrictEqual([captured[0].method, captured[0].url, captured[0].type], ["POST", "/services/T0/B0/not-a-real-token", "application/json"]);
            const msg = JSON.parse(captured[0].body);
            assert.deepStrictEqual(msg, slackMessage(report("refresh-drift.jsonl", "dev", ["dev-gke"]), "https://ci.example/run/1"));
            assert.strictEqual(
                msg.text,
                [
                    ":warning: Drift in stack *dev*: 5 resources changed outside Pulumi",
                    "• dev-gke: dev-gke-loki-chunks (gcp:storage/bucket:Bucket) changed outside Pulumi: labels.owner, lifecycleRules[0].condition.age",
                    "• dev-gke: dev-gke-nodes (gcp:container/nodePool:NodePool) changed outside Pulumi: autoscaling.totalMaxNodeCount",
                    "• dev-gke: dev-gke-tempo (gcp:serviceaccount/account:Account) deleted outside Pulumi",
                    "• dev-gke: dev-gke-obs-logs-loki (kubernetes:helm.sh/v3:Release) changed outside Pulumi: values.loki.limits_config.retention_period",
                    '• dev-gke: dev-gke-obs-metrics-grafana-admin (kubernetes:core/v1:Secret) changed outside Pulumi: stringData["admin-password"]',
                    "<https://ci.example/run/1|Full report>",
                ].join("\n"),
            );
            assert.ok(!(r.stdout + r.stderr).includes("not-a-real-token"));
        });

        it("no drift: nothing is posted", async () => {
            const r = await runCli(["--stack", "dev", "--events", path.join(FIX, "refresh-no-drift.jsonl"), "--out", out, "--slack"], { ...process.env, SLACK_WEBHOOK_URL: hook() });
            assert.deepStrictEqual([r.code, captured.length], [0, 0]);
        });

        it("Slack answering 500: the error names the status, not the URL, and the exit code stays the drift's", async () => {
            status = 500;
            const r = await runCli(["--stack", "dev", "--events", path.join(FIX, "refresh-failed.jsonl"), "--out", out, "--slack"], { ...process.env, SLACK_WEBHOOK_URL: hook() });
            assert.strictEqual(r.code, 3);
            assert.strictEqual(captured.length, 1);
            assert.match(JSON.parse(captured[0].body).text, /^:x: Drift check of stack \*dev\* failed \(3 errors\)/);
            assert.match(r.stderr, /^Slack notification failed: HTTP 500$/m);
            assert.ok(!(r.stdout + r.stderr).includes("not-a-real-token"));
        });
    });
});
