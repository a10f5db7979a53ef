/**
 * `npm run preview:offline -- --stack <name>`: runs the real program under the Pulumi mock runtime
 * with that stack's committed config (secrets replaced by marked placeholders), prints what would be
 * created, and writes out/<stack>/plan.json and summary.md. Exit codes: 0 ok, 2 config error,
 * 1 anything else.
 */
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { runMocked } from "./lib/mock-runtime";
import { stringify } from "yaml";
import { alertingFiles } from "./lib/alerting-files";
import { criticalPathMarkdown, helmReleaseFiles, planOf, renderTree, summaryMarkdown } from "./lib/report";
import { RELEASES } from "../components/render/topology";
import { availableStacks, readStackFile, ROOT, StackFileError } from "./lib/stack-file";
import { ConfigError, parseEnvironment } from "../stacks/config";
import { run } from "../stacks/program";

const USAGE = `usage: npm run preview:offline -- --stack <name> [--out <dir>] [--quiet]
  --stack  a stack with a Pulumi.<name>.yaml here (${availableStacks().join(", ")})
  --out    output directory (default: out)
  --quiet  print only the summary line`;

async function main(argv: string[]): Promise<number> {
    let args;
    try {
        args = parseArgs({ args: argv, options: { stack: { type: "string" }, out: { type: "string", default: "out" }, quiet: { type: "boolean", default: false }, help: { type: "boolean", default: false } } }).values;
    } catch (e) {
        console.error(`${(e as Error).message}\n${USAGE}`);
        return 2;
    }
    if (args.help) {
        console.log(USAGE);
        return 0;
    }
    if (!args.stack) {
        console.error(`--stack is required\n${USAGE}`);
        return 2;
    }
    const stack = args.stack;
    let result;
    let env;
    try {
        const stackConfig = readStackFile(stack);
        // The program itself warns about provider keys it ignores (pulumi.log.warn).
        env = parseEnvironment({ values: stackConfig.config, secretKeys: new Set(stackConfig.secretKeys) });
        result = await runMocked({ stack, config: stackConfig.config, secretKeys: stackConfig.secretKeys, preview: true }, run);
    } catch (e) {
        if (e instanceof ConfigError || e instanceof StackFileError) {
            console.error(`config error: ${e.message}`);
            return 2;
        }
        throw e;
    }
    const outDir = path.resolve(ROOT, args.out!, stack);
    fs.rmSync(outDir, { recursive: true, force: true });
    fs.mkdirSync(outDir, { recursive: true });
    fs.writeFileSync(path.join(outDir, "plan.json"), JSON.stringify(planOf(stack, result.records), null, 2) + "\n");
    fs.writeFileSync(path.join(outDir, "summary.md"), summaryMarkdown(stack, env, result.records, [criticalPathMarkdown(result.records)]));
    const written = writeClusterFiles(outDir, result.records);
    const tree = renderTree(stack, result.records);
    console.log(args.quiet ? tree.split("\n")[0] : tree);
    console.log(`wrote ${path.relative(process.cwd(), outDir) || "."}/: plan.json, summary.md and ${written} files under <cluster>/`);
    return 0;
}

/**
 * out/<stack>/<cluster>/helm/<release>.yaml for every release, plus the generated configs as the
 * programs themselves read them: collector.yaml (the gateway's Collector config; collector-lb.yaml
 * for the prod load-balancing tier) and alloy.alloy; alertmanager.yaml with its templates,
 * prometheus-rules.yaml and dashboards/*.json (tools/lib/alerting-files.ts).
 */
function writeClusterFiles(outDir: string, records: Parameters<typeof helmReleaseFiles>[0]): number {
    let count = 0;
    const write = (file: string, text: string) => {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, text);
        count++;
    };
    for (const f of helmReleaseFiles(records)) {
        const dir = path.join(outDir, f.cluster);
        write(path.join(dir, "helm", `${f.release}.yaml`), stringify(f.content, { lineWidth: 0 }));
        const values = f.content.values as Record<string, any>;
        if (f.release === RELEASES.collector) write(path.join(dir, "collector.yaml"), stringify(values.alternateConfig, { lineWidth: 0 }));
        if (f.release === RELEASES.collectorLoadBalancer) write(path.join(dir, "collector-lb.yaml"), stringify(values.alternateConfig, { lineWidth: 0 }));
        if (f.release === RELEASES.alloy) write(path.join(dir, "alloy.alloy"), String(values.alloy?.configMap?.content));
    }
    for (const f of alertingFiles(records)) write(path.join(outDir, f.cluster, f.file), f.text);
    return count;
}

main(process.argv.slice(2)).then(code => process.exit(code), e => {
    console.error(e instanceof Error ? e.stack : e);
    process.exit(1);
});
