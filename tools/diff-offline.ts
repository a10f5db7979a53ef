/**
 * `npm run diff:offline -- --stack <s> --base <git-ref>`: what a change does to a stack, offline.
 *
 * Runs the offline preview (`npm run preview:offline -- --stack <s> --out <dir>`) on the base ref, in
 * a temporary `git worktree`, and on the working tree (or `--head-dir`), then compares
 * out/<stack>/plan.json, the rendered manifests and policy.json of the two (tools/lib/diff.ts).
 * Writes out/<stack>/diff.md (fits one PR comment) and diff.json next to the working tree's preview.
 *
 * node_modules of the base worktree: a symlink to this checkout's when both package-lock.json files
 * are identical (instant), else `npm ci` there (a minute or two); `--node-modules` forces either.
 * Exit codes: 0 nothing changed, 10 something changed, 1 a preview failed, 2 usage (bad ref, stack).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spawnSync } from "child_process";
import { parseFlags, usageError } from "./lib/cli";
import { formatFinding, type Finding } from "./lib/checks/model";
import { COMMENT_LIMIT, compare, diffJson, diffMarkdown, EXIT_CHANGED, EXIT_UNCHANGED, readSide, type Side } from "./lib/diff";
import { ROOT } from "./lib/stack-file";

const USAGE = `usage: npm run diff:offline -- --stack <name> --base <git-ref> [--head-dir <dir>] [--out <dir>] [--node-modules auto|symlink|ci] [--quiet]
  --stack         the stack to compare
  --base          the git ref to compare against (e.g. origin/main, HEAD~1, a commit)
  --head-dir      the checkout to compare (default: this working tree)
  --out           output directory of the working tree's preview and the diff (default: out)
  --node-modules  base worktree dependencies: auto (symlink when the lockfiles match, else npm ci), symlink, ci
  --comment-limit at most this many characters in diff.md (default ${COMMENT_LIMIT}, GitHub's comment limit)
exit codes: 0 nothing changed, 10 something changed, 3 the working tree's preview has a mandatory policy
violation, 4 a manifest check finding (the diff is written in both cases), 1 a preview failed, 2 usage`;

/** Preview exits that still wrote every file: 0, 3 (a mandatory policy violation), 4 (a manifest check finding). */
const PREVIEW_WROTE_FILES: readonly number[] = [0, 3, 4];

function git(args: string[], cwd = ROOT): { ok: boolean; out: string; err: string } {
    const r = spawnSync("git", args, { cwd, encoding: "utf8" });
    return { ok: r.status === 0, out: (r.stdout ?? "").trim(), err: (r.stderr ?? "").trim() };
}

/** One offline preview; `output` is what it printed (stdout, where policy violations and check findings go, then stderr). */
function preview(dir: string, stack: string, outDir: string): { code: number; output: string } {
    const r = spawnSync("npm", ["run", "--silent", "preview:offline", "--", "--stack", stack, "--out", outDir, "--quiet"], { cwd: dir, encoding: "utf8", env: process.env, maxBuffer: 64 * 1024 * 1024 });
    return { code: r.status ?? 1, output: `${(r.stdout ?? "").trim()}\n${(r.stderr ?? "").trim()}`.trim() };
}

function lastLines(s: string, n = 15): string {
    return s.split("\n").slice(-n).join("\n");
}

/** Notes for the top of the diff when the working tree's preview exits 3 or 4: what fails the PR, named. */
function headProblems(code: number, head: Side, dir: string, label: string): string[] {
    if (code === 3) {
        const mandatory = (head.policy ?? []).filter(v => v.enforcementLevel === "mandatory");
        return [`**The preview of ${label} has ${mandatory.length} mandatory policy violation(s)**: ${mandatory.slice(0, 5).map(v => `\`${v.policy}\` ${v.message}`).join("; ")}${mandatory.length > 5 ? "; …" : ""}`];
    }
    if (code === 4) {
        const file = path.join(dir, "checks.json");
        const findings = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as { findings: Finding[] }).findings : [];
        return [`**The manifest checks of ${label} found ${findings.length} problem(s)** (\`checks.json\`): ${findings.slice(0, 5).map(formatFinding).join("; ")}${findings.length > 5 ? "; …" : ""}`];
    }
    return [];
}

