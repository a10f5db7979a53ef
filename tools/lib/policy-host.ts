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
    /** Stops the host and waits for it to exit. */
    stop(): Promise<void>;
}

export class PolicyHostError extends Error {}

/**
 * Spawns the host and resolves once it prints its port. Rejects with the host's stderr if it exits
 * first, or after `timeoutMs`.
 */
export function startPolicyHost(timeoutMs = 120_000): Promise<PolicyHost> {
    const host = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [POLICY_PACK_DIR] });
    // The engine address is only dialled when the pack logs through the engine; none runs here.
    const child = spawn(process.execPath, [host, "127.0.0.1:1", "."], { cwd: POLICY_PACK_DIR, stdio: ["ignore", "pipe", "pipe"] });
    const exited = new Promise<void>(resolve => child.once("exit", () => resolve()));
    const stop = async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill();
        await exited;
    };
    return new Promise((resolve, reject) => {
        let stdout = "";
        let stderr = "";
        const fail = (why: string) => {
            clearTimeout(timer);
            void stop().then(() => reject(new PolicyHostError(`the policy host (${host}) ${why}; stderr:\n${stderr}`)));
        };
        const timer = setTimeout(() => fail(`printed no port within ${timeoutMs} ms`), timeoutMs);
        child.stderr!.on("data", d => { stderr += d; });
        child.stdout!.on("data", d => {
            stdout += d;
            const m = /^(\d+)\s*$/m.exec(stdout);
            if (m) {
                clearTimeout(timer);
                child.off("exit", onExit);
                resolve({ port: Number(m[1]), child, stop });
            }
        });
        const onExit = (code: number | null) => fail(`exited with ${code} before printing its port`);
        child.once("exit", onExit);
    });
}
