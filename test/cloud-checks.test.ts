/**
 * Environments the schema accepts in shape but a cloud (or the stack itself) would refuse at
 * `pulumi up`: each is one exact line naming its key, and nothing is registered. Plus the names
 * the checks judge are the names the program registers, and a property over cluster names.
 */
import * as assert from "assert";
import fc from "fast-check";
import * as pulumi from "@pulumi/pulumi";
import { NAME_RULES, type NameRuleKey, nameViolation } from "../components/cloud-rules";
import { amiTypeFor } from "../components/machine-types";
import { prometheusDisk } from "../components/sizing";
import { DAY_MS } from "../components/duration";
import { type CloudIssue, cloudIssues, physicalNames } from "../stacks/cloud-checks";
import { ConfigError, parseEnvironment } from "../stacks/config";
import { byType, runConfig, VALID_SECRET_KEYS, validConfig } from "./lib/run";

type Mutate = (c: Record<string, any>) => void;
const GKE = 0;
const EKS = 1;

/** validConfig() as prod: a node type that holds Prometheus's 8Gi request, 3 nodes for the ingesters. */
const prod: Mutate = c => {
    c.tier = "prod";
    c.clusters[EKS].nodePool = { machineType: "m6i.2xlarge", min: 3, max: 6 };
    for (const cluster of c.clusters) cluster.authorizedNetworks = ["203.0.113.0/24"];
};

const S3 = "(source: https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html, general purpose buckets)";
const GCS = "(source: https://cloud.google.com/storage/docs/buckets#naming)";
const NAME = "expected a name from which every derived cloud name is valid:";
const ARM = "expected an x86 machine type: GKE taints Arm nodes (kubernetes.io/arch=arm64:NoSchedule) and the releases' pods carry no toleration for it, so nothing would schedule";
const PAIR = "a kubePrometheusStack/prometheusOperatorCrds pair verified together (88.5.3 with 31.0.1; components/versions.ts CHART_PAIRS): the CRDs release must carry the operator version that kube-prometheus-stack runs";

