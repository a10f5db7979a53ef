/**
 * The generated Alertmanager config through the real Alertmanager 0.28.1 and amtool (Debian 13, from
 * `npm run tools:install`): check-config, `config routes test` over tier × severity × alert, and an
 * end-to-end burst against a real Alertmanager process on 127.0.0.1 whose secret files point at local
 * capture servers (Slack, PagerDuty, SMTP, heartbeat).
 */
import * as assert from "assert";
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { SMTPServer } from "smtp-server";
import { stringify } from "yaml";
import type { AlertingInput } from "../components/render/alerting";
import { renderAlertmanager, ROUTE_TIMINGS } from "../components/render/alertmanager";
import { ALERTMANAGER_SECRET } from "../components/render/kubePrometheusStack";
import { alertingOf, withAlerting } from "./lib/alerting";
import { mustRun, pooled, runTool, runToolAsync, tool } from "./lib/tools";

const PROD = alertingOf("prod");
const DEV = alertingOf("dev");

function writeConfig(input: AlertingInput, dir: string, change: (config: any) => void = () => undefined): string {
    const secretDir = path.join(dir, "secrets");
    fs.mkdirSync(secretDir, { recursive: true });
    const r = renderAlertmanager(input, { secretDir, templateDir: dir });
    change(r.config);
    for (const [f, t] of Object.entries(r.templates)) fs.writeFileSync(path.join(dir, f), t);
    const file = path.join(dir, "alertmanager.yaml");
    fs.writeFileSync(file, stringify(r.config, { lineWidth: 0 }));
    return file;
}

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "obs-am-"));

