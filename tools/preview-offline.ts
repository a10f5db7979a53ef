/**
 * `npm run preview:offline -- --stack <name>`: runs the real program under the Pulumi mock runtime
 * with that stack's committed config (secrets replaced by marked placeholders), prints what would be
 * created, renders every Helm release with real Helm, and writes out/<stack>/plan.json, summary.md
 * and, per cluster, the release values, the generated configs and the rendered manifests.
 * Then it runs the CrossGuard policy pack (policy/) on the graph and the manifests and writes
 * out/<stack>/policy.json.
 * With manifests it also runs the manifest checks (tools/lib/preview-checks.ts) and writes
 * out/<stack>/checks.json.
 * Exit codes: 0 ok, 2 config error (stack or policy config), 3 a mandatory policy violation,
 * 4 a manifest check finding (every file written; 3 wins over 4, both are printed), 1 anything else
 * (a release that does not render, or a check that throws, included).
 */
import * as path from "path";
import { parseFlags } from "./lib/cli";
import { checkRendered } from "./lib/preview-checks";
import { formatFinding } from "./lib/checks/model";
import { runMocked } from "./lib/mock-runtime";
import { stringify } from "yaml";
import { alertingFiles } from "./lib/alerting-files";
import { criticalPathMarkdown, helmReleaseFiles, planOf, renderTree, summaryMarkdown } from "./lib/report";
import { RELEASES } from "../components/render/topology";
import { availableStacks, readStackFile, StackFileError } from "./lib/stack-file";
import { OutDirError, resolveOutDir, writeOutDir } from "./lib/out-dir";
import { manifestsMarkdown, ownManifests, ReleaseRenderError, releaseRenderer, RenderedRelease } from "./lib/manifests";
import { HelmUnavailable, templateStats } from "./lib/helm";
import { CacheBudgetError, cacheBudgets, pruneCachesReport } from "./lib/cache";
import { ConfigError, parseEnvironment } from "../stacks/config";
import { run } from "../stacks/program";
import { checkGraph, formatViolations, policyConfigPath, policyReport, readPolicyConfig } from "../policy/lib/offline";
import { PolicyConfigError } from "../policy/lib/runner";
import { renderNetworkPolicies } from "../components/render/networkPolicies";

const USAGE = `usage: npm run preview:offline -- --stack <name> [--out <dir>] [--quiet] [--no-manifests]
  --stack         a stack with a Pulumi.<name>.yaml here (${availableStacks().join(", ")})
  --out           output directory (default: out); the stack's files go to <out>/<stack>, which must be
                  new, empty or written by an earlier preview (never a folder holding anything else)
  --quiet         print only the summary line
  --no-manifests  skip rendering the releases with Helm (the workload policies then see no objects, and
                  the manifest checks do not run)
  --policy-config policy pack config (default: policy/config/<stack>.json when it exists)`;

