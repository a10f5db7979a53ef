/**
 * Every policy of the pack on fixtures: a fixture with no violation first, then one-field mutations,
 * each asserting the exact message. Runs the policies through the same fake args the offline
 * preview uses (policy/lib/runner.ts: notApplicable, stackTags, getConfig, isType/asType), with
 * the configs of policy/config/*.json resolved and schema-checked as the engine would.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { VENDORED } from "../components/charts";
import { POLICIES } from "../policy/policies";
import { chartsPolicy } from "../policy/policies/charts";
import { defaultDenyPolicy } from "../policy/policies/defaultDeny";
import { kmsKeyPolicyPolicy } from "../policy/policies/kmsKeyPolicy";
import { lifecyclePolicy } from "../policy/policies/lifecycle";
import { protectionPolicy } from "../policy/policies/protection";
import { redMetricsPolicy } from "../policy/policies/redMetrics";
import { retentionPolicy } from "../policy/policies/retention";
import { samplingPolicy } from "../policy/policies/sampling";
import { findSecrets, secretHygienePolicy } from "../policy/policies/secretHygiene";
import { storageSecurityPolicy } from "../policy/policies/storageSecurity";
import { workloadsPolicy } from "../policy/policies/workloads";
import { K8sObject, useHelmRendering, useRenderedObjects } from "../policy/lib/manifests";
import Ajv from "ajv";
import { spawnSync } from "child_process";
import * as os from "os";
import {
    AJV_OPTIONS, configSchemaOf, configValidator, GraphResource, PolicyConfigError, policyResources, resolvePolicies, resourceArgs, runPolicies,
    runResourcePolicy, runStackPolicy, validatorKey,
} from "../policy/lib/runner";

const ROOT = path.resolve(__dirname, "..");
const configFile = (env: string) => JSON.parse(fs.readFileSync(path.join(ROOT, "policy/config", `${env}.json`), "utf8"));
const configOf = (env: string, name: string) => resolvePolicies(POLICIES, configFile(env)).find(r => r.policy.name === name)!.config;
const clone = <T>(x: T): T => structuredClone(x);

/** Runs a resource policy on one resource with the env's config. */
function check(policy: ResourceValidationPolicy, type: string, props: Record<string, any>, env = "prod", opts = {}): Promise<string[]> {
    return runResourcePolicy(policy, resourceArgs({ type, props, name: "r", config: configOf(env, policy.name), opts }));
}

/** A graph resource for stack policies (state = props). */
function res(type: string, name: string, props: Record<string, unknown>, extra: Partial<GraphResource> = {}): GraphResource {
    return { urn: `urn:pulumi:test::observability::${type}::${name}`, type, name, parent: "", dependencies: [], propertyDependencies: {}, protect: false, provider: "", inputs: props, ...extra };
}
async function checkStack(policy: StackValidationPolicy, graph: GraphResource[], env = "prod"): Promise<string[]> {
    return (await runStackPolicy(policy, policyResources(graph), configOf(env, policy.name))).map(v => `${v.urn.split("::").pop()}: ${v.message}`);
}

const RELEASE = "kubernetes:helm.sh/v3:Release";

