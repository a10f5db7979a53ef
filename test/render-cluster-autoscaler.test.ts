/** The Cluster Autoscaler's values: every key exists in the vendored chart, and each setting where it lands. */
import * as assert from "assert";
import { clusterAutoscalerValues, CLUSTER_AUTOSCALER } from "../components/render/clusterAutoscaler";
import { unknownKeys } from "./lib/chart-keys";

describe("render: cluster-autoscaler", () => {
    const values = clusterAutoscalerValues({ clusterName: "prod-eks", region: "eu-west-1", roleArn: "arn:aws:iam::123456789012:role/prod-eks-autoscaler" });

    it("sets only keys the pinned chart defines (extraArgs is the chart's open map of flags; the chart ships no values.schema.json)", () => {
        assert.deepStrictEqual(unknownKeys(values, "cluster-autoscaler", { open: ["extraArgs", "rbac.serviceAccount.annotations", "resources"] }), []);
    });

    it("discovers the cluster's node groups on AWS through IRSA, and keeps each at least at its minimum", () => {
        const v = values as any;
        assert.deepStrictEqual([v.cloudProvider, v.awsRegion, v.autoDiscovery], ["aws", "eu-west-1", { clusterName: "prod-eks" }]);
        assert.deepStrictEqual(v.rbac.serviceAccount, {
            create: true, name: CLUSTER_AUTOSCALER.serviceAccount, annotations: { "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/prod-eks-autoscaler" },
        });
        assert.strictEqual(v.extraArgs["enforce-node-group-min-size"], true);
        assert.strictEqual(v.priorityClassName, "system-cluster-critical");
    });
});