async function main(argv: string[]): Promise<number> {
    const args = parseFlags(argv, {
        stack: { type: "string" },
        base: { type: "string" },
        "head-dir": { type: "string" },
        out: { type: "string", default: "out" },
        "node-modules": { type: "string", default: "auto" },
        "comment-limit": { type: "string", default: String(COMMENT_LIMIT) },
        quiet: { type: "boolean", default: false },
    }, USAGE, ["stack", "base"]);
    if (typeof args === "number") return args;
    const mode = args["node-modules"];
    if (mode !== "auto" && mode !== "symlink" && mode !== "ci") {
        return usageError(`--node-modules must be auto, symlink or ci, not ${JSON.stringify(mode)}`, USAGE);
    }
    const limit = Number(args["comment-limit"]);
    if (!Number.isInteger(limit) || limit < 2000 || limit > COMMENT_LIMIT) {
        return usageError(`--comment-limit must be an integer from 2000 to ${COMMENT_LIMIT}`, USAGE);
    }
    const stack = args.stack;
    const headDir = path.resolve(args["head-dir"] ?? ROOT);
    const commit = git(["rev-parse", "--verify", "--quiet", `${args.base}^{commit}`], headDir);
    if (!commit.ok) {
        console.error(`error: --base ${args.base} is not a commit in this repository`);
        return 2;
    }
    const short = git(["rev-parse", "--short", commit.out], headDir).out;
    if (!fs.existsSync(path.join(headDir, `Pulumi.${stack}.yaml`))) {
        console.error(`error: no Pulumi.${stack}.yaml in ${headDir}`);
        return 2;
    }

    // The working tree first: its out/<stack>/ is where diff.md and diff.json go.
    const outRoot = path.resolve(headDir, args.out);
    // The preview reuses out/<stack>/ only when it holds nothing but its own files: remove this
    // tool's previous diff.md/diff.json (and nothing else) first.
    for (const f of ["diff.md", "diff.json"]) fs.rmSync(path.join(outRoot, stack, f), { force: true });
    const head = preview(headDir, stack, outRoot);
    if (!PREVIEW_WROTE_FILES.includes(head.code)) {
        console.error(`error: the offline preview of the working tree failed (exit ${head.code}):\n${lastLines(head.output)}`);
        return 1;
    }

    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "obs-diff-"));
    const worktree = path.join(tmp, "base");
    const notes: string[] = [];
    const baseOut = path.join(tmp, "out");
    let baseSide: Side = { resources: null, manifests: null, policy: null };
    try {
        const add = git(["worktree", "add", "--detach", "--quiet", worktree, commit.out], headDir);
        if (!add.ok) {
            console.error(`error: git worktree add failed: ${add.err}`);
            return 1;
        }
        if (!git(["cat-file", "-e", `${commit.out}:Pulumi.${stack}.yaml`], headDir).ok) {
            notes.push(`Stack \`${stack}\` does not exist on the base.`);
        } else {
            const sameLock = fs.existsSync(path.join(worktree, "package-lock.json")) && fs.readFileSync(path.join(worktree, "package-lock.json"), "utf8") === fs.readFileSync(path.join(headDir, "package-lock.json"), "utf8");
            const started = Date.now();
            let how: string;
            if (mode === "symlink" || (mode === "auto" && sameLock)) {
                fs.symlinkSync(path.join(headDir, "node_modules"), path.join(worktree, "node_modules"), "dir");
                how = "node_modules symlinked";
            } else {
                const ci = spawnSync("npm", ["ci", "--no-audit", "--no-fund"], { cwd: worktree, encoding: "utf8" });
                if (ci.status !== 0) {
                    console.error(`error: npm ci in the base worktree failed:\n${lastLines(ci.stderr ?? "")}`);
                    return 1;
                }
                how = "npm ci";
            }
            const base = preview(worktree, stack, baseOut);
            if (!PREVIEW_WROTE_FILES.includes(base.code)) {
                console.error(`error: the offline preview of ${args.base} (${short}) failed (exit ${base.code}):\n${lastLines(base.output)}`);
                return 1;
            }
            baseSide = readSide(path.join(baseOut, stack));
            if (!args.quiet) console.error(`base ${args.base} (${short}): ${how}, preview in ${((Date.now() - started) / 1000).toFixed(1)} s`);
        }
    } finally {
        git(["worktree", "remove", "--force", worktree], headDir);
        fs.rmSync(tmp, { recursive: true, force: true });
        git(["worktree", "prune"], headDir);
    }

    const headLabel = args["head-dir"] ? `the checkout at ${git(["rev-parse", "--short", "HEAD"], headDir).out}` : "the working tree";
    const headSide = readSide(path.join(outRoot, stack));
    const result = compare(stack, `\`${args.base}\` (${short})`, headLabel, baseSide, headSide);
    result.notes.unshift(...notes, ...headProblems(head.code, headSide, path.join(outRoot, stack), headLabel));
    const md = diffMarkdown(result, limit);
    const dir = path.join(outRoot, stack);
    fs.writeFileSync(path.join(dir, "diff.md"), md);
    fs.writeFileSync(path.join(dir, "diff.json"), diffJson(result));
    if (!args.quiet) console.log(md);
    console.log(`wrote ${path.relative(process.cwd(), dir) || "."}/diff.md and diff.json: ${result.changed ? "changes" : "no changes"}`);
    if (head.code !== 0) {
        console.error(`error: the offline preview of ${headLabel} exits ${head.code}:\n${lastLines(head.output)}`);
        return head.code;
    }
    return result.changed ? EXIT_CHANGED : EXIT_UNCHANGED;
}

main(process.argv.slice(2)).then(
    code => process.exit(code),
    e => {
        console.error(e instanceof Error ? e.stack : e);
        process.exit(1);
    },
);
