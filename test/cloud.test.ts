/** The cloud layer of both committed stacks, asserted on the captured resource graph. */
import * as assert from "assert";
import { parse } from "yaml";
import { SECRETS } from "../stacks/config";
import type { ResourceRecord } from "../tools/lib/mock-runtime";
import { byType, descendants, one, runConfig, runStack, typeCounts, VALID_SECRET_KEYS, validConfig } from "./lib/run";

const GKE_PLATFORM = {
    "gcp:compute/network:Network": 1, "gcp:compute/router:Router": 1, "gcp:compute/routerNat:RouterNat": 1, "gcp:compute/subnetwork:Subnetwork": 1,
    "gcp:container/cluster:Cluster": 1, "gcp:container/nodePool:NodePool": 1, "gcp:kms/cryptoKey:CryptoKey": 1,
    "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember": 1, "gcp:kms/keyRing:KeyRing": 1, "gcp:projects/iAMMember:IAMMember": 1,
    "gcp:projects/service:Service": 7, "gcp:serviceaccount/account:Account": 3, "gcp:serviceaccount/iAMMember:IAMMember": 2, "gcp:storage/bucket:Bucket": 3,
    "gcp:storage/bucketIAMMember:BucketIAMMember": 3, "kubernetes:storage.k8s.io/v1:StorageClass": 1, "kubernetes:storage.k8s.io/v1:StorageClassPatch": 1,
    "obs:gcp:Bucket": 3, "obs:gcp:GkeCluster": 1, "obs:gcp:Network": 1, "obs:gcp:ProjectServices": 1,
    "obs:gcp:WorkloadIdentity": 2, "pulumi:providers:kubernetes": 1,
};
const EKS_PLATFORM_PROD = {
    "aws:cloudwatch/logGroup:LogGroup": 2, "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": 1, "aws:ec2/eip:Eip": 3, "aws:ec2/flowLog:FlowLog": 1,
    "aws:ec2/internetGateway:InternetGateway": 1, "aws:ec2/natGateway:NatGateway": 3, "aws:ec2/route:Route": 4,
    "aws:ec2/routeTable:RouteTable": 4, "aws:ec2/routeTableAssociation:RouteTableAssociation": 6, "aws:ec2/subnet:Subnet": 6, "aws:ec2/vpc:Vpc": 1,
    "aws:ec2/vpcEndpoint:VpcEndpoint": 1,
    "aws:eks/accessEntry:AccessEntry": 2, "aws:eks/accessPolicyAssociation:AccessPolicyAssociation": 2, "aws:eks/addon:Addon": 5,
    "aws:eks/cluster:Cluster": 1, "aws:eks/nodeGroup:NodeGroup": 1, "aws:iam/openIdConnectProvider:OpenIdConnectProvider": 1,
    "aws:iam/role:Role": 7, "aws:iam/rolePolicy:RolePolicy": 5, "aws:iam/rolePolicyAttachment:RolePolicyAttachment": 5,
    "aws:kms/alias:Alias": 4, "aws:kms/key:Key": 4, "aws:s3/bucket:Bucket": 3,
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": 3, "aws:s3/bucketOwnershipControls:BucketOwnershipControls": 3,
    "aws:s3/bucketPolicy:BucketPolicy": 3, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": 3,
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": 3,
    // The Cluster Autoscaler: one resource per object of its own manifests (no Helm release).
    "kubernetes:apps/v1:Deployment": 1, "kubernetes:core/v1:ServiceAccount": 1,
    "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole": 1, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding": 1,
    "kubernetes:rbac.authorization.k8s.io/v1:Role": 1, "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding": 1,
    "kubernetes:storage.k8s.io/v1:StorageClass": 1,
    "obs:aws:Bucket": 3, "obs:aws:EksCluster": 1, "obs:aws:KmsKey": 4, "obs:aws:Network": 1, "obs:aws:WorkloadRole": 4,
    "obs:k8s:ClusterAutoscaler": 1, "pulumi:providers:kubernetes": 1,
};

const ADMIN_POLICY = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy";
const platform = (records: ResourceRecord[], name: string) =>
    records.find(r => r.type.endsWith(":ClusterPlatform") && r.name === name)!;
const json = (s: unknown) => JSON.parse(s as string);
const cloudResources = (records: ResourceRecord[]) =>
    records.filter(r => r.custom && /^(aws|gcp):/.test(r.type));

