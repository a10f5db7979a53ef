/**
 * Invalid environments: each yields exactly the expected one-line error, naming key, value and what
 * is allowed, and registers nothing.
 */
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../stacks/config";
import { supportedVersions } from "../components/versions";
import { runConfig, VALID_SECRET_KEYS, validConfig } from "./lib/run";

type Mutate = (c: Record<string, any>) => void;

/** The base config as a prod environment the cloud checks accept (prod sizing needs bigger nodes). */
function prod(c: Record<string, any>): void {
    c.tier = "prod";
    c.clusters[0].nodePool = { machineType: "e2-standard-8", min: 3, max: 9 };
    c.clusters[1].nodePool = { machineType: "m6i.2xlarge", min: 3, max: 9 };
    // prod control planes must be reachable from listed networks only (cloud hardening).
    for (const cluster of c.clusters) cluster.authorizedNetworks = ["203.0.113.0/24"];
}

/** Resources the mock monitor of the latest run holds (each run gets a fresh monitor). */
function registeredCount(): number {
    return (pulumi.runtime.getMonitor() as unknown as { resources: Map<string, unknown> }).resources.size;
}
interface Case { readonly title: string; readonly mutate: Mutate; readonly error: string; readonly secretKeys?: string[] }

/** The minors in standard support on the machine's date (the schema reads the clock). */
const [GKE_NOW, EKS_NOW] = (["gcp", "aws"] as const).map(cloud => supportedVersions(cloud, new Date()).map(v => JSON.stringify(v)).join(", "));

