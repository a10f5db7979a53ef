/**
 * stacks/promise-stacks.ts: the SDK's tracked promises carry no stack trace when nothing reads them,
 * and everything else the SDK and the program do with stacks and promises is unchanged.
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
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

/** Every JavaScript file of the pinned SDK (not its own node_modules). */
function sdkSources(): { file: string; text: string }[] {
    const root = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
    const out: { file: string; text: string }[] = [];
    const walk = (dir: string) => {
        for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
            const full = path.join(dir, e.name);
            if (e.isDirectory() && e.name !== "node_modules") walk(full);
            else if (e.isFile() && e.name.endsWith(".js")) out.push({ file: path.relative(root, full), text: fs.readFileSync(full, "utf8") });
        }
    };
    walk(root);
    return out;
}

describe("the SDK's unread promise stack traces", () => {
    before(() => {
        // In this process the SDK read the variable when it loaded; the set case runs in a child process below.
        assert.strictEqual(process.env.PULUMI_DEBUG_PROMISE_LEAKS, undefined, "these tests need PULUMI_DEBUG_PROMISE_LEAKS unset in the shell that runs them");
    });

    it("the pinned SDK reads the traces only to print leaks under PULUMI_DEBUG_PROMISE_LEAKS, and calls the function through its module", () => {
        const sources = sdkSources();
        const mentions = (re: RegExp) => sources.flatMap(({ file, text }) => text.split("\n").map((line, i) => [file, i + 1, line.trim()] as const))
            .filter(([, , line]) => re.test(line) && !line.startsWith("//") && !line.startsWith("*"));
        assert.deepStrictEqual(mentions(/_debugStackTrace/).map(([f, , l]) => `${f}: ${l}`), [
            "runtime/debuggable.js: return `CONTEXT(${p._debugId}): ${p._debugCtx}\\n` + `STACK_TRACE:\\n` + `${p._debugStackTrace}`;",
            'runtime/debuggable.js: Object.defineProperty(p, "_debugStackTrace", { writable: true, value: new Error().stack });',
        ]);
        assert.deepStrictEqual(mentions(/promiseDebugString\(/).map(([f, , l]) => `${f}: ${l}`), [
            "runtime/debuggable.js: console.error(promiseDebugString(leak));",
            "runtime/debuggable.js: function promiseDebugString(p) {",
        ]);
        const debuggableText = sources.find(s => s.file === "runtime/debuggable.js")!.text;
        assert.match(debuggableText, /if \(exports\.debugPromiseLeaks\) \{\n\s+for \(const leak of leaked\) \{\n\s+console\.error\("Promise leak detected:"\);\n\s+console\.error\(promiseDebugString\(leak\)\);/);
        const calls = mentions(/debuggablePromise/).filter(([f]) => f !== "runtime/debuggable.js");
        assert.ok(calls.length >= 30, `SDK call sites found: ${calls.length}`);
        assert.deepStrictEqual(calls.filter(([, , l]) => l.replace(/debuggable_1\.debuggablePromise\(/g, "").includes("debuggablePromise")), [],
            "every caller goes through the module object");
    });
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

    it("changes nothing, and says so, where the SDK's function cannot be replaced", () => {
        const script = `
const d = require("@pulumi/pulumi/runtime/debuggable");
const original = d.debuggablePromise;
Object.defineProperty(d, "debuggablePromise", { value: original, writable: false });
const outcome = require("./stacks/promise-stacks.ts").skipUnreadPromiseStacks();
const p = Promise.resolve(1);
d.debuggablePromise(p, "probe");
console.log(JSON.stringify({ outcome, same: d.debuggablePromise === original, frames: /\\n {4}at /.test(p._debugStackTrace) }));`;
        assert.deepStrictEqual(JSON.parse(child(script, withoutLeakDebugging())), { outcome: "unknown SDK internals", same: true, frames: true });
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