describe("policy pack: metadata and config", () => {
    it("every policy has a kebab-case obs- name, a full-sentence description and a mandatory default level; names are unique", () => {
        assert.strictEqual(POLICIES.length, 11);
        assert.strictEqual(new Set(POLICIES.map(p => p.name)).size, POLICIES.length);
        for (const p of POLICIES) {
            assert.match(p.name, /^obs(-[a-z]+)+$/, p.name);
            assert.match(p.name, /-(configure|enable|disallow)-/, `${p.name}: verb`);
            assert.match(p.description, /^[A-Z].{40,}\.$/, `${p.name}: description`);
            assert.strictEqual(p.enforcementLevel, "mandatory", p.name);
        }
    });
    it("policy/config/prod.json: retention, sampling, security and protection mandatory; the issue's prod bounds", () => {
        const levels = Object.fromEntries(resolvePolicies(POLICIES, configFile("prod")).map(r => [r.policy.name, r.level]));
        assert.deepStrictEqual(new Set(Object.values(levels)), new Set(["mandatory"]));
        assert.deepStrictEqual(configOf("prod", "obs-release-configure-retention"),
            { metricsMin: "30d", metricsMax: "400d", logsMin: "3d", logsMax: "14d", tracesMin: "1d", tracesMax: "7d", prometheusGiBPerDay: 0.4 });
        assert.deepStrictEqual(configOf("prod", "obs-collector-configure-sampling"), { percentageMin: 1, percentageMax: 25 });
    });
    it("policy/config/dev.json: the issue's dev bounds; protection disabled; retention, sampling, security mandatory", () => {
        const levels = Object.fromEntries(resolvePolicies(POLICIES, configFile("dev")).map(r => [r.policy.name, r.level]));
        assert.deepStrictEqual(levels, {
            "obs-release-configure-retention": "mandatory", "obs-bucket-configure-lifecycle": "mandatory", "obs-collector-configure-sampling": "mandatory",
            "obs-collector-enable-unsampled-red-metrics": "advisory", "obs-storage-configure-security": "mandatory", "obs-kms-configure-key-policy": "advisory",
            "obs-inputs-disallow-plaintext-secrets": "mandatory", "obs-release-disallow-unvetted-charts": "mandatory",
            "obs-workload-configure-containers": "advisory", "obs-namespace-enable-default-deny": "advisory", "obs-stateful-enable-protection": "disabled",
        });
        assert.deepStrictEqual(configOf("dev", "obs-release-configure-retention"),
            { metricsMin: "7d", metricsMax: "30d", logsMin: "1d", logsMax: "7d", tracesMin: "1h", tracesMax: "3d", prometheusGiBPerDay: 0.4 });
        assert.deepStrictEqual(configOf("dev", "obs-collector-configure-sampling"), { percentageMin: 0.01, percentageMax: 100 });
    });
    it("an empty config applies each schema's defaults and the policies' own levels", () => {
        const r = resolvePolicies(POLICIES, {});
        assert.deepStrictEqual(r.find(x => x.policy.name === "obs-bucket-configure-lifecycle")!.config, { marginDays: 1 });
        assert.deepStrictEqual(r.find(x => x.policy.name === "obs-workload-configure-containers")!.config, { privilegedNamespaces: ["node-exporter"] });
        assert.ok(r.every(x => x.level === "mandatory"));
        assert.ok(resolvePolicies(POLICIES, { all: "advisory" }).every(x => x.level === "advisory"));
    });
    it("config errors name the policy and key", () => {
        assert.throws(() => resolvePolicies(POLICIES, { "obs-no-such": "mandatory" }), (e: Error) => e instanceof PolicyConfigError && e.message.startsWith('unknown policy "obs-no-such"; the pack has: obs-release-configure-retention,'));
        assert.throws(() => resolvePolicies(POLICIES, { "obs-release-configure-retention": { logsMax: "two weeks" } }),
            { message: 'obs-release-configure-retention.logsMax: must match pattern "^(\\d+(ms|s|m|h|d|w))+$"' });
        assert.throws(() => resolvePolicies(POLICIES, { "obs-collector-configure-sampling": { percentageMaximum: 5 } }),
            { message: "obs-collector-configure-sampling.percentageMaximum: must NOT have additional properties (allowed: percentageMin, percentageMax)" });
        // A policy without a configSchema takes no keys (checked without Ajv, with Ajv's words).
        assert.throws(() => resolvePolicies(POLICIES, { "obs-stateful-enable-protection": { enforcementLevel: "mandatory", strict: true } }),
            { message: "obs-stateful-enable-protection.strict: must NOT have additional properties (allowed: none)" });
        assert.deepStrictEqual(resolvePolicies(POLICIES, { "obs-stateful-enable-protection": { enforcementLevel: "advisory" } }).find(x => x.policy.name === "obs-stateful-enable-protection")!.config, {});
        assert.throws(() => resolvePolicies(POLICIES, { "obs-stateful-enable-protection": "strict" }),
            { message: 'obs-stateful-enable-protection: enforcement level "strict" is not one of advisory, mandatory, remediate, disabled' });
    });
    it("config validators: Ajv's standalone code, cached by schema, gives Ajv's own verdicts, errors and defaults", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "obs-ajv-"));
        const withSchema = POLICIES.filter(p => p.configSchema);
        assert.strictEqual(withSchema.length, 4);
        // The pack's four schemas, and one whose code requires Ajv's runtime helpers (ucs2length, equal),
        // which must resolve from a cache folder outside the project too.
        const helpers = { type: "object", properties: { s: { type: "string", minLength: 2 }, l: { type: "array", uniqueItems: true } }, additionalProperties: false };
        const schemas: [string, Record<string, any>][] = [...withSchema.map(p => [p.name, configSchemaOf(p)] as [string, Record<string, any>]), ["helpers", helpers]];
        // Inputs per schema: empty (defaults), an unknown key, each property set to wrong or edge values.
        const inputs = (schema: Record<string, any>) => [{}, { unknownKey: 1 },
            ...Object.keys(schema.properties).flatMap(k => [{ [k]: "two weeks" }, { [k]: "x" }, { [k]: -1 }, { [k]: [] }, { [k]: [1, 1] }, { [k]: [1, 2] }])];
        for (const [i, [name, schema]] of schemas.entries()) {
            const compiled = configValidator(schema, dir); // a miss: Ajv compiles, the code is written
            assert.strictEqual(fs.readdirSync(dir).filter(f => f.endsWith(".ajv.js")).length, i + 1);
            const cached = configValidator(schema, dir); // a hit: the written module
            assert.notStrictEqual(cached, compiled);
            const fresh = new Ajv({ ...AJV_OPTIONS }).compile(schema);
            for (const input of inputs(schema)) {
                const [x, y] = [structuredClone(input), structuredClone(input)];
                assert.strictEqual(cached(x), fresh(y), `${name} ${JSON.stringify(input)}`);
                assert.deepStrictEqual(cached.errors ?? null, fresh.errors ?? null, `${name} ${JSON.stringify(input)}`);
                assert.deepStrictEqual(x, y, `${name} ${JSON.stringify(input)}: defaults applied alike`);
            }
        }
        assert.match(fs.readFileSync(path.join(dir, `${validatorKey(helpers)}.ajv.js`), "utf8"), /require\("ajv\/dist\/runtime\/ucs2length"\)/);
        // A process that finds the validators cached loads no Ajv (only its package.json, for the key, and
        // the runtime helpers the code requires): a cached module that failed to load would be compiled by Ajv.
        const r = spawnSync(process.execPath, ["-r", "./tools/lib/register.js", "-e", `
            const { POLICIES } = require("./policy/policies");
            const { configSchemaOf, configValidator } = require("./policy/lib/runner");
            for (const p of POLICIES.filter(p => p.configSchema)) configValidator(configSchemaOf(p), ${JSON.stringify(dir)});
            const v = configValidator(${JSON.stringify(helpers)}, ${JSON.stringify(dir)});
            console.log(JSON.stringify([v({ s: "é" }), v({ l: [1, 1] }), v({ s: "ab", l: [1, 2] })]));
            console.log(JSON.stringify(Object.keys(require.cache).filter(f => f.includes("/node_modules/ajv/"))));`],
        { cwd: ROOT, encoding: "utf8" });
        assert.strictEqual(r.status, 0, r.stderr);
        const [verdicts, loaded] = r.stdout.trim().split("\n").map(l => JSON.parse(l));
        assert.deepStrictEqual(verdicts, [false, false, true]);
        assert.deepStrictEqual(loaded.map((f: string) => path.relative(path.join(ROOT, "node_modules/ajv"), f)).sort(),
            ["dist/runtime/equal.js", "dist/runtime/ucs2length.js", "package.json"]);
        // A damaged entry is compiled again and replaced, not a crash.
        const schema = schemas[0]![1];
        const entry = path.join(dir, `${validatorKey(schema)}.ajv.js`);
        for (const damage of ["module.exports = validate0; syntax error (", "module.exports = 42;"]) {
            fs.writeFileSync(entry, damage);
            assert.strictEqual(configValidator(schema, dir)({ unknownKey: 1 }), false);
            assert.ok(fs.readFileSync(entry, "utf8").startsWith('"use strict";'), "the entry is rewritten");
        }
        // An unwritable cache only means no cache: the validator still works.
        const file = path.join(dir, "a-file");
        fs.writeFileSync(file, "");
        assert.strictEqual(configValidator(helpers, path.join(file, "cache"))({ s: "a" }), false);
        // The key: Ajv's version, the compile options and the schema.
        assert.notStrictEqual(validatorKey(schema, { ...AJV_OPTIONS, code: { source: true } }), validatorKey(schema, { ...AJV_OPTIONS, useDefaults: false, code: { source: true } }));
        assert.strictEqual(validatorKey(schema), validatorKey(schema, { ...AJV_OPTIONS, code: { source: true } }));
        assert.notStrictEqual(validatorKey(schema), validatorKey(helpers));
        fs.rmSync(dir, { recursive: true, force: true });
    });
    it("the harness's notApplicable throws and is caught like the SDK's; isType/asType compare __pulumiType", async () => {
        const policy: ResourceValidationPolicy = { name: "x", description: "x", validateResource: (args, report) => { if (args.type !== "a:b:C") args.notApplicable("only C"); report("hit"); } };
        assert.deepStrictEqual(await runResourcePolicy(policy, resourceArgs({ type: "a:b:D", props: {} })), []);
        assert.deepStrictEqual(await runResourcePolicy(policy, resourceArgs({ type: "a:b:C", props: {} })), ["hit"]);
        const args = resourceArgs({ type: "a:b:C", props: { k: 1 } });
        class C { static __pulumiType = "a:b:C"; }
        assert.strictEqual(args.isType(C as any), true);
        assert.deepStrictEqual(args.asType(C as any), { k: 1 });
        assert.strictEqual(args.stackTags.size, 0);
    });
});

const lokiProps = () => ({
    chart: "./charts/loki-18.11.0.tgz", name: "loki", namespace: "logging",
    values: { loki: { auth_enabled: false, schemaConfig: { configs: [{ store: "tsdb", index: { prefix: "index_", period: "24h" } }] },
        limits_config: { retention_period: "168h" }, compactor: { retention_enabled: true, delete_request_store: "s3" },
        storage: { bucketNames: { chunks: "c-loki-chunks", ruler: "c-loki-ruler" } } } },
});
const tempoProps = () => ({
    chart: "./charts/tempo-distributed-2.26.2.tgz", name: "tempo", namespace: "tracing",
    values: { compactor: { config: { compaction: { block_retention: "72h" } } }, storage: { trace: { backend: "s3", s3: { bucket: "c-tempo" } } } },
});
const kpsProps = () => ({
    chart: "./charts/kube-prometheus-stack-88.5.3.tgz", name: "kps", namespace: "monitoring",
    values: { prometheus: { prometheusSpec: { retention: "90d", retentionSize: "180GiB", storageSpec: { volumeClaimTemplate: { spec: { resources: { requests: { storage: "200Gi" } } } } } } } },
});