async function main(argv: string[]): Promise<number> {
    const args = parseFlags(argv, {
        stack: { type: "string" }, out: { type: "string", default: "out" }, quiet: { type: "boolean", default: false },
        "no-manifests": { type: "boolean", default: false }, "policy-config": { type: "string" },
    }, USAGE, ["stack"]);
    if (typeof args === "number") return args;
    const stack = args.stack;
    try {
        cacheBudgets();
    } catch (e) {
        if (e instanceof CacheBudgetError) {
            console.error(`config error: ${e.message}`);
            return 2;
        }
        throw e;
    }
    let policyConfig;
    try {
        policyConfig = readPolicyConfig(policyConfigPath(stack, args["policy-config"]));
    } catch (e) {
        if (e instanceof PolicyConfigError) {
            console.error(`config error: ${e.message}`);
            return 2;
        }
        throw e;
    }
    let result;
    let env;
    let target;
    let renderer: ReturnType<typeof releaseRenderer> | undefined;
    try {
        const stackConfig = readStackFile(stack);
        target = resolveOutDir(args.out, stack);
        // The program itself warns about provider keys it ignores (pulumi.log.warn).
        env = parseEnvironment({ values: stackConfig.config, secretKeys: new Set(stackConfig.secretKeys) });
        if (!args["no-manifests"]) {
            const versions = new Map(env.clusters.map(c => [c.name, c.kubernetesVersion as string]));
            // Helm starts on each release as soon as the program registers it, on the other cores.
            renderer = releaseRenderer(stack, cluster => versions.get(cluster)!);
        }
        result = await runMocked({ stack, config: stackConfig.config, secretKeys: stackConfig.secretKeys, preview: true, onRecord: renderer?.onRecord }, run);
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
    if (renderer) {
        try {
            rendered = await renderer.finish(result.records);
        } catch (e) {
            if (e instanceof ReleaseRenderError || e instanceof HelmUnavailable) {
                console.error(`error: ${e.message}`);
                return 1;
            }
            throw e;
        }
    }
    let violations;
    try {
        violations = await checkGraph(result.records, rendered, policyConfig);
    } catch (e) {
        if (e instanceof PolicyConfigError) {
            console.error(`config error: policy config: ${e.message}`);
            return 2;
        }
        throw e;
    }
    // A check that throws (a bug in a check, or an object it did not foresee) fails the preview, but
    // only after every file is written: the manifests are what one needs to see why.
    let checks: ReturnType<typeof checkRendered> | undefined;
    let checksCrash: unknown;
    if (rendered.length) {
        try {
            checks = checkRendered(stack, env, rendered, result.records);
        } catch (e) {
            checksCrash = e;
        }
    }
    const files = new Map<string, string>();
    files.set("plan.json", JSON.stringify(planOf(stack, result.records), null, 2) + "\n");
    if (checks) files.set("checks.json", JSON.stringify({ findings: checks.findings, known: checks.known }, null, 2) + "\n");
    files.set("policy.json", policyReport(violations));
    files.set("summary.md", summaryMarkdown(stack, env, result.records,
        [criticalPathMarkdown(result.records), ...(rendered.length ? [manifestsMarkdown(rendered)] : [])]));
    let written = clusterFiles(files, result.records);
    for (const r of rendered) {
        files.set(path.posix.join(r.cluster, "manifests", `${r.release}.yaml`), r.manifest);
        written++;
    }
    // Objects the program deploys from its own manifests (no chart): beside the rendered releases, so
    // the manifest checks and the policy pack see them too. Written even with --no-manifests (no Helm needed).
    for (const m of ownManifests(result.records)) {
        files.set(path.posix.join(m.cluster, "manifests", m.file), m.manifest);
        written++;
    }
    // The NetworkPolicies the program creates (render/networkPolicies.ts), beside the releases' manifests.
    for (const c of env.clusters) {
        files.set(path.posix.join(c.name, "manifests", "network-policies.yaml"),
            renderNetworkPolicies({ tier: env.tier, cloud: c.cloud }).map(p => stringify(p, { lineWidth: 0 })).join("---\n"));
        written++;
    }
    writeOutDir(target, stack, files);
    const outDir = target.dir;
    const tree = renderTree(stack, result.records);
    console.log(args.quiet ? tree.split("\n")[0] : tree);
    if (rendered.length) console.log(`rendered ${rendered.length} releases: ${templateStats.helmRuns} by Helm, ${templateStats.cacheHits} from the cache (.cache/helm-template)${templateStats.shared ? `, ${templateStats.shared} identical to one rendering` : ""}`);
    console.log(`wrote ${path.relative(process.cwd(), outDir) || "."}/: plan.json, summary.md, policy.json${checks ? ", checks.json" : ""} and ${written} files under <cluster>/`);
    const mandatory = violations.filter(v => v.enforcementLevel === "mandatory").length;
    console.log(`policy: ${violations.length} violation(s), ${mandatory} mandatory`);
    for (const line of formatViolations(violations)) console.log(line);
    // The caches stay within their budgets (tools/lib/cache.ts); said only when something went.
    for (const line of pruneCachesReport()) console.log(line);
    if (checksCrash !== undefined) {
        console.error(`error: the manifest checks failed to run (the files above are written): ${checksCrash instanceof Error ? checksCrash.stack : String(checksCrash)}`);
        return 1;
    }
    if (checks) {
        console.log(`checks: ${checks.findings.length} finding(s)${checks.known.length ? `, ${checks.known.length} known (tools/lib/checks/knownFailures.ts)` : ""}${checks.cached ? " (cached: .cache/checks)" : ""}`);
        for (const f of checks.findings) console.log(`  ${formatFinding(f)}`);
    }
    if (mandatory > 0) return 3;
    return checks && checks.findings.length > 0 ? 4 : 0;
}

/**
 * out/<stack>/<cluster>/helm/<release>.yaml for every release, plus the generated configs as the
 * programs themselves read them: collector.yaml (the gateway's Collector config; collector-lb.yaml
 * for the prod load-balancing tier) and alloy.alloy; alertmanager.yaml with its templates,
 * prometheus-rules.yaml and dashboards/*.json (tools/lib/alerting-files.ts).
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
    for (const f of alertingFiles(records)) write(path.posix.join(f.cluster, f.file), f.text);
    return count;
}

main(process.argv.slice(2)).then(code => process.exit(code), e => {
    console.error(e instanceof Error ? e.stack : e);
    process.exit(1);
});
