/**
 * `npm run bench`: wall time and peak memory of what users wait for, on this machine.
 *  - the SDK-import floor, and the prod offline preview without manifests;
 *  - a reference: the floor's modules plus registering the preview's resource graph replayed from its
 *    plan.json with nothing else (tools/bench-replay.js; each resource through its provider's typed
 *    class, as the program creates it), which splits the preview's time into the floor, the SDK's own
 *    per-resource work and the project's;
 *  - the offline preview of every committed stack with manifests, cold (Helm cache cleared) and warm;
 *  - the prod program under the SDK's language host as `pulumi preview` runs it (tools/lib/program-host.ts:
 *    ts-node transpile-only, because tsconfig.json sets `noCheck`), and under type-checking ts-node,
 *    i.e. what every `pulumi up` would cost without `noCheck`;
 *  - loading the policy pack's policies, transpile-only (the offline preview's path), and the whole
 *    pack under the Pulumi policy host until it serves (what `pulumi preview --policy-pack policy` waits for);
 *  - the type-check gate (`tsc --noEmit`).
 * The preview and the program under the language host are also measured with the SDK's promise stack
 * traces on (PULUMI_DEBUG_PROMISE_LEAKS=1), which the program otherwise skips (stacks/promise-stacks.ts).
 * Each case runs --runs times (default 3); the table shows the median wall time, the largest peak RSS
 * of any process in the run, and the CPU time of the child processes (Helm; the policy host). Results go to
 * out/bench.json. Targets: the prod preview without manifests within 2× the SDK-import floor
 * (importing @pulumi/pulumi and the provider modules the program uses, measured in the same run), and
 * a warm preview runs no Helm at all. `--check` exits 1 if either is missed.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseArgs } from "util";
import { availableStacks, ROOT } from "./lib/stack-file";

/** The SDK's switch that makes it read the stack traces of its tracked promises (stacks/promise-stacks.ts). */
const LEAK_DEBUG = "PULUMI_DEBUG_PROMISE_LEAKS";

/** The prod offline preview without manifests must stay within this factor of the SDK-import floor. */
const FLOOR_FACTOR = 2;

interface Measure {
    readonly name: string;
    readonly wallSeconds: number[];
    readonly peakMB: number[];
    /** CPU seconds of the child processes (Helm; the policy host) the measured processes waited for. */
    readonly childCpuSeconds: number[];
    readonly stdout: string[];
}

/** Exit codes a preview may end with, every file written: 3 a mandatory policy violation, 4 a manifest check finding. */
const PREVIEW_OK: readonly number[] = [0, 3, 4];

interface MeasureOptions { env?: Record<string, string>; before?: () => void; okStatus?: readonly number[] }

function measure(name: string, argv: string[], runs: number, opts: MeasureOptions = {}): Measure {
    return measureInterleaved([{ name, argv, opts }], runs)[0]!;
}

/**
 * Cases measured in turn (a, b, c, a, b, c, …), so that a ratio between them compares runs made under
 * the same conditions: on a shared machine the floor alone moved from 1.2 to 1.6 s between runs.
 */
function measureInterleaved(cases: readonly { name: string; argv: string[]; opts?: MeasureOptions }[], runs: number): Measure[] {
    const ms = cases.map((c): Measure => ({ name: c.name, wallSeconds: [], peakMB: [], childCpuSeconds: [], stdout: [] }));
    for (let i = 0; i < runs; i++) cases.forEach((c, k) => runOnce(ms[k]!, c.argv, i, c.opts ?? {}));
    return ms;
}

/** `env` without `key`. */
function withoutKey(env: NodeJS.ProcessEnv, key: string): NodeJS.ProcessEnv {
    const { [key]: _, ...rest } = env;
    return rest;
}

