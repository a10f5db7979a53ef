/**
 * Starts the policy pack the way the Pulumi CLI does for `pulumi preview --policy-pack policy`:
 * the Node.js SDK's policy host (`@pulumi/pulumi/cmd/run-policy-pack <engine address> .`, run from
 * the pack's folder, resolved from there as the CLI's `pulumi-analyzer-policy` script does), which
 * loads the pack's package.json `main` and serves the analyzer over gRPC on the port it prints.
 * Used by test/policy-host.test.ts (the pack answers under the real host) and by `npm run bench`
 * (how long the host takes until the pack serves).
 */
import { ChildProcess, spawn } from "child_process";
import * as path from "path";

export const POLICY_PACK_DIR = path.resolve(__dirname, "../../policy");

export interface PolicyHost {
    /** The analyzer's gRPC port on 127.0.0.1, as the host printed it. */
    readonly port: number;
    readonly child: ChildProcess;
    /** What the host printed so far. */
    output(): { stdout: string; stderr: string };
    /** Stops the host and waits for it to exit. */
    stop(): Promise<void>;
}

export class PolicyHostError extends Error {}

/**
 * Spawns the host and resolves once it prints its port. Rejects with the host's stderr if it cannot
 * start or exits first, or after `timeoutMs`. The host gets this environment without the test
 * runner's ts-node settings (TS_NODE_*), which the CLI would not pass, plus `env`.
 */
export function startPolicyHost(opts: { timeoutMs?: number; env?: Record<string, string> } = {}): Promise<PolicyHost> {
    const timeoutMs = opts.timeoutMs ?? 120_000;
    const host = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [POLICY_PACK_DIR] });
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("TS_NODE_")));
    // The engine address is only dialled when the pack logs through the engine; none runs here.
    const child = spawn(process.execPath, [host, "127.0.0.1:1", "."], { cwd: POLICY_PACK_DIR, stdio: ["ignore", "pipe", "pipe"], env: { ...env, ...opts.env } });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", d => { stdout += d; });
    child.stderr!.on("data", d => { stderr += d; });
    // "close": the process has exited and its output is all read.
    const closed = new Promise<void>(resolve => child.once("close", () => resolve()));
    const stop = async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill();
        await closed;
    };
    const output = () => ({ stdout, stderr });
    return new Promise((resolve, reject) => {
        let settled = false;
        const fail = (why: string) => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            void stop().then(() => reject(new PolicyHostError(`the policy host (${host}) ${why}; stderr:\n${stderr}`)));
        };
        const timer = setTimeout(() => fail(`printed no port within ${timeoutMs} ms`), timeoutMs);
        child.once("error", e => fail(`could not start: ${e.message}`));
        child.once("close", code => fail(`exited with ${code} before printing its port`));
        child.stdout!.on("data", () => {
            // The host's first line is the port (@pulumi/policy's serve prints it once bound).
            const m = /^(\d+)\r?\n/.exec(stdout);
            if (m && !settled) {
                settled = true;
                clearTimeout(timer);
                resolve({ port: Number(m[1]), child, output, stop });
            }
        });
    });
}
