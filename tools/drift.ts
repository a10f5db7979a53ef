/**
 * `npm run drift -- --stack <name>`: finds what changed in the cloud behind Pulumi's back.
 *
 * With the Pulumi CLI on PATH (and logged in to the stack's backend) it runs, through the Automation
 * API, a refresh preview (`--mode refresh`, the default: `pulumi refresh --preview-only`) or a
 * preview with refresh (`--mode preview`: `pulumi preview --refresh --expect-no-changes`) of the
 * stack and collects the engine events. Offline, `--events <file>` reads a saved `--event-log` file,
 * a `--json` output or a JSON array of Automation API events instead.
 *
 * Writes out/drift/<stack>/drift.md, drift.json (and drift-events.jsonl after a live run; not under
 * out/<stack>/, which belongs to the offline preview), prints the
 * Markdown, and posts to Slack when `--slack` is given and the webhook URL is in $SLACK_WEBHOOK_URL.
 * Exit codes: 0 no drift, 7 drift, 3 the check failed (errors and no drift), 2 usage, unreadable
 * input or no Pulumi CLI.
 */
import * as fs from "fs";
import * as path from "path";
import { spawnSync } from "child_process";
import { parseFlags, usageError } from "./lib/cli";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { analyze, driftJson, driftMarkdown, EventInputError, EXIT_FAILED, EXIT_USAGE, parseEventText } from "./lib/drift";
import { postToSlack, slackMessage } from "./lib/drift-slack";
import { availableStacks, readStackFile, ROOT } from "./lib/stack-file";

const USAGE = `usage: npm run drift -- --stack <name> [--events <file>] [--mode refresh|preview] [--out <dir>] [--slack] [--quiet]
  --stack   the stack (${availableStacks().join(", ")})
  --events  read engine events from a file (--event-log / --json output, or a JSON array) instead of running Pulumi
  --mode    refresh: pulumi refresh --preview-only (default); preview: pulumi preview --refresh --expect-no-changes
  --out     output directory; the report goes to <out>/<stack>/ (default: out/drift)
  --slack   post the result to the Slack webhook in $SLACK_WEBHOOK_URL (only when there is drift or an error)
  --link    a URL (e.g. the workflow run) to put in the Slack message
  --quiet   print only the first line of the report
exit codes: 0 no drift, 7 drift, 3 the check failed, 2 usage / input / no Pulumi CLI`;

const usage = (message: string) => usageError(message, USAGE, EXIT_USAGE);

/** Cluster names from the committed stack file (for grouping), or none when it cannot be read. */
function clusterNames(stack: string): string[] {
    try {
        const clusters = readStackFile(stack).config.clusters;
        return Array.isArray(clusters) ? clusters.map(c => (c as { name?: unknown }).name).filter((n): n is string => typeof n === "string") : [];
    } catch {
        return [];
    }
}

export function pulumiCliAvailable(): boolean {
    const r = spawnSync("pulumi", ["version"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    return !r.error && r.status === 0;
}

async function runPulumi(stack: string, mode: "refresh" | "preview"): Promise<EngineEvent[]> {
    const { LocalWorkspace } = await import("@pulumi/pulumi/automation");
    const s = await LocalWorkspace.selectStack({ stackName: stack, workDir: ROOT });
    const events: EngineEvent[] = [];
    const onEvent = (e: EngineEvent) => events.push(e);
    try {
        if (mode === "refresh") await s.previewRefresh({ onEvent });
        else {
            // The policy pack runs too where it exists (policy/ with its per-stack config).
            const config = path.join(ROOT, "policy", "config", `${stack}.json`);
            const policy = fs.existsSync(path.join(ROOT, "policy")) ? { policyPacks: [path.join(ROOT, "policy")], ...(fs.existsSync(config) ? { policyPackConfigs: [config] } : {}) } : {};
            await s.preview({ refresh: true, expectNoChanges: true, onEvent, ...policy });
        }
    } catch (e) {
        // `--expect-no-changes` fails the command when there is drift, and a failed step fails it
        // too: both are in the events, which the report reads. Only a run with no events is fatal.
        if (events.length === 0) throw e;
    }
    return events;
}

async function main(argv: string[]): Promise<number> {
    const args = parseFlags(argv, {
        stack: { type: "string" },
        events: { type: "string" },
        mode: { type: "string", default: "refresh" },
        out: { type: "string", default: path.join("out", "drift") },
        slack: { type: "boolean", default: false },
        link: { type: "string" },
        quiet: { type: "boolean", default: false },
    }, USAGE, ["stack"], EXIT_USAGE);
    if (typeof args === "number") return args;
    if (args.mode !== "refresh" && args.mode !== "preview") return usage(`--mode must be refresh or preview, not ${JSON.stringify(args.mode)}`);
    const webhook = process.env.SLACK_WEBHOOK_URL;
    if (args.slack && !webhook) return usage("--slack needs the webhook URL in $SLACK_WEBHOOK_URL");
    const stack = args.stack;
    const outDir = path.resolve(ROOT, args.out, stack);

    let input: ReturnType<typeof parseEventText>;
    let source: string;
    if (args.events) {
        let text: string;
        try {
            text = fs.readFileSync(args.events, "utf8");
        } catch (e) {
            console.error(`error: cannot read ${args.events}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
            return EXIT_USAGE;
        }
        try {
            input = parseEventText(text);
        } catch (e) {
            if (!(e instanceof EventInputError)) throw e;
            console.error(`error: ${args.events}: ${e.message}`);
            return EXIT_USAGE;
        }
        source = `${path.basename(args.events)}${input.kind === "digest" ? " (preview digest)" : ""}`;
    } else {
        if (!pulumiCliAvailable()) {
            console.error(
                "error: the Pulumi CLI is not on PATH, so the stack cannot be refreshed.\n" +
                    "Install it (https://www.pulumi.com/docs/iac/download-install/, or pulumi/actions in CI) and log in to the stack's backend,\n" +
                    "or report on a saved run: pulumi refresh --preview-only --event-log events.jsonl; npm run drift -- --stack " + stack + " --events events.jsonl",
            );
            return EXIT_USAGE;
        }
        const events = await runPulumi(stack, args.mode);
        fs.mkdirSync(outDir, { recursive: true });
        fs.writeFileSync(path.join(outDir, "drift-events.jsonl"), events.map(e => JSON.stringify(e)).join("\n") + "\n");
        input = { kind: "events", events };
        source = args.mode === "refresh" ? "pulumi refresh --preview-only" : "pulumi preview --refresh --expect-no-changes";
    }

    const report = analyze(input, { stack, source, clusters: clusterNames(stack) });
    const markdown = driftMarkdown(report);
    fs.mkdirSync(outDir, { recursive: true });
    fs.writeFileSync(path.join(outDir, "drift.md"), markdown);
    fs.writeFileSync(path.join(outDir, "drift.json"), driftJson(report));
    console.log(args.quiet ? markdown.split("\n").find(l => l.startsWith("**")) : markdown);
    console.log(`wrote ${path.relative(process.cwd(), outDir) || "."}/: drift.md, drift.json (exit ${report.exitCode})`);
    if (args.slack && webhook && (report.drift || report.errors.length > 0)) {
        try {
            await postToSlack(webhook, slackMessage(report, args.link));
            console.log("posted to Slack");
        } catch (e) {
            console.error((e as Error).message);
        }
    }
    return report.exitCode;
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        code => process.exit(code),
        e => {
            console.error(`error: the drift check failed: ${e instanceof Error ? e.message : String(e)}`);
            process.exit(EXIT_FAILED);
        },
    );
}