describe("policy obs-release-configure-retention", () => {
    it("#1 prod Loki 7d, Tempo 72h, Prometheus 90d/180GiB on 200Gi: no violation", async () => {
        for (const props of [lokiProps(), tempoProps(), kpsProps()]) assert.deepStrictEqual(await check(retentionPolicy, RELEASE, props), []);
    });
    it("Loki retention outside the bounds, missing, compactor retention off, no delete store", async () => {
        const p = lokiProps();
        p.values.loki.limits_config.retention_period = "360h";
        assert.deepStrictEqual(await check(retentionPolicy, RELEASE, p), ["Loki keeps data for 15d (loki.limits_config.retention_period), outside the allowed 3d–14d; set observability:retention.logs between 3d and 14d."]);
        const q = lokiProps() as any;
        delete q.values.loki.limits_config.retention_period;
        assert.deepStrictEqual(await check(retentionPolicy, RELEASE, q), ["Loki has no valid retention (loki.limits_config.retention_period = null): data would be kept forever; set observability:retention.logs between 3d and 14d."]);
        const r = lokiProps();
        r.values.loki.compactor.retention_enabled = false;
        assert.deepStrictEqual(await check(retentionPolicy, RELEASE, r), ["Loki's compactor does not apply retention (loki.compactor.retention_enabled is not true), so logs are never deleted; set it to true in the Loki values (components/render/loki.ts)."]);
        const s = lokiProps() as any;
        delete s.values.loki.compactor.delete_request_store;
        assert.deepStrictEqual(await check(retentionPolicy, RELEASE, s), ["Loki's compactor has no delete_request_store (loki.compactor.delete_request_store), which retention requires; set it to the object store type (s3, gcs) in the Loki values (components/render/loki.ts)."]);
    });
    it("Tempo block retention of 14d breaks prod's 7d; the single-binary chart's tempo.retention is read", async () => {
        const p = tempoProps();
        p.values.compactor.config.compaction.block_retention = "336h";
        assert.deepStrictEqual(await check(retentionPolicy, RELEASE, p), ["Tempo keeps data for 14d (compactor.config.compaction.block_retention), outside the allowed 1d–7d; set observability:retention.traces between 1d and 7d."]);
        const single = { chart: "./charts/tempo-2.2.4.tgz", name: "tempo", values: { tempo: { retention: "30m" } } };
        assert.deepStrictEqual(await check(retentionPolicy, RELEASE, single), ["Tempo keeps data for 30m (tempo.retention), outside the allowed 1d–7d; set observability:retention.traces between 1d and 7d."]);
    });
    it("Prometheus: retention out of bounds, size cutting it short, size above the volume, no size", async () => {
        const p = kpsProps();
        p.values.prometheus.prometheusSpec.retention = "90d";
        assert.deepStrictEqual(await check(retentionPolicy, RELEASE, p, "dev"), ["Prometheus keeps data for 90d (prometheus.prometheusSpec.retention), outside the allowed 7d–30d; set observability:retention.metrics between 7d and 30d."]);
        const q = kpsProps();
        q.values.prometheus.prometheusSpec.retentionSize = "20GiB";
        assert.deepStrictEqual(await check(retentionPolicy, RELEASE, q), ["Prometheus retentionSize 20GiB cuts its 90d retention short: 90d needs at least 36GiB at 0.4 GiB per day; raise prometheus.retentionSize (and the volume) in components/sizing.ts or lower observability:retention.metrics."]);
        const r = kpsProps();
        r.values.prometheus.prometheusSpec.retentionSize = "250GiB";
        assert.deepStrictEqual(await check(retentionPolicy, RELEASE, r), ["Prometheus retentionSize 250GiB is larger than its volume (200Gi), so the disk fills before size-based retention deletes anything; keep it below the volume in components/sizing.ts."]);
        const s = kpsProps() as any;
        delete s.values.prometheus.prometheusSpec.retentionSize;
        assert.deepStrictEqual(await check(retentionPolicy, RELEASE, s), ["Prometheus has no valid retentionSize (prometheus.prometheusSpec.retentionSize = null), so a full volume stops ingestion; set it per tier in components/sizing.ts."]);
    });
    it("other resource types and charts are not looked at", async () => {
        assert.deepStrictEqual(await check(retentionPolicy, "kubernetes:core/v1:ConfigMap", lokiProps()), []);
        assert.deepStrictEqual(await check(retentionPolicy, RELEASE, { ...lokiProps(), chart: "./charts/alloy-1.11.1.tgz" }), []);
    });
});

/** Loki's data prefixes in its chunks bucket (single tenant `fake`, TSDB index tables `index_*`), as components/retention.ts scopes them. */
const LOKI_DATA_PREFIXES = ["fake/", "index/index_"];
const s3Bucket = (name: string, days: number | undefined, prefixes?: readonly string[]) => [
    res("aws:s3/bucket:Bucket", name, { bucket: name }),
    res("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", `${name}-lifecycle`, {
        bucket: name, rules: [
            ...(days === undefined ? [] : prefixes === undefined
                ? [{ id: "expire", status: "Enabled", filter: {}, expiration: { days } }]
                : prefixes.map(prefix => ({ id: `expire-${prefix}`, status: "Enabled", filter: { prefix }, expiration: { days } }))),
            { id: "abort", status: "Enabled", filter: {}, abortIncompleteMultipartUpload: { daysAfterInitiation: 1 } }],
    }),
];
const lifecycleGraph = (chunks: number | undefined, ruler: number | undefined, tempo: number | undefined, gcsAge?: number) => [
    res(RELEASE, "loki", lokiProps()), res(RELEASE, "tempo", tempoProps()),
    ...s3Bucket("c-loki-chunks", chunks, LOKI_DATA_PREFIXES), ...s3Bucket("c-loki-ruler", ruler), ...s3Bucket("c-tempo", tempo),
    ...(gcsAge === undefined ? [] : [res("gcp:storage/bucket:Bucket", "g", { name: "c-tempo", lifecycleRules: [{ action: { type: "Delete" }, condition: { age: gcsAge } }] })]),
];

