/** Alerting inputs of the committed stacks (and variants), as the program builds them. */
import type { AlertingInput } from "../../components/render/alerting";
import { parseEnvironment } from "../../stacks/config";
import { readStackFile } from "../../tools/lib/stack-file";

export function alertingOf(stack: string): AlertingInput {
    const s = readStackFile(stack);
    const env = parseEnvironment({ values: s.config, secretKeys: new Set(s.secretKeys) });
    return { stack, tier: env.tier, alerting: env.alerting };
}

/** A deep copy with changes to `alerting`. */
export function withAlerting(input: AlertingInput, change: (a: any) => void): AlertingInput {
    const copy = JSON.parse(JSON.stringify(input)) as any;
    change(copy.alerting);
    return copy;
}
