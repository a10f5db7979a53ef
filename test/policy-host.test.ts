/**
 * The pack under the Pulumi CLI's own policy host (@pulumi/pulumi/cmd/run-policy-pack), as
 * `pulumi preview --policy-pack policy` starts it: the host loads policy/package.json's main
 * (policy/index.js, which loads the TypeScript through the project's transpile-only loader), and
 * the analyzer answers over gRPC with every policy of the pack and with real violations.
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { VENDORED } from "../components/charts";
import { POLICIES } from "../policy/policies";
import { chartsPolicy } from "../policy/policies/charts";
import type { PolicyResource } from "@pulumi/policy";
import { POLICY_PACK_DIR, PolicyHost, startPolicyHost } from "../tools/lib/policy-host";
import { useHelmRendering } from "../policy/lib/manifests";
import { readPolicyConfig } from "../policy/lib/offline";
import { policyResources, runPolicies, Violation } from "../policy/lib/runner";
import { runStack } from "./lib/run";

// The gRPC client and messages the host itself uses, resolved from the SDK.
const sdkDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
const fromSdk = (id: string) => require(require.resolve(id, { paths: [sdkDir] }));
const grpc = fromSdk("@grpc/grpc-js");
const { AnalyzerClient } = require("@pulumi/pulumi/proto/analyzer_grpc_pb");
const analyzerPb = require("@pulumi/pulumi/proto/analyzer_pb");
const { Empty } = fromSdk("google-protobuf/google/protobuf/empty_pb");
const { Struct } = fromSdk("google-protobuf/google/protobuf/struct_pb");

/** An AnalyzeRequest for one resource, as the engine sends it during a preview. */
function analyzeRequest(type: string, name: string, props: Record<string, unknown>, r?: PolicyResource): unknown {
    const req = new analyzerPb.AnalyzeRequest();
    req.setType(type);
    req.setName(name);
    req.setUrn(r?.urn ?? `urn:pulumi:dev::observability::${type}::${name}`);
    req.setProperties(Struct.fromJavaScript(props));
    req.setOptions(options(r));
    if (r?.provider) req.setProvider(provider(r.provider));
    return req;
}

function options(r?: PolicyResource): unknown {
    const o = new analyzerPb.AnalyzerResourceOptions();
    if (r) {
        o.setProtect(r.opts.protect);
        o.setIgnorechangesList([...r.opts.ignoreChanges]);
        if (r.opts.parent) o.setParent(r.opts.parent);
    }
    return o;
}

function provider(p: NonNullable<PolicyResource["provider"]>): unknown {
    const out = new analyzerPb.AnalyzerProviderResource();
    out.setType(p.type);
    out.setName(p.name);
    out.setUrn(p.urn);
    out.setProperties(Struct.fromJavaScript(JSON.parse(JSON.stringify(p.props))));
    return out;
}

/**
 * An AnalyzeStackRequest: every resource with its state, parent, dependencies and provider. With `root`,
 * shaped as a real engine sends it: the root stack resource first, the top-level components its children
 * (the offline graph has no root; see test/program-host.test.ts).
 */
function analyzeStackRequest(resources: readonly PolicyResource[], root?: string): unknown {
    const req = new analyzerPb.AnalyzeStackRequest();
    const stack = root === undefined ? [] : [(() => {
        const a = new analyzerPb.AnalyzerResource();
        a.setType("pulumi:pulumi:Stack");
        a.setName(root.split("::").pop());
        a.setUrn(root);
        a.setProperties(Struct.fromJavaScript({}));
        a.setOptions(options());
        return a;
    })()];
    req.setResourcesList([...stack, ...resources.map(r => {
        const a = new analyzerPb.AnalyzerResource();
        a.setType(r.type);
        a.setName(r.name);
        a.setUrn(r.urn);
        a.setProperties(Struct.fromJavaScript(JSON.parse(JSON.stringify(r.props))));
        a.setOptions(options(r));
        if (r.provider) a.setProvider(provider(r.provider));
        if (r.parent) a.setParent(r.parent.urn);
        else if (root !== undefined) {
            a.setParent(root);
            a.getOptions().setParent(root);
        }
        a.setDependenciesList(r.dependencies.map(d => d.urn));
        for (const [k, deps] of Object.entries(r.propertyDependencies)) {
            const pd = new analyzerPb.AnalyzerPropertyDependencies();
            pd.setUrnsList(deps.map(d => d.urn));
            a.getPropertydependenciesMap().set(k, pd);
        }
        return a;
    })]);
    return req;
}