const CASES: Case[] = [
    { title: "missing tier", mutate: c => { delete c.tier; }, error: `observability:tier: missing; expected one of "dev", "prod"` },
    { title: "unknown tier", mutate: c => { c.tier = "staging"; }, error: `observability:tier: got "staging"; expected one of "dev", "prod"` },
    { title: "unknown top-level key", mutate: c => { c.retenton = { logs: "3d" }; },
        error: "observability:retenton: unknown key; allowed keys are tier, clusters, retention, sampling, scrapeInterval, alerting, charts, slackWebhookUrl, pagerdutyRoutingKey, pagerdutyToken, smtpPassword, heartbeatUrl" },
    { title: "a misspelt namespace", mutate: c => { c["observabilty:tier"] = "dev"; },
        error: "observabilty:tier: unknown key; allowed namespaces are observability:, pulumi: and the providers' aws:, gcp:, kubernetes:, random:" },
    { title: "missing clusters", mutate: c => { delete c.clusters; }, error: "observability:clusters: missing; expected a list of clusters" },
    { title: "clusters not a list", mutate: c => { c.clusters = "dev-gke"; }, error: `observability:clusters: got "dev-gke"; expected a list of clusters` },
    { title: "no clusters", mutate: c => { c.clusters = []; }, error: "observability:clusters: got []; expected at least one cluster" },
    { title: "unknown cloud", mutate: c => { c.clusters[0].cloud = "azure"; }, error: `observability:clusters[0].cloud: got "azure"; expected one of "aws", "gcp"` },
    { title: "missing cloud", mutate: c => { delete c.clusters[1].cloud; }, error: `observability:clusters[1].cloud: missing; expected one of "aws", "gcp"` },
    { title: "bad cluster name", mutate: c => { c.clusters[0].name = "Dev_GKE"; },
        error: `observability:clusters[0].name: got "Dev_GKE"; expected 3 to 20 characters of lowercase letters, digits and '-', starting with a letter and ending with a letter or digit` },
    { title: "cluster name ending with '-'", mutate: c => { c.clusters[0].name = "dev-gke-"; },
        error: `observability:clusters[0].name: got "dev-gke-"; expected 3 to 20 characters of lowercase letters, digits and '-', starting with a letter and ending with a letter or digit` },
    { title: "cluster not an object", mutate: c => { c.clusters[1] = "dev-eks"; },
        error: `observability:clusters[1]: got "dev-eks"; expected a cluster object with cloud "aws" or "gcp"` },
    { title: "duplicate cluster names", mutate: c => { c.clusters[1].name = "dev-gke"; },
        error: `observability:clusters[1].name: got "dev-gke"; expected a name no other cluster of this stack uses` },
    { title: "GCP cluster without project", mutate: c => { delete c.clusters[0].project; },
        error: `observability:clusters[0].project: missing; expected a GCP project id like "acme-obs-prod"` },
    { title: "AWS cluster with a GCP project", mutate: c => { c.clusters[1].project = "acme-obs-dev"; },
        error: "observability:clusters[1].project: unknown key; allowed keys are name, cloud, region, kubernetesVersion, nodePool, network, admins, deployRole, authorizedNetworks, privateEndpoint" },
    { title: "GCP region on AWS", mutate: c => { c.clusters[1].region = "europe-west1"; },
        error: `observability:clusters[1].region: got "europe-west1"; expected an AWS region like "eu-west-1"` },
    { title: "unsupported Kubernetes version", mutate: c => { c.clusters[0].kubernetesVersion = "1.20"; },
        error: `observability:clusters[0].kubernetesVersion: got "1.20"; expected one of ${GKE_NOW} (in GKE standard support today)` },
    { title: "Kubernetes version as a number", mutate: c => { c.clusters[0].kubernetesVersion = 1.34; },
        error: `observability:clusters[0].kubernetesVersion: got 1.34; expected one of ${GKE_NOW} (in GKE standard support today) (quote the version in YAML: "1.35", not 1.35)` },
    { title: "EKS version past the end of standard support (1.32 ended 2026-03-23)", mutate: c => { c.clusters[1].kubernetesVersion = "1.32"; },
        error: `observability:clusters[1].kubernetesVersion: got "1.32"; expected one of ${EKS_NOW} (in EKS standard support today); "1.32" left EKS standard support on 2026-03-23 (https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html)` },
    { title: "GKE version past the end of standard support (1.32 ended 2026-04-11)", mutate: c => { c.clusters[0].kubernetesVersion = "1.32"; },
        error: `observability:clusters[0].kubernetesVersion: got "1.32"; expected one of ${GKE_NOW} (in GKE standard support today); "1.32" left GKE standard support on 2026-04-11 (https://cloud.google.com/kubernetes-engine/docs/release-schedule)` },
    { title: "deploy role missing", mutate: c => { delete c.clusters[1].deployRole; },
        error: `observability:clusters[1].deployRole: missing; expected an IAM role or user ARN like "arn:aws:iam::123456789012:role/platform-admin"` },
    { title: "deploy role also in admins", mutate: c => { c.clusters[1].admins.push(c.clusters[1].deployRole); },
        error: `observability:clusters[1].admins[1]: got "arn:aws:iam::123456789012:role/pulumi-deploy"; expected an ARN other than deployRole (the deploy role gets its own access entry; listing it again would fail with ResourceInUseException)` },
    { title: "authorized network not a CIDR", mutate: c => { c.clusters[0].authorizedNetworks = ["10.0.0.300/24"]; },
        error: `observability:clusters[0].authorizedNetworks[0]: got "10.0.0.300/24"; expected an IPv4 CIDR narrower than 0.0.0.0/0, like "203.0.113.0/24"` },
    { title: "authorized network open to the world", mutate: c => { c.clusters[1].authorizedNetworks = ["0.0.0.0/0"]; },
        error: `observability:clusters[1].authorizedNetworks[0]: got "0.0.0.0/0"; expected an IPv4 CIDR narrower than 0.0.0.0/0, like "203.0.113.0/24"` },
    { title: "empty authorized networks", mutate: c => { c.clusters[0].authorizedNetworks = []; },
        error: `observability:clusters[0].authorizedNetworks: got []; expected at least one CIDR; leave the key out for an open endpoint (dev only)` },
    { title: "prod control plane open to any address", mutate: c => {
        c.tier = "prod"; c.clusters[0].authorizedNetworks = ["203.0.113.0/24"];
        for (const [i, machineType] of [[0, "e2-standard-8"], [1, "m6i.2xlarge"]] as const) c.clusters[i].nodePool = { machineType, min: 3, max: 6 };
    },
        error: `observability:clusters[1].authorizedNetworks: missing; expected a list of IPv4 CIDRs allowed to reach the control plane (or privateEndpoint: true): required in prod` },
    { title: "two GKE clusters in one project (shared Workload Identity pool)", mutate: c => { c.clusters.push({ ...c.clusters[0], name: "dev-gke-2" }); },
        error: `observability:clusters[2].project: got "acme-obs-dev"; expected a project no other GKE cluster uses (clusters[0] is in it; Workload Identity is shared by every cluster of a project)` },
    { title: "node pool min 0", mutate: c => { c.clusters[0].nodePool.min = 0; },
        error: "observability:clusters[0].nodePool.min: got 0; expected an integer from 1 to 100" },
    { title: "node pool max below min", mutate: c => { c.clusters[1].nodePool.min = 4; c.clusters[1].nodePool.max = 2; },
        error: "observability:clusters[1].nodePool.max: got 2; expected an integer ≥ nodePool.min (4)" },
    { title: "node pool min as a string", mutate: c => { c.clusters[0].nodePool.min = "2"; },
        error: `observability:clusters[0].nodePool.min: got "2"; expected an integer from 1 to 100` },
    { title: "fractional node count", mutate: c => { c.clusters[0].nodePool.max = 2.5; },
        error: "observability:clusters[0].nodePool.max: got 2.5; expected an integer from 1 to 200" },
    { title: "unknown node pool key", mutate: c => { c.clusters[0].nodePool.size = 3; },
        error: "observability:clusters[0].nodePool.size: unknown key; allowed keys are machineType, min, max, diskSizeGb" },
    { title: "GCE machine type on AWS", mutate: c => { c.clusters[1].nodePool.machineType = "e2-standard-4"; },
        error: `observability:clusters[1].nodePool.machineType: got "e2-standard-4"; expected an EC2 instance type like "m6i.xlarge"` },
    { title: "disk too small", mutate: c => { c.clusters[0].nodePool.diskSizeGb = 10; },
        error: "observability:clusters[0].nodePool.diskSizeGb: got 10; expected an integer from 20 to 2000" },
    { title: "metrics retention too short", mutate: c => { c.retention.metrics = "3d"; },
        error: `observability:retention.metrics: got "3d"; expected a duration like "400d" from 1w to 400d` },
    { title: "logs retention too long", mutate: c => { c.retention.logs = "30d"; },
        error: `observability:retention.logs: got "30d"; expected a duration like "14d" from 1d to 2w` },
    { title: "traces retention not a duration", mutate: c => { c.retention.traces = "forever"; },
        error: `observability:retention.traces: got "forever"; expected a duration like "14d" from 1h to 2w` },
    { title: "traces retention missing", mutate: c => { delete c.retention.traces; },
        error: `observability:retention.traces: missing; expected a duration like "14d" from 1h to 2w` },
    { title: "retention not an object", mutate: c => { c.retention = "7d"; },
        error: `observability:retention: got "7d"; expected an object with keys metrics, logs, traces` },
    { title: "sampling 0 %", mutate: c => { c.sampling.percentage = 0; },
        error: "observability:sampling.percentage: got 0; expected a number from 0.01 to 100" },
    { title: "sampling above 100 %", mutate: c => { c.sampling.percentage = 150; },
        error: "observability:sampling.percentage: got 150; expected a number from 0.01 to 100" },
    { title: "sampling below 0.01 %", mutate: c => { c.sampling.percentage = 0.005; },
        error: "observability:sampling.percentage: got 0.005; expected a number from 0.01 to 100" },
    { title: "misspelt secret key", mutate: c => { c.slackWebhookURL = c.slackWebhookUrl; }, secretKeys: ["slackWebhookUrl", "slackWebhookURL"],
        error: "observability:slackWebhookURL: unknown key; allowed keys are tier, clusters, retention, sampling, scrapeInterval, alerting, charts, slackWebhookUrl, pagerdutyRoutingKey, pagerdutyToken, smtpPassword, heartbeatUrl" },
    { title: "sampling as a string", mutate: c => { c.sampling.percentage = "10%"; },
        error: `observability:sampling.percentage: got "10%"; expected a number from 0.01 to 100` },
    { title: "latency threshold too short", mutate: c => { c.sampling.latencyThreshold = "10ms"; },
        error: `observability:sampling.latencyThreshold: got "10ms"; expected a duration like "60s" from 100ms to 1m` },
    { title: "scrape interval outside 15–30 s", mutate: c => { c.scrapeInterval = "60s"; },
        error: `observability:scrapeInterval: got "60s"; expected a duration like "30s" from 15s to 30s` },
    { title: "Slack channel without #", mutate: c => { c.alerting.slack.channels.critical = "obs-alerts"; },
        error: `observability:alerting.slack.channels.critical: got "obs-alerts"; expected a Slack channel like "#obs-alerts"` },
    { title: "PagerDuty enabled not a boolean", mutate: c => { c.alerting.pagerduty.enabled = "yes"; },
        error: `observability:alerting.pagerduty.enabled: got "yes"; expected true or false` },
    { title: "unknown paging severity", mutate: c => { c.alerting.pagerduty.severities = ["urgent"]; },
        error: `observability:alerting.pagerduty.severities[0]: got "urgent"; expected one of "critical", "warning", "info"` },
    { title: "chart version range", mutate: c => { c.charts = { loki: "^18.0.0" }; },
        error: `observability:charts.loki: got "^18.0.0"; expected a vendored version of loki ("18.11.0"; add one with npm run charts:pull -- loki <version>)` },
    { title: "chart version that has no vendored package", mutate: c => { c.charts = { tempo: "2.3.0" }; },
        error: `observability:charts.tempo: got "2.3.0"; expected a vendored version of tempo ("2.2.4"; add one with npm run charts:pull -- tempo <version>)` },
    { title: "end-of-life chart", mutate: c => { c.charts = { promtail: "6.17.1" }; },
        error: "observability:charts.promtail: unknown key; allowed keys are prometheusOperatorCrds, kubePrometheusStack, loki, tempo, tempoDistributed, openTelemetryCollector, alloy" },
    { title: "bad admin ARN", mutate: c => { c.clusters[1].admins = ["admin"]; },
        error: `observability:clusters[1].admins[0]: got "admin"; expected an IAM role or user ARN like "arn:aws:iam::123456789012:role/platform-admin"` },
    { title: "existing VPC with one subnet", mutate: c => { c.clusters[1].network = { privateSubnetIds: ["subnet-0abc12345def67890"] }; },
        error: `observability:clusters[1].network.privateSubnetIds: got ["subnet-0abc12345def67890"]; expected at least 2 private subnets in different AZs` },
    { title: "existing VPC with a repeated subnet", mutate: c => { c.clusters[1].network = { privateSubnetIds: ["subnet-0abc12345def67890", "subnet-0abc12345def67890"] }; },
        error: `observability:clusters[1].network.privateSubnetIds[1]: got "subnet-0abc12345def67890"; expected a subnet id not listed before` },
    { title: "bad CMEK key name", mutate: c => { c.clusters[0].cmekKeyName = "my-key"; },
        error: `observability:clusters[0].cmekKeyName: got "my-key"; expected a Cloud KMS key name like "projects/p/locations/europe-west1/keyRings/r/cryptoKeys/k"` },
    { title: "unknown release channel", mutate: c => { c.clusters[0].releaseChannel = "BETA"; },
        error: `observability:clusters[0].releaseChannel: got "BETA"; expected one of "RAPID", "REGULAR", "STABLE"` },
    { title: "Slack webhook secret missing", mutate: c => { delete c.slackWebhookUrl; }, secretKeys: [],
        error: "observability:slackWebhookUrl: missing; expected an https URL like \"https://hooks.slack.com/services/…\", set with `pulumi config set --secret observability:slackWebhookUrl <value>`" },
    { title: "Slack webhook in plaintext", mutate: () => undefined, secretKeys: [],
        error: "observability:slackWebhookUrl: stored in plaintext; expected a secret, set with `pulumi config set --secret observability:slackWebhookUrl <value>`" },
    { title: "PagerDuty key missing when paging is on", mutate: c => { prod(c); c.alerting.pagerduty.enabled = true; },
        error: "observability:pagerdutyRoutingKey: missing; expected a 32-character PagerDuty Events v2 routing key, set with `pulumi config set --secret observability:pagerdutyRoutingKey <value>`" },
    { title: "malformed PagerDuty key (value never echoed)", mutate: c => { prod(c); c.alerting.pagerduty.enabled = true; c.pagerdutyRoutingKey = "sk-live-123"; },
        secretKeys: ["slackWebhookUrl", "pagerdutyRoutingKey"],
        error: "observability:pagerdutyRoutingKey: got [secret]; expected a 32-character PagerDuty Events v2 routing key" },
    // ---- alerting (issue 7) ----
    { title: "paging on a dev stack", mutate: c => { c.alerting.pagerduty.enabled = true; c.pagerdutyRoutingKey = "A".repeat(32); },
        secretKeys: [...VALID_SECRET_KEYS, "pagerdutyRoutingKey"],
        error: "observability:alerting.pagerduty.enabled: got true; expected false on tier dev (dev never pages)" },
    { title: "a managed PagerDuty service with paging off", mutate: c => { c.alerting.pagerduty.service = { escalationPolicy: "Ops" }; },
        error: "observability:alerting.pagerduty.enabled: got false; expected true when pagerduty.service is set" },
    { title: "PagerDuty token missing for PagerDuty as code", mutate: c => { prod(c); c.alerting.pagerduty = { enabled: true, service: { escalationPolicy: "Ops" } }; },
        error: "observability:pagerdutyToken: missing; expected a PagerDuty REST API token (20 to 64 characters of letters, digits, _+=-), set with `pulumi config set --secret observability:pagerdutyToken <value>`" },
    { title: "blank escalation policy name", mutate: c => { prod(c); c.alerting.pagerduty = { enabled: true, service: { escalationPolicy: " " } }; },
        error: `observability:alerting.pagerduty.service.escalationPolicy: got " "; expected the name of an existing PagerDuty escalation policy` },
    { title: "bad email recipient", mutate: c => { c.alerting.email = { from: "am@acme.example", smarthost: "smtp.acme.example:587", username: "am", to: { critical: ["oncall"] } }; c.smtpPassword = "pw"; },
        secretKeys: [...VALID_SECRET_KEYS, "smtpPassword"],
        error: `observability:alerting.email.to.critical[0]: got "oncall"; expected an email address like "oncall@acme.example"` },
    { title: "smarthost without a port", mutate: c => { c.alerting.email = { from: "am@acme.example", smarthost: "smtp.acme.example", username: "am", to: {} }; },
        error: `observability:alerting.email.smarthost: got "smtp.acme.example"; expected host:port of the SMTP server, like "smtp.acme.example:587"` },
    { title: "unknown email severity", mutate: c => { c.alerting.email = { from: "am@acme.example", smarthost: "smtp.acme.example:25", username: "am", to: { page: ["a@acme.example"] } }; },
        error: "observability:alerting.email.to.page: unknown key; allowed keys are critical, warning, info" },
    { title: "SMTP password missing when email is on", mutate: c => { c.alerting.email = { from: "am@acme.example", smarthost: "smtp.acme.example:587", username: "am", to: { warning: ["a@acme.example"] } }; },
        error: "observability:smtpPassword: missing; expected a password of 1 to 256 characters on one line, set with `pulumi config set --secret observability:smtpPassword <value>`" },
    { title: "SMTP password in plaintext", mutate: c => { c.alerting.email = { from: "am@acme.example", smarthost: "smtp.acme.example:587", username: "am", to: {} }; c.smtpPassword = "sk-live-123"; },
        error: "observability:smtpPassword: stored in plaintext; expected a secret, set with `pulumi config set --secret observability:smtpPassword <value>`" },
    { title: "heartbeat URL missing (the heartbeat is on by default)", mutate: c => { delete c.heartbeatUrl; }, secretKeys: ["slackWebhookUrl"],
        error: "observability:heartbeatUrl: missing; expected an https URL like \"https://hc-ping.com/<uuid>\", set with `pulumi config set --secret observability:heartbeatUrl <value>`" },
    { title: "heartbeat URL over http (value never echoed)", mutate: c => { c.heartbeatUrl = "http://sk-live-123.example"; },
        error: "observability:heartbeatUrl: got [secret]; expected an https URL like \"https://hc-ping.com/<uuid>\"" },
    { title: "heartbeat switch not a boolean", mutate: c => { c.alerting.heartbeat = { enabled: "on" }; },
        error: `observability:alerting.heartbeat.enabled: got "on"; expected true or false` },
    { title: "links missing", mutate: c => { delete c.alerting.links; },
        error: "observability:alerting.links: missing; expected an object with keys grafana, runbooks" },
    { title: "Grafana link with a trailing slash", mutate: c => { c.alerting.links.grafana = "https://grafana.acme.example/"; },
        error: `observability:alerting.links.grafana: got "https://grafana.acme.example/"; expected an https URL without a trailing slash, like "https://grafana.acme.example"` },
    { title: "availability objective of 100 %", mutate: c => { c.alerting.slos = [{ service: "checkout", availability: 100 }]; },
        error: "observability:alerting.slos[0].availability: got 100; expected a percentage from 95 to below 100, like 99.9" },
    { title: "availability objective too low to alert on", mutate: c => { c.alerting.slos = [{ service: "checkout", availability: 90 }]; },
        error: "observability:alerting.slos[0].availability: got 90; expected a percentage from 95 to below 100, like 99.9" },
    { title: "latency threshold that is no histogram bucket", mutate: c => { c.alerting.slos = [{ service: "checkout", availability: 99, latency: { threshold: "300ms", percentage: 99 } }]; },
        error: `observability:alerting.slos[0].latency.threshold: got "300ms"; expected one of the span-metrics histogram buckets: 2ms, 4ms, 6ms, 8ms, 10ms, 50ms, 100ms, 200ms, 400ms, 800ms, 1s, 1400ms, 2s, 5s, 10s, 15s` },
    { title: "two SLOs for one service", mutate: c => { c.alerting.slos = [{ service: "checkout", availability: 99 }, { service: "checkout", availability: 99.9 }]; },
        error: `observability:alerting.slos[1].service: got "checkout"; expected a service no other SLO names` },
    { title: "service name that would break PromQL", mutate: c => { c.alerting.slos = [{ service: 'checkout"}', availability: 99 }]; },
        error: `observability:alerting.slos[0].service: got "checkout\\"}"; expected a service.name of letters, digits, '.', '_', '/', '-' (at most 63)` },
    { title: "unknown SLO key", mutate: c => { c.alerting.slos = [{ service: "checkout", availability: 99, window: "7d" }]; },
        error: "observability:alerting.slos[0].window: unknown key; allowed keys are service, availability, latency" },
];