describe("Alertmanager config (amtool)", function () {
    this.timeout(60_000);

    it("amtool check-config accepts both committed stacks' configs with their templates", () => {
        for (const input of [PROD, DEV]) {
            const out = mustRun("amtool", ["check-config", writeConfig(input, tmp())]);
            assert.match(out, /SUCCESS/);
            assert.match(out, /1 templates/);
        }
    });

    it("amtool rejects a broken config (the check can fail)", () => {
        const file = writeConfig(PROD, tmp(), c => { c.route.receiver = "nobody"; });
        assert.notStrictEqual(runTool("amtool", ["check-config", file]).status, 0);
    });

    /** Receiver expected for tier × severity × alert, written out independently of the renderer. */
    const ALERTS = ["HighErrorRate", "ServiceDown", "SLOAvailabilityBudgetBurn", "HighCPUUsage", "KubePodCrashLooping"];
    const SEVERITIES = ["critical", "warning", "info", "none"];
    const expected = (tier: string, infoChannel: boolean, alert: string, severity: string): string => {
        if (alert === "Watchdog") return "heartbeat";
        if (alert === "InfoInhibitor") return "null";
        if (severity === "critical") return "critical";
        if (severity === "info") return infoChannel || tier === "dev" ? "info" : "null";
        return "warning"; // warning, and alerts without a known severity
    };
    const variants: [string, AlertingInput, boolean][] = [
        ["prod", PROD, true],
        ["prod without an info channel", withAlerting(PROD, a => { delete a.slack.channels.info; }), false],
        ["dev", DEV, false],
    ];
    for (const [title, input, info] of variants) {
        it(`routes test: ${title}, every severity × alert (plus Watchdog and InfoInhibitor)`, async () => {
            const file = writeConfig(input, tmp());
            const cases = [...ALERTS, "Watchdog", "InfoInhibitor"].flatMap(alert => SEVERITIES.map(severity => ({ alert, severity })));
            const results = await pooled(cases, 4, async c => {
                const labels = [`alertname=${c.alert}`, "cluster=c1", "service=checkout", ...(c.severity === "none" ? [] : [`severity=${c.severity}`])];
                const want = expected(input.tier, info, c.alert, c.severity);
                const r = await runToolAsync("amtool", ["config", "routes", "test", `--config.file=${file}`, `--verify.receivers=${want}`, ...labels]);
                return { ok: r.status === 0, what: `${title} ${labels.join(" ")}: expected ${want}, got ${r.stdout.trim()} ${r.stderr.trim()}` };
            });
            assert.strictEqual(results.length, 28);
            assert.deepStrictEqual(results.filter(r => !r.ok).map(r => r.what), []);
            // amtool's verification can fail: the same labels against a receiver they do not reach.
            const wrong = await runToolAsync("amtool", ["config", "routes", "test", `--config.file=${file}`, "--verify.receivers=critical", "alertname=Watchdog", "cluster=c1"]);
            assert.notStrictEqual(wrong.status, 0);
        });
    }

    it("receivers: prod critical pages, Slacks and mails; warning Slacks and mails; info only Slacks; dev never pages", () => {
        const kinds = (input: AlertingInput) => Object.fromEntries((renderAlertmanager(input).config.receivers as any[]).map(r => [r.name, {
            slack: r.slack_configs?.map((s: any) => s.channel) ?? [],
            pagerduty: (r.pagerduty_configs ?? []).length,
            email: r.email_configs?.map((e: any) => e.to) ?? [],
            webhook: (r.webhook_configs ?? []).length,
        }]));
        assert.deepStrictEqual(kinds(PROD), {
            null: { slack: [], pagerduty: 0, email: [], webhook: 0 },
            critical: { slack: ["#obs-prod-critical"], pagerduty: 1, email: ["oncall@acme.example, platform@acme.example"], webhook: 0 },
            warning: { slack: ["#obs-prod-warnings"], pagerduty: 0, email: ["platform@acme.example"], webhook: 0 },
            info: { slack: ["#obs-prod-info"], pagerduty: 0, email: [], webhook: 0 },
            heartbeat: { slack: [], pagerduty: 0, email: [], webhook: 1 },
        });
        assert.deepStrictEqual(kinds(DEV), {
            null: { slack: [], pagerduty: 0, email: [], webhook: 0 },
            critical: { slack: ["#obs-dev-alerts"], pagerduty: 0, email: ["platform-dev@acme.example"], webhook: 0 },
            warning: { slack: ["#obs-dev-alerts"], pagerduty: 0, email: [], webhook: 0 },
            info: { slack: ["#obs-dev-alerts"], pagerduty: 0, email: [], webhook: 0 },
            heartbeat: { slack: [], pagerduty: 0, email: [], webhook: 1 },
        });
        // Even a dev environment that enabled paging (the schema forbids it) would not page.
        assert.ok(!JSON.stringify(renderAlertmanager(withAlerting(DEV, a => { a.pagerduty.enabled = true; })).config).includes("pagerduty"));
    });

    it("reads every secret through *_file settings inside the mounted Secret, never inline", () => {
        const config = renderAlertmanager(PROD).config;
        const text = JSON.stringify(config);
        const files = [...text.matchAll(/"(\w+_file)":"([^"]+)"/g)].map(m => `${m[1]}=${m[2]}`).sort();
        const dir = "/etc/alertmanager/secrets/alertmanager-receivers";
        assert.deepStrictEqual([...new Set(files)], [
            `api_url_file=${dir}/${ALERTMANAGER_SECRET.slackWebhookUrlKey}`,
            `auth_password_file=${dir}/${ALERTMANAGER_SECRET.smtpPasswordKey}`,
            `routing_key_file=${dir}/${ALERTMANAGER_SECRET.pagerdutyRoutingKeyKey}`,
            `url_file=${dir}/${ALERTMANAGER_SECRET.heartbeatUrlKey}`,
        ]);
        assert.ok(!/"(api_url|routing_key|service_key|auth_password|url|slack_api_url)":/.test(text), "a secret-bearing key is set inline");
        assert.deepStrictEqual(config.route.group_by, ["cluster", "alertname", "service"]);
        assert.deepStrictEqual(config.templates, ["/etc/alertmanager/config/*.tmpl"]);
    });
});

// ---- end to end ----

interface Capture {
    slack: any[];
    pagerduty: any[];
    heartbeat: any[];
    mail: { to: string[]; body: string; password: string | undefined }[];
}

async function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const s = net.createServer();
        s.once("error", reject);
        s.listen(0, "127.0.0.1", () => { const p = (s.address() as net.AddressInfo).port; s.close(() => resolve(p)); });
    });
}