/** ConfigureAnalyzerRequest from policy/config/<env>.json, as `--policy-pack-config` makes the CLI send it. */
async function configure(client: any, env: string): Promise<void> {
    const req = new analyzerPb.ConfigureAnalyzerRequest();
    const file = JSON.parse(fs.readFileSync(path.join(POLICY_PACK_DIR, "config", `${env}.json`), "utf8")) as Record<string, unknown>;
    for (const [name, entry] of Object.entries(file)) {
        const { enforcementLevel, ...props } = (typeof entry === "string" ? { enforcementLevel: entry } : entry) as Record<string, unknown>;
        const c = new analyzerPb.PolicyConfig();
        c.setEnforcementlevel(analyzerPb.EnforcementLevel[String(enforcementLevel).toUpperCase()]);
        c.setProperties(Struct.fromJavaScript(props));
        req.getPolicyconfigMap().set(name, c);
    }
    await call(client, "configure", req);
}

const call = <T>(client: any, method: string, req: unknown) => new Promise<T>((resolve, reject) =>
    client[method](req, (err: Error | null, resp: T) => (err ? reject(err) : resolve(resp))));

describe("policy pack under the Pulumi policy host", function () {
    let host: PolicyHost;
    let client: any;
    before(async function () {
        host = await startPolicyHost();
        client = new AnalyzerClient(`127.0.0.1:${host.port}`, grpc.credentials.createInsecure());
        await configure(client, "dev");
    });
    after(async function () {
        client?.close();
        await host?.stop();
    });

    it("loads policy/index.js, the pack's main: ts-node, which the host registers with type-checking, compiles no file", async function () {
        const pkg = JSON.parse(fs.readFileSync(path.join(POLICY_PACK_DIR, "package.json"), "utf8"));
        assert.strictEqual(pkg.main, "index.js");
        // TS_NODE_DEBUG makes ts-node print a line per file it compiles (shown by the control below).
        const debug = { TS_NODE_DEBUG: "true" };
        const control = spawnSync(process.execPath, ["-e", `require(${JSON.stringify(require.resolve("ts-node", { paths: [POLICY_PACK_DIR] }))}).register({ transpileOnly: true }); require("./components/duration.ts")`],
            { cwd: path.join(POLICY_PACK_DIR, ".."), encoding: "utf8", env: { ...process.env, ...debug } });
        assert.match(control.stdout + control.stderr, /module\._compile .*components\/duration\.ts/);
        const traced = await startPolicyHost({ env: debug });
        try {
            // Every policy served, each policy module loaded: nothing went through ts-node.
            const c = new AnalyzerClient(`127.0.0.1:${traced.port}`, grpc.credentials.createInsecure());
            const info = await call<any>(c, "getAnalyzerInfo", new Empty());
            c.close();
            assert.strictEqual(info.getPoliciesList().length, POLICIES.length);
            const { stdout, stderr } = traced.output();
            assert.doesNotMatch(stdout + stderr, /module\._compile/);
        } finally {
            await traced.stop();
        }
    });

    it("reports the pack and every policy it defines", async function () {
        const info = await call<any>(client, "getAnalyzerInfo", new Empty());
        assert.strictEqual(info.getName(), "observability");
        assert.deepStrictEqual(info.getPoliciesList().map((p: any) => p.getName()).sort(), POLICIES.map(p => p.name).sort());
    });

    it("analyzes a resource: a release of the end-of-life promtail chart is a mandatory violation", async function () {
        const req = analyzeRequest("kubernetes:helm.sh/v3:Release", "logs-agent", { chart: "promtail", version: "6.17.1", namespace: "logging" });
        const resp = await call<any>(client, "analyze", req);
        const found = resp.getDiagnosticsList().map((d: any) => ({ policy: d.getPolicyname(), level: d.getEnforcementlevel(), message: d.getMessage() }));
        assert.deepStrictEqual(found, [{
            policy: "obs-release-disallow-unvetted-charts",
            level: analyzerPb.EnforcementLevel.MANDATORY,
            // The host puts the policy's description before the message, as the CLI prints it.
            message: `${chartsPolicy.description}\n` + "Release logs-agent deploys the chart promtail, which is deprecated or end-of-life upstream (components/versions.ts FORBIDDEN_CHARTS); use the loki chart with Alloy (components/versions.ts CHARTS).",
        }]);
    });

    it("analyzes a resource: a release of a vendored package is clean", async function () {
        const first = VENDORED[0]!;
        const req = analyzeRequest("kubernetes:helm.sh/v3:Release", "logs", { chart: `./charts/${first.file}`, namespace: "logging" });
        const resp = await call<any>(client, "analyze", req);
        assert.deepStrictEqual(resp.getDiagnosticsList().map((d: any) => d.getMessage()), []);
    });

    it("on the whole dev graph under the prod config: the same violations as the offline runner, policy by policy", async function () {
        this.timeout(600_000);
        const { records } = await runStack("dev");
        // Offline, as the pack does under the CLI: no rendered objects handed over, it renders every release itself.
        useHelmRendering();
        const offline = await runPolicies(POLICIES, records, readPolicyConfig(path.join(POLICY_PACK_DIR, "config/prod.json")));
        await configure(client, "prod");
        try {
            const descriptions = new Map(POLICIES.map(p => [p.name, p.description]));
            const level = (l: number) => (l === analyzerPb.EnforcementLevel.ADVISORY ? "advisory" : "mandatory");
            const toViolation = (d: any, urn: string): Violation => {
                const prefix = `${descriptions.get(d.getPolicyname())}\n`;
                const message: string = d.getMessage();
                return { policy: d.getPolicyname(), urn: d.getUrn() || urn, message: message.startsWith(prefix) ? message.slice(prefix.length) : message, enforcementLevel: level(d.getEnforcementlevel()) };
            };
            const resources = policyResources(records);
            const host: Violation[] = [];
            for (let i = 0; i < records.length; i++) {
                const g = records[i]!;
                const resp = await call<any>(client, "analyze", analyzeRequest(g.type, g.name, JSON.parse(JSON.stringify(g.inputs)), resources[i]));
                host.push(...resp.getDiagnosticsList().map((d: any) => toViolation(d, g.urn)));
            }
            const key = (v: Violation) => `${v.enforcementLevel} ${v.policy} ${v.urn}: ${v.message}`;
            const stackViolations = async (root?: string) => (await call<any>(client, "analyzeStack", analyzeStackRequest(resources, root)))
                .getDiagnosticsList().map((d: any) => toViolation(d, ""));
            assert.ok(offline.length >= 8, `the prod config should fail the dev graph in several places, got ${offline.length}`);
            assert.deepStrictEqual([...host, ...await stackViolations()].map(key).sort(), offline.map(key).sort());
            // The same graph as a real engine sends it, under its root stack resource: the same violations.
            assert.deepStrictEqual([...host, ...await stackViolations("urn:pulumi:dev::observability::pulumi:pulumi:Stack::observability-dev")].map(key).sort(), offline.map(key).sort());
        } finally {
            await configure(client, "dev");
        }
    });
});
