/** The flag parsing the tools share (tools/lib/cli.ts): values, --help, required flags, usage errors. */
import * as assert from "assert";
import { parseFlags } from "../tools/lib/cli";

const USAGE = "usage: tool --stack <name> [--base <ref>] [--quiet]";
const OPTIONS = { stack: { type: "string" }, base: { type: "string" }, out: { type: "string", default: "out" }, quiet: { type: "boolean", default: false } } as const;

/** Runs `fn` with console.log/error captured. */
function captured<T>(fn: () => T): { result: T; out: string[]; err: string[] } {
    const out: string[] = [];
    const err: string[] = [];
    const [log, error] = [console.log, console.error];
    console.log = (m: string) => out.push(m);
    console.error = (m: string) => err.push(m);
    try {
        return { result: fn(), out, err };
    } finally {
        [console.log, console.error] = [log, error];
    }
}

describe("tools/lib/cli: the tools' flags", () => {
    it("returns the flags with their defaults, without help", () => {
        assert.deepStrictEqual(captured(() => parseFlags(["--stack", "dev", "--quiet"], OPTIONS, USAGE, ["stack"])),
            { result: { stack: "dev", out: "out", quiet: true }, out: [], err: [] });
    });
    it("a required flag is typed as a string (no `!` needed); an optional one without default may be undefined", () => {
        const flags = parseFlags(["--stack", "dev"], OPTIONS, USAGE, ["stack"]);
        assert.ok(typeof flags !== "number");
        // Compile-time checks (the tsc gate): these assignments only type-check with the narrowing.
        const stack: string = flags.stack;
        const base: string | undefined = flags.base;
        const out: string = flags.out;
        assert.deepStrictEqual([stack, base, out], ["dev", undefined, "out"]);
    });
    it("--help prints the usage on stdout and returns 0", () => {
        assert.deepStrictEqual(captured(() => parseFlags(["--help"], OPTIONS, USAGE, ["stack"])), { result: 0, out: [USAGE], err: [] });
    });
    it("missing required flags are named together; the usage follows on stderr, with the usage exit code", () => {
        assert.deepStrictEqual(captured(() => parseFlags([], OPTIONS, USAGE, ["stack", "base"])), { result: 2, out: [], err: [`--stack and --base are required\n${USAGE}`] });
        assert.deepStrictEqual(captured(() => parseFlags(["--base", "main"], OPTIONS, USAGE, ["stack"], 64)), { result: 64, out: [], err: [`--stack is required\n${USAGE}`] });
    });
    it("an unknown flag or a string flag without its value is a usage error quoting parseArgs", () => {
        const unknown = captured(() => parseFlags(["--stack", "dev", "--bogus"], OPTIONS, USAGE));
        assert.strictEqual(unknown.result, 2);
        assert.match(unknown.err[0]!, /^Unknown option '--bogus'.*\nusage: tool/s);
        const bare = captured(() => parseFlags(["--stack"], OPTIONS, USAGE));
        assert.strictEqual(bare.result, 2);
        assert.match(bare.err[0]!, /^Option '--stack <value>' argument missing\nusage: tool/);
    });
});
