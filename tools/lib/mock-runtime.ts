/**
 * Runs the real program under the Pulumi SDK's mock runtime and captures the whole resource graph:
 * every registration with its URN, type, parent, dependencies, protection, provider and inputs.
 * Shared by the tests and `npm run preview:offline`.
 *
 * The SDK exposes no public API for parents/dependencies under mocks (pulumi/pulumi#14421), so the
 * capture wraps the mock monitor's `registerResource`, which receives the full RegisterResourceRequest.
 * That relies on SDK internals, kept in this one file; @pulumi/pulumi is pinned exactly.
 */
import { createHash } from "crypto";
import * as pulumi from "@pulumi/pulumi";
import { PROJECT } from "../../stacks/config";

/** How the SDK marks a secret value inside a serialized property map. */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
export const SECRET_MARK = "[secret]";
const ACCOUNT = "123456789012";
/** Who the offline runs are: the deploy role of the committed AWS clusters, in an assumed-role session. */
export const MOCK_CALLER_ARN = `arn:aws:sts::${ACCOUNT}:assumed-role/pulumi-deploy/offline-preview`;
export const MOCK_PROJECT_NUMBER = "100000000001";

/**
 * What EKS publishes as the default version of each add-on per Kubernetes minor (the shape of
 * `aws eks describe-addon-versions`), as the getAddonVersion invoke answers; unknown pairs fail like the real one.
 */
export const MOCK_ADDON_VERSIONS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
    "vpc-cni": { "1.34": "v1.20.4-eksbuild.2", "1.35": "v1.20.4-eksbuild.2" },
    "kube-proxy": { "1.34": "v1.34.1-eksbuild.2", "1.35": "v1.35.0-eksbuild.2" },
    "coredns": { "1.34": "v1.12.3-eksbuild.1", "1.35": "v1.12.4-eksbuild.1" },
    "aws-ebs-csi-driver": { "1.34": "v1.51.0-eksbuild.1", "1.35": "v1.51.0-eksbuild.1" },
    "metrics-server": { "1.34": "v0.8.0-eksbuild.2", "1.35": "v0.8.0-eksbuild.2" },
};

/** GKE's versions per release channel in December 2026 (getEngineVersions), newest first. */
export const MOCK_GKE_VERSIONS = {
    valid: ["1.36.1-gke.1061000", "1.35.4-gke.1228000", "1.35.3-gke.1105000", "1.34.8-gke.1302000", "1.33.9-gke.1146000"],
    defaults: { RAPID: "1.36.1-gke.1061000", REGULAR: "1.35.4-gke.1228000", STABLE: "1.34.8-gke.1302000" },
    latest: { RAPID: "1.36.1-gke.1061000", REGULAR: "1.35.4-gke.1228000", STABLE: "1.35.3-gke.1105000" },
} as const;

export interface ResourceRecord {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    readonly custom: boolean;
    readonly parent: string;
    readonly dependencies: string[];
    readonly propertyDependencies: Record<string, string[]>;
    readonly protect: boolean;
    readonly retainOnDelete: boolean;
    readonly ignoreChanges: string[];
    /** How many resource transforms the resource was registered with. */
    readonly transforms: number;
    /** Provider reference (`<urn>::<id>`), or "" for none. */
    readonly provider: string;
    /** Inputs with every secret replaced by "[secret]". Shared with rawInputs where there is no secret: never mutate. */
    readonly inputs: Record<string, unknown>;
    /** Inputs as registered, secrets unwrapped: for tests that look for leaked secret values. Never written out, never mutated. */
    readonly rawInputs: Record<string, unknown>;
    /** Dotted paths of the inputs that are secret. */
    readonly secretPaths: string[];
    /** The resource's state as the mock returned it (secrets redacted): what stack policies see. */
    readonly outputs: Record<string, unknown>;
}

export interface RunOptions {
    readonly stack: string;
    /** `observability:*` config without the namespace; objects are serialized as Pulumi does. */
    readonly config: Readonly<Record<string, unknown>>;
    /** Keys of `config` that are secrets. */
    readonly secretKeys?: readonly string[];
    readonly preview?: boolean;
    /** The AWS caller identity the getCallerIdentity invoke returns. Defaults to MOCK_CALLER_ARN. */
    readonly callerArn?: string;
    /** Called with each record as it is captured (a parent before its children), while the program runs. */
    readonly onRecord?: (record: ResourceRecord) => void;
}

export interface RunResult {
    readonly records: ResourceRecord[];
    readonly outputs: unknown;
}

const hash = (s: string, n = 8) => createHash("sha256").update(s).digest("hex").slice(0, n);

