/**
 * `npm run preview:offline -- --stack <name>`: runs the real program under the Pulumi mock runtime
 * with that stack's committed config (secrets replaced by marked placeholders), prints what would be
 * created, renders every Helm release with real Helm, and writes out/<stack>/plan.json, summary.md
 * and, per cluster, the release values, the generated configs and the rendered manifests.
 * Exit codes: 0 ok, 2 config error, 1 anything else (a release that does not render included).
 */
import * as path from "path";
import { parseArgs } from "util";
import { runMocked } from "./lib/mock-runtime";
import { stringify } from "yaml";
import { criticalPathMarkdown, helmReleaseFiles, planOf, renderTree, summaryMarkdown } from "./lib/report";
import { RELEASES } from "../components/render/topology";
import { availableStacks, readStackFile, StackFileError } from "./lib/stack-file";
import { OutDirError, resolveOutDir, writeOutDir } from "./lib/out-dir";
import { manifestsMarkdown, ReleaseRenderError, renderReleases, RenderedRelease } from "./lib/manifests";
import { HelmUnavailable, templateStats } from "./lib/helm";
import { ConfigError, parseEnvironment } from "../stacks/config";
import { run } from "../stacks/program";

const USAGE = `usage: npm run preview:offline -- --stack <name> [--out <dir>] [--quiet] [--no-manifests]
  --stack         a stack with a Pulumi.<name>.yaml here (${availableStacks().join(", ")})
  --out           output directory (default: out); the stack's files go to <out>/<stack>, which must be
                  new, empty or written by an earlier preview (never a folder holding anything else)
  --quiet         print only the summary line
  --no-manifests  skip rendering the releases with Helm`;

async function main(argv: string[]): Promise<number> {
    let args;
    try {
        args = parseArgs({ args: argv, options: { stack: { type: "string" }, out: { type: "string", default: "out" }, quiet: { type: "boolean", default: false }, "no-manifests": { type: "boolean", default: false }, help: { type: "boolean", default: false } } }).values;
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
    let target;
    try {
        const stackConfig = readStackFile(stack);
        target = resolveOutDir(args.out!, stack);
        // The program itself warns about provider keys it ignores (pulumi.log.warn).
        env = parseEnvironment({ values: stackConfig.config, secretKeys: new Set(stackConfig.secretKeys) });
        result = await runMocked({ stack, config: stackConfig.config, secretKeys: stackConfig.secretKeys, preview: true }, run);
    } catch (e) {
        if (e instanceof OutDirError) {
            console.error(`error: ${e.message}`);
            return 2;
        }
        if (e instanceof ConfigError || e instanceof StackFileError) {
            console.error(`config error: ${e.message}`);
            return 2;
        }
        throw e;
    }
    let rendered: RenderedRelease[] = [];
    if (!args["no-manifests"]) {
        const versions = new Map(env.clusters.map(c => [c.name, c.kubernetesVersion as string]));
        try {
            rendered = await renderReleases(stack, result.records, cluster => versions.get(cluster)!);
        } catch (e) {
            if (e instanceof ReleaseRenderError || e instanceof HelmUnavailable) {
                console.error(`error: ${e.message}`);
                return 1;
            }
            throw e;
        }
    }
    const files = new Map<string, string>();
    files.set("plan.json", JSON.stringify(planOf(stack, result.records), null, 2) + "\n");
    files.set("summary.md", summaryMarkdown(stack, env, result.records,
        [criticalPathMarkdown(result.records), ...(rendered.length ? [manifestsMarkdown(rendered)] : [])]));
    let written = clusterFiles(files, result.records);
    for (const r of rendered) {
        files.set(path.posix.join(r.cluster, "manifests", `${r.release}.yaml`), r.manifest);
        written++;
    }
    writeOutDir(target, stack, files);
    const outDir = target.dir;
    const tree = renderTree(stack, result.records);
    console.log(args.quiet ? tree.split("\n")[0] : tree);
    if (rendered.length) console.log(`rendered ${rendered.length} releases: ${templateStats.helmRuns} by Helm, ${templateStats.cacheHits} from the cache (.cache/helm-template)`);
    console.log(`wrote ${path.relative(process.cwd(), outDir) || "."}/: plan.json, summary.md and ${written} files under <cluster>/`);
    return 0;
}

/**
 * out/<stack>/<cluster>/helm/<release>.yaml for every release, plus the generated configs as the
 * programs themselves read them: collector.yaml (the gateway's Collector config; collector-lb.yaml
 * for the prod load-balancing tier) and alloy.alloy.
 */
function clusterFiles(files: Map<string, string>, records: Parameters<typeof helmReleaseFiles>[0]): number {
    let count = 0;
    const write = (file: string, text: string) => {
        files.set(file, text);
        count++;
    };
    for (const f of helmReleaseFiles(records)) {
        const dir = f.cluster;
        write(path.posix.join(dir, "helm", `${f.release}.yaml`), stringify(f.content, { lineWidth: 0 }));
        const values = f.content.values as Record<string, any>;
        if (f.release === RELEASES.collector) write(path.posix.join(dir, "collector.yaml"), stringify(values.alternateConfig, { lineWidth: 0 }));
        if (f.release === RELEASES.collectorLoadBalancer) write(path.posix.join(dir, "collector-lb.yaml"), stringify(values.alternateConfig, { lineWidth: 0 }));
        if (f.release === RELEASES.alloy) write(path.posix.join(dir, "alloy.alloy"), String(values.alloy?.configMap?.content));
    }
    return count;
}

main(process.argv.slice(2)).then(code => process.exit(code), e => {
    console.error(e instanceof Error ? e.stack : e);
    process.exit(1);
});
