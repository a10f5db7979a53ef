/**
 * `npm run bench`: wall time and peak memory of what users wait for, on this machine.
 *  - the offline preview of every committed stack, exactly as `npm run preview:offline` runs it;
 *  - the prod program under ts-node as `pulumi up` loads it (transpile-only, because tsconfig.json
 *    sets `noCheck`), and with type-checking, i.e. what every `pulumi up` would cost without it;
 *  - the type-check gate (`tsc --noEmit`);
 *  - loading the policy pack's policies, transpile-only (the offline preview's path) and
 *    type-checking with @pulumi/policy (what `pulumi preview --policy-pack policy` loads).
 * Each case runs --runs times (default 3); the table shows the median wall time and the largest peak
 * RSS of any process in the run. Results go to out/bench.json. `--check` exits 1 if the prod preview
 * misses its target (3 s, 400 MB).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseArgs } from "util";
import { availableStacks, ROOT } from "./lib/stack-file";

const TARGET = { stack: "prod", seconds: 3, megabytes: 400 };

interface Measure { readonly name: string; readonly wallSeconds: number[]; readonly peakMB: number[] }

/** Exit codes a case may end with: the preview exits 3 on a mandatory policy violation, with every file written. */
const PREVIEW_OK = [0, 3];

function measure(name: string, argv: string[], runs: number, env: Record<string, string> = {}, okStatus: readonly number[] = [0]): Measure {
    const wallSeconds: number[] = [];
    const peakMB: number[] = [];
    for (let i = 0; i < runs; i++) {
        const usageFile = path.join(os.tmpdir(), `obs-bench-${process.pid}-${i}.jsonl`);
        fs.rmSync(usageFile, { force: true });
        const start = process.hrtime.bigint();
        const r = spawnSync(argv[0]!, argv.slice(1), {
            cwd: ROOT, encoding: "utf8",
            env: { ...process.env, ...env, OBS_RUSAGE_OUT: usageFile, NODE_OPTIONS: `-r ${path.join(ROOT, "tools/lib/rusage.js")}` },
        });
        const seconds = Number(process.hrtime.bigint() - start) / 1e9;
        if (!okStatus.includes(r.status ?? -1)) throw new Error(`${name} failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
        const usages = fs.readFileSync(usageFile, "utf8").trim().split("\n").map(l => JSON.parse(l) as { maxRSSkB: number });
        fs.rmSync(usageFile, { force: true });
        wallSeconds.push(seconds);
        peakMB.push(Math.max(...usages.map(u => u.maxRSSkB)) / 1024);
    }
    return { name, wallSeconds, peakMB };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function main() {
    const { values } = parseArgs({ options: { runs: { type: "string", default: "3" }, check: { type: "boolean", default: false } } });
    const runs = Number(values.runs);
    const node = process.execPath;
    const preview = (stack: string) => [node, "-r", "./tools/lib/register.js", "tools/preview-offline.ts", "--stack", stack, "--quiet", "--out", "out/bench"];
    const results: Measure[] = [];
    for (const stack of availableStacks()) results.push(measure(`preview:offline ${stack}`, preview(stack), runs, {}, PREVIEW_OK));
    const viaTsNode = (register: string) => [node, "-r", register, "tools/preview-offline.ts", "--stack", "prod", "--quiet", "--out", "out/bench"];
    results.push(measure("prod program under ts-node transpile-only, as `pulumi up` runs it", viaTsNode("ts-node/register/transpile-only"), runs, {}, PREVIEW_OK));
    results.push(measure("prod program under ts-node type-checking (`pulumi up` without noCheck)", viaTsNode("ts-node/register"),
        Math.min(runs, 2), { TS_NODE_COMPILER_OPTIONS: JSON.stringify({ noCheck: false }) }, PREVIEW_OK));
    const loadPack = "require('@pulumi/policy'); require('./policy/policies')";
    results.push(measure("policy pack load, transpile-only (policies, as the offline preview loads them)", [node, "-r", "./tools/lib/register.js", "-e", "require('./policy/policies')"], runs));
    results.push(measure("policy pack load, type-checking + @pulumi/policy (as `pulumi preview --policy-pack` loads it)", [node, "-r", "ts-node/register", "-e", loadPack],
        Math.min(runs, 2), { TS_NODE_COMPILER_OPTIONS: JSON.stringify({ noCheck: false }) }));
    results.push(measure("type-check gate (tsc --noEmit)", [node, path.join(ROOT, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.json", "--noEmit", "--noCheck", "false"], Math.min(runs, 2)));

    const lines = [`machine: ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}; ${runs} runs`, "",
        "| case | median wall | peak RSS |", "|---|---|---|"];
    for (const r of results) lines.push(`| ${r.name} | ${median(r.wallSeconds).toFixed(2)} s | ${Math.max(...r.peakMB).toFixed(0)} MB |`);
    console.log(lines.join("\n"));
    fs.mkdirSync(path.join(ROOT, "out"), { recursive: true });
    fs.writeFileSync(path.join(ROOT, "out", "bench.json"), JSON.stringify({ date: new Date().toISOString(), node: process.version, cores: os.cpus().length, results }, null, 2) + "\n");
    fs.rmSync(path.join(ROOT, "out", "bench"), { recursive: true, force: true });

    const prod = results.find(r => r.name === `preview:offline ${TARGET.stack}`)!;
    const ok = median(prod.wallSeconds) < TARGET.seconds && Math.max(...prod.peakMB) < TARGET.megabytes;
    console.log(`\ntarget (${TARGET.stack} offline preview < ${TARGET.seconds} s and < ${TARGET.megabytes} MB): ${ok ? "met" : "MISSED"}`);
    if (values.check && !ok) process.exit(1);
}

main();