/**
 * The URN the engine gives a resource: the parent's whole qualified type chain, then `$` and the
 * resource's type, except under the root stack resource, whose type is left out (the SDK's own
 * `createUrn` in @pulumi/pulumi/resource.js; the engine's NewURN). The SDK's MockMonitor keeps only the
 * parent's last type, which gives nested resources URNs no real preview shows.
 */
export function engineUrn(stack: string, parent: string, type: string, name: string): string {
    const prefix = parent ? parent.slice(0, parent.lastIndexOf("::")) + "$" : "";
    return prefix && !prefix.endsWith("::pulumi:pulumi:Stack$")
        ? `${prefix}${type}::${name}`
        : `urn:pulumi:${stack}::${PROJECT}::${type}::${name}`;
}

/**
 * Replaces secret envelopes with "[secret]"; reports their paths; also returns the unwrapped value.
 * A subtree without secrets is returned as is for both (no copy): most inputs hold none, and copying
 * every registered input twice was a tenth of the preview's garbage-collection time.
 */
export function unwrapSecrets(v: unknown, path: string, paths: string[]): { redacted: unknown; raw: unknown } {
    if (Array.isArray(v)) {
        const parts = v.map((x, i) => unwrapSecrets(x, `${path}[${i}]`, paths));
        if (parts.every((p, i) => p.redacted === v[i] && p.raw === v[i])) return { redacted: v, raw: v };
        return { redacted: parts.map(p => p.redacted), raw: parts.map(p => p.raw) };
    }
    if (v && typeof v === "object") {
        const o = v as Record<string, unknown>;
        if (SECRET_SIG in o) {
            paths.push(path);
            return { redacted: SECRET_MARK, raw: unwrapSecrets(o.value, path, []).raw };
        }
        const entries = Object.entries(o).map(([k, x]) => [k, unwrapSecrets(x, path ? `${path}.${k}` : k, paths)] as const);
        if (entries.every(([k, p]) => p.redacted === o[k] && p.raw === o[k])) return { redacted: o, raw: o };
        return { redacted: Object.fromEntries(entries.map(([k, p]) => [k, p.redacted])), raw: Object.fromEntries(entries.map(([k, p]) => [k, p.raw])) };
    }
    return { redacted: v, raw: v };
}

/** Realistic computed outputs per resource type, deterministic in the resource's name and inputs. */
function mockState(type: string, name: string, inputs: Record<string, any>, region: string): { id: string; state: Record<string, unknown> } {
    const id = `${name}-${hash(type + name)}`;
    const s = { ...inputs };
    switch (type) {
        case "aws:kms/key:Key":
            return { id, state: { ...s, arn: `arn:aws:kms:${region}:${ACCOUNT}:key/${hash(name, 32)}`, keyId: hash(name, 32) } };
        case "aws:iam/role:Role":
            return { id: name, state: { ...s, name, arn: `arn:aws:iam::${ACCOUNT}:role/${name}` } };
        case "aws:s3/bucket:Bucket":
            return { id: name, state: { ...s, bucket: name, arn: `arn:aws:s3:::${name}` } };
        case "aws:eks/cluster:Cluster":
            return {
                id: inputs.name ?? name, state: {
                    ...s, name: inputs.name ?? name, arn: `arn:aws:eks:${region}:${ACCOUNT}:cluster/${inputs.name ?? name}`,
                    endpoint: `https://${hash(name, 32).toUpperCase()}.gr7.${region}.eks.amazonaws.com`,
                    certificateAuthority: { data: Buffer.from(`mock-ca-${name}`).toString("base64") },
                    identities: [{ oidcs: [{ issuer: `https://oidc.eks.${region}.amazonaws.com/id/${hash(name, 32).toUpperCase()}` }] }],
                },
            };
        case "aws:iam/openIdConnectProvider:OpenIdConnectProvider":
            return { id, state: { ...s, arn: `arn:aws:iam::${ACCOUNT}:oidc-provider/${String(inputs.url).replace(/^https:\/\//, "")}` } };
        case "gcp:container/cluster:Cluster":
            return { id, state: { ...s, name: inputs.name ?? name, endpoint: "203.0.113.10", masterAuth: { clusterCaCertificate: Buffer.from(`mock-ca-${name}`).toString("base64") } } };
        case "gcp:storage/bucket:Bucket":
            return { id: name, state: { ...s, name, url: `gs://${name}` } };
        case "gcp:serviceaccount/account:Account": {
            const email = `${inputs.accountId}@${inputs.project}.iam.gserviceaccount.com`;
            return { id, state: { ...s, email, name: `projects/${inputs.project}/serviceAccounts/${email}`, member: `serviceAccount:${email}` } };
        }
        case "aws:cloudwatch/logGroup:LogGroup":
            return { id: inputs.name ?? name, state: { ...s, arn: `arn:aws:logs:${region}:${ACCOUNT}:log-group:${inputs.name ?? name}` } };
        case "gcp:kms/keyRing:KeyRing": {
            const ringId = `projects/${inputs.project}/locations/${inputs.location}/keyRings/${inputs.name ?? `${name}-${hash(name, 7)}`}`;
            return { id: ringId, state: { ...s, name: ringId.split("/").at(-1) } };
        }
        case "gcp:kms/cryptoKey:CryptoKey": {
            const keyName = inputs.name ?? `${name}-${hash(name, 7)}`;
            return { id: `${inputs.keyRing}/cryptoKeys/${keyName}`, state: { ...s, name: keyName } };
        }
        case "pagerduty:index/serviceIntegration:ServiceIntegration":
            return { id, state: { ...s, integrationKey: `MOCKINTEGRATIONKEY${hash(name, 14).toUpperCase()}` } };
        case "random:index/randomPassword:RandomPassword":
            return { id, state: { ...s, result: `mock-password-${hash(name, 16)}` } };
        default:
            return { id, state: { ...s, arn: type.startsWith("aws:") ? `arn:aws:mock:${region}:${ACCOUNT}:${name}` : undefined, name: s.name ?? name } };
    }
}