const CASES: { readonly title: string; readonly mutate: Mutate; readonly error: string }[] = [
    // names
    { title: "S3: reserved prefix xn--", mutate: c => { c.clusters[EKS].name = "xn--obs"; },
        error: `observability:clusters[1].name: got "xn--obs"; ${NAME} the S3 bucket name "xn--obs-loki-chunks-<7 hex>" (Pulumi's auto-name) starts with the reserved prefix "xn--" ${S3}` },
    { title: "S3: reserved prefix sthree-", mutate: c => { c.clusters[EKS].name = "sthree-obs"; },
        error: `observability:clusters[1].name: got "sthree-obs"; ${NAME} the S3 bucket name "sthree-obs-loki-chunks-<7 hex>" (Pulumi's auto-name) starts with the reserved prefix "sthree-" ${S3}` },
    { title: "S3: reserved prefix amzn-s3-demo-", mutate: c => { c.clusters[EKS].name = "amzn-s3-demo-x"; },
        error: `observability:clusters[1].name: got "amzn-s3-demo-x"; ${NAME} the S3 bucket name "amzn-s3-demo-x-loki-chunks-<7 hex>" (Pulumi's auto-name) starts with the reserved prefix "amzn-s3-demo-" ${S3}` },
    { title: "GCS: contains google", mutate: c => { c.clusters[GKE].name = "my-google-obs"; },
        error: `observability:clusters[0].name: got "my-google-obs"; ${NAME} the Cloud Storage bucket name "my-google-obs-loki-chunks-<7 hex>" (Pulumi's auto-name) contains google (or a close misspelling such as g00gle), which is reserved ${GCS}` },
    { title: "GCS: a misspelling of google", mutate: c => { c.clusters[GKE].name = "g00gle-obs"; },
        error: `observability:clusters[0].name: got "g00gle-obs"; ${NAME} the Cloud Storage bucket name "g00gle-obs-loki-chunks-<7 hex>" (Pulumi's auto-name) contains google (or a close misspelling such as g00gle), which is reserved ${GCS}` },
    { title: "GCS: reserved prefix goog", mutate: c => { c.clusters[GKE].name = "goog-obs"; },
        error: `observability:clusters[0].name: got "goog-obs"; ${NAME} the Cloud Storage bucket name "goog-obs-loki-chunks-<7 hex>" (Pulumi's auto-name) starts with the reserved prefix "goog" ${GCS}` },
    // regions, partitions, locations
    { title: "an AWS region that does not exist", mutate: c => { c.clusters[EKS].region = "eu-west-9"; },
        error: `observability:clusters[1].region: got "eu-west-9"; expected an AWS region that exists, like "eu-west-1" (components/regions.ts, taken 2026-12-02)` },
    { title: "a GCP region that does not exist", mutate: c => { c.clusters[GKE].region = "europe-west7"; },
        error: `observability:clusters[0].region: got "europe-west7"; expected a GCP region that exists, like "europe-west1" (components/regions.ts, taken 2026-12-02)` },
    { title: "an admin ARN of partition aws on a GovCloud cluster", mutate: c => { c.clusters[EKS].region = "us-gov-west-1"; },
        error: `observability:clusters[1].admins[0]: got "arn:aws:iam::123456789012:role/admin"; expected an ARN in partition "aws-us-gov" (arn:aws-us-gov:...), the partition of us-gov-west-1` },
    { title: "an admin ARN of partition aws in China", mutate: c => { c.clusters[EKS].region = "cn-north-1"; },
        error: `observability:clusters[1].admins[0]: got "arn:aws:iam::123456789012:role/admin"; expected an ARN in partition "aws-cn" (arn:aws-cn:...), the partition of cn-north-1` },
    { title: "a CMEK key in another location than the buckets", mutate: c => { c.clusters[GKE].cmekKeyName = "projects/p/locations/us-east1/keyRings/r/cryptoKeys/k"; },
        error: `observability:clusters[0].cmekKeyName: got "projects/p/locations/us-east1/keyRings/r/cryptoKeys/k"; expected a Cloud KMS key in location "europe-west1", where the cluster's buckets are: Cloud Storage uses a customer-managed key only from the bucket's own location` },
    // machine types
    { title: "e2-standard-3 does not exist", mutate: c => { c.clusters[GKE].nodePool.machineType = "e2-standard-3"; },
        error: `observability:clusters[0].nodePool.machineType: got "e2-standard-3"; expected a Compute Engine machine type that exists: e2-standard comes with 2, 4, 8, 16, 32 vCPUs` },
    { title: "an unknown GCE class", mutate: c => { c.clusters[GKE].nodePool.machineType = "e2-mega-4"; },
        error: `observability:clusters[0].nodePool.machineType: got "e2-mega-4"; expected a Compute Engine machine type that exists: e2 comes in e2-standard, e2-highmem, e2-highcpu` },
    { title: "an unknown GCE family", mutate: c => { c.clusters[GKE].nodePool.machineType = "e9-standard-4"; },
        error: `observability:clusters[0].nodePool.machineType: got "e9-standard-4"; expected a Compute Engine machine type of a known family (e2, n1, n2, n2d, n4, c2, c2d, c3, c3d, c4, t2d, t2a, c4a; components/machine-types.ts)` },
    { title: "an EC2 size that does not exist", mutate: c => { c.clusters[EKS].nodePool.machineType = "m6i.huge"; },
        error: `observability:clusters[1].nodePool.machineType: got "m6i.huge"; expected an EC2 instance type that exists: m6i comes in large, xlarge, 2xlarge, 4xlarge, 8xlarge, 12xlarge, 16xlarge, 24xlarge, 32xlarge, metal` },
    { title: "an Arm GKE pool (t2a)", mutate: c => { c.clusters[GKE].nodePool.machineType = "t2a-standard-4"; },
        error: `observability:clusters[0].nodePool.machineType: got "t2a-standard-4"; ${ARM}` },
    { title: "an Arm GKE pool (c4a)", mutate: c => { c.clusters[GKE].nodePool.machineType = "c4a-standard-8"; },
        error: `observability:clusters[0].nodePool.machineType: got "c4a-standard-8"; ${ARM}` },
    { title: "a prod EKS node of 8 GiB cannot hold Prometheus's 8Gi request", mutate: c => { prod(c); c.clusters[EKS].nodePool.machineType = "m6i.large"; },
        error: `observability:clusters[1].nodePool.machineType: got "m6i.large"; expected a type whose allocatable memory holds prod's largest pod request (prometheus: 8Gi) plus the per-node DaemonSets (656Mi); m6i.large has 8 GiB, 7518 MiB allocatable` },
    { title: "a prod GKE node of 8 GB", mutate: c => { prod(c); c.clusters[GKE].nodePool.machineType = "e2-standard-2"; },
        error: `observability:clusters[0].nodePool.machineType: got "e2-standard-2"; expected a type whose allocatable memory holds prod's largest pod request (prometheus: 8Gi) plus the per-node DaemonSets (656Mi); e2-standard-2 has 8 GiB, 6248 MiB allocatable` },
    { title: "a dev node of 1 GiB", mutate: c => { c.clusters[EKS].nodePool.machineType = "t3.micro"; },
        error: `observability:clusters[1].nodePool.machineType: got "t3.micro"; expected a type whose allocatable memory holds dev's largest pod request (prometheus: 1Gi) plus the per-node DaemonSets (528Mi); t3.micro has 1 GiB, 350 MiB allocatable` },
    { title: "prod EKS with min 2: three ingesters need three nodes", mutate: c => { prod(c); c.clusters[EKS].nodePool.min = 2; },
        error: "observability:clusters[1].nodePool.min: got 2; expected at least 3: prod runs 3 Loki ingesters with required pod anti-affinity (one per node), and a rollout can count only on the node group's minimum (the Cluster Autoscaler adds nodes after pods are pending, and an atomic upgrade times out meanwhile)" },
    { title: "prod GKE with max 2", mutate: c => { prod(c); c.clusters[GKE].nodePool = { machineType: "e2-standard-8", min: 1, max: 2 }; },
        error: "observability:clusters[0].nodePool.max: got 2; expected at least 3: prod runs 3 Loki ingesters with required pod anti-affinity (one per node), and GKE's autoscaler adds nodes only up to max" },
    // chart pins
    { title: "a tempo pin on prod, which deploys tempo-distributed", mutate: c => { prod(c); c.charts = { tempo: "2.2.4" }; },
        error: `observability:charts.tempo: got "2.2.4"; expected no pin: prod does not deploy tempo (it deploys tempo-distributed, charts.tempoDistributed)` },
    { title: "a tempoDistributed pin on dev", mutate: c => { c.charts = { tempoDistributed: "2.26.2" }; },
        error: `observability:charts.tempoDistributed: got "2.26.2"; expected no pin: dev does not deploy tempo-distributed (it deploys tempo, charts.tempo)` },
    // duplicates
    { title: "the same admin twice", mutate: c => { c.clusters[EKS].admins = ["arn:aws:iam::123456789012:role/admin", "arn:aws:iam::123456789012:role/admin"]; },
        error: `observability:clusters[1].admins[1]: got "arn:aws:iam::123456789012:role/admin"; expected an ARN not listed before` },
];