describe("policy obs-bucket-configure-lifecycle", () => {
    it("#1 chunks 8d for 7d logs, tempo 4d for 72h traces, ruler never: no violation", async () => {
        assert.deepStrictEqual(await checkStack(lifecyclePolicy, lifecycleGraph(8, undefined, 4)), []);
    });
    it("expiry before the retention, beyond retention plus margin, never, and on the ruler bucket", async () => {
        assert.deepStrictEqual(await checkStack(lifecyclePolicy, lifecycleGraph(6, undefined, 4)),
            ["c-loki-chunks: Bucket c-loki-chunks deletes objects after 6 days, before Loki (chunks)'s 7d retention ends, so data vanishes early; expire after at least 7 days (components/retention.ts), or lower observability:retention.logs."]);
        assert.deepStrictEqual(await checkStack(lifecyclePolicy, lifecycleGraph(8, undefined, 30)),
            ["c-tempo: Bucket c-tempo keeps objects 30 days, longer than Tempo's 3d retention plus 1 day(s) margin (4 days); expire after at most 4 days (components/retention.ts)."]);
        assert.deepStrictEqual(await checkStack(lifecyclePolicy, lifecycleGraph(undefined, undefined, 4)), [
            "c-loki-chunks: Bucket c-loki-chunks never expires Loki (chunks)'s data under fake/, which is kept 7d, so storage cost grows without bound; add a lifecycle rule expiring objects under fake/ after 8 days (components/retention.ts).",
            "c-loki-chunks: Bucket c-loki-chunks never expires Loki (chunks)'s data under index/index_, which is kept 7d, so storage cost grows without bound; add a lifecycle rule expiring objects under index/index_ after 8 days (components/retention.ts).",
        ]);
        assert.deepStrictEqual(await checkStack(lifecyclePolicy, [...lifecycleGraph(8, undefined, 4).filter(r => !r.name.startsWith("c-tempo")), ...s3Bucket("c-tempo", undefined)]),
            ["c-tempo: Bucket c-tempo never expires Tempo's data, which is kept 3d, so storage cost grows without bound; add a lifecycle rule expiring objects after 4 days (components/retention.ts)."]);
        assert.deepStrictEqual(await checkStack(lifecyclePolicy, lifecycleGraph(8, 8, 4)),
            ["c-loki-ruler: Bucket c-loki-ruler holds Loki (ruler) configuration, not data, yet a lifecycle rule deletes objects after 8 days; remove the expiry (components/retention.ts BUCKET_RETENTION)."]);
    });
    it("prefix-scoped expiry: each Loki data prefix within the bounds; the delete-requests database never expires", async () => {
        const chunks = (rules: { days: number; prefix: string }[]) => [
            res(RELEASE, "loki", lokiProps()), ...s3Bucket("c-loki-ruler", undefined), ...s3Bucket("c-tempo", undefined),
            res("aws:s3/bucket:Bucket", "c-loki-chunks", { bucket: "c-loki-chunks" }),
            res("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "c-loki-chunks-lifecycle", {
                bucket: "c-loki-chunks", rules: rules.map(r => ({ id: r.prefix, status: "Enabled", filter: r.prefix === "" ? {} : { prefix: r.prefix }, expiration: { days: r.days } })),
            }),
        ];
        assert.deepStrictEqual(await checkStack(lifecyclePolicy, chunks([{ days: 8, prefix: "fake/" }, { days: 8, prefix: "index/index_" }])), []);
        // Only the chunks expire: the index tables are kept forever.
        assert.deepStrictEqual(await checkStack(lifecyclePolicy, chunks([{ days: 8, prefix: "fake/" }])),
            ["c-loki-chunks: Bucket c-loki-chunks never expires Loki (chunks)'s data under index/index_, which is kept 7d, so storage cost grows without bound; add a lifecycle rule expiring objects under index/index_ after 8 days (components/retention.ts)."]);
        // One prefix too late, one too early.
        assert.deepStrictEqual(await checkStack(lifecyclePolicy, chunks([{ days: 30, prefix: "fake/" }, { days: 6, prefix: "index/index_" }])), [
            "c-loki-chunks: Bucket c-loki-chunks deletes objects after 6 days, before Loki (chunks)'s 7d retention ends, so data vanishes early; expire after at least 7 days (components/retention.ts), or lower observability:retention.logs.",
            "c-loki-chunks: Bucket c-loki-chunks keeps objects under fake/ 30 days, longer than Loki (chunks)'s 7d retention plus 1 day(s) margin (8 days); expire after at most 8 days (components/retention.ts).",
        ]);
        // A whole-bucket rule, or one on index/, also deletes the delete-requests database.
        assert.deepStrictEqual(await checkStack(lifecyclePolicy, chunks([{ days: 8, prefix: "" }])),
            ["c-loki-chunks: Bucket c-loki-chunks deletes Loki (chunks)'s delete-requests database under index/delete_requests/ after 8 days (a rule on the whole bucket), losing pending and processed deletion requests; expire only the data prefixes (components/retention.ts BUCKET_EXPIRY_PREFIXES)."]);
        assert.deepStrictEqual(await checkStack(lifecyclePolicy, chunks([{ days: 8, prefix: "fake/" }, { days: 8, prefix: "index/" }])),
            ["c-loki-chunks: Bucket c-loki-chunks deletes Loki (chunks)'s delete-requests database under index/delete_requests/ after 8 days (a rule on prefix index/), losing pending and processed deletion requests; expire only the data prefixes (components/retention.ts BUCKET_EXPIRY_PREFIXES)."]);
    });
    it("GCS matchesPrefixes scope the expiry the same way", async () => {
        const gcs = (condition: Record<string, unknown>) => [
            res(RELEASE, "loki", lokiProps()),
            res("gcp:storage/bucket:Bucket", "g", { name: "c-loki-chunks", lifecycleRules: [{ action: { type: "Delete" }, condition }] }),
        ];
        assert.deepStrictEqual(await checkStack(lifecyclePolicy, gcs({ age: 8, matchesPrefixes: ["fake/", "index/index_"] })), []);
        assert.deepStrictEqual(await checkStack(lifecyclePolicy, gcs({ age: 8 })),
            ["g: Bucket c-loki-chunks deletes Loki (chunks)'s delete-requests database under index/delete_requests/ after 8 days (a rule on the whole bucket), losing pending and processed deletion requests; expire only the data prefixes (components/retention.ts BUCKET_EXPIRY_PREFIXES)."]);
        assert.deepStrictEqual(await checkStack(lifecyclePolicy, gcs({ age: 9, matchesPrefixes: ["fake/", "index/index_"] })), [
            "g: Bucket c-loki-chunks keeps objects under fake/ 9 days, longer than Loki (chunks)'s 7d retention plus 1 day(s) margin (8 days); expire after at most 8 days (components/retention.ts).",
            "g: Bucket c-loki-chunks keeps objects under index/index_ 9 days, longer than Loki (chunks)'s 7d retention plus 1 day(s) margin (8 days); expire after at most 8 days (components/retention.ts).",
        ]);
    });
    it("GCS lifecycleRules are read the same way", async () => {
        assert.deepStrictEqual(await checkStack(lifecyclePolicy, lifecycleGraph(8, undefined, 4, 2)),
            ["g: Bucket c-tempo deletes objects after 2 days, before Tempo's 3d retention ends, so data vanishes early; expire after at least 3 days (components/retention.ts), or lower observability:retention.traces."]);
    });
});

const collectorProps = (mutate: (c: any) => void = () => undefined) => {
    const config: any = {
        connectors: { spanmetrics: {}, "forward/sampling": {} },
        processors: { tail_sampling: { policies: [
            { name: "keep-errors", type: "status_code", status_code: { status_codes: ["ERROR"] } },
            { name: "keep-slow", type: "latency", latency: { threshold_ms: 2000 } },
            { name: "sample-rest", type: "probabilistic", probabilistic: { sampling_percentage: 10 } },
        ] } },
        exporters: { "otlp_grpc/tempo": {}, "prometheus_remote_write/p": {} },
        service: { pipelines: {
            "traces/in": { receivers: ["otlp"], processors: ["memory_limiter"], exporters: ["spanmetrics", "forward/sampling"] },
            "traces/sampled": { receivers: ["forward/sampling"], processors: ["tail_sampling", "batch"], exporters: ["otlp_grpc/tempo"] },
            "metrics/red": { receivers: ["spanmetrics"], exporters: ["prometheus_remote_write/p"] },
        } },
    };
    mutate(config);
    return { chart: "./charts/opentelemetry-collector-0.170.0.tgz", name: "otel-gateway", namespace: "tracing", values: { alternateConfig: config } };
};
const policiesOf = (c: any) => c.processors.tail_sampling.policies as any[];

