/**
 * No secret value outside Secret data: the offline placeholders of every stack secret (distinctive
 * `OFFLINE-PLACEHOLDER` strings) and the managed PagerDuty integration key appear in the plan only
 * as secret inputs of a Kubernetes Secret's data or of the PagerDuty provider's token, never in Helm
 * values, ConfigMaps, PrometheusRules or any other input.
 */
import * as assert from "assert";
import { SECRETS } from "../stacks/config";
import { runStack } from "./lib/run";

const SECRET_HOLDERS: Record<string, string[]> = {
    "kubernetes:core/v1:Secret": ["stringData"],
    "pulumi:providers:pagerduty": ["token"],
};

describe("alerting secrets stay in Secret data", () => {
    for (const stack of ["dev", "prod"]) {
        it(`${stack}: every receiver secret reaches the receivers Secret, and no other input holds it`, async () => {
            const { records } = await runStack(stack);
            const values = SECRETS.map(s => s.placeholder);
            const integrationKeys = records.filter(r => r.type === "pagerduty:index/serviceIntegration:ServiceIntegration")
                .map(r => String(r.outputs.integrationKey));
            assert.deepStrictEqual(integrationKeys.length, stack === "prod" ? 1 : 0);
            for (const r of records) {
                const allowed = SECRET_HOLDERS[r.type] ?? [];
                const raw = r.rawInputs as Record<string, unknown>;
                for (const [key, v] of Object.entries(raw)) {
                    const text = JSON.stringify(v);
                    const leaked = [...values, ...(integrationKeys[0] === "[secret]" ? [] : integrationKeys)].filter(s => text.includes(s));
                    if (allowed.includes(key)) {
                        if (leaked.length > 0) assert.ok(r.secretPaths.includes(key), `${r.name}.${key} holds a secret but is not marked secret`);
                        continue;
                    }
                    assert.deepStrictEqual(leaked, [], `${r.type} ${r.name} input ${key} holds a secret value`);
                }
            }
            const receivers = records.filter(r => r.type === "kubernetes:core/v1:Secret" && r.name.endsWith("-alertmanager-receivers"));
            for (const r of receivers) {
                const data = r.rawInputs.stringData as Record<string, string>;
                assert.strictEqual(data["slack-webhook-url"], "https://hooks.slack.com/services/OFFLINE-PLACEHOLDER");
                assert.strictEqual(data["smtp-password"], "OFFLINE-PLACEHOLDER-smtp-password");
                assert.strictEqual(data["heartbeat-url"], "https://heartbeat.invalid/OFFLINE-PLACEHOLDER-heartbeat");
                // prod: the managed integration's key (mock), never the unused stack routing key.
                if (stack === "prod") assert.match(data["pagerduty-routing-key"]!, /^MOCKINTEGRATIONKEY[0-9A-F]{14}$/);
                else assert.ok(!("pagerduty-routing-key" in data));
                assert.deepStrictEqual(r.secretPaths, ["stringData"]);
            }
            assert.strictEqual(receivers.length, stack === "prod" ? 2 : 1);
        });
    }
});