function registeredCount(): number {
    return (pulumi.runtime.getMonitor() as unknown as { resources: Map<string, unknown> }).resources.size;
}

/**
 * Pins of versions that are not vendored are refused earlier, by the schema (components/charts.ts);
 * these checks hold for whatever version gets vendored next, so they are tested on the checks alone.
 */
const PIN_CASES: { readonly title: string; readonly tier: "dev" | "prod"; readonly charts: Record<string, string>; readonly issue: CloudIssue | undefined }[] = [
    { title: "a kube-prometheus-stack pin without its CRDs", tier: "dev", charts: { kubePrometheusStack: "88.6.0" },
        issue: { path: ["charts", "kubePrometheusStack"], input: "88.6.0", message: PAIR } },
    { title: "a CRDs pin without kube-prometheus-stack", tier: "dev", charts: { prometheusOperatorCrds: "31.1.0" },
        issue: { path: ["charts", "prometheusOperatorCrds"], input: "31.1.0", message: PAIR } },
    { title: "tempo-distributed 3.x", tier: "prod", charts: { tempoDistributed: "3.0.0" },
        issue: { path: ["charts", "tempoDistributed"], input: "3.0.0", message: "a version 2.x: tempo-distributed 3.x (Tempo 3.0) removes ingesters and the compactor and needs Kafka on the write path, which this stack does not provide" } },
    { title: "another major of a chart", tier: "dev", charts: { loki: "19.0.0" },
        issue: { path: ["charts", "loki"], input: "19.0.0", message: "a version 18.x: the values are rendered and checked for loki 18.x (test/lib/chart-keys.ts); another major renames keys" } },
    { title: "a pin in the same major", tier: "dev", charts: { loki: "18.12.0" }, issue: undefined },
];