/** Local stand-ins for Slack, PagerDuty's Events API, the heartbeat and an SMTP server. */
async function captureServers(smtpPassword: string) {
    const capture: Capture = { slack: [], pagerduty: [], heartbeat: [], mail: [] };
    const web = http.createServer((req, res) => {
        let body = "";
        req.on("data", c => { body += c; });
        req.on("end", () => {
            const json = JSON.parse(body);
            if (req.url === "/slack") { capture.slack.push(json); res.end("ok"); return; }
            if (req.url === "/pagerduty") { capture.pagerduty.push(json); res.writeHead(202, { "content-type": "application/json" }); res.end('{"status":"success","message":"Event processed"}'); return; }
            if (req.url === "/heartbeat") { capture.heartbeat.push(json); res.end(); return; }
            res.writeHead(404); res.end();
        });
    });
    await new Promise<void>(r => web.listen(0, "127.0.0.1", r));
    let lastPassword: string | undefined;
    const smtp = new SMTPServer({
        authOptional: false,
        allowInsecureAuth: true,
        disabledCommands: ["STARTTLS"],
        logger: false,
        onAuth(auth, _session, cb) {
            lastPassword = auth.password ?? undefined;
            if (auth.password !== smtpPassword) { cb(new Error("bad password")); return; }
            cb(null, { user: auth.username });
        },
        onData(stream, session, cb) {
            let body = "";
            stream.on("data", c => { body += c; });
            stream.on("end", () => { capture.mail.push({ to: session.envelope.rcptTo.map(r => r.address).sort(), body, password: lastPassword }); cb(); });
        },
    });
    const smtpPort = await freePort();
    await new Promise<void>(r => smtp.listen(smtpPort, "127.0.0.1", r));
    const webPort = (web.address() as net.AddressInfo).port;
    return {
        capture, webPort, smtpPort,
        close: async () => { await new Promise(r => web.close(r)); await new Promise(r => smtp.close(() => r(undefined))); },
    };
}

interface Burst { readonly alerts: any[]; readonly groups: Map<string, { severity: string; ids: number[] }> }

const ALERT_KINDS = [
    { alertname: "HighErrorRate", severity: "critical", service: true },
    { alertname: "SlowResponseTime", severity: "warning", service: true },
    { alertname: "HighCPUUsage", severity: "warning", service: false },
    { alertname: "CPUThrottlingHigh", severity: "info", service: true },
];
/** Alert count of the burst: the explicit bound of the end-to-end test. */
const BURST_SIZE = 520;
/** Time bound: group_wait plus delivery. The test stops by itself after this, whatever arrived. */
const DELIVERY_DEADLINE_MS = 75_000;

function burst(stack: string): Burst {
    const alerts: any[] = [];
    const groups = new Map<string, { severity: string; ids: number[] }>();
    for (let i = 0; i < BURST_SIZE; i++) {
        const k = ALERT_KINDS[i % ALERT_KINDS.length]!;
        const cluster = `c${i % 2}`;
        const labels: Record<string, string> = { alertname: k.alertname, severity: k.severity, cluster, environment: stack, pod: `pod-${i}` };
        if (k.service) labels.service = `svc-${i % 5}`;
        alerts.push({ labels, annotations: { summary: `alert-${i}-end`, description: `burst alert ${i}` }, generatorURL: "http://prometheus.invalid/graph" });
        const key = `${cluster}|${k.alertname}|${labels.service ?? ""}`;
        const g = groups.get(key) ?? { severity: k.severity, ids: [] };
        g.ids.push(i);
        groups.set(key, g);
    }
    for (const cluster of ["c0", "c1"]) {
        alerts.push({ labels: { alertname: "Watchdog", severity: "none", cluster, environment: stack }, annotations: { summary: "watchdog" } });
    }
    return { alerts, groups };
}

/** The burst alerts a message mentions (the group's summary line repeats one of them). */
const idsIn = (text: string) => [...new Set([...text.matchAll(/alert-(\d+)-end/g)].map(m => Number(m[1])))];

