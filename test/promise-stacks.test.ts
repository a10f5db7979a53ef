/**
 * stacks/promise-stacks.ts: the SDK's tracked promises carry no stack trace when nothing reads them,
 * and everything else the SDK and the program do with stacks and promises is unchanged.
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as path from "path";
import { skipUnreadPromiseStacks } from "../stacks/promise-stacks";
import { runStack } from "./lib/run";

const ROOT = path.resolve(__dirname, "..");
const WRAPPED = Symbol.for("observability.skipUnreadPromiseStacks");
const debuggable = () => require("@pulumi/pulumi/runtime/debuggable") as {
    debuggablePromise: ((p: Promise<unknown>, ctx: unknown) => Promise<unknown>) & { [WRAPPED]?: true };
    debugPromiseLeaks: boolean;
};

interface Tracked { _debugId: number; _debugCtx: unknown; _debugStackTrace: string }

/** Runs `script` in a fresh node with the project's loader (a fresh SDK) and this environment; its last line of output. */
function child(script: string, env: NodeJS.ProcessEnv): string {
    const r = spawnSync(process.execPath, ["-r", "./tools/lib/register.js", "-e", script], { cwd: ROOT, encoding: "utf8", env });
    assert.strictEqual(r.status, 0, r.stderr);
    return r.stdout.trim().split("\n").pop()!;
}

/** This process's environment without PULUMI_DEBUG_PROMISE_LEAKS. */
function withoutLeakDebugging(): NodeJS.ProcessEnv {
    const { PULUMI_DEBUG_PROMISE_LEAKS: _, ...rest } = process.env;
    return rest;
}

const PROBE = `
const { skipUnreadPromiseStacks } = require("./stacks/promise-stacks.ts");
const outcome = skipUnreadPromiseStacks();
const p = Promise.resolve(1);
require("@pulumi/pulumi/runtime/debuggable").debuggablePromise(p, "probe");
console.log(JSON.stringify({ outcome, stack: p._debugStackTrace }));`;

describe("the SDK's unread promise stack traces", () => {
    it("are not captured; the promise keeps its id, label, value and place in the leak check", async () => {
        assert.strictEqual(skipUnreadPromiseStacks(), "skipped");
        const p = Promise.resolve(42);
        const tracked = debuggable().debuggablePromise(p, "transferProperty(test)");
        const t = p as unknown as Tracked;
        const leakCandidates = () => (require("@pulumi/pulumi/runtime/state").getStore().leakCandidates as Set<unknown>);
        assert.ok(leakCandidates().has(p), "tracked until it settles");
        assert.strictEqual(t._debugStackTrace, "Error");
        assert.strictEqual(t._debugCtx, "transferProperty(test)");
        assert.strictEqual(typeof t._debugId, "number");
        assert.strictEqual(await tracked, 42);
        assert.ok(!leakCandidates().has(p), "no longer tracked once settled");
        const failure = new Error("boom");
        await assert.rejects(debuggable().debuggablePromise(Promise.reject(failure), "rejected"), e => e === failure);
    });

    it("leaves every other stack trace whole: the limit is back after each tracked promise", () => {
        skipUnreadPromiseStacks();
        const limit = Error.stackTraceLimit;
        debuggable().debuggablePromise(Promise.resolve(), "x");
        assert.strictEqual(Error.stackTraceLimit, limit);
        assert.match(new Error("after").stack!, /\n {4}at /);
    });

    it("wraps the SDK's function once however often it is called", () => {
        skipUnreadPromiseStacks();
        const once = debuggable().debuggablePromise;
        assert.strictEqual(skipUnreadPromiseStacks(), "skipped");
        assert.strictEqual(debuggable().debuggablePromise, once);
        assert.strictEqual(once[WRAPPED], true);
    });

    it("keeps them where the SDK reads them (PULUMI_DEBUG_PROMISE_LEAKS), and drops them in a fresh process without it", () => {
        const kept = JSON.parse(child(PROBE, { ...process.env, PULUMI_DEBUG_PROMISE_LEAKS: "1" }));
        assert.strictEqual(kept.outcome, "read: PULUMI_DEBUG_PROMISE_LEAKS is set");
        assert.match(kept.stack, /^Error\n {4}at /);
        assert.deepStrictEqual(JSON.parse(child(PROBE, withoutLeakDebugging())), { outcome: "skipped", stack: "Error" });
    });

    it("is what the program does first (so `pulumi up` and the offline preview run without them)", async () => {
        const script = `
const d = require("@pulumi/pulumi/runtime/debuggable");
const before = d.debuggablePromise;
const { runMocked } = require("./tools/lib/mock-runtime.ts");
const { readStackFile } = require("./tools/lib/stack-file.ts");
const { run } = require("./stacks/program.ts");
const s = readStackFile("dev");
runMocked({ stack: "dev", config: s.config, secretKeys: s.secretKeys }, run).then(r =>
    console.log(JSON.stringify({ replaced: d.debuggablePromise !== before, wrapped: d.debuggablePromise[Symbol.for("observability.skipUnreadPromiseStacks")] === true, resources: r.records.length })));`;
        assert.deepStrictEqual(JSON.parse(child(script, withoutLeakDebugging())), { replaced: true, wrapped: true, resources: (await runStack("dev")).records.length });
    });
});