describe("chart pins, on the checks alone", () => {
    for (const c of PIN_CASES) {
        it(`${c.title}: ${c.issue ? "refused" : "accepted"}`, () => {
            const config = validConfig();
            if (c.tier === "prod") prod(config);
            const env = parseEnvironment({ values: config, secretKeys: new Set(VALID_SECRET_KEYS) });
            assert.deepStrictEqual(cloudIssues({ ...env, charts: c.charts })[0], c.issue);
        });
    }
});

describe("cloud rules, before anything is registered", () => {
    assert.strictEqual(new Set(CASES.map(c => c.error)).size, CASES.length, "every case has its own message");
    for (const c of CASES) {
        it(`${c.title}: one line, nothing registered`, async () => {
            const config = validConfig();
            c.mutate(config);
            const err = await runConfig(config, VALID_SECRET_KEYS).then(() => undefined, (e: unknown) => e);
            assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
            assert.strictEqual(err.message, c.error);
            assert.strictEqual(registeredCount(), 0);
        });
    }

    const ACCEPTED: [string, Mutate][] = [
        ["a GovCloud cluster with GovCloud admins (the old ARN pattern refused aws-us-gov)", c => {
            c.clusters[EKS].region = "us-gov-west-1"; c.clusters[EKS].admins = ["arn:aws-us-gov:iam::123456789012:role/admin"];
        }],
        ["a region of the European Sovereign Cloud", c => { c.clusters[EKS].region = "eusc-de-east-1"; c.clusters[EKS].admins = []; }],
        ["a CMEK key in the buckets' location", c => { c.clusters[GKE].cmekKeyName = "projects/k/locations/europe-west1/keyRings/r/cryptoKeys/k"; }],
        ["both halves of a verified pair", c => { c.charts = { kubePrometheusStack: "88.5.3", prometheusOperatorCrds: "31.0.1" }; }],
        ["dev metrics kept 400 days (the disk follows)", c => { c.retention.metrics = "400d"; }],
    ];
    for (const [title, mutate] of ACCEPTED) {
        it(`accepted: ${title}`, () => {
            const config = validConfig();
            mutate(config);
            assert.doesNotThrow(() => parseEnvironment({ values: config, secretKeys: new Set(VALID_SECRET_KEYS) }));
        });
    }

    it("Graviton and a1 types get the ARM AMI; x86 types the x86 one; and the node group says so", async () => {
        assert.deepStrictEqual(["a1.large", "m7g.xlarge", "c8gd.2xlarge", "t4g.medium", "m6i.large", "m7i-flex.large", "t3a.large"].map(amiTypeFor), [
            "AL2023_ARM_64_STANDARD", "AL2023_ARM_64_STANDARD", "AL2023_ARM_64_STANDARD", "AL2023_ARM_64_STANDARD",
            "AL2023_x86_64_STANDARD", "AL2023_x86_64_STANDARD", "AL2023_x86_64_STANDARD",
        ]);
        const config = validConfig();
        config.clusters[EKS].nodePool.machineType = "a1.xlarge";
        const { records } = await runConfig(config, VALID_SECRET_KEYS);
        assert.strictEqual(byType(records, "aws:eks/nodeGroup:NodeGroup")[0]!.inputs.amiType, "AL2023_ARM_64_STANDARD");
    });

    it("Prometheus's retention size follows the retention: the size cap never deletes data younger than the retention", async () => {
        assert.deepStrictEqual(prometheusDisk("dev", 15 * DAY_MS, 30_000), { neededGiB: 17, retentionSize: "18GiB", storage: "20Gi" });
        // 400d × 200k series × 2880 samples/day × 2 B = 429.2 GiB.
        assert.deepStrictEqual(prometheusDisk("dev", 400 * DAY_MS, 30_000), { neededGiB: 430, retentionSize: "430GiB", storage: "478Gi" });
        const config = validConfig();
        config.retention.metrics = "400d";
        const { records } = await runConfig(config, VALID_SECRET_KEYS);
        const kps = records.find(r => r.type === "kubernetes:helm.sh/v3:Release" && r.name.endsWith("-kps") && r.name.startsWith("dev-gke"))!;
        const spec = ((kps.inputs.values as any).prometheus.prometheusSpec) as Record<string, any>;
        assert.deepStrictEqual([spec.retention, spec.retentionSize, spec.storageSpec.volumeClaimTemplate.spec.resources.requests.storage], ["400d", "430GiB", "478Gi"]);
    });
});

