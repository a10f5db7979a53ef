/**
 * The cloud layer's fresh-account, hardening, version, scaling and upgrade behaviour (issue 8),
 * asserted on the captured graph of the committed stacks and of test stacks (AWS only, GCP only,
 * several clusters).
 */
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { quotaUse, quotaWarnings } from "../components/quotas";
import { KUBERNETES_SUPPORT, supportClock, supportStatus } from "../components/versions";
import { ConfigError, parseEnvironment } from "../stacks/config";
import { channelCheck, deployRoleMismatch, environmentWarnings, principalOf } from "../stacks/preflight";
import { MOCK_ADDON_VERSIONS, MOCK_GKE_VERSIONS, ResourceRecord, runMocked } from "../tools/lib/mock-runtime";
import { run } from "../stacks/program";
import { byType, one, runConfig, runStack, VALID_SECRET_KEYS, validConfig } from "./lib/run";

const json = (s: unknown) => JSON.parse(s as string);

/** Every URN a resource waits for, directly or through what it waits for. */
function dependsTransitively(records: readonly ResourceRecord[], r: ResourceRecord): Set<string> {
    const byUrn = new Map(records.map(x => [x.urn, x]));
    const seen = new Set<string>();
    const walk = (urn: string) => {
        for (const d of byUrn.get(urn)?.dependencies ?? []) if (!seen.has(d)) { seen.add(d); walk(d); }
    };
    walk(r.urn);
    return seen;
}

/** A test stack: AWS only, in prod, with the given clusters. */
function awsOnly(n: number) {
    const config = validConfig();
    config.tier = "prod";
    config.alerting.pagerduty = { enabled: true };
    config.pagerdutyRoutingKey = "0123456789abcdef0123456789ABCDEF";
    config.clusters = Array.from({ length: n }, (_, i) => ({
        ...config.clusters[1], name: `prod-eks-${i + 1}`, authorizedNetworks: ["203.0.113.0/24"],
        nodePool: { machineType: "m6i.2xlarge", min: 3, max: 3 },
    }));
    return config;
}

/** A test stack: GCP only, dev, several clusters each in its own project. */
function gcpOnly(n: number) {
    const config = validConfig();
    config.clusters = Array.from({ length: n }, (_, i) => ({ ...config.clusters[0], name: `dev-gke-${i + 1}`, project: `acme-obs-dev-${i + 1}` }));
    return config;
}

/** What changes between two runs: URN → top-level input keys whose values differ. */
function plan(before: readonly ResourceRecord[], after: readonly ResourceRecord[]): Map<string, string[]> {
    const old = new Map(before.map(r => [r.urn, r]));
    const out = new Map<string, string[]>();
    for (const r of after) {
        const o = old.get(r.urn);
        if (!o) { out.set(r.urn, ["<create>"]); continue; }
        const keys = [...new Set([...Object.keys(o.inputs), ...Object.keys(r.inputs)])]
            .filter(k => JSON.stringify(o.inputs[k]) !== JSON.stringify(r.inputs[k]));
        if (keys.length) out.set(r.urn, keys.sort());
    }
    return out;
}

