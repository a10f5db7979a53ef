/** Test helpers: run the program under mocks for a committed stack or an inline config. */
import { ResourceRecord, runMocked, RunResult } from "../../tools/lib/mock-runtime";
import { readStackFile } from "../../tools/lib/stack-file";
import { run } from "../../stacks/program";

const cache = new Map<string, Promise<RunResult>>();

/** Runs a committed stack (Pulumi.<stack>.yaml) once per mocha process. */
export function runStack(stack: string): Promise<RunResult> {
    if (!cache.has(stack)) {
        const s = readStackFile(stack);
        cache.set(stack, runMocked({ stack, config: s.config, secretKeys: s.secretKeys }, run));
    }
    return cache.get(stack)!;
}

/** Runs the program with an inline config, bypassing the cache. */
export function runConfig(config: Record<string, unknown>, secretKeys: string[] = [], stack = "test"): Promise<RunResult> {
    return runMocked({ stack, config, secretKeys }, run);
}

export const byType = (records: readonly ResourceRecord[], type: string) => records.filter(r => r.type === type);

export function one(records: readonly ResourceRecord[], type: string, name: string): ResourceRecord {
    const found = records.filter(r => r.type === type && r.name === name);
    if (found.length !== 1) throw new Error(`expected exactly one ${type} named ${name}, found ${found.length}`);
    return found[0]!;
}

/** Every resource below the component with this URN (children, grandchildren, ...). */
export function descendants(records: readonly ResourceRecord[], urn: string): ResourceRecord[] {
    const out: ResourceRecord[] = [];
    const walk = (parent: string) => records.filter(r => r.parent === parent).forEach(r => { out.push(r); walk(r.urn); });
    walk(urn);
    return out;
}

export function typeCounts(records: readonly ResourceRecord[]): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const r of records) counts[r.type] = (counts[r.type] ?? 0) + 1;
    return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}

/** A valid environment with one cluster on each cloud: the base the invalid-config cases mutate. */
export function validConfig(): Record<string, any> {
    return {
        tier: "dev",
        clusters: [
            { name: "dev-gke", cloud: "gcp", region: "europe-west1", project: "acme-obs-dev", kubernetesVersion: "1.35",
                nodePool: { machineType: "e2-standard-4", min: 1, max: 3 } },
            { name: "dev-eks", cloud: "aws", region: "eu-west-1", kubernetesVersion: "1.35",
                nodePool: { machineType: "m6i.large", min: 1, max: 3 }, admins: ["arn:aws:iam::123456789012:role/admin"],
                deployRole: "arn:aws:iam::123456789012:role/pulumi-deploy" },
        ],
        retention: { metrics: "15d", logs: "3d", traces: "24h" },
        sampling: { percentage: 50 },
        alerting: {
            slack: { channels: { critical: "#a", warning: "#b" } },
            pagerduty: { enabled: false },
            links: { grafana: "https://grafana.test.example", runbooks: "https://runbooks.test.example" },
        },
        slackWebhookUrl: "https://hooks.slack.com/services/TEST",
        heartbeatUrl: "https://heartbeat.test.example/ping",
    };
}
export const VALID_SECRET_KEYS = ["slackWebhookUrl", "heartbeatUrl"];
