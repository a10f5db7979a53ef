/**
 * The real Prometheus tools the alerting tests run: promtool, amtool and alertmanager from Debian 13,
 * unpacked into .tools/bin by `npm run tools:install` (tools/install-tools.sh). A test that needs one
 * and does not find it fails, naming that command.
 */
import { execFile, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

export const ROOT = path.resolve(__dirname, "../..");
export const INSTALL_COMMAND = "npm run tools:install";

export type Tool = "promtool" | "amtool" | "alertmanager";

/** Absolute path of a tool; throws (failing the test) with the install command when it is missing. */
export function tool(name: Tool): string {
    const file = path.join(ROOT, ".tools", "bin", name);
    if (!fs.existsSync(file)) throw new Error(`${name} not found in .tools/bin: run \`${INSTALL_COMMAND}\` (fetches Debian 13's promtool and prometheus-alertmanager)`);
    return file;
}

export interface RunResult { readonly status: number | null; readonly stdout: string; readonly stderr: string }

/** Runs a tool to completion (bounded by `timeoutMs`). */
export function runTool(name: Tool, args: readonly string[], opts: { cwd?: string; timeoutMs?: number } = {}): RunResult {
    const r = spawnSync(tool(name), args, { cwd: opts.cwd, encoding: "utf8", timeout: opts.timeoutMs ?? 30_000 });
    if (r.error) throw r.error;
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs a tool and fails with its output unless it exits 0. */
export function mustRun(name: Tool, args: readonly string[], opts: { cwd?: string; timeoutMs?: number } = {}): string {
    const r = runTool(name, args, opts);
    if (r.status !== 0) throw new Error(`${name} ${args.join(" ")} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
}

/** Runs a tool asynchronously (for many short runs side by side); resolves with its exit status and output. */
export function runToolAsync(name: Tool, args: readonly string[], timeoutMs = 30_000): Promise<RunResult> {
    const file = tool(name);
    return new Promise(resolve => execFile(file, args, { encoding: "utf8", timeout: timeoutMs }, (err, stdout, stderr) =>
        resolve({ status: err ? (typeof err.code === "number" ? err.code : -1) : 0, stdout, stderr })));
}

/** Maps `items` through `fn` with at most `limit` running at once. */
export async function pooled<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
    const out: R[] = new Array(items.length);
    let next = 0;
    const worker = async () => { while (next < items.length) { const i = next++; out[i] = await fn(items[i]!); } };
    await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
    return out;
}
