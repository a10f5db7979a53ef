/** The checker every renderer test relies on: it must flag keys the pinned charts do not define. */
import * as assert from "assert";
import { at, helmMerge, schemaErrors, unknownKeys } from "./lib/chart-keys";

describe("chart key checker", () => {
    it("flags keys upstream loki does not define, and walks into maps the chart defines", () => {
        assert.deepStrictEqual(unknownKeys({ loki: { auth_enabled: false, nope: 1 }, deploymentMode: "Monolithic", singleBinary: { podAnnotations: { a: "b" } } }, "loki"), ["loki.nope"]);
    });

    it("leaves a path the caller opens alone, even where upstream has no key", () => {
        assert.deepStrictEqual(unknownKeys({ loki: { storage: { bucketNames: { chunks: "c" } } } }, "loki"), ["loki.storage.bucketNames"]);
        assert.deepStrictEqual(unknownKeys({ loki: { storage: { bucketNames: { chunks: "c" } } } }, "loki", { open: ["loki.storage.bucketNames"] }), []);
    });

    it("checks subchart keys against the subchart's own values", () => {
        assert.deepStrictEqual(unknownKeys({ grafana: { persistence: { type: "sts" }, nope: true } }, "kube-prometheus-stack", { subcharts: { grafana: "grafana" } }), ["grafana.nope"]);
    });

    it("merges like Helm (maps merge, lists and scalars replace) and validates against values.schema.json", () => {
        assert.deepStrictEqual(helmMerge({ a: { b: 1, c: [1] } }, { a: { c: [2], d: 3 } }), { a: { b: 1, c: [2], d: 3 } });
        assert.deepStrictEqual(schemaErrors({ singleBinary: { replicas: "3" } }, "loki"), ["/singleBinary/replicas: must be integer,null"]);
        assert.strictEqual(at({ a: { b: { c: 1 } } }, "a.b.c"), 1);
    });
});
