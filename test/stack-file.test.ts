/**
 * Stack files are read as the Pulumi CLI reads them (yaml.v3 into `any`, config.ParseKey,
 * tokens.ParseStackName), and the offline preview never removes what it did not write.
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseEnvironment } from "../stacks/config";
import { MARKER, OutDirError, resolveOutDir, writeOutDir } from "../tools/lib/out-dir";
import { parseStackText, readStackFile, ROOT, StackFileError, stackNameError } from "../tools/lib/stack-file";
import { runMocked } from "../tools/lib/mock-runtime";
import { run } from "../stacks/program";
import { byType } from "./lib/run";

const FILE = "Pulumi.t.yaml";
const values = (text: string) => Object.fromEntries([...parseStackText(text, FILE)].map(([k, v]) => [k, v.value]));
const one = (yaml: string) => values(`config:\n  observability:v: ${yaml}\n`)["observability:v"];

function tmpDir(): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), "obs-sf-"));
}

describe("stack files: scalars as yaml.v3 resolves them into `any` (the Pulumi CLI)", () => {
    const CASES: [string, unknown][] = [
        ["010", 8], ["0o10", 8], ["0O10", 8], ["0x1F", 31], ["0X1F", 31], ["-0x10", -16], ["0b101", 5], ["0B11", 3], ["1_000.5", 1000.5], ["1_000", 1000], ["+12", 12], ["09", 9], ["1e3", 1000], [".5", 0.5],
        ["yes", "yes"], ["no", "no"], ["on", "on"], ["off", "off"], ["y", "y"], ["Yes", "Yes"],
        ["true", true], ["True", true], ["TRUE", true], ["false", false], ["FALSE", false],
        ["~", null], ["null", null], ["1:20", "1:20"], ["2024-01-02", "2024-01-02"], ["'010'", "010"], ["!!str 010", "010"],
    ];
    for (const [yaml, expected] of CASES) {
        it(`${yaml} → ${JSON.stringify(expected)}`, () => assert.deepStrictEqual(one(yaml), expected));
    }
});

describe("stack files: structure, keys and values the CLI refuses or reads specially", () => {
    it("merge keys: explicit keys win, and in a list of maps the earlier map wins", () => {
        const v = values("base: &b {min: 1, max: 3}\nconfig:\n  observability:a:\n    <<: *b\n    max: 5\n  observability:b:\n    <<: [{x: 1}, {x: 2, y: 2}]\n");
        assert.deepStrictEqual(v, { "observability:a": { min: 1, max: 5 }, "observability:b": { x: 1, y: 2 } });
    });

    it("the legacy `<namespace>:config:<key>` form is the same key", () => {
        assert.deepStrictEqual(values("config:\n  observability:config:tier: dev\n  aws:config:region: eu-west-1\n"),
            { "observability:tier": "dev", "aws:region": "eu-west-1" });
    });

    const ERRORS: [string, string, string][] = [
        ["config is a list", "config:\n  - a\n", "Pulumi.t.yaml:2: `config` must be a map of `<namespace>:<key>` to values; got a list"],
        ["config is a string", "config: dev\n", "Pulumi.t.yaml:1: `config` must be a map of `<namespace>:<key>` to values; got \"dev\""],
        ["a key without namespace", "config:\n  tier: dev\n", "Pulumi.t.yaml:2: `config` must be a map of `<namespace>:<key>` to values; got the key \"tier\""],
        ["a key with three colons", "config:\n  a:b:c:d: 1\n", "Pulumi.t.yaml:2: `config` must be a map of `<namespace>:<key>` to values; got the key \"a:b:c:d\""],
        ["the file is a list", "- a\n", "Pulumi.t.yaml: a stack file must be a map with a `config` key; got a list"],
        ["a key and its legacy spelling", "config:\n  observability:tier: dev\n  observability:config:tier: prod\n",
            "Pulumi.t.yaml:3: observability:tier is set twice, as observability:tier and as observability:config:tier (`<namespace>:config:<key>` is the legacy spelling of `<namespace>:<key>`); the Pulumi CLI would keep either one"],
        ["an unknown tag", "config:\n  observability:tier: !Ref dev\n",
            "Pulumi.t.yaml:2: unknown YAML tag !Ref; Pulumi ignores tags it does not know and would read the plain value, so remove the tag"],
        ["an unknown tag on a map", "config:\n  observability:sampling: !Sub\n    percentage: 5\n",
            "Pulumi.t.yaml:2: unknown YAML tag !Sub; Pulumi ignores tags it does not know and would read the plain value, so remove the tag"],
        [".nan", "config:\n  observability:sampling:\n    percentage: .nan\n",
            "observability:sampling.percentage: got .nan (not a number); the Pulumi CLI cannot store it (json: unsupported value), expected a finite number"],
        ["-.inf in a list", "config:\n  observability:clusters:\n    - nodePool: {min: -.inf}\n",
            "observability:clusters[0].nodePool.min: got -.inf (infinity); the Pulumi CLI cannot store it (json: unsupported value), expected a finite number"],
        ["a duplicate key", "config:\n  observability:tier: dev\n  observability:tier: prod\n", "Pulumi.t.yaml:3 is not valid YAML: Map keys must be unique"],
        ["ESC environments", "environment:\n  - acme/obs\nconfig: {}\n",
            "Pulumi.t.yaml:1: `environment` imports Pulumi ESC environments, which the offline preview cannot read; put the config in the stack file"],
    ];
    for (const [title, text, message] of ERRORS) {
        it(`${title}: one line`, () => {
            assert.throws(() => parseStackText(text, FILE), (e: Error) => {
                assert.ok(e instanceof StackFileError);
                assert.strictEqual(e.message, message);
                return true;
            });
        });
    }

    it("an unknown tag prints nothing (no Node warning), it only throws", () => {
        const script = `require("./tools/lib/register.js"); try { require("./tools/lib/stack-file").parseStackText("config:\\n  observability:tier: !Ref dev\\n", "x"); } catch (e) { process.exit(3); }`;
        const r = spawnSync(process.execPath, ["-e", script], { cwd: ROOT, encoding: "utf8" });
        assert.strictEqual(r.status, 3);
        assert.strictEqual(r.stderr, "");
        assert.strictEqual(r.stdout, "");
    });
});

describe("stack files the CLI accepts are planned as the CLI reads them", () => {
    const DEV = fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8");
    async function plan(text: string) {
        const dir = tmpDir();
        fs.writeFileSync(path.join(dir, "Pulumi.t.yaml"), text);
        const s = readStackFile("t", dir);
        fs.rmSync(dir, { recursive: true });
        const env = parseEnvironment({ values: s.config, secretKeys: new Set(s.secretKeys) });
        const result = await runMocked({ stack: "t", config: s.config, secretKeys: s.secretKeys }, run);
        return { env, records: result.records };
    }

    it("`min: 010` is 8 nodes and `max: 1_0` is 10", async () => {
        const { env, records } = await plan(DEV.replace("min: 2", "min: 010").replace("max: 4", "max: 1_0"));
        assert.deepStrictEqual([env.clusters[0]!.nodePool.min, env.clusters[0]!.nodePool.max], [8, 10]);
        const pool = byType(records, "gcp:container/nodePool:NodePool")[0]!;
        assert.deepStrictEqual(pool.inputs.autoscaling, { totalMinNodeCount: 8, totalMaxNodeCount: 10, locationPolicy: "BALANCED" });
    });

    it("a node pool from a merge key, and a key in the legacy form", async () => {
        const text = DEV.replace("config:\n", "pools:\n  small: &small {machineType: e2-standard-4, min: 3, max: 6}\nconfig:\n")
            .replace("      nodePool:\n        machineType: e2-standard-4\n        min: 2\n        max: 4\n", "      nodePool:\n        <<: *small\n        max: 5\n")
            .replace("observability:tier: dev", "observability:config:tier: dev");
        const { env, records } = await plan(text);
        assert.strictEqual(env.tier, "dev");
        assert.deepStrictEqual(env.clusters[0]!.nodePool, { machineType: "e2-standard-4", min: 3, max: 5, diskSizeGb: 100 });
        assert.strictEqual((byType(records, "gcp:container/nodePool:NodePool")[0]!.inputs.nodeConfig as Record<string, unknown>).machineType, "e2-standard-4");
    });

    it("a cluster named `yes` is the string \"yes\" (yaml.v3 keeps yes/no as strings)", () => {
        const dir = tmpDir();
        fs.writeFileSync(path.join(dir, "Pulumi.t.yaml"), DEV.replace("name: dev-gke", "name: yes"));
        const s = readStackFile("t", dir);
        fs.rmSync(dir, { recursive: true });
        assert.strictEqual((s.config.clusters as { name: unknown }[])[0]!.name, "yes");
    });

    it("`pulumi:autonaming` other than the default is refused with one line; the default is accepted", () => {
        const base = { values: {} as Record<string, unknown>, secretKeys: new Set<string>() };
        assert.throws(() => parseEnvironment({ ...base, values: { "pulumi:autonaming": { mode: "verbatim" } } }), {
            message: "pulumi:autonaming: got {\"mode\":\"verbatim\"}; expected no setting or {mode: default}: the cloud name checks (components/cloud-rules.ts) hold for Pulumi's default auto-names `<name>-<7 hex>` only, and other modes or patterns change every bucket and IAM role name",
        });
        // The default passes the engine check and goes on to the environment's own keys.
        assert.throws(() => parseEnvironment({ ...base, values: { "pulumi:autonaming": { mode: "default" } } }), {
            message: "observability:tier: missing; expected one of \"dev\", \"prod\"",
        });
    });
});

describe("stack names are validated as the Pulumi CLI does (tokens.ParseStackName)", () => {
    const CASES: [string, string | undefined][] = [
        ["dev", undefined], ["prod.eu_1-a", undefined], ["..", undefined], ["x".repeat(100), undefined],
        ["", "a stack name may not be empty"],
        ["x".repeat(101), "a stack name cannot exceed 100 characters"],
        ["x/../..", "a stack name may only contain alphanumeric, hyphens, underscores, or periods: invalid character '/' at position 1"],
        ["/etc", "a stack name may only contain alphanumeric, hyphens, underscores, or periods: invalid character '/' at position 0"],
        ["dev prod", "a stack name may only contain alphanumeric, hyphens, underscores, or periods: invalid character ' ' at position 3"],
    ];
    for (const [name, error] of CASES) {
        it(`${JSON.stringify(name.length > 20 ? `${name.slice(0, 5)}…(${name.length})` : name)}: ${error ?? "valid"}`, () => assert.strictEqual(stackNameError(name), error));
    }

    it("readStackFile refuses an invalid name before touching the file system", () => {
        assert.throws(() => readStackFile("x/../.."), {
            message: "--stack \"x/../..\": a stack name may only contain alphanumeric, hyphens, underscores, or periods: invalid character '/' at position 1",
        });
    });
});

describe("the preview's output folder: only what it wrote is ever removed", () => {
    let root: string;
    beforeEach(() => {
        root = tmpDir();
        fs.writeFileSync(path.join(root, "Pulumi.yaml"), "name: observability\n");
        fs.mkdirSync(path.join(root, "components"));
        fs.writeFileSync(path.join(root, "components", "keep.ts"), "// user code\n");
    });
    afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

    const refused = (out: string, stack: string, message: string) =>
        assert.throws(() => resolveOutDir(out, stack, root), (e: Error) => {
            assert.ok(e instanceof OutDirError);
            assert.strictEqual(e.message, message);
            return true;
        });

    it("`..` (a valid stack name) would be <out>'s parent: refused", () => refused("out", "..", "output folder out/..: not a folder inside out; the preview writes each stack into its own subfolder"));
    it("`.` would be <out> itself: refused", () => refused("out", ".", "output folder out/.: not a folder inside out; the preview writes each stack into its own subfolder"));
    it("`x/../..` is not a stack name", () => refused("out", "x/../..", "--stack \"x/../..\": a stack name may only contain alphanumeric, hyphens, underscores, or periods: invalid character '/' at position 1"));
    it("the repository root (--out ..)", () => refused("..", path.basename(root), `output folder ../${path.basename(root)}: is the repository or a folder that contains it; choose an --out inside it or elsewhere`));
    it("a folder containing the repository (absolute --out)", () => {
        const parent = path.dirname(root);
        refused(path.dirname(parent), path.basename(parent), `output folder ${parent}: is the repository or a folder that contains it; choose an --out inside it or elsewhere`);
    });
    it("a folder with a user's files", () => refused(".", "components", "output folder ./components: holds keep.ts, which the preview did not write; remove it or choose another --out"));
    it("an absolute folder with other files (--out /)", () => {
        const r = resolveOutDir.bind(undefined, "/", "etc", root);
        assert.throws(r, (e: Error) => e instanceof OutDirError && /^output folder \/etc: holds .+, which the preview did not write; remove it or choose another --out$/.test(e.message));
    });
    it("a symbolic link to the repository, as the folder or on the way to it", () => {
        fs.mkdirSync(path.join(root, "out"));
        fs.symlinkSync(root, path.join(root, "out", "dev"));
        refused("out", "dev", "output folder out/dev: is a symbolic link; the preview replaces only a real folder it wrote");
        fs.symlinkSync(path.dirname(root), path.join(root, "up"));
        refused("up", path.basename(root), `output folder up/${path.basename(root)}: is the repository or a folder that contains it; choose an --out inside it or elsewhere`);
    });
    it("a symbolic link elsewhere", () => {
        const other = tmpDir();
        fs.mkdirSync(path.join(root, "out"));
        fs.symlinkSync(other, path.join(root, "out", "dev"));
        try {
            refused("out", "dev", "output folder out/dev: is a symbolic link; the preview replaces only a real folder it wrote");
        } finally {
            fs.rmSync(other, { recursive: true });
        }
    });
    it("a folder below a file", () => refused("Pulumi.yaml/x", "dev", `output folder Pulumi.yaml/x/dev: ${path.join(fs.realpathSync(root), "Pulumi.yaml")} is a file, not a folder`));
    it("a file", () => {
        fs.mkdirSync(path.join(root, "out"));
        fs.writeFileSync(path.join(root, "out", "dev"), "x");
        refused("out", "dev", "output folder out/dev: is a file, not a folder");
    });

    it("a second run replaces exactly the files of the first; a foreign file added in between is refused and kept", () => {
        const first = resolveOutDir("out", "dev", root);
        assert.deepStrictEqual(first.previous, []);
        writeOutDir(first, "dev", new Map([["plan.json", "{}"], ["c1/helm/kps.yaml", "a: 1"], ["c2/alloy.alloy", "x"]]));
        const marker = JSON.parse(fs.readFileSync(path.join(root, "out", "dev", MARKER), "utf8"));
        assert.deepStrictEqual(marker.files, ["c1/helm/kps.yaml", "c2/alloy.alloy", "plan.json"]);
        const second = resolveOutDir("out", "dev", root);
        assert.deepStrictEqual(second.previous.sort(), [MARKER, "c1/helm/kps.yaml", "c2/alloy.alloy", "plan.json"].sort());
        // An unchanged file is left as it is: its mtime (set back an hour here) stays.
        const kps = path.join(root, "out", "dev", "c1", "helm", "kps.yaml");
        const anHourAgo = new Date(Math.floor(Date.now() / 1000) * 1000 - 3600_000);
        fs.utimesSync(kps, anHourAgo, anHourAgo);
        writeOutDir(second, "dev", new Map([["plan.json", "{\"b\":2}"], ["c1/helm/kps.yaml", "a: 1"]]));
        assert.ok(!fs.existsSync(path.join(root, "out", "dev", "c2")), "the emptied cluster folder is gone");
        assert.strictEqual(fs.readFileSync(path.join(root, "out", "dev", "plan.json"), "utf8"), "{\"b\":2}");
        assert.strictEqual(fs.statSync(kps).mtimeMs, anHourAgo.getTime(), "unchanged, not rewritten");
        writeOutDir(resolveOutDir("out", "dev", root), "dev", new Map([["plan.json", "{\"b\":2}"], ["c1/helm/kps.yaml", "b: 2"]]));
        assert.strictEqual(fs.readFileSync(kps, "utf8"), "b: 2");
        assert.deepStrictEqual(resolveOutDir("out", "dev", root).previous.sort(), [MARKER, "c1/helm/kps.yaml", "plan.json"].sort());
        fs.writeFileSync(path.join(root, "out", "dev", "c1", "notes.md"), "mine");
        refused("out", "dev", "output folder out/dev: holds c1/notes.md, which the preview did not write; remove it or choose another --out");
        assert.strictEqual(fs.readFileSync(path.join(root, "out", "dev", "c1", "notes.md"), "utf8"), "mine");
    });

    it("a folder written before the marker existed is recognised by its layout only", () => {
        const dir = path.join(root, "out", "dev");
        fs.mkdirSync(path.join(dir, "dev-gke", "helm"), { recursive: true });
        for (const f of ["plan.json", "summary.md", "dev-gke/helm/kps.yaml", "dev-gke/collector.yaml", "dev-gke/alloy.alloy"]) fs.writeFileSync(path.join(dir, f), "x");
        assert.strictEqual(resolveOutDir("out", "dev", root).previous.length, 5);
        fs.writeFileSync(path.join(dir, "dev-gke", "helm", "notes.txt"), "x");
        refused("out", "dev", "output folder out/dev: holds dev-gke/helm/notes.txt, which the preview did not write; remove it or choose another --out");
    });

    it("the CLI exits 2 with one line for a hostile --stack and --out, or a bad cache budget, before running the program", () => {
        const cases: [string[], string, Record<string, string>?][] = [
            [["--stack", "x/../.."], "config error: --stack \"x/../..\": a stack name may only contain alphanumeric, hyphens, underscores, or periods: invalid character '/' at position 1\n"],
            [["--stack", "dev", "--out", "/"], "error: output folder /dev: holds "],
            [["--stack", "dev", "--out", "/"], "config error: OBS_CACHE_MAX_MB must be a positive number of MB, got \"lots\"\n", { OBS_CACHE_MAX_MB: "lots" }],
        ];
        for (const [args, start, env] of cases) {
            const r = spawnSync(process.execPath, ["-r", "./tools/lib/register.js", "tools/preview-offline.ts", ...args, "--quiet"], { cwd: ROOT, encoding: "utf8", env: { ...process.env, ...env } });
            assert.strictEqual(r.status, 2, r.stderr);
            assert.ok(r.stderr.startsWith(start), r.stderr);
            assert.strictEqual(r.stderr.trim().split("\n").length, 1, r.stderr);
        }
    });
});