/** One run of one case: wall time, the peak RSS of any process in it, the CPU of its children (Helm; the policy host). */
function runOnce(m: Measure, argv: string[], i: number, opts: MeasureOptions): void {
    opts.before?.();
    const usageFile = path.join(os.tmpdir(), `obs-bench-${process.pid}-${i}.jsonl`);
    fs.rmSync(usageFile, { force: true });
    const start = process.hrtime.bigint();
    const r = spawnSync(argv[0]!, argv.slice(1), {
        cwd: ROOT, encoding: "utf8",
        // The SDK's promise stack traces only where a case asks for them, whatever the caller's shell has.
        env: { ...withoutKey(process.env, LEAK_DEBUG), ...opts.env, OBS_RUSAGE_OUT: usageFile, NODE_OPTIONS: `-r ${path.join(ROOT, "tools/lib/rusage.js")}` },
    });
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (!(opts.okStatus ?? [0]).includes(r.status ?? -1)) throw new Error(`${m.name} failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
    const usages = fs.readFileSync(usageFile, "utf8").trim().split("\n").map(l => JSON.parse(l) as { maxRSSkB: number; childrenUs?: number });
    fs.rmSync(usageFile, { force: true });
    m.wallSeconds.push(seconds);
    m.peakMB.push(Math.max(...usages.map(u => u.maxRSSkB)) / 1024);
    m.childCpuSeconds.push(usages.reduce((n, u) => n + (u.childrenUs ?? 0), 0) / 1e6);
    m.stdout.push(r.stdout);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** The SDK and provider modules the program imports (scanned from the sources, so the floor stays honest). */
function importedSdkModules(): string[] {
    const found = new Set<string>();
    const scan = (dir: string) => {
        for (const e of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
            const rel = path.join(dir, e.name);
            if (e.isDirectory()) scan(rel);
            else if (e.name.endsWith(".ts")) {
                for (const m of fs.readFileSync(path.join(ROOT, rel), "utf8").matchAll(/from "(@pulumi\/[^"]+)"/g)) found.add(m[1]!);
            }
        }
    };
    ["components", "stacks"].forEach(scan);
    found.add("@pulumi/pulumi");
    return [...found].sort();
}

function main() {
    const { values } = parseArgs({ options: { runs: { type: "string", default: "3" }, check: { type: "boolean", default: false } } });
    const runs = Number(values.runs);
    const node = process.execPath;
    const cores = os.availableParallelism();
    const preview = (stack: string, ...flags: string[]) => [node, "-r", "./tools/lib/register.js", "tools/preview-offline.ts", "--stack", stack, "--quiet", "--out", "out/bench", ...flags];
    // Cold is a fresh clone's first preview (CI): no rendered manifests and no check results cached.
    const clearHelmCache = () => ["helm-template", "checks"].forEach(d => fs.rmSync(path.join(ROOT, ".cache", d), { recursive: true, force: true }));
    const modules = importedSdkModules();

    // The floor, the preview and the replay reference, interleaved, at least 9 times: the ratio is the target,
    // and one run of the floor moves by ±5 % on this machine.
    // The replay reads the plan.json the first preview run writes (out/bench/prod).
    // The preview with the SDK's promise stack traces on (stacks/promise-stacks.ts skips them unless
    // PULUMI_DEBUG_PROMISE_LEAKS is set) shows what skipping them saves.
    const [floor, bare, replay, withStacks] = measureInterleaved([
        { name: `SDK-import floor: node requiring ${modules.length} modules (@pulumi/pulumi and the provider modules used)`, argv: [node, "-e", modules.map(m => `require(${JSON.stringify(m)})`).join(";")] },
        { name: "preview:offline prod --no-manifests", argv: preview("prod", "--no-manifests"), opts: { okStatus: PREVIEW_OK } },
        // The same graph registered with nothing else (tools/bench-replay.js): what the SDK itself costs.
        { name: "reference: the floor's modules plus registering the prod preview's resources from its plan.json through the typed classes, nothing else",
            argv: [node, "tools/bench-replay.js", path.join(ROOT, "out", "bench", "prod", "plan.json"), JSON.stringify(modules)] },
        { name: `preview:offline prod --no-manifests with the SDK's promise stack traces (${LEAK_DEBUG}=1)`, argv: preview("prod", "--no-manifests"),
            opts: { okStatus: PREVIEW_OK, env: { [LEAK_DEBUG]: "1" } } },
    ], Math.max(runs, 9)) as [Measure, Measure, Measure, Measure];
    const results: Measure[] = [floor, bare, replay, withStacks];
    for (const stack of availableStacks()) {
        results.push(measure(`preview:offline ${stack}, cold (Helm and checks caches cleared)`, preview(stack), runs, { before: clearHelmCache, okStatus: PREVIEW_OK }));
        results.push(measure(`preview:offline ${stack}, warm`, preview(stack), runs, { okStatus: PREVIEW_OK }));
    }
    const viaTsNode = (register: string) => [node, "-r", register, "tools/preview-offline.ts", "--stack", "prod", "--quiet", "--no-manifests", "--out", "out/bench"];
    const underHost = [node, "-r", "./tools/lib/register.js", "-e", "require('./tools/lib/program-host').previewUnderHost('prod').then(r => process.exit(r.code ?? 1))"];
    const [host, hostWithStacks] = measureInterleaved([
        { name: "prod program under the SDK's language host (cmd/run, ts-node transpile-only), as `pulumi preview` runs it, against a played engine", argv: underHost },
        { name: `prod program under the SDK's language host, with the SDK's promise stack traces (${LEAK_DEBUG}=1)`, argv: underHost, opts: { env: { [LEAK_DEBUG]: "1" } } },
    ], runs) as [Measure, Measure];
    results.push(host, hostWithStacks);
    results.push(measure("prod program under ts-node type-checking (`pulumi up` without noCheck)", viaTsNode("ts-node/register"),
        Math.min(runs, 2), { env: { TS_NODE_COMPILER_OPTIONS: JSON.stringify({ noCheck: false }) }, okStatus: PREVIEW_OK }));
    results.push(measure("policy pack load, transpile-only (its policies, as the offline preview loads them)",
        [node, "-r", "./tools/lib/register.js", "-e", "require('./policy/policies')"], runs));
    results.push(measure("policy pack under the Pulumi policy host, until it serves (as `pulumi preview --policy-pack policy` starts it)",
        [node, "-r", "./tools/lib/register.js", "-e", "require('./tools/lib/policy-host').startPolicyHost().then(h => h.stop())"], runs));
    results.push(measure("type-check gate (tsc --noEmit)", [node, path.join(ROOT, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.json", "--noEmit", "--noCheck", "false"], Math.min(runs, 2)));

    const lines = [`machine: ${cores} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}; ${runs} runs; load average ${os.loadavg().map(l => l.toFixed(1)).join(" ")}`, "",
        "| case | median wall | peak RSS | child CPU (median: Helm for previews, the host for the policy host) | Helm runs |", "|---|---|---|---|---|"];
    for (const r of results) {
        const helmRuns = r.stdout.map(o => /rendered \d+ releases: (\d+) by Helm/.exec(o)?.[1]).filter(x => x !== undefined);
        lines.push(`| ${r.name} | ${median(r.wallSeconds).toFixed(2)} s | ${Math.max(...r.peakMB).toFixed(0)} MB | ${median(r.childCpuSeconds).toFixed(2)} s | ${helmRuns.join(", ") || "-"} |`);
    }
    console.log(lines.join("\n"));
    const ratio = median(bare.wallSeconds) / median(floor.wallSeconds);
    console.log(`\nprod preview without manifests / SDK-import floor: ${ratio.toFixed(2)}× (target ≤ ${FLOOR_FACTOR}×)`);
    const [f, r, b] = [floor, replay, bare].map(m => median(m.wallSeconds));
    console.log(`  = floor ${f!.toFixed(2)} s + the SDK registering the ${/replayed (\d+)/.exec(replay.stdout[0] ?? "")?.[1] ?? "?"} resources ${(r! - f!).toFixed(2)} s (${((r! - f!) / f!).toFixed(2)}×)` +
        ` + the project's own work (program, renderers, config, policy step, files) ${(b! - r!).toFixed(2)} s (${((b! - r!) / f!).toFixed(2)}×)`);
    console.log(`  the SDK alone (floor + registering) is ${(r! / f!).toFixed(2)}× the floor, which leaves ${(FLOOR_FACTOR - r! / f!).toFixed(2)}× for the project's own work under the target` +
        ` (replay: ${(replay.stdout[0] ?? "").trim()})`);
    console.log(`  the SDK's promise stack traces, which nothing reads unless ${LEAK_DEBUG} is set (stacks/promise-stacks.ts skips them): ` +
        `${(median(withStacks.wallSeconds) - b!).toFixed(2)} s of the offline preview (${(median(withStacks.wallSeconds) / f!).toFixed(2)}× with them), ` +
        `${(median(hostWithStacks.wallSeconds) - median(host.wallSeconds)).toFixed(2)} s of the program under the language host (\`pulumi preview\`)`);
    for (const r of results.filter(x => x.name.includes("cold"))) {
        const warm = results.find(x => x.name === r.name.replace(", cold (Helm and checks caches cleared)", ", warm"))!;
        const helmPhase = median(r.wallSeconds) - median(warm.wallSeconds);
        console.log(`${r.name}: wall ${median(r.wallSeconds).toFixed(2)} s = warm ${median(warm.wallSeconds).toFixed(2)} s + ${helmPhase.toFixed(2)} s for Helm,` +
            ` (the manifest checks' first run included) vs Helm CPU / ${cores} cores = ${(median(r.childCpuSeconds) / cores).toFixed(2)} s`);
    }
    fs.mkdirSync(path.join(ROOT, "out"), { recursive: true });
    fs.writeFileSync(path.join(ROOT, "out", "bench.json"), JSON.stringify({ date: new Date().toISOString(), node: process.version, cores, loadavg: os.loadavg(), modules, results: results.map(({ stdout: _s, ...r }) => r) }, null, 2) + "\n");
    fs.rmSync(path.join(ROOT, "out", "bench"), { recursive: true, force: true });
    const warmHelmRuns = results.filter(r => r.name.includes("warm")).flatMap(r => r.stdout.map(o => Number(/rendered \d+ releases: (\d+) by Helm/.exec(o)?.[1] ?? NaN)));
    const ok = ratio <= FLOOR_FACTOR && warmHelmRuns.every(n => n === 0);
    console.log(`targets (≤ ${FLOOR_FACTOR}× the floor; no Helm run when warm): ${ok ? "met" : "MISSED"}`);
    if (values.check && !ok) process.exit(1);
}

main();