describe("cloud layer", () => {
    describe("resource graph per cluster", () => {
        it("dev: one GKE cluster with exactly its platform resources", async () => {
            const { records } = await runStack("dev");
            assert.deepStrictEqual(records.filter(r => r.type.endsWith(":ClusterPlatform")).map(r => r.name), ["dev-gke"]);
            assert.deepStrictEqual(typeCounts(descendants(records, platform(records, "dev-gke").urn)), GKE_PLATFORM);
        });

        it("prod: one EKS and one GKE cluster, each with exactly its platform resources", async () => {
            const { records } = await runStack("prod");
            assert.deepStrictEqual(typeCounts(descendants(records, platform(records, "prod-eks").urn)), EKS_PLATFORM_PROD);
            assert.deepStrictEqual(typeCounts(descendants(records, platform(records, "prod-gke").urn)), GKE_PLATFORM);
        });

        it("dev on AWS shares one NAT gateway over 2 AZs; prod has one per AZ over 3", async () => {
            const { records } = await runConfig({ ...validConfig() }, VALID_SECRET_KEYS);
            const devEks = descendants(records, platform(records, "dev-eks").urn);
            assert.strictEqual(byType(devEks, "aws:ec2/natGateway:NatGateway").length, 1);
            assert.deepStrictEqual(byType(devEks, "aws:ec2/subnet:Subnet").map(s => s.inputs.cidrBlock).sort(),
                ["10.0.0.0/19", "10.0.192.0/24", "10.0.193.0/24", "10.0.32.0/19"]);
            const prodEks = descendants((await runStack("prod")).records, platform((await runStack("prod")).records, "prod-eks").urn);
            const azs = byType(prodEks, "aws:ec2/subnet:Subnet").filter(s => s.name.includes("private")).map(s => s.inputs.availabilityZone);
            assert.deepStrictEqual(azs.sort(), ["eu-west-1a", "eu-west-1b", "eu-west-1c"]);
        });

        it("an existing VPC replaces the network component", async () => {
            const config = validConfig();
            config.clusters[1].network = { privateSubnetIds: ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0aaaaaaaaaaaaaaa2"] };
            const { records } = await runConfig(config, VALID_SECRET_KEYS);
            assert.strictEqual(byType(records, "obs:aws:Network").length, 0);
            assert.deepStrictEqual(one(records, "aws:eks/cluster:Cluster", "dev-eks").inputs.vpcConfig,
                { subnetIds: ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0aaaaaaaaaaaaaaa2"], endpointPrivateAccess: true, endpointPublicAccess: true });
        });

        it("URNs are unique, and two clusters of one stack never collide", async () => {
            for (const stack of ["dev", "prod"]) {
                const { records } = await runStack(stack);
                assert.strictEqual(new Set(records.map(r => r.urn)).size, records.length, stack);
            }
            const config = validConfig();
            config.clusters = [config.clusters[0], { ...config.clusters[0], name: "dev-gke-2", project: "acme-obs-dev-2" }];
            const { records } = await runConfig(config, VALID_SECRET_KEYS);
            assert.strictEqual(new Set(records.map(r => r.urn)).size, records.length);
            const accountIds = byType(records, "gcp:serviceaccount/account:Account").map(a => a.inputs.accountId);
            assert.deepStrictEqual(accountIds.sort(), ["dev-gke-2-loki", "dev-gke-2-nodes", "dev-gke-2-tempo", "dev-gke-loki", "dev-gke-nodes", "dev-gke-tempo"]);
        });

        it("every cloud resource goes through the explicit provider of its cloud and region", async () => {
            const { records } = await runStack("prod");
            for (const r of cloudResources(records)) {
                const expected = r.type.startsWith("aws:") ? "pulumi:providers:aws::aws-eu-west-1" : "pulumi:providers:gcp::gcp-acme-obs-prod-europe-west1";
                assert.ok(r.provider.includes(expected), `${r.type} ${r.name} uses ${r.provider || "the default provider"}`);
            }
        });

        it("every child is parented inside its cluster's platform and named after it", async () => {
            const { records } = await runStack("prod");
            for (const name of ["prod-eks", "prod-gke"]) {
                for (const r of descendants(records, platform(records, name).urn)) assert.ok(r.name.startsWith(name), `${r.type} ${r.name}`);
            }
            assert.deepStrictEqual(records.filter(r => r.parent === "").map(r => r.type).sort(),
                ["obs:aws:ClusterPlatform", "obs:gcp:ClusterPlatform", "obs:k8s:ObservabilityStack", "obs:k8s:ObservabilityStack",
                    "obs:pagerduty:OnCallService", "pulumi:providers:aws", "pulumi:providers:gcp", "pulumi:providers:pagerduty", "pulumi:providers:random"]);
        });
    });

    describe("S3 buckets (prod-eks)", () => {
        const buckets = ["prod-eks-loki-chunks", "prod-eks-loki-ruler", "prod-eks-tempo"];

        it("are encrypted with the cluster's customer-managed KMS key", async () => {
            const { records } = await runStack("prod");
            const key = one(records, "aws:kms/key:Key", "prod-eks-s3");
            assert.strictEqual(key.inputs.enableKeyRotation, true);
            for (const b of buckets) {
                const sse = one(records, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", `${b}-sse`);
                assert.match(String(key.outputs.arn), /^arn:aws:kms:eu-west-1:\d{12}:key\//);
                assert.deepStrictEqual(sse.inputs.rules, [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: key.outputs.arn }, bucketKeyEnabled: true }]);
                assert.ok(sse.dependencies.includes(key.urn), `${b} SSE depends on the key`);
            }
        });

        it("block all public access, enforce object ownership, never force-destroy", async () => {
            const { records } = await runStack("prod");
            for (const b of buckets) {
                const pab = one(records, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", `${b}-public-access`);
                assert.deepStrictEqual({ ...pab.inputs, bucket: undefined },
                    { bucket: undefined, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true });
                assert.deepStrictEqual(one(records, "aws:s3/bucketOwnershipControls:BucketOwnershipControls", `${b}-ownership`).inputs.rule,
                    { objectOwnership: "BucketOwnerEnforced" });
                assert.strictEqual(one(records, "aws:s3/bucket:Bucket", b).inputs.forceDestroy, false);
                assert.strictEqual(byType(records, "aws:s3/bucketVersioning:BucketVersioning").length, 0, "versioning stays off (README: Storage)");
            }
        });

        it("deny any request not over TLS 1.2+, and the policy waits for the public-access block", async () => {
            const { records } = await runStack("prod");
            for (const b of buckets) {
                const policy = one(records, "aws:s3/bucketPolicy:BucketPolicy", `${b}-tls-only`);
                const doc = json(policy.inputs.policy);
                assert.deepStrictEqual(doc.Statement.map((s: any) => [s.Effect, s.Condition]), [
                    ["Deny", { Bool: { "aws:SecureTransport": "false" } }],
                    ["Deny", { NumericLessThan: { "s3:TlsVersion": "1.2" } }],
                ]);
                assert.deepStrictEqual(doc.Statement[0].Resource, [`arn:aws:s3:::${b}`, `arn:aws:s3:::${b}/*`]);
                assert.ok(policy.dependencies.includes(one(records, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", `${b}-public-access`).urn));
            }
        });

        it("expire after the retention of the data they hold (logs 7d → 8d, traces 72h → 4d), rules bucket never, Loki's delete requests never", async () => {
            const { records } = await runStack("prod");
            const rules = (b: string) => one(records, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", `${b}-lifecycle`).inputs.rules as any[];
            const abort = { id: "abort-incomplete-multipart-uploads", status: "Enabled", filter: {}, abortIncompleteMultipartUpload: { daysAfterInitiation: 1 } };
            // Chunks of the single tenant and the TSDB index tables expire; index/delete_requests/ matches neither prefix.
            assert.deepStrictEqual(rules("prod-eks-loki-chunks"), [
                { id: "expire-after-retention-fake", status: "Enabled", filter: { prefix: "fake/" }, expiration: { days: 8 } },
                { id: "expire-after-retention-index-index", status: "Enabled", filter: { prefix: "index/index_" }, expiration: { days: 8 } },
                abort,
            ]);
            for (const r of rules("prod-eks-loki-chunks").filter(r => r.expiration)) assert.ok(!"index/delete_requests/delete_requests.gz".startsWith(r.filter.prefix), r.id);
            assert.deepStrictEqual(rules("prod-eks-tempo"), [{ id: "expire-after-retention", status: "Enabled", filter: {}, expiration: { days: 4 } }, abort]);
            assert.deepStrictEqual(rules("prod-eks-loki-ruler"), [abort]);
        });
    });

    describe("IRSA (prod-eks)", () => {
        it("each workload role is trusted only by its own service account through the cluster's OIDC provider", async () => {
            const { records } = await runStack("prod");
            const oidc = one(records, "aws:iam/openIdConnectProvider:OpenIdConnectProvider", "prod-eks-oidc");
            assert.deepStrictEqual(oidc.inputs.clientIdLists, ["sts.amazonaws.com"]);
            const issuer = String(oidc.inputs.url).replace("https://", "");
            for (const [workload, sa] of [["loki", "system:serviceaccount:logging:loki"], ["tempo", "system:serviceaccount:tracing:tempo"]]) {
                const trust = json(one(records, "aws:iam/role:Role", `prod-eks-${workload}`).inputs.assumeRolePolicy);
                assert.deepStrictEqual(trust.Statement, [{
                    Effect: "Allow", Principal: { Federated: `arn:aws:iam::123456789012:oidc-provider/${issuer}` }, Action: "sts:AssumeRoleWithWebIdentity",
                    Condition: { StringEquals: { [`${issuer}:sub`]: sa, [`${issuer}:aud`]: "sts.amazonaws.com" } },
                }]);
            }
        });

        it("each workload policy reaches only its own buckets, with only the S3 actions it needs", async () => {
            const { records } = await runStack("prod");
            const loki = json(one(records, "aws:iam/rolePolicy:RolePolicy", "prod-eks-loki-access").inputs.policy);
            assert.deepStrictEqual(loki.Statement[0].Resource, ["arn:aws:s3:::prod-eks-loki-chunks", "arn:aws:s3:::prod-eks-loki-ruler"]);
            assert.deepStrictEqual(loki.Statement[1].Resource, ["arn:aws:s3:::prod-eks-loki-chunks/*", "arn:aws:s3:::prod-eks-loki-ruler/*"]);
            assert.deepStrictEqual(loki.Statement[1].Action, ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]);
            const tempo = json(one(records, "aws:iam/rolePolicy:RolePolicy", "prod-eks-tempo-access").inputs.policy);
            assert.deepStrictEqual(tempo.Statement[0].Resource, ["arn:aws:s3:::prod-eks-tempo"]);
            assert.deepStrictEqual(tempo.Statement[1].Resource, ["arn:aws:s3:::prod-eks-tempo/*"]);
            for (const p of [loki, tempo]) {
                assert.ok(p.Statement.every((s: any) => s.Effect === "Allow" && !JSON.stringify(s.Action).includes("*")), "no wildcard actions");
                assert.deepStrictEqual(p.Statement[2].Action, ["kms:Decrypt", "kms:GenerateDataKey"]);
            }
        });

        it("admins get cluster-admin through access entries; the cluster runs in API auth mode", async () => {
            const { records } = await runStack("prod");
            const cluster = one(records, "aws:eks/cluster:Cluster", "prod-eks");
            // No implicit admin for the creator: the deploy role has an explicit entry, like every admin.
            assert.deepStrictEqual(cluster.inputs.accessConfig, { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: false });
            assert.deepStrictEqual(byType(records, "aws:eks/accessEntry:AccessEntry").map(e => [e.name, e.inputs.principalArn]).sort(), [
                ["prod-eks-admin-0", "arn:aws:iam::123456789012:role/platform-admin"], ["prod-eks-deployer", "arn:aws:iam::123456789012:role/pulumi-deploy"]]);
            const deployer = one(records, "aws:eks/accessPolicyAssociation:AccessPolicyAssociation", "prod-eks-deployer");
            assert.deepStrictEqual([deployer.inputs.policyArn, deployer.inputs.accessScope], [ADMIN_POLICY, { type: "cluster" }]);
            // Everything on the cluster goes through its provider, which waits for the deploy role's access.
            assert.ok(one(records, "pulumi:providers:kubernetes", "prod-eks-k8s").dependencies.includes(deployer.urn));
            const assoc = one(records, "aws:eks/accessPolicyAssociation:AccessPolicyAssociation", "prod-eks-admin-0");
            assert.strictEqual(assoc.inputs.policyArn, "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy");
            assert.deepStrictEqual(assoc.inputs.accessScope, { type: "cluster" });
        });

        it("the managed node group sits in the private subnets with the configured size", async () => {
            const { records } = await runStack("prod");
            const ng = one(records, "aws:eks/nodeGroup:NodeGroup", "prod-eks-nodes");
            assert.deepStrictEqual(ng.inputs.scalingConfig, { minSize: 3, maxSize: 9, desiredSize: 3 });
            assert.deepStrictEqual(ng.inputs.instanceTypes, ["m6i.2xlarge"]);
            assert.strictEqual(ng.inputs.diskSize, 200);
            const privateSubnets = byType(records, "aws:ec2/subnet:Subnet").filter(s => s.name.includes("private")).map(s => s.urn);
            assert.deepStrictEqual(ng.propertyDependencies.subnetIds?.sort(), privateSubnets.sort());
            assert.deepStrictEqual(ng.ignoreChanges, ["scalingConfig.desiredSize"]);
        });

        it("the EBS CSI driver may use the volume key (through EC2) for the encrypted gp3 default StorageClass", async () => {
            const { records } = await runStack("prod");
            const keyArn = one(records, "aws:kms/key:Key", "prod-eks-ebs").outputs.arn;
            const policy = json(one(records, "aws:iam/rolePolicy:RolePolicy", "prod-eks-ebs-csi-access").inputs.policy);
            assert.deepStrictEqual(policy.Statement.map((s: any) => [s.Action, s.Resource, s.Condition]), [
                [["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"], keyArn, { Bool: { "kms:GrantIsForAWSResource": "true" } }],
                [["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"], keyArn, { StringEquals: { "kms:ViaService": "ec2.eu-west-1.amazonaws.com" } }],
            ]);
            const trust = json(one(records, "aws:iam/role:Role", "prod-eks-ebs-csi").inputs.assumeRolePolicy);
            assert.strictEqual(Object.values(trust.Statement[0].Condition.StringEquals)[0], "system:serviceaccount:kube-system:ebs-csi-controller-sa");
            const sc = one(records, "kubernetes:storage.k8s.io/v1:StorageClass", "prod-eks-gp3").inputs as any;
            assert.deepStrictEqual([sc.metadata.annotations["storageclass.kubernetes.io/is-default-class"], sc.provisioner, sc.parameters, sc.reclaimPolicy],
                ["true", "ebs.csi.aws.com", { type: "gp3", encrypted: "true", kmsKeyId: keyArn }, "Retain"]);
        });

        it("nodes wait for egress: the NAT routes (EKS) and Cloud NAT (GKE)", async () => {
            const { records } = await runStack("prod");
            const ng = one(records, "aws:eks/nodeGroup:NodeGroup", "prod-eks-nodes");
            const routes = byType(records, "aws:ec2/route:Route").filter(r => r.name.startsWith("prod-eks-net-private-"));
            assert.strictEqual(routes.length, 3);
            for (const r of routes) assert.ok(ng.dependencies.includes(r.urn), r.name);
            const pool = one(records, "gcp:container/nodePool:NodePool", "prod-gke-nodes");
            assert.ok(pool.dependencies.includes(one(records, "gcp:compute/routerNat:RouterNat", "prod-gke-net-nat").urn));
        });

        it("nodes and the control plane wait for their IAM policy attachments, not just the roles", async () => {
            const { records } = await runStack("prod");
            const attachments = (role: string) => byType(records, "aws:iam/rolePolicyAttachment:RolePolicyAttachment")
                .filter(a => a.name.startsWith(`${role}-`)).map(a => a.urn);
            const ng = one(records, "aws:eks/nodeGroup:NodeGroup", "prod-eks-nodes");
            assert.strictEqual(attachments("prod-eks-node-role").length, 3);
            for (const a of attachments("prod-eks-node-role")) assert.ok(ng.dependencies.includes(a), a);
            const cluster = one(records, "aws:eks/cluster:Cluster", "prod-eks");
            for (const a of attachments("prod-eks-cluster-role")) assert.ok(cluster.dependencies.includes(a), a);
        });
    });

    describe("GCS and Workload Identity", () => {
        it("buckets: uniform access, public access prevention, lifecycle from retention (Loki's delete requests never), destroyable in dev (dev: logs 3d → 4d, traces 24h → 2d)", async () => {
            const { records } = await runStack("dev");
            const bucket = (n: string) => one(records, "gcp:storage/bucket:Bucket", n).inputs;
            for (const n of ["dev-gke-loki-chunks", "dev-gke-loki-ruler", "dev-gke-tempo"]) {
                assert.strictEqual(bucket(n).uniformBucketLevelAccess, true);
                assert.strictEqual(bucket(n).publicAccessPrevention, "enforced");
                assert.strictEqual(bucket(n).forceDestroy, true, "dev: destroy empties the bucket");
                assert.strictEqual(bucket(n).deletionPolicy, "DELETE");
                assert.strictEqual(bucket(n).location, "EUROPE-WEST1");
                assert.deepStrictEqual(bucket(n).versioning, { enabled: false });
                assert.strictEqual(bucket(n).encryption, undefined, "no CMEK configured");
                assert.deepStrictEqual(bucket(n).softDeletePolicy, { retentionDurationSeconds: 0 }, "deleted objects do not outlive retention");
            }
            assert.deepStrictEqual(bucket("dev-gke-loki-chunks").lifecycleRules, [{ action: { type: "Delete" }, condition: { age: 4, matchesPrefixes: ["fake/", "index/index_"] } }]);
            assert.deepStrictEqual(bucket("dev-gke-tempo").lifecycleRules, [{ action: { type: "Delete" }, condition: { age: 2 } }]);
            assert.deepStrictEqual(bucket("dev-gke-loki-ruler").lifecycleRules, []);
        });

        it("CMEK: buckets use the key, after the storage service agent may use it", async () => {
            const config = validConfig();
            const key = "projects/acme-obs-dev/locations/europe-west1/keyRings/obs/cryptoKeys/buckets";
            config.clusters[0].cmekKeyName = key;
            const { records } = await runConfig(config, VALID_SECRET_KEYS);
            const grant = one(records, "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember", "dev-gke-gcs-cmek");
            assert.deepStrictEqual([grant.inputs.cryptoKeyId, grant.inputs.role, grant.inputs.member],
                [key, "roles/cloudkms.cryptoKeyEncrypterDecrypter", "serviceAccount:service-100000000000@gs-project-accounts.iam.gserviceaccount.com"]);
            for (const b of byType(records, "gcp:storage/bucket:Bucket")) {
                assert.deepStrictEqual(b.inputs.encryption, { defaultKmsKeyName: key });
                assert.ok(b.dependencies.includes(grant.urn), b.name);
            }
        });

        it("each Google service account is bound only to its own buckets and to its own Kubernetes service account", async () => {
            const { records } = await runStack("prod");
            const members = byType(records, "gcp:storage/bucketIAMMember:BucketIAMMember").map(m => [m.name, m.inputs.bucket, m.inputs.role, m.inputs.member]);
            assert.deepStrictEqual(members.sort(), [
                ["prod-gke-loki-bucket-0", "prod-gke-loki-chunks", "roles/storage.objectUser", "serviceAccount:prod-gke-loki@acme-obs-prod.iam.gserviceaccount.com"],
                ["prod-gke-loki-bucket-1", "prod-gke-loki-ruler", "roles/storage.objectUser", "serviceAccount:prod-gke-loki@acme-obs-prod.iam.gserviceaccount.com"],
                ["prod-gke-tempo-bucket-0", "prod-gke-tempo", "roles/storage.objectUser", "serviceAccount:prod-gke-tempo@acme-obs-prod.iam.gserviceaccount.com"],
            ]);
            const wi = byType(records, "gcp:serviceaccount/iAMMember:IAMMember").map(m => [m.inputs.serviceAccountId, m.inputs.role, m.inputs.member]);
            assert.deepStrictEqual(wi.sort(), [
                ["projects/acme-obs-prod/serviceAccounts/prod-gke-loki@acme-obs-prod.iam.gserviceaccount.com", "roles/iam.workloadIdentityUser", "serviceAccount:acme-obs-prod.svc.id.goog[logging/loki]"],
                ["projects/acme-obs-prod/serviceAccounts/prod-gke-tempo@acme-obs-prod.iam.gserviceaccount.com", "roles/iam.workloadIdentityUser", "serviceAccount:acme-obs-prod.svc.id.goog[tracing/tempo]"],
            ]);
        });

        it("GKE: Workload Identity, release channel, VPC-native private nodes, own node pool on the GKE metadata server", async () => {
            const { records } = await runStack("prod");
            const c = one(records, "gcp:container/cluster:Cluster", "prod-gke").inputs;
            assert.deepStrictEqual(c.workloadIdentityConfig, { workloadPool: "acme-obs-prod.svc.id.goog" });
            assert.deepStrictEqual(c.releaseChannel, { channel: "STABLE" });
            assert.strictEqual(c.networkingMode, "VPC_NATIVE");
            assert.deepStrictEqual(c.ipAllocationPolicy, { clusterSecondaryRangeName: "pods", servicesSecondaryRangeName: "services" });
            assert.strictEqual((c.privateClusterConfig as any).enablePrivateNodes, true);
            assert.strictEqual(c.removeDefaultNodePool, true);
            const pool = one(records, "gcp:container/nodePool:NodePool", "prod-gke-nodes").inputs as any;
            assert.deepStrictEqual(pool.autoscaling, { totalMinNodeCount: 3, totalMaxNodeCount: 9, locationPolicy: "BALANCED" });
            assert.deepStrictEqual(pool.nodeConfig.workloadMetadataConfig, { mode: "GKE_METADATA" });
            assert.strictEqual(pool.nodeConfig.serviceAccount, "prod-gke-nodes@acme-obs-prod.iam.gserviceaccount.com");
            assert.strictEqual(one(records, "gcp:projects/iAMMember:IAMMember", "prod-gke-nodes").inputs.role, "roles/container.defaultNodeServiceAccount");
        });

        it("Workload Identity bindings wait for the cluster (its pool exists only then)", async () => {
            const { records } = await runStack("prod");
            const cluster = one(records, "gcp:container/cluster:Cluster", "prod-gke");
            for (const m of byType(records, "gcp:serviceaccount/iAMMember:IAMMember")) assert.ok(m.dependencies.includes(cluster.urn), m.name);
        });
    });

    describe("Kubernetes providers", () => {
        it("one per cluster, with exec-based auth and no stored credential", async () => {
            const { records } = await runStack("prod");
            const providers = byType(records, "pulumi:providers:kubernetes");
            assert.deepStrictEqual(providers.map(p => p.name).sort(), ["prod-eks-k8s", "prod-gke-k8s"]);
            const exec = (name: string) => (parse(String(one(records, "pulumi:providers:kubernetes", name).inputs.kubeconfig)) as any).users[0].user;
            assert.deepStrictEqual(exec("prod-eks-k8s"), { exec: { apiVersion: "client.authentication.k8s.io/v1beta1", interactiveMode: "Never",
                command: "aws", args: ["eks", "get-token", "--cluster-name", "prod-eks", "--region", "eu-west-1", "--output", "json"] } });
            assert.deepStrictEqual(exec("prod-gke-k8s"), { exec: { apiVersion: "client.authentication.k8s.io/v1beta1", interactiveMode: "Never",
                command: "gke-gcloud-auth-plugin", args: ["--use_application_default_credentials"], provideClusterInfo: true } });
        });
    });

    describe("protection", () => {
        const DATA_TYPES = ["aws:s3/bucket:Bucket", "gcp:storage/bucket:Bucket", "aws:kms/key:Key", "gcp:kms/cryptoKey:CryptoKey"];
        const CLUSTERS = ["aws:eks/cluster:Cluster", "gcp:container/cluster:Cluster"];

        it("prod: buckets and keys protected and retained; clusters protected and deletion-protected but not retained; GCS refuses deletion", async () => {
            const { records } = await runStack("prod");
            const data = records.filter(r => DATA_TYPES.includes(r.type));
            assert.strictEqual(data.length, 3 + 3 + 4 + 1);
            for (const r of data) assert.deepStrictEqual([r.name, r.protect, r.retainOnDelete], [r.name, true, true]);
            // A retained cluster would outlive its network, whose deletion would then fail.
            for (const r of records.filter(r => CLUSTERS.includes(r.type))) assert.deepStrictEqual([r.name, r.protect, r.retainOnDelete], [r.name, true, false]);
            assert.strictEqual(one(records, "gcp:container/cluster:Cluster", "prod-gke").inputs.deletionProtection, true);
            assert.strictEqual(one(records, "aws:eks/cluster:Cluster", "prod-eks").inputs.deletionProtection, true);
            for (const b of byType(records, "gcp:storage/bucket:Bucket")) assert.deepStrictEqual([b.inputs.deletionPolicy, b.inputs.forceDestroy], ["PREVENT", false]);
            for (const b of byType(records, "aws:s3/bucket:Bucket")) assert.strictEqual(b.inputs.forceDestroy, false);
            for (const k of byType(records, "aws:kms/key:Key")) assert.strictEqual(k.inputs.deletionWindowInDays, 30);
        });

        it("prod: a retained S3 bucket keeps its encryption, public-access block, TLS policy, ownership and lifecycle (children retained too)", async () => {
            const { records } = await runStack("prod");
            const bucket = one(records, "obs:aws:Bucket", "prod-eks-loki-chunks");
            const children = records.filter(r => r.parent === bucket.urn && r.type !== "aws:s3/bucket:Bucket");
            assert.deepStrictEqual(children.map(c => c.type.split(":")[2]).sort(), ["BucketLifecycleConfiguration", "BucketOwnershipControls", "BucketPolicy",
                "BucketPublicAccessBlock", "BucketServerSideEncryptionConfiguration"]);
            for (const c of children) assert.strictEqual(c.retainOnDelete, true, c.name);
        });

        it("prod volumes are retained on both clouds; dev volumes are deleted with their claims", async () => {
            const prod = (await runStack("prod")).records;
            const dev = (await runStack("dev")).records;
            assert.strictEqual(one(prod, "kubernetes:storage.k8s.io/v1:StorageClass", "prod-eks-gp3").inputs.reclaimPolicy, "Retain");
            const gke = one(prod, "kubernetes:storage.k8s.io/v1:StorageClass", "prod-gke-pd-balanced").inputs as any;
            assert.deepStrictEqual([gke.metadata, gke.provisioner, gke.parameters, gke.reclaimPolicy, gke.volumeBindingMode],
                [{ name: "pd-balanced", annotations: { "storageclass.kubernetes.io/is-default-class": "true" } }, "pd.csi.storage.gke.io", { type: "pd-balanced" }, "Retain", "WaitForFirstConsumer"]);
            // GKE's own default class stops being the default, so claims without a class land on ours.
            assert.deepStrictEqual(one(prod, "kubernetes:storage.k8s.io/v1:StorageClassPatch", "prod-gke-standard-rwo").inputs.metadata,
                { name: "standard-rwo", annotations: { "storageclass.kubernetes.io/is-default-class": "false", "pulumi.com/patchForce": "true" } });
            assert.strictEqual(one(dev, "kubernetes:storage.k8s.io/v1:StorageClass", "dev-gke-pd-balanced").inputs.reclaimPolicy, "Delete");
        });

        it("dev: nothing protected, clusters deletable, buckets destroyable with their objects (only the CRDs are retained, in every tier)", async () => {
            const { records } = await runStack("dev");
            assert.deepStrictEqual(records.filter(r => r.protect).map(r => r.name), []);
            assert.deepStrictEqual(records.filter(r => r.retainOnDelete).map(r => r.type), ["kubernetes:helm.sh/v4:Chart"]);
            assert.strictEqual(one(records, "gcp:container/cluster:Cluster", "dev-gke").inputs.deletionProtection, false);
            const aws = await runConfig(validConfig(), VALID_SECRET_KEYS);
            for (const b of byType(aws.records, "aws:s3/bucket:Bucket")) assert.strictEqual(b.inputs.forceDestroy, true, b.name);
        });
    });

    describe("secrets and stability", () => {
        it("no secret value appears in any non-secret input", async () => {
            for (const stack of ["dev", "prod"]) {
                const { records } = await runStack(stack);
                const placeholders = SECRETS.map(s => s.placeholder);
                for (const r of records) {
                    const text = JSON.stringify(r.inputs);
                    for (const p of placeholders) assert.ok(!text.includes(p), `${stack}: ${r.type} ${r.name} carries a secret in plaintext`);
                }
            }
        });

        it("two runs register identical inputs (no perpetual diffs)", async () => {
            const { readStackFile } = await import("../tools/lib/stack-file");
            const { runMocked } = await import("../tools/lib/mock-runtime");
            const { run } = await import("../stacks/program");
            const s = readStackFile("prod");
            const snapshot = async () => {
                const { records } = await runMocked({ stack: "prod", config: s.config, secretKeys: s.secretKeys }, run);
                return JSON.stringify([...records].sort((a, b) => a.urn.localeCompare(b.urn)).map(r => [r.urn, r.inputs, r.dependencies, r.protect]));
            };
            assert.strictEqual(await snapshot(), await snapshot());
        });
    });
});