describe("environment config: invalid input", () => {
    it("the valid base config registers resources (so the cases below fail for their one reason)", async () => {
        const { records } = await runConfig(validConfig(), VALID_SECRET_KEYS);
        assert.ok(records.length > 50, `only ${records.length} resources`);
    });

    it(`covers at least 30 distinct invalid configs (${CASES.length})`, () => {
        assert.ok(CASES.length >= 30);
        assert.strictEqual(new Set(CASES.map(c => c.error)).size, CASES.length, "every case has its own message");
    });

    for (const c of CASES) {
        it(`${c.title}: one error, nothing registered`, async () => {
            const config = validConfig();
            c.mutate(config);
            let records: unknown[] | undefined;
            const err = await runConfig(config, c.secretKeys ?? VALID_SECRET_KEYS).then(r => { records = r.records; return undefined; }, (e: unknown) => e);
            assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${err === undefined ? `success with ${records?.length} resources` : String(err)}`);
            assert.strictEqual(registeredCount(), 0, "nothing registered");
            assert.strictEqual(err.message, c.error);
            assert.ok(!err.message.includes("\n"), "one line");
            assert.ok(!err.message.includes("sk-live-123"), "secret value never echoed");
        });
    }

    it("provider config (which explicit providers ignore) is a warning, not an error", async () => {
        const { ignoredProviderKeys, parseEnvironment } = await import("../stacks/config");
        const config = { ...validConfig(), "aws:region": "eu-west-1", "gcp:project": "x" };
        const raw = { values: config, secretKeys: new Set(VALID_SECRET_KEYS) };
        assert.strictEqual(parseEnvironment(raw).tier, "dev");
        assert.deepStrictEqual(ignoredProviderKeys(raw), ["aws:region", "gcp:project"]);
    });

    it("the registration count is real: a valid run leaves resources in the monitor", async () => {
        await runConfig(validConfig(), VALID_SECRET_KEYS);
        assert.ok(registeredCount() > 50);
    });

    it("a stack file that is not valid YAML is one line, not a parser trace", async () => {
        const fs = await import("fs");
        const os = await import("os");
        const path = await import("path");
        const { readStackFile, StackFileError } = await import("../tools/lib/stack-file");
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "obs-stack-"));
        fs.writeFileSync(path.join(dir, "Pulumi.broken.yaml"), "config:\n  observability:tier: dev\n  observability:tier: prod\n");
        assert.throws(() => readStackFile("broken", dir), (e: Error) => e instanceof StackFileError &&
            e.message === "Pulumi.broken.yaml:3 is not valid YAML: Map keys must be unique" && !e.message.includes("\n"));
        assert.throws(() => readStackFile("absent", dir), { message: "no stack file Pulumi.absent.yaml; stacks here: broken" });
        fs.rmSync(dir, { recursive: true });
    });

    it("is a RunError, so the Pulumi CLI prints the message without a stack trace", async () => {
        assert.ok(pulumi.RunError.isInstance(new ConfigError("x")));
    });
});