describe("policy obs-collector-configure-sampling", () => {
    it("#1 prod: 10 %, errors and latency kept: no violation; a load-balancing tier is not checked", async () => {
        assert.deepStrictEqual(await check(samplingPolicy, RELEASE, collectorProps()), []);
        const lb = collectorProps(c => { c.service.pipelines = { traces: { receivers: ["otlp"], exporters: ["load_balancing"] } }; });
        assert.deepStrictEqual(await check(samplingPolicy, RELEASE, lb), []);
    });
    it("100 % in prod, no tail sampling, no error policy, no latency policy", async () => {
        const all = collectorProps(c => { policiesOf(c)[2].probabilistic.sampling_percentage = 100; });
        assert.deepStrictEqual(await check(samplingPolicy, RELEASE, all), ["The collector keeps 100 % of ordinary traces (processors.tail_sampling), outside the allowed 1–25 %; set observability:sampling.percentage between 1 and 25."]);
        assert.deepStrictEqual(await check(samplingPolicy, RELEASE, all, "dev"), []);
        const always = collectorProps(c => { policiesOf(c)[2] = { name: "all", type: "always_sample" }; });
        assert.deepStrictEqual(await check(samplingPolicy, RELEASE, always), ["The collector keeps 100 % of ordinary traces (processors.tail_sampling), outside the allowed 1–25 %; set observability:sampling.percentage between 1 and 25."]);
        const none = collectorProps(c => { c.service.pipelines["traces/sampled"].processors = ["batch"]; });
        assert.deepStrictEqual(await check(samplingPolicy, RELEASE, none), ["The collector stores every trace: no traces pipeline has a tail_sampling processor (100 % kept, allowed 1–25 %); restore tail sampling in components/render/collector.ts and set observability:sampling.percentage."]);
        const noErrors = collectorProps(c => { policiesOf(c).splice(0, 1); });
        assert.deepStrictEqual(await check(samplingPolicy, RELEASE, noErrors), ["The collector may drop traces with errors: processors.tail_sampling has no status_code policy keeping ERROR; add it in components/render/collector.ts (errors are always kept)."]);
        const noLatency = collectorProps(c => { policiesOf(c).splice(1, 1); });
        assert.deepStrictEqual(await check(samplingPolicy, RELEASE, noLatency), ["The collector may drop slow traces: processors.tail_sampling has no latency policy with a threshold_ms; add it in components/render/collector.ts and set observability:sampling.latencyThreshold."]);
    });
});

describe("policy obs-collector-enable-unsampled-red-metrics", () => {
    it("#1 spanmetrics fed ahead of tail_sampling and read by a metrics pipeline: no violation", async () => {
        assert.deepStrictEqual(await check(redMetricsPolicy, RELEASE, collectorProps()), []);
    });
    it("the connector's snake_case type span_metrics (what render/collector.ts writes) counts as spanmetrics", async () => {
        const renamed = collectorProps(c => {
            c.connectors = { span_metrics: {}, "forward/sampling": {} };
            c.service.pipelines["traces/in"].exporters = ["span_metrics", "forward/sampling"];
            c.service.pipelines["metrics/red"].receivers = ["span_metrics"];
        });
        assert.deepStrictEqual(await check(redMetricsPolicy, RELEASE, renamed), []);
        assert.deepStrictEqual(await check(redMetricsPolicy, RELEASE, collectorProps(c => {
            c.connectors = { span_metrics: {}, "forward/sampling": {} };
            c.service.pipelines["traces/in"].exporters = ["span_metrics", "forward/sampling"];
            c.service.pipelines["metrics/red"].receivers = ["otlp"];
        })), ["The collector's span_metrics output is dropped: no metrics pipeline receives from it; add it to a metrics pipeline's receivers in components/render/collector.ts."]);
    });
    it("no connector, connector behind the sampler, connector output dropped", async () => {
        assert.deepStrictEqual(await check(redMetricsPolicy, RELEASE, collectorProps(c => { delete c.connectors.spanmetrics; })),
            ["The collector derives no RED metrics from unsampled spans: there is no spanmetrics connector; add one in components/render/collector.ts, exported by a traces pipeline ahead of tail_sampling and received by a metrics pipeline."]);
        const behind = collectorProps(c => {
            c.service.pipelines["traces/in"].exporters = ["forward/sampling"];
            c.service.pipelines["traces/sampled"].exporters.push("spanmetrics");
        });
        assert.deepStrictEqual(await check(redMetricsPolicy, RELEASE, behind),
            ["The collector's spanmetrics only sees sampled spans: no traces pipeline without tail_sampling exports to it; feed it from a pipeline ahead of tail_sampling in components/render/collector.ts."]);
        assert.deepStrictEqual(await check(redMetricsPolicy, RELEASE, collectorProps(c => { delete c.service.pipelines["metrics/red"]; })),
            ["The collector's spanmetrics output is dropped: no metrics pipeline receives from it; add it to a metrics pipeline's receivers in components/render/collector.ts."]);
    });
});