/**
 * Serializes config the way the Pulumi CLI hands it to a program: strings raw, the rest as JSON.
 * Keys without a namespace are `observability:` keys; keys with one (`aws:region`) are kept as they are.
 */
export function serializeConfig(config: Readonly<Record<string, unknown>>): Record<string, string> {
    return Object.fromEntries(Object.entries(config).map(([k, v]) =>
        [k.includes(":") ? k : `${PROJECT}:${k}`, typeof v === "string" ? v : JSON.stringify(v)]));
}

/**
 * The offline mocks: each resource's state (its inputs plus realistic computed outputs) and every
 * invoke the program makes. Providers' regions are learnt from their registrations (`observe`).
 * Used in-process by runMocked and over gRPC by tools/lib/program-host.ts.
 */
export function offlineMocks(opts: { readonly callerArn?: string } = {}): pulumi.runtime.Mocks & { observe(type: string, urn: string, rawInputs: Record<string, unknown>): void } {
    const providerRegions = new Map<string, string>();
    const regionOf = (provider: string | undefined) => providerRegions.get((provider ?? "").split("::").slice(0, 4).join("::")) ?? "us-east-1";
    return {
        observe(type, urn, rawInputs) {
            if (type.startsWith("pulumi:providers:") && typeof rawInputs.region === "string") providerRegions.set(urn, rawInputs.region);
        },
        newResource: args => {
            if (args.type.startsWith("pulumi:providers:")) {
                return { id: `${args.name}_id`, state: args.inputs };
            }
            return mockState(args.type, args.name, args.inputs, regionOf(args.provider));
        },
        call: args => {
            switch (args.token) {
                case "aws:index/getAvailabilityZones:getAvailabilityZones": {
                    const region = regionOf(args.provider);
                    return { names: ["a", "b", "c"].map(z => `${region}${z}`), zoneIds: ["1", "2", "3"].map(z => `${region}-az${z}`) };
                }
                case "aws:index/getCallerIdentity:getCallerIdentity": {
                    const arn = opts.callerArn ?? MOCK_CALLER_ARN;
                    return { accountId: arn.split(":")[4], arn, userId: `AROA${hash(arn, 16).toUpperCase()}:offline-preview`, id: arn.split(":")[4] };
                }
                case "aws:eks/getAddonVersion:getAddonVersion": {
                    const version = MOCK_ADDON_VERSIONS[args.inputs.addonName]?.[args.inputs.kubernetesVersion];
                    if (version === undefined) throw new Error(`No add-on version found for ${args.inputs.addonName} on Kubernetes ${args.inputs.kubernetesVersion}`);
                    return { ...args.inputs, version, id: args.inputs.addonName };
                }
                case "gcp:container/getEngineVersions:getEngineVersions": {
                    const prefix = String(args.inputs.versionPrefix ?? "");
                    const valid = MOCK_GKE_VERSIONS.valid.filter(v => v.startsWith(prefix));
                    return {
                        ...args.inputs, id: String(args.inputs.location), validMasterVersions: valid, validNodeVersions: valid,
                        latestMasterVersion: valid[0] ?? "", latestNodeVersion: valid[0] ?? "", defaultClusterVersion: MOCK_GKE_VERSIONS.defaults.REGULAR,
                        releaseChannelDefaultVersion: MOCK_GKE_VERSIONS.defaults, releaseChannelLatestVersion: MOCK_GKE_VERSIONS.latest,
                        releaseChannelUpgradeTargetVersion: MOCK_GKE_VERSIONS.defaults,
                    };
                }
                case "gcp:organizations/getProject:getProject":
                    return { projectId: args.inputs.projectId, number: MOCK_PROJECT_NUMBER, name: args.inputs.projectId, id: `projects/${args.inputs.projectId}` };
                case "pagerduty:index/getEscalationPolicy:getEscalationPolicy":
                    return { id: `P${hash(String(args.inputs.name), 6).toUpperCase()}`, name: args.inputs.name };
                case "gcp:storage/getProjectServiceAccount:getProjectServiceAccount":
                    return { emailAddress: `service-100000000000@gs-project-accounts.iam.gserviceaccount.com`, project: args.inputs.project };
                default:
                    throw new Error(`offline mock: no result for invoke ${args.token}`);
            }
        },
    };
}

