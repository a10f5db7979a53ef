/**
 * The Pulumi SDK records a stack trace on every promise it tracks (`debuggablePromise` in
 * @pulumi/pulumi/runtime/debuggable.js: about 14,000 on the prod stack, four per output property of
 * every resource) and reads those traces in one place only: the list of leaked promises it prints at
 * exit when `PULUMI_DEBUG_PROMISE_LEAKS` is set. Without that variable it captures them and never
 * reads them; formatting them was about a quarter of a second of the prod offline preview, and under
 * `pulumi up` each one also goes through ts-node's source maps.
 *
 * `skipUnreadPromiseStacks` keeps the SDK's function and everything it does (ids, labels, the leak
 * check and its message) and captures an empty trace instead, unless the SDK reads them. It relies on
 * SDK internals, @pulumi/pulumi being pinned exactly: its modules call `debuggable_1.debuggablePromise(...)`
 * through the module object, and `promiseDebugString` under `debugPromiseLeaks` is the traces' only
 * reader (test/promise-stacks.test.ts scans the SDK for both, so an upgrade that changes either fails
 * there). Where the module is not as expected it changes nothing and says so.
 */

type DebuggablePromise = <T>(p: Promise<T>, ctx: unknown) => Promise<T>;
interface DebuggableModule {
    debugPromiseLeaks: boolean;
    debuggablePromise: DebuggablePromise & { [WRAPPED]?: true };
}

const WRAPPED = Symbol.for("observability.skipUnreadPromiseStacks");

/** What `skipUnreadPromiseStacks` did: `skipped`, or why it left the SDK as it was. */
export type PromiseStacks = "skipped" | "read: PULUMI_DEBUG_PROMISE_LEAKS is set" | "unknown SDK internals";

/** Makes the SDK's promise tracking capture no stack trace when nothing will read it. Idempotent. */
export function skipUnreadPromiseStacks(): PromiseStacks {
    let mod: DebuggableModule;
    try {
        mod = require("@pulumi/pulumi/runtime/debuggable") as DebuggableModule;
    } catch {
        return "unknown SDK internals";
    }
    if (typeof mod.debuggablePromise !== "function" || typeof mod.debugPromiseLeaks !== "boolean") return "unknown SDK internals";
    if (mod.debugPromiseLeaks) return "read: PULUMI_DEBUG_PROMISE_LEAKS is set";
    if (mod.debuggablePromise[WRAPPED]) return "skipped";
    const original = mod.debuggablePromise;
    const wrapped = (<T>(p: Promise<T>, ctx: unknown): Promise<T> => {
        const limit = Error.stackTraceLimit;
        Error.stackTraceLimit = 0;
        try {
            return original(p, ctx);
        } finally {
            Error.stackTraceLimit = limit;
        }
    }) as DebuggableModule["debuggablePromise"];
    wrapped[WRAPPED] = true;
    try {
        mod.debuggablePromise = wrapped;
    } catch {
        return "unknown SDK internals"; // a read-only export (an SDK built differently)
    }
    return mod.debuggablePromise === wrapped ? "skipped" : "unknown SDK internals";
}