async function runAlertmanager(input: AlertingInput) {
    const dir = tmp();
    const smtpPassword = "e2e-smtp-password";
    const servers = await captureServers(smtpPassword);
    const secrets = path.join(dir, "secrets");
    fs.mkdirSync(secrets, { recursive: true });
    const base = `http://127.0.0.1:${servers.webPort}`;
    fs.writeFileSync(path.join(secrets, ALERTMANAGER_SECRET.slackWebhookUrlKey), `${base}/slack\n`);
    fs.writeFileSync(path.join(secrets, ALERTMANAGER_SECRET.pagerdutyRoutingKeyKey), "E2EROUTINGKEY0000000000000000000\n");
    fs.writeFileSync(path.join(secrets, ALERTMANAGER_SECRET.smtpPasswordKey), smtpPassword);
    fs.writeFileSync(path.join(secrets, ALERTMANAGER_SECRET.heartbeatUrlKey), `${base}/heartbeat\n`);
    // The generated config, with only the endpoints that are not secrets moved to the local servers:
    // the SMTP smarthost (and plaintext SMTP: the sink has no certificate) and PagerDuty's API URL.
    const local = withAlerting(input, a => { if (a.email) a.email.smarthost = `127.0.0.1:${servers.smtpPort}`; });
    const file = writeConfig(local, dir, c => {
        c.global.pagerduty_url = `${base}/pagerduty`;
        for (const r of c.receivers) for (const e of r.email_configs ?? []) e.require_tls = false;
    });
    const port = await freePort();
    const proc: ChildProcess = spawn(tool("alertmanager"), [
        `--config.file=${file}`, `--storage.path=${path.join(dir, "data")}`, `--web.listen-address=127.0.0.1:${port}`,
        "--cluster.listen-address=", "--log.level=warn",
    ], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    proc.stderr!.on("data", c => { stderr += c; });
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 15_000;
    for (;;) {
        const ok = await fetch(`${url}/-/ready`).then(r => r.ok, () => false);
        if (ok) break;
        if (Date.now() > deadline || proc.exitCode !== null) throw new Error(`alertmanager did not start: ${stderr}`);
        await new Promise(r => setTimeout(r, 100));
    }
    return {
        url, servers, stderr: () => stderr,
        stop: async () => { proc.kill("SIGTERM"); await servers.close(); fs.rmSync(dir, { recursive: true, force: true }); },
    };
}

describe("Alertmanager end to end: a burst through a real Alertmanager", function () {
    this.timeout(DELIVERY_DEADLINE_MS + 30_000);
    const runs: Record<string, { capture: Capture; burst: Burst; elapsedMs: number; stderr: string }> = {};

    before(async () => {
        // prod and dev side by side: each its own Alertmanager and capture servers.
        await Promise.all([["prod", PROD], ["dev", DEV]].map(async ([name, input]) => {
            const am = await runAlertmanager(input as AlertingInput);
            try {
                const b = burst((input as AlertingInput).stack);
                const start = Date.now();
                const res = await fetch(`${am.url}/api/v2/alerts`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(b.alerts) });
                assert.strictEqual(res.status, 200, await res.text());
                const expectedSlack = [...b.groups.values()].filter(g => g.severity !== "info" || name === "dev" || PROD.alerting.slack.channels.info).length;
                const c = am.servers.capture;
                // Wait for every group's Slack message (the one notifier every group reaches), bounded.
                while (c.slack.length < expectedSlack && Date.now() - start < DELIVERY_DEADLINE_MS) await new Promise(r => setTimeout(r, 250));
                // A little longer, so anything extra (duplicates, misroutes) would show up too.
                await new Promise(r => setTimeout(r, 2_000));
                runs[name as string] = { capture: JSON.parse(JSON.stringify(c)), burst: b, elapsedMs: Date.now() - start, stderr: am.stderr() };
            } finally {
                await am.stop();
            }
        }));
    });

    it(`posts ${BURST_SIZE} alerts of mixed severity (bound: ${BURST_SIZE} alerts, ${DELIVERY_DEADLINE_MS / 1000}s)`, () => {
        for (const r of Object.values(runs)) {
            assert.strictEqual(r.burst.alerts.length, BURST_SIZE + 2);
            assert.ok(r.elapsedMs < DELIVERY_DEADLINE_MS + 5_000, `${r.elapsedMs} ms`);
        }
    });

    const slackChannelOf = (stack: string, severity: string) => stack === "prod"
        ? { critical: "#obs-prod-critical", warning: "#obs-prod-warnings", info: "#obs-prod-info" }[severity]
        : "#obs-dev-alerts";

    for (const stack of ["prod", "dev"]) {
        it(`${stack}: one Slack message per group, in the severity's channel, with every alert of the group and nothing else`, () => {
            const { capture, burst: b } = runs[stack]!;
            assert.strictEqual(capture.slack.length, b.groups.size, `slack messages (group_wait ${ROUTE_TIMINGS.groupWait})`);
            const seen = new Set<string>();
            for (const msg of capture.slack) {
                const a = msg.attachments[0];
                const ids = idsIn(a.text).sort((x, y) => x - y);
                const first = b.alerts[ids[0]!].labels;
                const key = `${first.cluster}|${first.alertname}|${first.service ?? ""}`;
                assert.ok(!seen.has(key), `group ${key} notified twice`);
                seen.add(key);
                assert.deepStrictEqual(ids, b.groups.get(key)!.ids, `group ${key}`);
                assert.strictEqual(msg.channel, slackChannelOf(stack, first.severity));
                assert.ok(a.title.includes(first.alertname) && a.title.includes(first.cluster) && a.title.includes(`(${stack})`), a.title);
                assert.ok(a.text.includes(`*Environment:* ${stack}`) && a.text.includes(`*Cluster:* ${first.cluster}`) && a.text.includes(`*Service:* ${first.service ?? "-"}`), a.text);
                assert.ok(a.text.includes(`https://runbooks.acme.example/observability/${first.alertname}`), "runbook link");
                assert.ok(a.title_link.startsWith(`${stack === "prod" ? "https://grafana.acme.example" : "https://grafana.dev.acme.example"}/explore?`), a.title_link);
                assert.ok(!capture.slack.some(m => JSON.stringify(m).includes("watchdog")), "Watchdog reached Slack");
            }
        });

        it(`${stack}: Watchdog reaches the heartbeat and nothing else reaches it`, () => {
            const { capture } = runs[stack]!;
            assert.ok(capture.heartbeat.length >= 2, `${capture.heartbeat.length} heartbeats (one per cluster)`);
            const clusters = new Set<string>();
            for (const h of capture.heartbeat) {
                for (const a of h.alerts) { assert.strictEqual(a.labels.alertname, "Watchdog"); clusters.add(a.labels.cluster); }
            }
            assert.deepStrictEqual([...clusters].sort(), ["c0", "c1"]);
            for (const list of [capture.slack, capture.pagerduty, capture.mail]) assert.ok(!JSON.stringify(list).includes("Watchdog"));
        });
    }

    it("prod: every critical group pages PagerDuty once with the routing key from its file, and nothing else pages", () => {
        const { capture, burst: b } = runs.prod!;
        const critical = [...b.groups.entries()].filter(([, g]) => g.severity === "critical");
        assert.strictEqual(capture.pagerduty.length, critical.length);
        let alerts = 0;
        for (const e of capture.pagerduty) {
            assert.strictEqual(e.routing_key, "E2EROUTINGKEY0000000000000000000");
            assert.strictEqual(e.event_action, "trigger");
            assert.strictEqual(e.payload.severity, "critical");
            assert.ok(e.payload.summary.startsWith("[FIRING:") && e.payload.summary.includes("HighErrorRate"), e.payload.summary);
            assert.strictEqual(e.payload.custom_details.environment, "prod");
            alerts += Number(e.payload.custom_details.firing);
        }
        assert.strictEqual(alerts, critical.reduce((n, [, g]) => n + g.ids.length, 0), "every critical alert counted in a page");
    });

    it("dev: nothing reaches the PagerDuty endpoint", () => {
        assert.strictEqual(runs.dev!.capture.pagerduty.length, 0);
    });

    it("email: one mail per group to the severity's recipients, authenticated with the password file", () => {
        const { capture, burst: b } = runs.prod!;
        const byTo = (to: string[]) => capture.mail.filter(m => m.to.join(",") === to.join(","));
        const critical = [...b.groups.values()].filter(g => g.severity === "critical");
        const warning = [...b.groups.values()].filter(g => g.severity === "warning");
        assert.strictEqual(byTo(["oncall@acme.example", "platform@acme.example"]).length, critical.length);
        assert.strictEqual(byTo(["platform@acme.example"]).length, warning.length);
        assert.strictEqual(capture.mail.length, critical.length + warning.length, "info sends no mail in prod");
        for (const m of capture.mail) assert.strictEqual(m.password, "e2e-smtp-password");
        const ids = capture.mail.flatMap(m => idsIn(m.body.replace(/=\r?\n/g, "")));
        const want = [...critical, ...warning].flatMap(g => g.ids);
        assert.deepStrictEqual([...new Set(ids)].sort((x, y) => x - y), want.sort((x, y) => x - y));
        const dev = runs.dev!;
        assert.strictEqual(dev.capture.mail.length, [...dev.burst.groups.values()].filter(g => g.severity === "critical").length);
    });
});
