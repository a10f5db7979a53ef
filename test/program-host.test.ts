/**
 * The program under the Pulumi Node.js SDK's own language host entry (@pulumi/pulumi/cmd/run), as
 * `pulumi preview` starts it: a separate process, the project's TypeScript through ts-node as the
 * host registers it (tsconfig.json's options; transpile-only because of `noCheck`), the stack config
 * in PULUMI_CONFIG, and every registration and invoke over gRPC to a resource monitor. This test plays
 * the engine and the monitor (the SDK's MockMonitor with the offline mocks, served over gRPC) and
 * holds the host's graph to the one the mock runtime captures in-process, which every other test and
 * the offline preview use.
 */
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { PROJECT } from "../stacks/config";
import { enginePb, previewUnderHost, STACK_TYPE } from "../tools/lib/program-host";
import { engineUrn, runMocked } from "../tools/lib/mock-runtime";
import { readStackFile } from "../tools/lib/stack-file";
import { run } from "../stacks/program";
import { runStack } from "./lib/run";

describe("the program under the Pulumi language host (cmd/run), as `pulumi preview` runs it", function () {
    this.timeout(300_000);

    const WARNINGS: Record<string, RegExp> = { dev: /authorizedNetworks: not set/, prod: /above the default quota/ };
    for (const [stack, warning] of Object.entries(WARNINGS)) {
        it(`${stack}: registers exactly the graph the mock runtime captures, same types, parents and inputs`, async () => {
            const host = await previewUnderHost(stack);
            const errors = host.logs.filter(l => l.severity === enginePb.LogSeverity.ERROR).map(l => l.message);
            assert.deepStrictEqual({ code: host.code, errors, unimplemented: host.unimplemented }, { code: 0, errors: [], unimplemented: [] }, host.stderr);
            // In-process, in preview mode as the host runs (--dry-run).
            const file = readStackFile(stack);
            const { records } = await runMocked({ stack, config: file.config, secretKeys: file.secretKeys, preview: true }, run);
            // Every field the harness captures from a registration (its outputs come from the mocks alike).
            const offline = records.map(({ outputs: _outputs, ...r }) => r);
            const byUrn = <T extends { urn: string }>(xs: readonly T[]) => [...xs].sort((a, b) => a.urn.localeCompare(b.urn));
            // The host registers the root stack resource and parents the top-level components to it; the
            // mock runtime has no root (top-level parent ""). Everything else must be the same: types,
            // parents, dependencies, protection, providers, transforms, secret paths and every input.
            const stackUrn = `urn:pulumi:${stack}::${PROJECT}::${STACK_TYPE}::${PROJECT}-${stack}`;
            assert.deepStrictEqual(host.registrations.filter(r => r.type === STACK_TYPE).map(r => r.urn), [stackUrn]);
            const registered = host.registrations.filter(r => r.type !== STACK_TYPE).map(r => ({ ...r, parent: r.parent === stackUrn ? "" : r.parent }));
            assert.deepStrictEqual(byUrn(registered).map(r => r.urn), byUrn(offline).map(r => r.urn));
            assert.deepStrictEqual(byUrn(registered), byUrn(offline));
            // The program's warnings reach the engine's log, as the CLI would print them.
            assert.ok(host.logs.some(l => l.severity === enginePb.LogSeverity.WARNING && warning.test(l.message)), JSON.stringify(host.logs));
        });
    }
});

describe("URNs as the engine gives them", () => {
    it("every captured URN is what the SDK's own createUrn gives for its name, type and parent (the parent's whole type chain)", async () => {
        const { records } = await runStack("prod");
        const sdkUrn = (r: (typeof records)[number]) => new Promise<string>(resolve =>
            pulumi.createUrn(r.name, r.type, r.parent || undefined, PROJECT, "prod").apply(u => { resolve(u); return u; }));
        const mismatched: string[] = [];
        for (const r of records) {
            const expected = await sdkUrn(r);
            if (expected !== r.urn) mismatched.push(`${r.urn} (createUrn: ${expected})`);
        }
        assert.deepStrictEqual(mismatched, []);
        // Nested three deep, as a real preview of prod shows it (test/fixtures/drift).
        assert.ok(records.some(r => r.urn === "urn:pulumi:prod::observability::obs:aws:ClusterPlatform$obs:aws:Bucket$aws:s3/bucket:Bucket::prod-eks-tempo"));
    });

    it("engineUrn: under the root stack no parent type; otherwise the parent's whole chain", () => {
        const root = "urn:pulumi:dev::observability::pulumi:pulumi:Stack::observability-dev";
        assert.strictEqual(engineUrn("dev", root, "obs:gcp:ClusterPlatform", "dev-gke"), "urn:pulumi:dev::observability::obs:gcp:ClusterPlatform::dev-gke");
        assert.strictEqual(engineUrn("dev", "", "obs:gcp:ClusterPlatform", "dev-gke"), "urn:pulumi:dev::observability::obs:gcp:ClusterPlatform::dev-gke");
        assert.strictEqual(engineUrn("dev", "urn:pulumi:dev::observability::obs:gcp:ClusterPlatform$obs:gcp:Bucket::dev-gke-tempo", "gcp:storage/bucket:Bucket", "dev-gke-tempo"),
            "urn:pulumi:dev::observability::obs:gcp:ClusterPlatform$obs:gcp:Bucket$gcp:storage/bucket:Bucket::dev-gke-tempo");
    });
});
