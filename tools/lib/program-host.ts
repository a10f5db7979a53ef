/**
 * Runs the program under the Pulumi Node.js SDK's own language-host entry (@pulumi/pulumi/cmd/run), as
 * the Node.js language host starts it for `pulumi preview`: a separate process, the project's
 * TypeScript through ts-node as the host registers it (tsconfig.json's options; transpile-only because
 * of `noCheck`), the stack config in PULUMI_CONFIG, and every registration and invoke over gRPC. The
 * engine and resource monitor are played here: the SDK's MockMonitor with the offline mocks
 * (tools/lib/mock-runtime.ts), served over gRPC, recording every registration and log line.
 * Used by test/program-host.test.ts and `npm run bench`.
 */
import { spawn } from "child_process";
import * as path from "path";
import { PROJECT } from "../../stacks/config";
import { engineUrn, offlineMocks, Registered, registered, serializeConfig } from "./mock-runtime";
import { readStackFile } from "./stack-file";

const ROOT = path.resolve(__dirname, "../..");
const sdkDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
const fromSdk = (id: string) => require(require.resolve(id, { paths: [sdkDir] }));
const grpc = fromSdk("@grpc/grpc-js");
const { ResourceMonitorService } = require("@pulumi/pulumi/proto/resource_grpc_pb");
const { EngineService } = require("@pulumi/pulumi/proto/engine_grpc_pb");
export const enginePb = require("@pulumi/pulumi/proto/engine_pb");
const resourcePb = require("@pulumi/pulumi/proto/resource_pb");
const { MockMonitor } = require("@pulumi/pulumi/runtime/mocks");

export const STACK_TYPE = "pulumi:pulumi:Stack";

/** One registration as the played monitor received it: what the in-process harness captures, but outputs. */
export type Registration = Registered & { readonly urn: string };

/** A monitor and engine on one gRPC server: the SDK's MockMonitor with the offline mocks, its replies as real messages. */
export async function startEngine(stack: string) {
    const mocks = offlineMocks();
    const monitor = new MockMonitor(mocks);
    // The URNs the engine gives (MockMonitor's own keeps only the parent's last type and reads the
    // stack from the in-process settings).
    monitor.newUrn = (parent: string, type: string, name: string) => engineUrn(stack, parent, type, name);
    const registrations: Registration[] = [];
    const unimplemented: string[] = [];
    const logs: { severity: number; message: string }[] = [];
    const handlers: Record<string, (call: any, cb: (err: unknown, resp?: unknown) => void) => void> = {};
    for (const [method, def] of Object.entries<any>(ResourceMonitorService)) {
        const Reply = def.responseType;
        handlers[method] = (call, cb) => {
            if (method === "supportsFeature") {
                // SDK 3.270 asks GetDeploymentInfo (MockMonitor's answer: every feature but outputValues);
                // an SDK that asks feature by feature gets the same answers.
                const r = new resourcePb.SupportsFeatureResponse();
                r.setHassupport(call.request.getId() !== "outputValues");
                return cb(null, r);
            }
            // The program's last call: the engine acknowledges once it has everything.
            if (method === "signalAndWaitForShutdown") return cb(null, new Reply());
            const impl = monitor[method];
            if (typeof impl !== "function") {
                // call, resource and error hooks: the program uses none; a call here is recorded and refused.
                unimplemented.push(method);
                return cb({ code: grpc.status.UNIMPLEMENTED, details: `the played monitor does not implement ${method}` });
            }
            impl.call(monitor, call.request, (err: unknown, resp: any) => {
                if (err) return cb(err);
                if (method === "registerResource") {
                    const r = { urn: resp.getUrn() as string, ...registered(call.request) };
                    registrations.push(r);
                    mocks.observe(r.type, r.urn, r.rawInputs);
                }
                cb(null, resp instanceof Reply ? resp : new Reply());
            });
        };
    }
    let root = "";
    const engine = {
        log: (call: any, cb: any) => { logs.push({ severity: call.request.getSeverity(), message: call.request.getMessage() }); cb(null, new (EngineService.log.responseType)()); },
        getRootResource: (_call: any, cb: any) => { const r = new enginePb.GetRootResourceResponse(); r.setUrn(root); cb(null, r); },
        setRootResource: (call: any, cb: any) => { root = call.request.getUrn(); cb(null, new enginePb.SetRootResourceResponse()); },
        requirePulumiVersion: (_call: any, cb: any) => cb(null, new enginePb.RequirePulumiVersionResponse()),
        startDebugging: (_call: any, cb: any) => cb(null, new (EngineService.startDebugging.responseType)()),
    };
    const server = new grpc.Server();
    server.addService(ResourceMonitorService, handlers);
    server.addService(EngineService, engine);
    const port = await new Promise<number>((resolve, reject) =>
        server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err: Error | null, p: number) => (err ? reject(err) : resolve(p))));
    return { address: `127.0.0.1:${port}`, registrations, logs, unimplemented, stop: () => server.forceShutdown() };
}

/**
 * Runs `node @pulumi/pulumi/cmd/run` on the project, as the Node.js language host does for `pulumi preview`.
 * Killed after `timeoutMs` (code null, a line on stderr); a process that cannot start rejects.
 */
export function runHost(stack: string, address: string, timeoutMs = 240_000): Promise<{ code: number | null; stderr: string; stdout: string }> {
    const file = readStackFile(stack);
    // The CLI hands the program its decrypted config; readStackFile gives secrets as marked placeholders.
    const env: NodeJS.ProcessEnv = {
        // Not the caller's ts-node or Pulumi runtime settings: the language host passes its own. The
        // SDK's promise-leak debugging switch passes, as from a user's shell to `pulumi preview`'s program.
        ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("TS_NODE_") && (!k.startsWith("PULUMI_") || k === "PULUMI_DEBUG_PROMISE_LEAKS"))),
        // Keys as the language host writes them, `<namespace>:config:<key>` (the SDK strips `:config:`).
        PULUMI_CONFIG: JSON.stringify(Object.fromEntries(Object.entries(serializeConfig(file.config)).map(([k, v]) => [k.replace(/^([^:]+):/, "$1:config:"), v]))),
        PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(file.secretKeys.map(k => `${PROJECT}:${k}`)),
        PULUMI_NODEJS_TYPESCRIPT: "true",
    };
    const host = path.join(sdkDir, "cmd", "run");
    const child = spawn(process.execPath, [host, "--monitor", address, "--engine", address, "--project", PROJECT, "--stack", stack,
        "--organization", "organization", "--pwd", ROOT, "--dry-run", "--parallel", "16", "."], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", d => { stdout += d; });
    child.stderr.on("data", d => { stderr += d; });
    return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
            stderr += `\n(killed after ${timeoutMs} ms)`;
            child.kill("SIGKILL");
        }, timeoutMs);
        child.once("error", e => { clearTimeout(timer); reject(e); });
        child.once("close", code => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
    });
}

/** One `pulumi preview` of a committed stack's program under the host, against the played engine. */
export async function previewUnderHost(stack: string) {
    const engine = await startEngine(stack);
    try {
        const run = await runHost(stack, engine.address);
        return { ...run, registrations: engine.registrations, logs: engine.logs, unimplemented: engine.unimplemented };
    } finally {
        engine.stop();
    }
}