describe("cloud layer: fresh account and project", () => {
    it("GCP: the APIs are enabled per project, never disabled on destroy", async () => {
        const { records } = await runStack("prod");
        const services = byType(records, "gcp:projects/service:Service");
        assert.deepStrictEqual(services.map(s => [s.inputs.project, s.inputs.service, s.inputs.disableOnDestroy]).sort(), [
            "cloudkms", "cloudresourcemanager", "compute", "container", "iam", "iamcredentials", "storage",
        ].map(api => ["acme-obs-prod", `${api}.googleapis.com`, false]));
    });

    it("GCP: every resource that calls a Google API waits for the project's APIs (GCP-only stack, 2 projects)", async () => {
        const { records } = await runConfig(gcpOnly(2), VALID_SECRET_KEYS);
        for (const project of ["acme-obs-dev-1", "acme-obs-dev-2"]) {
            const apis = byType(records, "gcp:projects/service:Service").filter(s => s.inputs.project === project).map(s => s.urn);
            assert.strictEqual(apis.length, 7);
            const mine = records.filter(r => r.custom && r.type.startsWith("gcp:") && r.type !== "gcp:projects/service:Service"
                && r.name.startsWith(project.replace("acme-obs-dev", "dev-gke")));
            assert.ok(mine.length >= 20, `${mine.length}`);
            for (const r of mine) {
                const deps = dependsTransitively(records, r);
                assert.deepStrictEqual(apis.filter(a => !deps.has(a)), [], `${r.type} ${r.name}`);
            }
        }
    });

    it("GKE: even the throw-away default pool runs as our node service account, granted before the cluster", async () => {
        const { records } = await runStack("prod");
        const cluster = one(records, "gcp:container/cluster:Cluster", "prod-gke");
        assert.deepStrictEqual(cluster.inputs.nodeConfig, {
            serviceAccount: "prod-gke-nodes@acme-obs-prod.iam.gserviceaccount.com", oauthScopes: ["https://www.googleapis.com/auth/cloud-platform"],
            workloadMetadataConfig: { mode: "GKE_METADATA" }, shieldedInstanceConfig: { enableSecureBoot: true, enableIntegrityMonitoring: true },
            kubeletConfig: { insecureKubeletReadonlyPortEnabled: "FALSE" }, diskSizeGb: 20, diskType: "pd-standard",
        });
        assert.deepStrictEqual(cluster.ignoreChanges, ["nodeConfig"]);
        const grant = one(records, "gcp:projects/iAMMember:IAMMember", "prod-gke-nodes");
        assert.ok(cluster.dependencies.includes(grant.urn));
        assert.ok(one(records, "gcp:container/nodePool:NodePool", "prod-gke-nodes").dependencies.includes(grant.urn));
    });

    it("EKS: the deploy role is checked against the caller before anything but the providers is registered", async () => {
        const config = validConfig();
        const err = await runMocked({ stack: "test", config, secretKeys: VALID_SECRET_KEYS, callerArn: "arn:aws:sts::123456789012:assumed-role/someone-else/ci" }, run)
            .then(() => undefined, (e: unknown) => e);
        assert.ok(err instanceof ConfigError, String(err));
        // Caught before anything is created: the monitor holds the providers only (they create nothing).
        const held = [...(pulumi.runtime.getMonitor() as unknown as { resources: Map<string, unknown> }).resources.keys()];
        assert.deepStrictEqual(held.map(urn => urn.split("::")[2]).sort(), ["pulumi:providers:aws", "pulumi:providers:gcp"]);
        assert.strictEqual(err.message, "observability:clusters[1].deployRole: got \"arn:aws:iam::123456789012:role/pulumi-deploy\"; expected the identity running `pulumi up` "
            + "(the caller is arn:aws:sts::123456789012:assumed-role/someone-else/ci): it is the one principal given cluster-admin at creation");
        const { records } = await runMocked({ stack: "test", config, secretKeys: VALID_SECRET_KEYS, callerArn: "arn:aws:sts::123456789012:assumed-role/pulumi-deploy/ci" }, run);
        assert.ok(records.length > 100);
    });

    it("principals compare by account, kind and name (assumed-role sessions and role paths)", () => {
        assert.deepStrictEqual(principalOf("arn:aws:sts::123456789012:assumed-role/deploy/gh-123"), { account: "123456789012", kind: "role", name: "deploy" });
        assert.deepStrictEqual(principalOf("arn:aws:iam::123456789012:role/ci/deploy"), { account: "123456789012", kind: "role", name: "deploy" });
        assert.strictEqual(deployRoleMismatch(0, "arn:aws:iam::123456789012:role/ci/deploy", "arn:aws:sts::123456789012:assumed-role/deploy/s"), undefined);
        assert.match(deployRoleMismatch(0, "arn:aws:iam::123456789012:role/deploy", "arn:aws:sts::210987654321:assumed-role/deploy/s")!, /caller is arn:aws:sts::210987654321/);
        assert.match(deployRoleMismatch(0, "arn:aws:iam::123456789012:user/deploy", "arn:aws:sts::123456789012:assumed-role/deploy/s")!, /deployRole/);
    });

    it("quotas: prod counts per region and project against the defaults, and warns where the stack exceeds them", () => {
        const prod = parseEnvironment({ values: { ...awsOnly(3) }, secretKeys: new Set([...VALID_SECRET_KEYS, "pagerdutyRoutingKey"]) });
        const use = quotaUse(prod).map(u => [u.scope, u.quota.name.split(":")[1]!.trim(), u.used, u.quota.limit, u.exceeded]);
        assert.deepStrictEqual(use, [
            ["aws eu-west-1", "VPCs per Region (L-F678F1CE)", 3, 5, false],
            ["aws eu-west-1", "EC2-VPC Elastic IPs (L-0263D0A3)", 9, 5, true],
            ["aws eu-west-1", "NAT gateways per Availability Zone (L-FE5A380F)", 3, 5, false],
            ["aws eu-west-1", "Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances, vCPUs (L-1216C47A)", 3 * 3 * 8, 32, true],
        ]);
        assert.deepStrictEqual(quotaWarnings(prod), [
            "aws eu-west-1: this stack needs 9 of \"Amazon EC2: EC2-VPC Elastic IPs (L-0263D0A3)\", above the default quota of 5; "
            + "check the account/project's quota and request an increase before `pulumi up`",
            "aws eu-west-1: this stack needs 72 of \"Amazon EC2: Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances, vCPUs (L-1216C47A)\", "
            + "above the default quota of 32; check the account/project's quota and request an increase before `pulumi up`",
        ]);
    });

    it("quotas: the committed dev stack fits the defaults; prod's GKE needs more CPUS and SSD_TOTAL_GB than a new project has", async () => {
        const { readStackFile } = await import("../tools/lib/stack-file");
        const env = (stack: string) => { const s = readStackFile(stack); return parseEnvironment({ values: s.config, secretKeys: new Set(s.secretKeys) }); };
        assert.deepStrictEqual(quotaUse(env("dev")).map(u => [u.scope, u.used, u.exceeded]), [["gcp acme-obs-dev europe-west1", 16, false], ["gcp acme-obs-dev europe-west1", 4 * 100 + (20 + 1 + 5 + 10 + 10), false]]);
        assert.deepStrictEqual(quotaWarnings(env("prod")).map(w => w.split(": this stack needs ")[0] + " " + w.split("\"")[1]), [
            "aws eu-west-1 Amazon EC2: Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances, vCPUs (L-1216C47A)",
            "gcp acme-obs-prod europe-west1 Compute Engine API: CPUS (per region)",
            "gcp acme-obs-prod europe-west1 Compute Engine API: SSD_TOTAL_GB (per region)",
        ]);
    });
});