/** Resource type → how to read the physical (or logical, for auto-named) name of a registration. */
const REGISTERED: Record<NameRuleKey, readonly { type: string; input?: string }[]> = {
    eksCluster: [{ type: "aws:eks/cluster:Cluster", input: "name" }],
    eksNodeGroup: [{ type: "aws:eks/nodeGroup:NodeGroup" }],
    kmsAlias: [{ type: "aws:kms/alias:Alias", input: "name" }],
    s3Bucket: [{ type: "aws:s3/bucket:Bucket" }],
    iamRole: [{ type: "aws:iam/role:Role" }],
    gkeCluster: [{ type: "gcp:container/cluster:Cluster", input: "name" }],
    gkeNodePool: [{ type: "gcp:container/nodePool:NodePool" }],
    gcsBucket: [{ type: "gcp:storage/bucket:Bucket" }],
    gcpServiceAccountId: [{ type: "gcp:serviceaccount/account:Account", input: "accountId" }],
    computeName: [{ type: "gcp:compute/network:Network" }, { type: "gcp:compute/subnetwork:Subnetwork" }, { type: "gcp:compute/router:Router" }, { type: "gcp:compute/routerNat:RouterNat" }],
};

describe("the names the checks judge are the names the program registers", () => {
    for (const names of [["dev-gke", "dev-eks"], ["a1b", "zz-9"]] as const) {
        it(`clusters ${names.join(", ")}: every restricted name, and no other`, async () => {
            const config = validConfig();
            config.clusters[GKE].name = names[0];
            config.clusters[EKS].name = names[1];
            const { records } = await runConfig(config, VALID_SECRET_KEYS);
            const predicted = config.clusters.flatMap((c: { name: string; cloud: "aws" | "gcp" }) => physicalNames(c))
                .map((n: { rule: string; name: string; auto: boolean }) => `${n.rule} ${n.auto ? n.name.slice(0, -8) : n.name}`).sort();
            const registered = (Object.keys(REGISTERED) as NameRuleKey[]).flatMap(rule => REGISTERED[rule].flatMap(({ type, input }) =>
                byType(records, type).map(r => `${rule} ${input ? String(r.inputs[input]) : r.name}`))).sort();
            assert.deepStrictEqual(predicted, registered);
        });
    }
});

describe("property: every cluster name the schema accepts yields names every cloud accepts", () => {
    it("3-20 chars of a-z0-9- starting with a letter: accepted, or refused at its name for a reserved word", () => {
        const name = fc.stringMatching(/^[a-z][a-z0-9-]{1,18}[a-z0-9]$/);
        fc.assert(fc.property(name, name, fc.boolean(), (gke, eks, withReserved) => {
            if (withReserved) gke = `goog${gke}`.slice(0, 20).replace(/-+$/, "") || "goog";
            fc.pre(gke !== eks);
            const config = validConfig();
            config.clusters[GKE].name = gke;
            config.clusters[EKS].name = eks;
            let accepted = true;
            try {
                parseEnvironment({ values: config, secretKeys: new Set(VALID_SECRET_KEYS) });
            } catch (e) {
                accepted = false;
                assert.ok(e instanceof ConfigError);
                assert.match(e.message, /^observability:clusters\[[01]\]\.name: got "[a-z0-9-]+"; expected a name from which every derived cloud name is valid: .+ (starts with the reserved prefix|contains .+, which is reserved|ends with the reserved suffix)/, e.message);
            }
            const all = [{ name: gke, cloud: "gcp" as const }, { name: eks, cloud: "aws" as const }].flatMap(c => physicalNames(c));
            const broken = all.filter(n => nameViolation(NAME_RULES[n.rule], n.name) !== undefined);
            // Lengths and character sets always hold for names of 3-20 characters; only reserved words can break a name.
            for (const b of broken) assert.match(nameViolation(NAME_RULES[b.rule], b.name)!, /reserved/);
            assert.strictEqual(accepted, broken.length === 0);
            if (withReserved) assert.ok(!accepted);
        }), { numRuns: 300 });
    });
});