/** A registration's fields as a RegisterResourceRequest carries them (all of a ResourceRecord but its URN and outputs). */
export type Registered = Omit<ResourceRecord, "urn" | "outputs">;

/** Reads a RegisterResourceRequest into a record's fields: secrets redacted in `inputs`, unwrapped in `rawInputs`. */
export function registered(req: any): Registered {
    const propertyDependencies: Record<string, string[]> = {};
    req.getPropertydependenciesMap().forEach((v: any, k: string) => { propertyDependencies[k] = v.getUrnsList(); });
    const secretPaths: string[] = [];
    const { redacted, raw } = unwrapSecrets(req.getObject()?.toJavaScript() ?? {}, "", secretPaths);
    return {
        type: req.getType() as string,
        name: req.getName() as string,
        custom: req.getCustom() as boolean,
        parent: req.getParent() as string,
        dependencies: [...(req.getDependenciesList() as string[])].sort(),
        propertyDependencies,
        protect: req.getProtect() === true,
        retainOnDelete: req.getRetainondelete() === true,
        ignoreChanges: req.getIgnorechangesList() as string[],
        transforms: (req.getTransformsList() as unknown[]).length,
        provider: req.getProvider() as string,
        inputs: redacted as Record<string, unknown>,
        rawInputs: raw as Record<string, unknown>,
        secretPaths,
    };
}

/**
 * Runs `program` under mocks with the given stack config and returns every registered resource.
 * Throws whatever the program throws (a ConfigError, for instance) after waiting for in-flight registrations.
 */
export async function runMocked<T>(opts: RunOptions, program: () => T | Promise<T>): Promise<RunResult> {
    const records: ResourceRecord[] = [];
    const mocks = offlineMocks(opts);
    await pulumi.runtime.setMocks(mocks, PROJECT, opts.stack, opts.preview ?? false);
    const monitor: any = pulumi.runtime.getMonitor();
    monitor.newUrn = (parent: string, type: string, name: string) => engineUrn(opts.stack, parent, type, name);
    pulumi.runtime.setAllConfig(serializeConfig(opts.config), (opts.secretKeys ?? []).map(k => `${PROJECT}:${k}`));

    /** The first error an onRecord hook threw: rethrown after the program, never inside the SDK's callback. */
    let hookFailure: unknown;
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: any, cb: any) => {
        const base = registered(req);
        register(req, (err: any, resp: any) => {
            if (resp) {
                const urn = resp.getUrn() as string;
                // The state the SDK's MockMonitor just stored, before it encoded it into the response:
                // decoding the response again would only copy it, with the keys sorted (these keep the
                // mock's order). Shared with the monitor, which reads it for getResource: never mutated.
                const state = monitor.resources.get(urn)?.state ?? resp.getObject()?.toJavaScript() ?? {};
                const outputs = unwrapSecrets(state, "", []).redacted as Record<string, unknown>;
                const record = { urn, ...base, outputs };
                records.push(record);
                try {
                    opts.onRecord?.(record);
                } catch (e) {
                    hookFailure ??= e;
                }
                mocks.observe(base.type, urn, base.rawInputs);
            }
            cb(err, resp);
        });
    };

    let outputs: unknown;
    let failure: unknown;
    try {
        outputs = await program();
    } catch (e) {
        failure = e;
    }
    await (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
    if (failure !== undefined) throw failure;
    if (hookFailure !== undefined) throw hookFailure;
    return { records, outputs };
}