const TLS_POLICY = JSON.stringify({ Statement: [{ Effect: "Deny", Principal: "*", Action: "s3:*", Condition: { Bool: { "aws:SecureTransport": "false" } } }] });
const ROLE_POLICY = JSON.stringify({ Statement: [
    { Effect: "Allow", Action: ["s3:ListBucket"], Resource: ["arn:aws:s3:::b"] },
    { Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject"], Resource: ["arn:aws:s3:::b/*"] },
    { Effect: "Allow", Action: ["kms:Decrypt"], Resource: "arn:aws:kms:eu-west-1:1:key/k" },
] });
const secureGraph = () => [
    res("aws:s3/bucket:Bucket", "b", { bucket: "b" }),
    res("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "b-sse", { bucket: "b", rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" } }] }),
    res("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "b-pab", { bucket: "b", blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true }),
    res("aws:s3/bucketPolicy:BucketPolicy", "b-tls", { bucket: "b", policy: TLS_POLICY }),
    res("aws:iam/rolePolicy:RolePolicy", "loki-access", { role: "loki", policy: ROLE_POLICY }),
    res("gcp:storage/bucket:Bucket", "g", { name: "g", uniformBucketLevelAccess: true, publicAccessPrevention: "enforced" }),
    res("gcp:storage/bucketIAMMember:BucketIAMMember", "g-loki", { bucket: "g", role: "roles/storage.objectAdmin", member: "serviceAccount:loki@p.iam.gserviceaccount.com" }),
];
const mutated = (name: string, f: (props: any) => void) => secureGraph().map(r => (r.name === name ? { ...r, inputs: (() => { const p = clone(r.inputs); f(p); return p; })() } : r));

describe("policy obs-storage-configure-security", () => {
    it("#1 encrypted, blocked, TLS-only S3; uniform, enforced GCS; scoped identities: no violation", async () => {
        assert.deepStrictEqual(await checkStack(storageSecurityPolicy, secureGraph()), []);
    });
    it("S3: no encryption, one public-access setting off, no TLS policy, public ACL", async () => {
        assert.deepStrictEqual(await checkStack(storageSecurityPolicy, secureGraph().filter(r => r.name !== "b-sse")),
            ["b: S3 bucket b has no default encryption; add a BucketServerSideEncryptionConfiguration with sseAlgorithm aws:kms and the cluster's key (components/aws/bucket.ts)."]);
        assert.deepStrictEqual(await checkStack(storageSecurityPolicy, mutated("b-pab", p => { p.restrictPublicBuckets = false; })),
            ["b: S3 bucket b can be made public: its public-access block leaves restrictPublicBuckets off; set all of blockPublicAcls, blockPublicPolicy, ignorePublicAcls, restrictPublicBuckets to true (components/aws/bucket.ts)."]);
        assert.deepStrictEqual(await checkStack(storageSecurityPolicy, secureGraph().filter(r => r.name !== "b-tls")),
            ["b: S3 bucket b accepts requests without TLS: no bucket policy denies aws:SecureTransport false; add the TLS-only bucket policy (components/aws/bucket.ts)."]);
        assert.deepStrictEqual(await checkStack(storageSecurityPolicy, [...secureGraph(), res("aws:s3/bucketAclV2:BucketAclV2", "b-acl", { bucket: "b", acl: "public-read" })]),
            ["b-acl: S3 bucket b has the public ACL public-read; remove it (ownership BucketOwnerEnforced disables ACLs)."]);
    });
    it("GCS: fine-grained ACLs, public access prevention inherited, allUsers, storage.admin, project-wide storage role", async () => {
        assert.deepStrictEqual(await checkStack(storageSecurityPolicy, mutated("g", p => { p.uniformBucketLevelAccess = false; })),
            ["g: GCS bucket g allows per-object ACLs; set uniformBucketLevelAccess: true (components/gcp/bucket.ts)."]);
        assert.deepStrictEqual(await checkStack(storageSecurityPolicy, mutated("g", p => { delete p.publicAccessPrevention; })),
            ['g: GCS bucket g can be made public (publicAccessPrevention "inherited"); set publicAccessPrevention: "enforced" (components/gcp/bucket.ts).']);
        assert.deepStrictEqual(await checkStack(storageSecurityPolicy, mutated("g-loki", p => { p.member = "allUsers"; p.role = "roles/storage.objectViewer"; })),
            ["g-loki: GCS bucket g is public: roles/storage.objectViewer is granted to allUsers; grant it to the workload's service account only."]);
        assert.deepStrictEqual(await checkStack(storageSecurityPolicy, mutated("g-loki", p => { p.role = "roles/storage.admin"; })),
            ["g-loki: serviceAccount:loki@p.iam.gserviceaccount.com gets roles/storage.admin on GCS bucket g, which includes changing its IAM policy; grant roles/storage.objectAdmin or narrower (components/gcp/workloadIdentity.ts)."]);
        assert.deepStrictEqual(await checkStack(storageSecurityPolicy, [...secureGraph(), res("gcp:projects/iAMMember:IAMMember", "wide", { project: "p", role: "roles/storage.objectAdmin", member: "serviceAccount:loki@p.iam.gserviceaccount.com" })]),
            ["wide: serviceAccount:loki@p.iam.gserviceaccount.com gets roles/storage.objectAdmin on the whole project p, i.e. on every bucket; grant it on the workload's own buckets (gcp.storage.BucketIAMMember) instead."]);
    });
    it("storage identities: wildcard action, wildcard resource, a full-access managed policy", async () => {
        const wildAction = mutated("loki-access", p => { const d = JSON.parse(p.policy); d.Statement[1].Action = ["s3:*"]; d.Statement[1].Sid = "Objects"; p.policy = JSON.stringify(d); });
        assert.deepStrictEqual(await checkStack(storageSecurityPolicy, wildAction),
            ["loki-access: Storage identity role loki allows wildcard actions s3:* (statement Objects); list the exact actions it needs (components/aws/policies.ts)."]);
        const wildResource = mutated("loki-access", p => { const d = JSON.parse(p.policy); d.Statement[0].Resource = ["arn:aws:s3:::*"]; p.policy = JSON.stringify(d); });
        assert.deepStrictEqual(await checkStack(storageSecurityPolicy, wildResource),
            ["loki-access: Storage identity role loki allows arn:aws:s3:::* as resource; name its own bucket and key ARNs (components/aws/policies.ts)."]);
        const kmsStar = mutated("loki-access", p => { const d = JSON.parse(p.policy); d.Statement[2].Resource = "*"; p.policy = JSON.stringify(d); });
        assert.deepStrictEqual(await checkStack(storageSecurityPolicy, kmsStar),
            ["loki-access: Storage identity role loki allows * as resource; name its own bucket and key ARNs (components/aws/policies.ts)."]);
        assert.deepStrictEqual(await checkStack(storageSecurityPolicy, [...secureGraph(), res("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "full", { role: "tempo", policyArn: "arn:aws:iam::aws:policy/AmazonS3FullAccess" })]),
            ["full: Role tempo gets arn:aws:iam::aws:policy/AmazonS3FullAccess, a wildcard over every bucket; give it an inline policy on its own buckets (components/aws/policies.ts)."]);
    });
    it("a policy that does not reach S3 (e.g. KMS key administration with Resource *) is not a storage identity", async () => {
        const admin = JSON.stringify({ Statement: [{ Effect: "Allow", Action: ["kms:Describe*"], Resource: "*" }] });
        assert.deepStrictEqual(await checkStack(storageSecurityPolicy, [...secureGraph(), res("aws:iam/rolePolicy:RolePolicy", "admin", { role: "deploy", policy: admin })]), []);
    });
});

const KEY_POLICY = JSON.stringify({ Version: "2012-10-17", Statement: [
    { Sid: "Admin", Effect: "Allow", Principal: { AWS: "arn:aws:iam::1:role/deploy" }, Action: ["kms:Describe*"], Resource: "*" },
    { Sid: "UseThroughS3", Effect: "Allow", Principal: { AWS: "arn:aws:iam::1:root" }, Action: ["kms:Decrypt"], Resource: "*", Condition: { StringEquals: { "kms:ViaService": "s3.eu-west-1.amazonaws.com" } } },
] });

describe("policy obs-kms-configure-key-policy", () => {
    const KEY = "aws:kms/key:Key";
    it("#1 an explicit key policy naming its principals: no violation", async () => {
        assert.deepStrictEqual(await check(kmsKeyPolicyPolicy, KEY, { policy: KEY_POLICY, enableKeyRotation: true }), []);
    });
    it("no policy, a policy that is not JSON, a statement open to every principal", async () => {
        assert.deepStrictEqual(await check(kmsKeyPolicyPolicy, KEY, { enableKeyRotation: true }),
            ["KMS key r has no explicit key policy, so AWS's default policy delegates every use of the key to IAM; set the key's policy input (components/aws)."]);
        assert.deepStrictEqual(await check(kmsKeyPolicyPolicy, KEY, { policy: "{not json" }),
            ["KMS key r has a key policy that is not a JSON policy document; write it with JSON.stringify of a document with Version and Statement."]);
        const open = JSON.parse(KEY_POLICY);
        open.Statement[0].Principal = { AWS: "*" };
        assert.deepStrictEqual(await check(kmsKeyPolicyPolicy, KEY, { policy: JSON.stringify(open) }),
            ['KMS key r allows every principal (Principal "*") in statement Admin without a condition; name the principals that use the key.']);
    });
});

describe("policy obs-inputs-disallow-plaintext-secrets", () => {
    const values = () => ({ chart: "./charts/kube-prometheus-stack-88.5.3.tgz", values: {
        grafana: { admin: { existingSecret: "grafana-admin", userKey: "admin-user", passwordKey: "admin-password" } },
        alertmanager: { config: { receivers: [{ name: "slack", slack_configs: [{ api_url_file: "/etc/alertmanager/secrets/slack" }] },
            { name: "pd", pagerduty_configs: [{ routing_key_file: "/etc/alertmanager/secrets/pd" }] }] } },
        collector: { exporters: { load_balancing: { routing_key: "traceID" } }, headers: { authorization: "${env:TOKEN}" } },
    } });
    it("#1 secrets referenced by existing-secret name, file path or env expansion: no violation", async () => {
        assert.deepStrictEqual(await check(secretHygienePolicy, RELEASE, values()), []);
    });
    it("Slack webhook, PagerDuty key, password, private key and token, each with its path", async () => {
        const cases: [(v: any) => void, string][] = [
            [v => { v.values.alertmanager.config.receivers[0].slack_configs[0].api_url = "https://hooks.slack.com/services/T000/B000/XXXX"; },
                "a Slack webhook URL in plain input values.alertmanager.config.receivers[0].slack_configs[0].api_url"],
            [v => { v.values.alertmanager.config.receivers[1].pagerduty_configs[0].routing_key = "0123456789abcdef0123456789abcdef"; },
                "a PagerDuty key in plain input values.alertmanager.config.receivers[1].pagerduty_configs[0].routing_key"],
            [v => { v.values.grafana.adminPassword = "prom-operator"; }, 'a literal value under "adminPassword" in plain input values.grafana.adminPassword'],
            [v => { v.values.tls = { key: "-----BEGIN RSA PRIVATE KEY-----\nMIIE" }; }, "a private key in plain input values.tls.key"],
            [v => { v.values.collector.headers.token = "s3cr3t-t0ken-value"; }, 'a literal value under "token" in plain input values.collector.headers.token'],
        ];
        for (const [mutate, what] of cases) {
            const v = values();
            mutate(v);
            assert.deepStrictEqual(await check(secretHygienePolicy, RELEASE, v),
                [`Release r has ${what}; move it into a Kubernetes Secret fed by a stack secret (pulumi config set --secret observability:<key>) and reference it from the values by existing-secret name or file path.`]);
        }
    });
    it("ConfigMaps and other inputs; Kubernetes Secret data is where secrets belong", async () => {
        assert.deepStrictEqual(await check(secretHygienePolicy, "kubernetes:core/v1:ConfigMap", { data: { "alertmanager.yaml": "slack_api_url: https://hooks.slack.com/services/T/B/X" } }),
            ["ConfigMap r has a Slack webhook URL in plain input data.alertmanager.yaml; move it into a Kubernetes Secret fed by a stack secret (pulumi config set --secret observability:<key>)."]);
        assert.deepStrictEqual(await check(secretHygienePolicy, "gcp:secretmanager/secretVersion:SecretVersion", { secretData: "hunter2-hunter2", password: "hunter2-hunter2" }),
            ['SecretVersion r has a literal value under "password" in plain input password; read it with config.requireSecret (pulumi config set --secret observability:<key>) so it stays a secret Output.']);
        assert.deepStrictEqual(await check(secretHygienePolicy, "kubernetes:core/v1:Secret", { stringData: { url: "https://hooks.slack.com/services/T/B/X" } }), []);
        assert.deepStrictEqual(findSecrets({ a: "[secret]", password: "[secret]", b: ["AKIAABCDEFGHIJKLMNOP"] }), [{ path: "b[0]", what: "an AWS access key id" }]);
    });
});

describe("policy obs-release-disallow-unvetted-charts", () => {
    it("#1 every vendored package of the lock, digest intact: no violation", async () => {
        for (const c of VENDORED) assert.deepStrictEqual(await check(chartsPolicy, RELEASE, { chart: `./charts/${c.file}` }), [], c.file);
    });
    it("a deprecated chart, a chart from a repository, a digest that does not match the lock", async () => {
        assert.deepStrictEqual(await check(chartsPolicy, RELEASE, { chart: "promtail", repositoryOpts: { repo: "https://grafana.github.io/helm-charts" } }),
            ["Release r deploys the chart promtail, which is deprecated or end-of-life upstream (components/versions.ts FORBIDDEN_CHARTS); use the loki chart with Alloy (components/versions.ts CHARTS)."]);
        assert.deepStrictEqual(await check(chartsPolicy, "kubernetes:helm.sh/v4:Chart", { chart: "oci://registry/enterprise-logs" }),
            ["Release r deploys the chart enterprise-logs, which is Grafana Enterprise Logs, licensed software, not the OSS Loki chart; use the loki chart with Alloy (components/versions.ts CHARTS)."]);
        assert.deepStrictEqual(await check(chartsPolicy, RELEASE, { chart: "./charts/loki-distributed-0.80.5.tgz" }),
            ["Release r deploys the chart loki-distributed, which is deprecated or end-of-life upstream (components/versions.ts FORBIDDEN_CHARTS); use the loki chart with Alloy (components/versions.ts CHARTS)."]);
        assert.deepStrictEqual(await check(chartsPolicy, RELEASE, { chart: "loki", version: "18.11.0", repositoryOpts: { repo: "https://grafana-community.github.io/helm-charts" } }),
            ['Release r installs "loki", not a vendored package: pin the chart in components/versions.ts, add it with npm run charts:pull, and install it from ./charts/<chart>-<version>.tgz.']);
        const entry = VENDORED.find(c => c.chart === "alloy")! as { sha256: string };
        const real = entry.sha256;
        entry.sha256 = "0".repeat(64);
        try {
            assert.deepStrictEqual(await check(chartsPolicy, RELEASE, { chart: "./charts/alloy-1.11.1.tgz" }),
                [`Release r installs ./charts/alloy-1.11.1.tgz with sha256 ${real}, not the ${"0".repeat(64)} of charts/lock.json; restore the package or re-vendor it with npm run charts:pull -- alloy 1.11.1.`]);
        } finally {
            entry.sha256 = real;
        }
    });
});

const deployment = (): any => ({
    apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "app", namespace: "monitoring" },
    spec: { template: { spec: { containers: [{ name: "c", image: "quay.io/x/app:v1.2.3", resources: { requests: { cpu: "10m", memory: "64Mi" }, limits: { memory: "128Mi" } } }] } } },
});

describe("policy obs-workload-configure-containers", () => {
    const release = res(RELEASE, "rel", { name: "rel", namespace: "monitoring", chart: "./charts/alloy-1.11.1.tgz" });
    const run = async (objects: K8sObject[]) => {
        useRenderedObjects(new Map([[release.urn, objects]]));
        try {
            return await checkStack(workloadsPolicy, [release]);
        } finally {
            useHelmRendering();
        }
    };
    const prefix = "rel: Release rel: Deployment monitoring/app container c";
    it("#1 a pinned, sized, unprivileged Deployment and a ClusterIP Service: no violation", async () => {
        assert.deepStrictEqual(await run([deployment(), { apiVersion: "v1", kind: "Service", metadata: { name: "s" }, spec: { type: "ClusterIP" } }]), []);
    });
    it("privileged, no requests, no memory limit, latest or untagged image", async () => {
        const priv = deployment();
        priv.spec.template.spec.containers[0].securityContext = { privileged: true };
        assert.deepStrictEqual(await run([priv]), [`${prefix} is privileged outside node-exporter; drop securityContext.privileged in the release's values, or run it in a privileged namespace.`]);
        const nodeExporter = deployment();
        nodeExporter.metadata.namespace = "node-exporter";
        nodeExporter.spec.template.spec.containers[0].securityContext = { privileged: true };
        assert.deepStrictEqual(await run([nodeExporter]), []);
        const noReq = deployment();
        delete noReq.spec.template.spec.containers[0].resources.requests.cpu;
        assert.deepStrictEqual(await run([noReq]), [`${prefix} has no cpu request; set resources.requests in the release's values (components/sizing.ts).`]);
        const noLimit = deployment();
        delete noLimit.spec.template.spec.containers[0].resources.limits;
        assert.deepStrictEqual(await run([noLimit]), [`${prefix} has no memory limit; set resources.limits.memory in the release's values (components/sizing.ts).`]);
        for (const image of ["quay.io/x/app:latest", "quay.io:5000/x/app"]) {
            const d = deployment();
            d.spec.template.spec.containers[0].image = image;
            assert.deepStrictEqual(await run([d]), [`${prefix} runs image "${image}", which is not pinned; use an exact tag or a digest, never latest, in the release's values or components/versions.ts.`]);
        }
        const digest = deployment();
        digest.spec.template.spec.containers[0].image = "quay.io/x/app@sha256:" + "a".repeat(64);
        assert.deepStrictEqual(await run([digest]), []);
    });
    it("init containers and CronJobs are checked; Helm test hooks are not; a public LoadBalancer is reported, an internal one is not", async () => {
        const cron: any = { apiVersion: "batch/v1", kind: "CronJob", metadata: { name: "cj", namespace: "monitoring" },
            spec: { jobTemplate: { spec: { template: { spec: { initContainers: [{ name: "i", image: "busybox:1.37" }], containers: deployment().spec.template.spec.containers } } } } } };
        assert.deepStrictEqual(await run([cron]), [
            "rel: Release rel: CronJob monitoring/cj container i has no cpu request or memory request; set resources.requests in the release's values (components/sizing.ts).",
            "rel: Release rel: CronJob monitoring/cj container i has no memory limit; set resources.limits.memory in the release's values (components/sizing.ts).",
        ]);
        const test: any = { apiVersion: "v1", kind: "Pod", metadata: { name: "t", annotations: { "helm.sh/hook": "test" } }, spec: { containers: [{ name: "t", image: "busybox" }] } };
        assert.deepStrictEqual(await run([test]), []);
        const lb: any = { apiVersion: "v1", kind: "Service", metadata: { name: "lb", namespace: "tracing" }, spec: { type: "LoadBalancer" } };
        assert.deepStrictEqual(await run([lb]), ["rel: Release rel: Service tracing/lb is a public LoadBalancer; use ClusterIP (reach it through the cluster) or an internal load balancer annotation, in the release's values."]);
        lb.metadata.annotations = { "networking.gke.io/load-balancer-type": "Internal" };
        assert.deepStrictEqual(await run([lb]), []);
    });
    it("workloads the program deploys itself (the Cluster Autoscaler's Deployment) are checked on their state, and their fix is named in the renderer", async () => {
        const { kind: _k, apiVersion: _a, ...ok } = deployment();
        const noLimit = deployment();
        delete noLimit.spec.template.spec.containers[0].resources.limits;
        const { kind: _k2, apiVersion: _a2, ...bad } = noLimit;
        const graph = [res("kubernetes:apps/v1:Deployment", "ca", { apiVersion: "apps/v1", ...ok }), res("kubernetes:apps/v1:Deployment", "ca-bad", { apiVersion: "apps/v1", ...bad })];
        useRenderedObjects(new Map());
        try {
            assert.deepStrictEqual(await checkStack(workloadsPolicy, graph), [
                "ca-bad: Deployment monitoring/app container c has no memory limit; set resources.limits.memory in its renderer under components/render/ (components/sizing.ts).",
            ]);
        } finally {
            useHelmRendering();
        }
    });
});

describe("policy obs-namespace-enable-default-deny", () => {
    const ns = (name: string, provider: string) => res("kubernetes:core/v1:Namespace", `${provider}-${name}`, { metadata: { name } }, { provider: `urn:pulumi:test::observability::pulumi:providers:kubernetes::${provider}::id` });
    const deny = (namespace: string, provider: string, spec: any = { podSelector: {}, policyTypes: ["Ingress", "Egress"] }) =>
        res("kubernetes:networking.k8s.io/v1:NetworkPolicy", `${provider}-${namespace}-deny`, { metadata: { namespace }, spec }, { provider: `urn:pulumi:test::observability::pulumi:providers:kubernetes::${provider}::id` });
    const run = (graph: GraphResource[]) => { useRenderedObjects(new Map()); return checkStack(defaultDenyPolicy, graph).finally(useHelmRendering); };
    it("#1 every namespace of both clusters has a default-deny policy: no violation", async () => {
        assert.deepStrictEqual(await run([ns("logging", "a"), ns("logging", "b"), deny("logging", "a"), deny("logging", "b")]), []);
    });
    it("a missing policy, one in another cluster only, one that selects some pods, one that allows ingress", async () => {
        const msg = (n: string) => `${n}: Namespace logging (${n}) has no default-deny NetworkPolicy; add one with podSelector {} and policyTypes [Ingress] beside the namespace (components/k8s/observabilityStack.ts), then allow the traffic each workload needs.`;
        assert.deepStrictEqual(await run([ns("logging", "a"), ns("logging", "b"), deny("logging", "a")]), [msg("b-logging")]);
        assert.deepStrictEqual(await run([ns("logging", "a"), deny("logging", "a", { podSelector: { matchLabels: { app: "x" } }, policyTypes: ["Ingress"] })]), [msg("a-logging")]);
        assert.deepStrictEqual(await run([ns("logging", "a"), deny("logging", "a", { podSelector: {}, policyTypes: ["Ingress"], ingress: [{}] })]), [msg("a-logging")]);
        assert.deepStrictEqual(await run([ns("logging", "a"), deny("logging", "a", { podSelector: {}, policyTypes: ["Egress"] })]), [msg("a-logging")]);
    });
});

describe("policy obs-stateful-enable-protection", () => {
    it("#1 protected cluster, bucket, key; retaining StorageClass: no violation", async () => {
        for (const t of ["aws:eks/cluster:Cluster", "gcp:container/cluster:Cluster", "aws:s3/bucket:Bucket", "gcp:storage/bucket:Bucket", "aws:kms/key:Key"]) {
            assert.deepStrictEqual(await check(protectionPolicy, t, {}, "prod", { protect: true }), [], t);
        }
        assert.deepStrictEqual(await check(protectionPolicy, "kubernetes:storage.k8s.io/v1:StorageClass", { reclaimPolicy: "Retain" }), []);
    });
    it("unprotected stateful resources and a deleting StorageClass; other types are not looked at", async () => {
        assert.deepStrictEqual(await check(protectionPolicy, "gcp:storage/bucket:Bucket", {}), ["GCS bucket r is not protected; register it with { protect: true } (and retainOnDelete) when observability:tier is prod."]);
        assert.deepStrictEqual(await check(protectionPolicy, "aws:kms/key:Key", {}), ["KMS key r is not protected; register it with { protect: true } (and retainOnDelete) when observability:tier is prod."]);
        assert.deepStrictEqual(await check(protectionPolicy, "kubernetes:storage.k8s.io/v1:StorageClass", { reclaimPolicy: "Delete" }),
            ['StorageClass r deletes its volumes with their claims (reclaimPolicy "Delete"); set reclaimPolicy: Retain when observability:tier is prod.']);
        assert.deepStrictEqual(await check(protectionPolicy, "aws:ec2/vpc:Vpc", {}), []);
    });
    it("runPolicies skips a disabled policy and reports advisory levels as advisory", async () => {
        const graph = [res("gcp:storage/bucket:Bucket", "g", { name: "g", uniformBucketLevelAccess: true, publicAccessPrevention: "enforced" })];
        useRenderedObjects(new Map());
        try {
            assert.deepStrictEqual(await runPolicies([protectionPolicy], graph, { "obs-stateful-enable-protection": "disabled" }), []);
            assert.deepStrictEqual((await runPolicies([protectionPolicy], graph, { "obs-stateful-enable-protection": "advisory" })).map(v => [v.policy, v.enforcementLevel]),
                [["obs-stateful-enable-protection", "advisory"]]);
        } finally {
            useHelmRendering();
        }
    });
});
