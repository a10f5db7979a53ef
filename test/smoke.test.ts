import * as assert from "assert";
import { unknownKeys } from "./lib/chart-keys";
describe("chart key checker", () => {
    it("flags keys upstream loki does not define", () => {
        assert.deepStrictEqual(unknownKeys({ loki: { auth_enabled: false, nope: 1 }, deploymentMode: "Monolithic", singleBinary: { podAnnotations: { a: "b" } } }, "loki"), ["loki.nope"]);
    });
});
