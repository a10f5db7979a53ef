/**
 * Slack notification of a drift report through an incoming webhook (Node's built-in fetch). The
 * webhook URL is a credential: it is never printed, and errors name only the HTTP status.
 */
import { driftSummaryLines, type DriftReport } from "./drift";

export interface SlackMessage {
    readonly text: string;
    readonly blocks: { type: "section"; text: { type: "mrkdwn"; text: string } }[];
}

/** The message for a report; `link` (e.g. the workflow run) is appended when given. */
export function slackMessage(r: DriftReport, link?: string): SlackMessage {
    const head = r.drift
        ? `:warning: Drift in stack *${r.stack}*: ${r.resources.length} resource${r.resources.length === 1 ? "" : "s"} changed outside Pulumi`
        : r.errors.length > 0
          ? `:x: Drift check of stack *${r.stack}* failed (${r.errors.length} error${r.errors.length === 1 ? "" : "s"})`
          : `:white_check_mark: No drift in stack *${r.stack}*`;
    const body = driftSummaryLines(r).join("\n");
    const tail = link ? `\n<${link}|Full report>` : "";
    const text = `${head}${body ? `\n${body}` : ""}${tail}`;
    return { text, blocks: [{ type: "section", text: { type: "mrkdwn", text: text.slice(0, 3000) } }] };
}

/** Posts the message; resolves when Slack answered 2xx, rejects with the status otherwise. */
export async function postToSlack(webhookUrl: string, message: SlackMessage, timeoutMs = 10_000): Promise<void> {
    let res: Response;
    try {
        res = await fetch(webhookUrl, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify(message),
            signal: AbortSignal.timeout(timeoutMs),
        });
    } catch (e) {
        throw new Error(`Slack notification failed: ${(e as Error).name === "TimeoutError" ? `no answer within ${timeoutMs} ms` : (e as Error).message}`);
    }
    if (!res.ok) throw new Error(`Slack notification failed: HTTP ${res.status}`);
    await res.arrayBuffer();
}
