/** The flipping rules of `npm run test:charts` (test/lib/flip.ts), on small trees. */
import * as assert from "assert";
import { flipValue, formatPath, leafPaths, schemaEnum, valueAt, withLeaf } from "./lib/flip";

describe("flipping values one leaf at a time (npm run test:charts)", () => {
    const tree = { a: { b: true, c: [1, { d: "x" }], e: {} }, f: [], "app.kubernetes.io/name": "n" };

    it("lists every leaf, empty maps and lists included, in order", () => {
        assert.deepStrictEqual(leafPaths(tree), [["a", "b"], ["a", "c", 0], ["a", "c", 1, "d"], ["a", "e"], ["f"], ["app.kubernetes.io/name"]]);
        assert.deepStrictEqual(leafPaths(tree).map(formatPath), ["a.b", "a.c[0]", "a.c[1].d", "a.e", "f", '["app.kubernetes.io/name"]']);
    });

    it("flips by type: booleans, numbers, strings (or another allowed value), empty collections", () => {
        assert.strictEqual(flipValue(true), false);
        assert.strictEqual(flipValue(false), true);
        assert.strictEqual(flipValue(3), 4);
        assert.strictEqual(flipValue(0.5), 1.5);
        assert.strictEqual(flipValue("30s"), "30s-x");
        assert.strictEqual(flipValue("deployment", ["daemonset", "deployment", "statefulset"]), "daemonset");
        assert.strictEqual(flipValue("daemonset", ["daemonset", "deployment"]), "deployment");
        assert.strictEqual(flipValue("only", ["only"]), "only-x");
        assert.deepStrictEqual(flipValue([]), ["flipped"]);
        assert.deepStrictEqual(flipValue({}), { flipped: true });
    });

    it("changes exactly one leaf of a copy, leaving the original alone", () => {
        const before = JSON.stringify(tree);
        const flipped = withLeaf(tree, ["a", "c", 1, "d"], "y");
        assert.deepStrictEqual(flipped, { a: { b: true, c: [1, { d: "y" }], e: {} }, f: [], "app.kubernetes.io/name": "n" });
        assert.strictEqual(JSON.stringify(tree), before);
        assert.strictEqual(valueAt(flipped, ["a", "c", 1, "d"]), "y");
    });

    it("finds the enum a chart's schema gives a path, through properties, items and additionalProperties", () => {
        const schema = {
            properties: {
                mode: { enum: ["daemonset", "deployment"] },
                ports: { additionalProperties: { properties: { protocol: { enum: ["TCP", "UDP"] } } } },
                list: { items: { properties: { kind: { enum: ["a", "b"] } } } },
            },
        };
        assert.deepStrictEqual(schemaEnum(schema, ["mode"]), ["daemonset", "deployment"]);
        assert.deepStrictEqual(schemaEnum(schema, ["ports", "otlp", "protocol"]), ["TCP", "UDP"]);
        assert.deepStrictEqual(schemaEnum(schema, ["list", 3, "kind"]), ["a", "b"]);
        assert.strictEqual(schemaEnum(schema, ["image", "tag"]), undefined);
        assert.strictEqual(schemaEnum(undefined, ["mode"]), undefined);
    });
});