describe("cloud layer: control plane and data hardened", () => {
    it("control planes accept only the authorized networks in prod (EKS publicAccessCidrs, GKE master authorized networks)", async () => {
        const { records } = await runStack("prod");
        const vpc = one(records, "aws:eks/cluster:Cluster", "prod-eks").inputs.vpcConfig as any;
        assert.deepStrictEqual([vpc.endpointPrivateAccess, vpc.endpointPublicAccess, vpc.publicAccessCidrs], [true, true, ["198.51.100.0/24", "203.0.113.0/24"]]);
        const gke = one(records, "gcp:container/cluster:Cluster", "prod-gke").inputs as any;
        assert.deepStrictEqual(gke.masterAuthorizedNetworksConfig, {
            cidrBlocks: [{ cidrBlock: "198.51.100.0/24", displayName: "198.51.100.0/24" }, { cidrBlock: "203.0.113.0/24", displayName: "203.0.113.0/24" }],
            gcpPublicCidrsAccessEnabled: false,
        });
        assert.strictEqual(gke.privateClusterConfig.enablePrivateEndpoint, false);
    });

    it("a private endpoint removes the public one; dev without networks stays open and is warned about", async () => {
        const config = validConfig();
        config.clusters[0].privateEndpoint = true;
        config.clusters[1].privateEndpoint = true;
        const { records } = await runConfig(config, VALID_SECRET_KEYS);
        const eks = one(records, "aws:eks/cluster:Cluster", "dev-eks").inputs.vpcConfig as any;
        assert.deepStrictEqual([eks.endpointPrivateAccess, eks.endpointPublicAccess, eks.publicAccessCidrs], [true, false, undefined]);
        const gke = one(records, "gcp:container/cluster:Cluster", "dev-gke").inputs as any;
        assert.deepStrictEqual([gke.privateClusterConfig.enablePrivateEndpoint, gke.masterAuthorizedNetworksConfig], [true, { cidrBlocks: [], gcpPublicCidrsAccessEnabled: false }]);
        const dev = (await runStack("dev")).records;
        assert.strictEqual(one(dev, "gcp:container/cluster:Cluster", "dev-gke").inputs.masterAuthorizedNetworksConfig, undefined);
        const env = parseEnvironment({ values: validConfig(), secretKeys: new Set(VALID_SECRET_KEYS) });
        assert.deepStrictEqual(environmentWarnings(env, new Date("2026-12-02T00:00:00Z")).filter(w => w.includes("authorizedNetworks")), [
            "observability:clusters[0].authorizedNetworks: not set; the control plane of dev-gke accepts connections from any address (allowed in dev only)",
            "observability:clusters[1].authorizedNetworks: not set; the control plane of dev-eks accepts connections from any address (allowed in dev only)",
        ]);
    });

    it("GKE Secrets are encrypted with a Cloud KMS key created here; the GKE service agent's grant comes first", async () => {
        const { records } = await runStack("prod");
        const key = one(records, "gcp:kms/cryptoKey:CryptoKey", "prod-gke-secrets");
        assert.deepStrictEqual([key.inputs.purpose, key.inputs.rotationPeriod, key.protect, key.retainOnDelete], ["ENCRYPT_DECRYPT", "7776000s", true, true]);
        const grant = one(records, "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember", "prod-gke-secrets");
        assert.deepStrictEqual([grant.inputs.cryptoKeyId, grant.inputs.role, grant.inputs.member],
            [key.outputs.id ?? (grant.inputs.cryptoKeyId), "roles/cloudkms.cryptoKeyEncrypterDecrypter", "serviceAccount:service-100000000001@container-engine-robot.iam.gserviceaccount.com"]);
        assert.match(String(grant.inputs.cryptoKeyId), /^projects\/acme-obs-prod\/locations\/europe-west1\/keyRings\/prod-gke-secrets-[0-9a-f]{7}\/cryptoKeys\/prod-gke-secrets-[0-9a-f]{7}$/);
        const cluster = one(records, "gcp:container/cluster:Cluster", "prod-gke");
        assert.deepStrictEqual(cluster.inputs.databaseEncryption, { state: "ENCRYPTED", keyName: grant.inputs.cryptoKeyId });
        assert.ok(cluster.dependencies.includes(grant.urn));
    });

    it("network policy is enforced: GKE Dataplane V2, EKS vpc-cni managed add-on with network policy on", async () => {
        const { records } = await runStack("prod");
        assert.strictEqual(one(records, "gcp:container/cluster:Cluster", "prod-gke").inputs.datapathProvider, "ADVANCED_DATAPATH");
        const cni = one(records, "aws:eks/addon:Addon", "prod-eks-vpc-cni");
        assert.deepStrictEqual([cni.inputs.addonName, json(cni.inputs.configurationValues)], ["vpc-cni", { enableNetworkPolicy: "true" }]);
    });

    it("AWS KMS: one key per use, each with an explicit policy; nobody gets kms:* and the deploy role cannot use data keys", async () => {
        const { records } = await runStack("prod");
        const policy = (name: string) => json(one(records, "aws:kms/key:Key", name).inputs.policy);
        const root = "arn:aws:iam::123456789012:root";
        const deploy = "arn:aws:iam::123456789012:role/pulumi-deploy";
        for (const name of ["prod-eks-secrets", "prod-eks-s3", "prod-eks-ebs", "prod-eks-logs"]) {
            const p = policy(name);
            assert.deepStrictEqual([p.Statement[0].Sid, p.Statement[0].Principal], ["KeyAdministration", { AWS: deploy }], name);
            assert.ok(!JSON.stringify(p).includes("\"kms:*\""), name);
            assert.ok(!p.Statement[0].Action.some((a: string) => /Decrypt|Encrypt|GenerateDataKey/.test(a)), name);
        }
        assert.deepStrictEqual(policy("prod-eks-secrets").Statement[1].Principal, { AWS: "arn:aws:iam::123456789012:role/prod-eks-cluster-role" });
        assert.deepStrictEqual(policy("prod-eks-s3").Statement[1], { Sid: "UseThroughS3", Effect: "Allow", Principal: { AWS: root },
            Action: ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"], Resource: "*",
            Condition: { StringEquals: { "kms:ViaService": "s3.eu-west-1.amazonaws.com", "kms:CallerAccount": "123456789012" } } });
        assert.deepStrictEqual(policy("prod-eks-ebs").Statement.slice(1).map((s: any) => s.Condition.StringEquals["kms:ViaService"]), ["ec2.eu-west-1.amazonaws.com", "ec2.eu-west-1.amazonaws.com"]);
        assert.deepStrictEqual(policy("prod-eks-logs").Statement[1].Condition, { ArnEquals: { "kms:EncryptionContext:aws:logs:arn": [
            "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/eks/prod-eks/cluster", "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/vpc-flow-logs/prod-eks-net"] } });
        // Each use points at its own key.
        const arn = (name: string) => one(records, "aws:kms/key:Key", name).outputs.arn;
        assert.deepStrictEqual((one(records, "aws:eks/cluster:Cluster", "prod-eks").inputs.encryptionConfig as any).provider.keyArn, arn("prod-eks-secrets"));
        assert.strictEqual((one(records, "kubernetes:storage.k8s.io/v1:StorageClass", "prod-eks-gp3").inputs.parameters as any).kmsKeyId, arn("prod-eks-ebs"));
        assert.strictEqual(new Set(["prod-eks-secrets", "prod-eks-s3", "prod-eks-ebs", "prod-eks-logs"].map(arn)).size, 4);
    });

    it("workload KMS grants only through S3 in the region and only for their own buckets' encryption context", async () => {
        const { records } = await runStack("prod");
        const loki = json(one(records, "aws:iam/rolePolicy:RolePolicy", "prod-eks-loki-access").inputs.policy);
        assert.deepStrictEqual(loki.Statement[2], { Sid: "UseBucketKeyThroughS3", Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey"],
            Resource: one(records, "aws:kms/key:Key", "prod-eks-s3").outputs.arn,
            Condition: { StringEquals: { "kms:ViaService": "s3.eu-west-1.amazonaws.com" }, ArnLike: { "kms:EncryptionContext:aws:s3:arn": [
                "arn:aws:s3:::prod-eks-loki-chunks", "arn:aws:s3:::prod-eks-loki-chunks/*", "arn:aws:s3:::prod-eks-loki-ruler", "arn:aws:s3:::prod-eks-loki-ruler/*"] } } });
    });

    it("networks: flow logs on both clouds, the AWS default security group without rules, an S3 gateway endpoint on the private routes", async () => {
        const { records } = await runStack("prod");
        const flow = one(records, "aws:ec2/flowLog:FlowLog", "prod-eks-net-flow-logs");
        const group = one(records, "aws:cloudwatch/logGroup:LogGroup", "prod-eks-net-flow-logs");
        assert.deepStrictEqual([flow.inputs.trafficType, flow.inputs.logDestinationType, flow.inputs.logDestination],
            ["ALL", "cloud-watch-logs", group.outputs.arn]);
        assert.deepStrictEqual([group.inputs.name, group.inputs.retentionInDays, group.inputs.kmsKeyId],
            ["/aws/vpc-flow-logs/prod-eks-net", 90, one(records, "aws:kms/key:Key", "prod-eks-logs").outputs.arn]);
        const sg = one(records, "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", "prod-eks-net-default-sg").inputs;
        assert.deepStrictEqual([sg.ingress, sg.egress], [undefined, undefined]);
        const endpoint = one(records, "aws:ec2/vpcEndpoint:VpcEndpoint", "prod-eks-net-s3");
        assert.deepStrictEqual([endpoint.inputs.serviceName, endpoint.inputs.vpcEndpointType, (endpoint.inputs.routeTableIds as string[]).length],
            ["com.amazonaws.eu-west-1.s3", "Gateway", 3]);
        assert.deepStrictEqual(one(records, "gcp:compute/subnetwork:Subnetwork", "prod-gke-net-nodes").inputs.logConfig,
            { flowSampling: 0.5, aggregationInterval: "INTERVAL_5_SEC", metadata: "INCLUDE_ALL_METADATA" });
    });

    it("GKE: Cloud Logging of system components only, kubelet read-only port off, a maintenance window in prod only", async () => {
        const prod = one((await runStack("prod")).records, "gcp:container/cluster:Cluster", "prod-gke").inputs as any;
        assert.deepStrictEqual(prod.loggingConfig, { enableComponents: ["SYSTEM_COMPONENTS"] });
        assert.deepStrictEqual(prod.nodePoolDefaults, { nodeConfigDefaults: { insecureKubeletReadonlyPortEnabled: "FALSE" } });
        assert.deepStrictEqual(prod.maintenancePolicy, { recurringWindow: { startTime: "2026-01-03T01:00:00Z", endTime: "2026-01-03T07:00:00Z", recurrence: "FREQ=WEEKLY;BYDAY=SA,SU" } });
        assert.strictEqual(one((await runStack("dev")).records, "gcp:container/cluster:Cluster", "dev-gke").inputs.maintenancePolicy, undefined);
    });

    it("EKS: every control-plane log type, into a log group created first with retention and KMS", async () => {
        const { records } = await runStack("prod");
        const cluster = one(records, "aws:eks/cluster:Cluster", "prod-eks");
        assert.deepStrictEqual(cluster.inputs.enabledClusterLogTypes, ["api", "audit", "authenticator", "controllerManager", "scheduler"]);
        const group = one(records, "aws:cloudwatch/logGroup:LogGroup", "prod-eks-control-plane");
        assert.deepStrictEqual([group.inputs.name, group.inputs.retentionInDays, group.inputs.kmsKeyId],
            ["/aws/eks/prod-eks/cluster", 90, one(records, "aws:kms/key:Key", "prod-eks-logs").outputs.arn]);
        assert.ok(cluster.dependencies.includes(group.urn));
    });

    it("Workload Identity: each GKE cluster of a stack has its own project, so no binding reaches another cluster's KSAs", async () => {
        const { records } = await runConfig(gcpOnly(3), VALID_SECRET_KEYS);
        const members = byType(records, "gcp:serviceaccount/iAMMember:IAMMember").map(m => [m.name, m.inputs.member]);
        assert.deepStrictEqual(members.sort(), [1, 2, 3].flatMap(i => [
            [`dev-gke-${i}-loki-wi`, `serviceAccount:acme-obs-dev-${i}.svc.id.goog[logging/loki]`],
            [`dev-gke-${i}-tempo-wi`, `serviceAccount:acme-obs-dev-${i}.svc.id.goog[tracing/tempo]`],
        ]));
    });
});

