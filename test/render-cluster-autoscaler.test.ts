/** The Cluster Autoscaler's own manifests: every object exactly, RBAC rule by rule, flag by flag. */
import * as assert from "assert";
import { clusterAutoscalerObjects, CLUSTER_AUTOSCALER } from "../components/render/clusterAutoscaler";
import { IMAGES } from "../components/versions";
import { OWN_MANIFESTS, ownManifests, parseManifest } from "../tools/lib/manifests";
import { runStack } from "./lib/run";

describe("render: cluster-autoscaler", () => {
    const objects = clusterAutoscalerObjects({ clusterName: "prod-eks", region: "eu-west-1", roleArn: "arn:aws:iam::123456789012:role/prod-eks-autoscaler" });
    const labels = { "app.kubernetes.io/name": "cluster-autoscaler", "app.kubernetes.io/part-of": "observability" };

    it("renders one object of each kind, all named cluster-autoscaler, namespaced ones in kube-system", () => {
        assert.deepStrictEqual(Object.values(objects).map(o => [o.apiVersion, o.kind, o.metadata!.name, o.metadata!.namespace]), [
            ["v1", "ServiceAccount", "cluster-autoscaler", "kube-system"],
            ["rbac.authorization.k8s.io/v1", "ClusterRole", "cluster-autoscaler", undefined],
            ["rbac.authorization.k8s.io/v1", "ClusterRoleBinding", "cluster-autoscaler", undefined],
            ["rbac.authorization.k8s.io/v1", "Role", "cluster-autoscaler", "kube-system"],
            ["rbac.authorization.k8s.io/v1", "RoleBinding", "cluster-autoscaler", "kube-system"],
            ["apps/v1", "Deployment", "cluster-autoscaler", "kube-system"],
        ]);
        assert.deepStrictEqual([CLUSTER_AUTOSCALER.namespace, CLUSTER_AUTOSCALER.serviceAccount], ["kube-system", "cluster-autoscaler"]);
    });

    it("the service account carries the IRSA role", () => {
        assert.deepStrictEqual(objects.serviceAccount.metadata, {
            name: "cluster-autoscaler", namespace: "kube-system", labels,
            annotations: { "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/prod-eks-autoscaler" },
        });
    });

    it("cluster-wide RBAC: reads what the scheduler simulation needs, writes only events, evictions, pod status and node taints", () => {
        const read = ["get", "list", "watch"];
        assert.deepStrictEqual(objects.clusterRole.rules, [
            { apiGroups: [""], resources: ["events"], verbs: ["create", "patch"] },
            { apiGroups: [""], resources: ["pods/eviction"], verbs: ["create"] },
            { apiGroups: [""], resources: ["pods/status"], verbs: ["update"] },
            { apiGroups: [""], resources: ["nodes"], verbs: [...read, "update"] },
            { apiGroups: [""], resources: ["namespaces", "pods", "services", "replicationcontrollers", "persistentvolumeclaims", "persistentvolumes"], verbs: read },
            { apiGroups: ["apps"], resources: ["daemonsets", "replicasets", "statefulsets"], verbs: read },
            { apiGroups: ["batch"], resources: ["jobs", "cronjobs"], verbs: read },
            { apiGroups: ["policy"], resources: ["poddisruptionbudgets"], verbs: read },
            // Without volumeattachments 1.32+ cannot list them and stops scaling (kubernetes/autoscaler#7663).
            { apiGroups: ["storage.k8s.io"], resources: ["storageclasses", "csinodes", "csidrivers", "csistoragecapacities", "volumeattachments"], verbs: read },
        ]);
        // Nothing cluster-wide may delete, touch Secrets or ConfigMaps, or use a wildcard.
        const rules = objects.clusterRole.rules as { resources: string[]; verbs: string[] }[];
        for (const r of rules) {
            assert.ok(!r.verbs.includes("delete") && !r.verbs.includes("*"), JSON.stringify(r));
            assert.ok(!r.resources.some(x => x === "*" || x === "secrets" || x === "configmaps" || x === "leases"), JSON.stringify(r));
        }
    });

    it("kube-system RBAC: its own Lease and status ConfigMap by name; create (which cannot be limited by name) separately", () => {
        assert.deepStrictEqual(objects.role.rules, [
            { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["create"] },
            { apiGroups: ["coordination.k8s.io"], resources: ["leases"], resourceNames: ["cluster-autoscaler"], verbs: ["get", "update"] },
            { apiGroups: [""], resources: ["configmaps"], verbs: ["create", "list", "watch"] },
            { apiGroups: [""], resources: ["configmaps"], resourceNames: ["cluster-autoscaler-status"], verbs: ["get", "update", "delete", "watch"] },
        ]);
    });

    it("both bindings bind their role to the autoscaler's service account only", () => {
        const subjects = [{ kind: "ServiceAccount", name: "cluster-autoscaler", namespace: "kube-system" }];
        assert.deepStrictEqual([objects.clusterRoleBinding.roleRef, objects.clusterRoleBinding.subjects],
            [{ apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-autoscaler" }, subjects]);
        assert.deepStrictEqual([objects.roleBinding.roleRef, objects.roleBinding.subjects],
            [{ apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "cluster-autoscaler" }, subjects]);
    });

    it("the Deployment: one system-cluster-critical replica of the pinned image, with the AWS flags and region", () => {
        const spec = objects.deployment.spec as any;
        assert.strictEqual(spec.replicas, 1);
        assert.deepStrictEqual(spec.selector, { matchLabels: { "app.kubernetes.io/name": "cluster-autoscaler" } });
        assert.deepStrictEqual(spec.template.metadata, { labels, annotations: { "cluster-autoscaler.kubernetes.io/safe-to-evict": "false" } });
        const pod = spec.template.spec;
        assert.deepStrictEqual([pod.serviceAccountName, pod.priorityClassName, pod.nodeSelector], ["cluster-autoscaler", "system-cluster-critical", { "kubernetes.io/os": "linux" }]);
        assert.strictEqual(pod.containers.length, 1);
        const c = pod.containers[0];
        assert.strictEqual(c.image, "registry.k8s.io/autoscaling/cluster-autoscaler:v1.35.0");
        assert.strictEqual(c.image, `${IMAGES.clusterAutoscaler.repository}:${IMAGES.clusterAutoscaler.tag}`);
        assert.deepStrictEqual(c.command, [
            "./cluster-autoscaler",
            "--cloud-provider=aws",
            "--node-group-auto-discovery=asg:tag=k8s.io/cluster-autoscaler/enabled,k8s.io/cluster-autoscaler/prod-eks",
            "--balance-similar-node-groups",
            "--expander=least-waste",
            "--skip-nodes-with-system-pods=false",
            "--enforce-node-group-min-size",
        ]);
        assert.strictEqual(c.args, undefined);
        assert.deepStrictEqual(c.env, [{ name: "AWS_REGION", value: "eu-west-1" }]);
        assert.deepStrictEqual(c.resources, { requests: { cpu: "100m", memory: "300Mi" }, limits: { memory: "600Mi" } });
        assert.deepStrictEqual([c.ports, c.livenessProbe], [
            [{ name: "http", containerPort: 8085, protocol: "TCP" }],
            { httpGet: { path: "/health-check", port: "http" }, initialDelaySeconds: 30, periodSeconds: 30 },
        ]);
    });

    it("the pod runs restricted: non-root, RuntimeDefault seccomp, no privilege escalation, read-only root, no capabilities", () => {
        const pod = (objects.deployment.spec as any).template.spec;
        assert.deepStrictEqual(pod.securityContext, { runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, fsGroup: 65534, seccompProfile: { type: "RuntimeDefault" } });
        assert.deepStrictEqual(pod.containers[0].securityContext, { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } });
    });

    it("discovers only the named cluster's groups", () => {
        const other = clusterAutoscalerObjects({ clusterName: "dev-eks", region: "us-east-1", roleArn: "arn:aws:iam::123456789012:role/dev-eks-autoscaler" });
        const c = (other.deployment.spec as any).template.spec.containers[0];
        assert.ok(c.command.includes("--node-group-auto-discovery=asg:tag=k8s.io/cluster-autoscaler/enabled,k8s.io/cluster-autoscaler/dev-eks"));
        assert.deepStrictEqual(c.env, [{ name: "AWS_REGION", value: "us-east-1" }]);
    });
});

describe("offline preview: the autoscaler's manifest", () => {
    it("prod: out/prod/prod-eks/manifests/cluster-autoscaler.yaml holds exactly the renderer's objects, as registered, in install order", async () => {
        const { records } = await runStack("prod");
        const own = ownManifests(records);
        // Only the EKS cluster runs it; prod-gke scales with GKE's own autoscaler.
        assert.deepStrictEqual(own.map(m => [m.cluster, m.file]), [["prod-eks", "cluster-autoscaler.yaml"]]);
        assert.deepStrictEqual(OWN_MANIFESTS, { "obs:k8s:ClusterAutoscaler": "cluster-autoscaler.yaml" });
        const expected = clusterAutoscalerObjects({ clusterName: "prod-eks", region: "eu-west-1", roleArn: "arn:aws:iam::123456789012:role/prod-eks-autoscaler" });
        assert.deepStrictEqual(parseManifest(own[0].manifest), Object.values(expected));
        assert.deepStrictEqual(own[0].objects, Object.values(expected));
    });

    it("dev (GKE only): no autoscaler manifest", async () => {
        assert.deepStrictEqual(ownManifests((await runStack("dev")).records), []);
    });
});