describe("cloud layer: versions that stay supported", () => {
    it("support dates are data per cloud with their source; warn within 60 days, error past the date", () => {
        for (const cloud of ["aws", "gcp"] as const) assert.match(KUBERNETES_SUPPORT[cloud].source, /^https:\/\//);
        const day = (d: string) => new Date(`${d}T12:00:00Z`);
        assert.deepStrictEqual(supportStatus("aws", "1.34", day("2026-12-02")), { state: "ended", ends: "2026-12-02" });
        assert.deepStrictEqual(supportStatus("aws", "1.34", day("2026-12-01")), { state: "ending", ends: "2026-12-02", daysLeft: 1 });
        assert.deepStrictEqual(supportStatus("aws", "1.35", day("2027-01-26")), { state: "ending", ends: "2027-03-27", daysLeft: 60 });
        assert.deepStrictEqual(supportStatus("aws", "1.35", day("2027-01-25")), { state: "supported", ends: "2027-03-27", daysLeft: 61 });
        assert.deepStrictEqual(supportStatus("gcp", "1.35", day("2026-12-02")), { state: "supported", ends: "2027-04-11", daysLeft: 130 });
        assert.deepStrictEqual(supportStatus("gcp", "1.36", day("2026-12-02")), { state: "unknown" });
        const env = parseEnvironment({ values: validConfig(), secretKeys: new Set(VALID_SECRET_KEYS) });
        assert.deepStrictEqual(environmentWarnings(env, day("2027-02-20")).filter(w => w.includes("kubernetesVersion")), [
            "observability:clusters[0].kubernetesVersion: 1.35 leaves GKE standard support on 2027-04-11 (in 50 days); plan the upgrade",
            "observability:clusters[1].kubernetesVersion: 1.35 leaves EKS standard support on 2027-03-27 (in 35 days); plan the upgrade",
        ]);
    });

    it("the Cluster Autoscaler's minor must match an EKS cluster's: a warning names both", () => {
        const config = validConfig();
        assert.deepStrictEqual(environmentWarnings(parseEnvironment({ values: config, secretKeys: new Set(VALID_SECRET_KEYS) }), new Date("2026-12-02")).filter(w => w.includes("Autoscaler")), []);
        config.clusters[1].kubernetesVersion = "1.34";
        const now = supportClock.now;
        supportClock.now = () => new Date("2026-09-01T00:00:00Z");
        try {
            const env = parseEnvironment({ values: config, secretKeys: new Set(VALID_SECRET_KEYS) });
            assert.deepStrictEqual(environmentWarnings(env, supportClock.now()).filter(w => w.includes("Autoscaler")), [
                "observability:clusters[1].kubernetesVersion: 1.34, but the Cluster Autoscaler is 1.35; its minor must match the cluster's (bump IMAGES.clusterAutoscaler in components/versions.ts)"]);
        } finally {
            supportClock.now = now;
        }
    });

    it("the committed stacks run versions in standard support today on both clouds", async () => {
        for (const stack of ["dev", "prod"]) {
            const { records } = await runStack(stack);
            for (const c of [...byType(records, "aws:eks/cluster:Cluster").map(c => ["aws", c.inputs.version]), ...byType(records, "gcp:container/cluster:Cluster").map(c => ["gcp", c.inputs.minMasterVersion])]) {
                const status = supportStatus(c[0] as "aws" | "gcp", String(c[1]), supportClock.now());
                assert.ok(status.state === "supported" || status.state === "ending", `${stack} ${c}: ${status.state}`);
            }
        }
    });

    it("EKS: standard support only, nodes follow the cluster, every add-on managed at the version resolved for the cluster", async () => {
        const { records } = await runStack("prod");
        const cluster = one(records, "aws:eks/cluster:Cluster", "prod-eks");
        assert.deepStrictEqual([cluster.inputs.version, cluster.inputs.upgradePolicy, cluster.inputs.bootstrapSelfManagedAddons], ["1.35", { supportType: "STANDARD" }, true]);
        const ng = one(records, "aws:eks/nodeGroup:NodeGroup", "prod-eks-nodes");
        assert.strictEqual(ng.inputs.version, "1.35");
        assert.deepStrictEqual(ng.propertyDependencies.version, [cluster.urn]);
        const addons = byType(records, "aws:eks/addon:Addon");
        assert.deepStrictEqual(addons.map(a => [a.name, a.inputs.addonName, a.inputs.addonVersion]).sort(), [
            ["prod-eks-coredns", "coredns"], ["prod-eks-ebs-csi", "aws-ebs-csi-driver"], ["prod-eks-kube-proxy", "kube-proxy"],
            ["prod-eks-metrics-server", "metrics-server"], ["prod-eks-vpc-cni", "vpc-cni"],
        ].map(([n, a]) => [n, a, MOCK_ADDON_VERSIONS[a!]!["1.35"]]));
        for (const a of addons) assert.ok(a.dependencies.includes(ng.urn), `${a.name} waits for the nodes`);
    });

    it("GKE: the version is checked against what the release channel carries", async () => {
        const versions = { validMasterVersions: [...MOCK_GKE_VERSIONS.valid], releaseChannelLatestVersion: MOCK_GKE_VERSIONS.latest, releaseChannelDefaultVersion: MOCK_GKE_VERSIONS.defaults };
        assert.deepStrictEqual(channelCheck(0, "1.35", "STABLE", versions), {});
        assert.deepStrictEqual(channelCheck(0, "1.36", "STABLE", versions), { error: "observability:clusters[0].kubernetesVersion: got \"1.36\"; expected a minor the STABLE channel carries (its newest is 1.35, its default 1.34)" });
        assert.deepStrictEqual(channelCheck(2, "1.34", "REGULAR", versions), { warning: "observability:clusters[2].kubernetesVersion: 1.34 is older than the REGULAR channel's default 1.35; GKE will upgrade the cluster to it soon after creation" });
        assert.deepStrictEqual(channelCheck(0, "1.35", "REGULAR", { ...versions, validMasterVersions: [] }).error,
            "observability:clusters[0].kubernetesVersion: got \"1.35\"; expected a minor the REGULAR channel carries (its newest is 1.35, its default 1.35)");
    });

    it("upgrade: a minor bump in config updates the control plane first, then the nodes, then the add-ons; nothing is replaced", async () => {
        const now = supportClock.now;
        supportClock.now = () => new Date("2026-09-01T00:00:00Z"); // 1.34 and 1.35 both in EKS standard support
        try {
            const config = awsOnly(1);
            config.clusters[0].kubernetesVersion = "1.34";
            const before = (await runConfig(config, [...VALID_SECRET_KEYS, "pagerdutyRoutingKey"])).records;
            config.clusters[0].kubernetesVersion = "1.35";
            const after = (await runConfig(config, [...VALID_SECRET_KEYS, "pagerdutyRoutingKey"])).records;
            const changes = plan(before, after);
            const byUrn = new Map(after.map(r => [r.urn, r]));
            assert.deepStrictEqual([...changes.entries()].map(([urn, keys]) => [byUrn.get(urn)!.name, keys]).sort(), [
                ["prod-eks-1", ["version"]], ["prod-eks-1-coredns", ["addonVersion"]], ["prod-eks-1-kube-proxy", ["addonVersion"]], ["prod-eks-1-nodes", ["version"]],
            ]);
            const cluster = one(after, "aws:eks/cluster:Cluster", "prod-eks-1");
            const nodes = one(after, "aws:eks/nodeGroup:NodeGroup", "prod-eks-1-nodes");
            assert.ok(nodes.dependencies.includes(cluster.urn), "nodes after the control plane");
            for (const a of ["prod-eks-1-coredns", "prod-eks-1-kube-proxy"]) assert.ok(one(after, "aws:eks/addon:Addon", a).dependencies.includes(nodes.urn), `${a} after the nodes`);
        } finally {
            supportClock.now = now;
        }
    });
});

describe("cloud layer: clusters that scale", () => {
    it("EKS: the Cluster Autoscaler runs on IRSA, may resize only this cluster's node groups, and keeps groups at their minimum", async () => {
        const { records } = await runStack("prod");
        const trust = json(one(records, "aws:iam/role:Role", "prod-eks-autoscaler").inputs.assumeRolePolicy);
        assert.strictEqual(Object.values(trust.Statement[0].Condition.StringEquals)[0], "system:serviceaccount:kube-system:cluster-autoscaler");
        const policy = json(one(records, "aws:iam/rolePolicy:RolePolicy", "prod-eks-autoscaler-access").inputs.policy);
        assert.deepStrictEqual(policy.Statement[1], { Sid: "ScaleOwnNodeGroups", Effect: "Allow", Resource: "*",
            Action: ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"],
            Condition: { StringEquals: { "aws:ResourceTag/k8s.io/cluster-autoscaler/prod-eks": "owned" } } });
        // Our own manifests (no Helm release): one resource per object, under obs:k8s:ClusterAutoscaler, on the cluster's provider.
        assert.deepStrictEqual(records.filter(r => r.type.startsWith("kubernetes:helm.sh/") && r.name.includes("autoscaler")), []);
        const component = one(records, "obs:k8s:ClusterAutoscaler", "prod-eks-autoscaler");
        const children = records.filter(r => r.parent === component.urn);
        assert.deepStrictEqual(children.map(r => [r.type, r.name]).sort((a, b) => a[1].localeCompare(b[1])), [
            ["kubernetes:rbac.authorization.k8s.io/v1:ClusterRole", "prod-eks-autoscaler-cluster-role"],
            ["kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding", "prod-eks-autoscaler-cluster-role-binding"],
            ["kubernetes:apps/v1:Deployment", "prod-eks-autoscaler-deployment"],
            ["kubernetes:rbac.authorization.k8s.io/v1:Role", "prod-eks-autoscaler-role"],
            ["kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", "prod-eks-autoscaler-role-binding"],
            ["kubernetes:core/v1:ServiceAccount", "prod-eks-autoscaler-service-account"],
        ]);
        for (const r of children) assert.ok(r.provider.includes("pulumi:providers:kubernetes::prod-eks-k8s"), r.name);
        const sa = one(records, "kubernetes:core/v1:ServiceAccount", "prod-eks-autoscaler-service-account").inputs as any;
        assert.deepStrictEqual([sa.metadata.name, sa.metadata.namespace, sa.metadata.annotations["eks.amazonaws.com/role-arn"]],
            ["cluster-autoscaler", "kube-system", "arn:aws:iam::123456789012:role/prod-eks-autoscaler"]);
        const deployment = one(records, "kubernetes:apps/v1:Deployment", "prod-eks-autoscaler-deployment");
        const container = (deployment.inputs as any).spec.template.spec.containers[0];
        assert.ok(container.command.includes("--node-group-auto-discovery=asg:tag=k8s.io/cluster-autoscaler/enabled,k8s.io/cluster-autoscaler/prod-eks"));
        assert.ok(container.command.includes("--enforce-node-group-min-size"));
        assert.deepStrictEqual(container.env, [{ name: "AWS_REGION", value: "eu-west-1" }]);
        // The Deployment starts once its RBAC and service account exist (and the role its service account
        // names); the whole component waits for the node group, CoreDNS and the IRSA role (children
        // register only once their parent has).
        const urn = (type: string, name: string) => one(records, type, name).urn;
        assert.deepStrictEqual([...deployment.dependencies].sort(), [
            urn("aws:iam/role:Role", "prod-eks-autoscaler"),
            urn("kubernetes:core/v1:ServiceAccount", "prod-eks-autoscaler-service-account"),
            urn("kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding", "prod-eks-autoscaler-cluster-role-binding"),
            urn("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", "prod-eks-autoscaler-role-binding"),
        ].sort());
        // The component's dependsOn reaches the role's own resources: its policy is attached before the pod starts.
        assert.deepStrictEqual([...component.dependencies].sort(), [
            urn("aws:eks/addon:Addon", "prod-eks-coredns"), urn("aws:eks/nodeGroup:NodeGroup", "prod-eks-nodes"),
            urn("aws:iam/role:Role", "prod-eks-autoscaler"), urn("aws:iam/rolePolicy:RolePolicy", "prod-eks-autoscaler-access"),
        ].sort());
    });

    it("changing nodePool min and max on a running cluster is a plain update of the scaling bounds (desired size stays the autoscaler's)", async () => {
        const config = awsOnly(2);
        const before = (await runConfig(config, [...VALID_SECRET_KEYS, "pagerdutyRoutingKey"])).records;
        config.clusters[0].nodePool = { ...config.clusters[0].nodePool, min: 4, max: 6 };
        const after = (await runConfig(config, [...VALID_SECRET_KEYS, "pagerdutyRoutingKey"])).records;
        const changes = plan(before, after);
        const byUrn = new Map(after.map(r => [r.urn, r]));
        assert.deepStrictEqual([...changes.entries()].map(([urn, keys]) => [byUrn.get(urn)!.name, keys]), [["prod-eks-1-nodes", ["scalingConfig"]]]);
        const ng = one(after, "aws:eks/nodeGroup:NodeGroup", "prod-eks-1-nodes");
        assert.deepStrictEqual(ng.inputs.scalingConfig, { minSize: 4, maxSize: 6, desiredSize: 4 });
        // The engine keeps the old desiredSize (ignoreChanges), so the update sends only the new bounds.
        assert.deepStrictEqual(ng.ignoreChanges, ["scalingConfig.desiredSize"]);
    });
});
