import * as assert from "assert";
import { HOUR_MS } from "../components/duration";
import { ALLOY_LOG_LABELS, ALLOY_POD_SECURITY_LEVEL, ALLOY_STRUCTURED_METADATA, renderAlloyConfig, renderAlloyValues } from "../components/render/alloy";
import { endpoints } from "../components/render/topology";
import type { Cloud, RenderInput, Tier } from "../components/render/types";
import { SIZING } from "../components/sizing";
import { at, unknownKeys } from "./lib/chart-keys";

function fixture(tier: Tier, cloud: Cloud): RenderInput {
    const region = cloud === "aws" ? "eu-west-1" : "europe-west1";
    const annotations: Record<string, string> = {};
    return {
        stack: `${tier}-${cloud}`,
        tier,
        cluster: { name: `obs-${tier}-${cloud}`, cloud, region },
        retention: { metricsMs: 30 * 24 * HOUR_MS, logsMs: 7 * 24 * HOUR_MS, tracesMs: 72 * HOUR_MS },
        sampling: { percentage: 10, latencyThresholdMs: 2000 },
        scrapeInterval: "30s",
        storage: { type: cloud === "aws" ? "s3" : "gcs", region, buckets: { lokiChunks: "c", lokiRuler: "r", tempo: "t" } },
        identities: {
            loki: { namespace: "logging", serviceAccount: "loki", annotations },
            tempo: { namespace: "tracing", serviceAccount: "tempo", annotations },
        },
    };
}

// --- A small structural reader of Alloy syntax: blocks (`name "label" { … }`) and attributes (`key = value`). ---
interface Attr { readonly kind: "attr"; readonly key: string; readonly value: string }
interface Block { readonly kind: "block"; readonly name: string; readonly label?: string; readonly body: Node[] }
type Node = Attr | Block;

function stripComments(text: string): string {
    let out = "";
    let inString = false;
    for (let i = 0; i < text.length; i++) {
        const ch = text[i]!;
        if (inString) {
            out += ch;
            if (ch === "\\") out += text[++i] ?? "";
            else if (ch === '"') inString = false;
        } else if (ch === '"') {
            inString = true;
            out += ch;
        } else if (ch === "/" && text[i + 1] === "/") {
            while (i < text.length && text[i] !== "\n") i++;
            out += "\n";
        } else out += ch;
    }
    assert.ok(!inString, "unterminated string");
    return out;
}

/** Index just past the bracket that closes the one at `open`, skipping strings. */
function closeOf(text: string, open: number): number {
    const pairs: Record<string, string> = { "{": "}", "[": "]", "(": ")" };
    const stack: string[] = [];
    for (let i = open; i < text.length; i++) {
        const ch = text[i]!;
        if (ch === '"') {
            for (i++; text[i] !== '"'; i++) if (text[i] === "\\") i++;
        } else if (ch in pairs) stack.push(pairs[ch]!);
        else if ("}])".includes(ch)) {
            assert.strictEqual(ch, stack.pop(), `unbalanced ${ch} at ${i}`);
            if (stack.length === 0) return i + 1;
        }
    }
    throw new Error(`unclosed bracket at ${open}`);
}

function parse(text: string): Node[] {
    const nodes: Node[] = [];
    let i = 0;
    const skipSpace = () => { while (i < text.length && /\s/.test(text[i]!)) i++; };
    for (skipSpace(); i < text.length; skipSpace()) {
        const id = /^[A-Za-z_][\w.]*/.exec(text.slice(i));
        assert.ok(id, `expected an identifier at: ${text.slice(i, i + 40)}`);
        i += id[0].length;
        skipSpace();
        let label: string | undefined;
        if (text[i] === '"') {
            const m = /^"([^"\\]*)"/.exec(text.slice(i))!;
            label = m[1];
            i += m[0].length;
            skipSpace();
        }
        if (text[i] === "{") {
            const end = closeOf(text, i);
            nodes.push({ kind: "block", name: id[0], label, body: parse(text.slice(i + 1, end - 1)) });
            i = end;
            continue;
        }
        assert.strictEqual(text[i], "=", `expected = after ${id[0]}`);
        i++;
        let value = "";
        // The value runs to the end of the line, across lines while a bracket is open.
        while (i < text.length && text[i] !== "\n") {
            if ("{[(".includes(text[i]!) ) {
                const end = closeOf(text, i);
                value += text.slice(i, end);
                i = end;
            } else if (text[i] === '"') {
                const m = /^"(?:[^"\\]|\\.)*"/.exec(text.slice(i))!;
                value += m[0];
                i += m[0].length;
            } else value += text[i++];
        }
        nodes.push({ kind: "attr", key: id[0], value: value.trim() });
    }
    return nodes;
}

const blocks = (nodes: readonly Node[], name: string): Block[] => nodes.filter((n): n is Block => n.kind === "block" && n.name === name);
const block = (nodes: readonly Node[], name: string, label?: string): Block => {
    const found = blocks(nodes, name).filter(b => b.label === label);
    assert.strictEqual(found.length, 1, `exactly one ${name} "${label ?? ""}"`);
    return found[0]!;
};
const attrs = (b: Block): Record<string, string> =>
    Object.fromEntries(b.body.filter((n): n is Attr => n.kind === "attr").map(a => [a.key, a.value]));
/** An Alloy string or list-of-strings literal as JS (same escapes as JSON). */
const lit = (v: string): unknown => JSON.parse(v);
/** An Alloy object literal of string values (`{ k = "v", }`) as JS. */
const objectLit = (v: string): Record<string, string> =>
    Object.fromEntries([...v.matchAll(/(\w+)\s*=\s*("(?:[^"\\]|\\.)*")/g)].map(m => [m[1]!, JSON.parse(m[2]!) as string]));

/** Applies one replace-action relabel rule the way Prometheus does (fully anchored RE2; this regex is also valid JS). */
function relabel(rule: Record<string, string>, labels: Record<string, string>): Record<string, string> {
    const sources = rule.source_labels ? (lit(rule.source_labels) as string[]) : [];
    const sep = rule.separator ? (lit(rule.separator) as string) : ";";
    const regex = new RegExp(`^(?:${rule.regex ? (lit(rule.regex) as string) : "(.*)"})$`);
    const m = regex.exec(sources.map(s => labels[s] ?? "").join(sep));
    if (!m) return labels;
    const replacement = rule.replacement ? (lit(rule.replacement) as string) : "$1";
    const value = replacement.replace(/\$(\d)/g, (_, n: string) => m[Number(n)] ?? "");
    const target = lit(rule.target_label) as string;
    const out = { ...labels };
    if (value === "") delete out[target];
    else out[target] = value;
    return out;
}

describe("renderAlloyConfig", () => {
    for (const [tier, cloud] of [["dev", "gcp"], ["prod", "aws"]] as const) {
        describe(`${tier} ${cloud}`, () => {
            const input = fixture(tier, cloud);
            const text = renderAlloyConfig(input);
            const config = parse(stripComments(text));

            it("has exactly the pipeline's components, each wired to one that exists", () => {
                const ids = config.map(n => (n.kind === "block" ? `${n.name}.${n.label}` : `attr ${n.key}`));
                assert.deepStrictEqual(ids, ["discovery.kubernetes.pods", "discovery.relabel.pods", "loki.source.kubernetes.pods", "loki.process.pods", "loki.write.loki"]);
                const refs = [...stripComments(text).matchAll(/\b((?:discovery|loki)\.[a-z_.]+?)\.(\w+)\.(targets|output|receiver)\b/g)].map(m => `${m[1]}.${m[2]}`);
                assert.deepStrictEqual(refs, ["discovery.kubernetes.pods", "discovery.relabel.pods", "loki.process.pods", "loki.write.loki"]);
                for (const ref of refs) assert.ok(ids.includes(ref), ref);
                assert.doesNotMatch(text, /\{\{/, "the chart runs the config through tpl");
            });

            it("discovers only this node's pods (HOSTNAME is the node name in the chart)", () => {
                const disc = block(config, "discovery.kubernetes", "pods");
                assert.strictEqual(attrs(disc).role, '"pod"');
                assert.deepStrictEqual(attrs(block(disc.body, "selectors")), { role: '"pod"', field: '"spec.nodeName=" + sys.env("HOSTNAME")' });
            });

            it("reads logs through the Kubernetes API, not host files", () => {
                assert.deepStrictEqual(attrs(block(config, "loki.source.kubernetes", "pods")), {
                    targets: "discovery.relabel.pods.output",
                    forward_to: "[loki.process.pods.receiver]",
                });
                assert.doesNotMatch(text, /loki\.source\.file|local\.file_match|\/var\/log/);
            });

            const rules = blocks(block(config, "discovery.relabel", "pods").body, "rule").map(attrs);
            const meta = {
                __meta_kubernetes_namespace: "shop",
                __meta_kubernetes_pod_name: "cart-7d9f-abcde",
                __meta_kubernetes_pod_container_name: "cart",
                __meta_kubernetes_pod_uid: "0b6c-uid",
            };
            const labelsOf = (extra: Record<string, string>) => {
                const out = rules.reduce((l, r) => relabel(r, l), { ...meta, ...extra } as Record<string, string>);
                return Object.fromEntries(Object.entries(out).filter(([k]) => !k.startsWith("__")));
            };

            it("relabels to exactly namespace, pod, container, app and cluster", () => {
                assert.deepStrictEqual(rules.map(r => lit(r.target_label)).sort(), [...ALLOY_LOG_LABELS].sort());
                assert.deepStrictEqual(labelsOf({ __meta_kubernetes_pod_label_app_kubernetes_io_name: "cart-svc", __meta_kubernetes_pod_label_app: "cart-legacy" }), {
                    namespace: "shop",
                    pod: "cart-7d9f-abcde",
                    container: "cart",
                    app: "cart-svc",
                    cluster: input.cluster.name,
                });
            });

            it("app falls back to the app label, and is absent without either", () => {
                assert.strictEqual(labelsOf({ __meta_kubernetes_pod_label_app: "cart-legacy" }).app, "cart-legacy");
                assert.strictEqual(labelsOf({ __meta_kubernetes_pod_label_app_kubernetes_io_name: "", __meta_kubernetes_pod_label_app: "" }).app, undefined);
                assert.strictEqual(labelsOf({}).app, undefined);
            });

            const process = block(config, "loki.process", "pods");

            it("keeps trace_id (and level) as structured metadata, never as a label", () => {
                assert.deepStrictEqual(
                    process.body.filter(n => n.kind === "block").map(n => (n as Block).name),
                    ["stage.json", "stage.structured_metadata", "stage.label_drop"],
                );
                assert.deepStrictEqual(objectLit(attrs(block(process.body, "stage.json")).expressions!), {
                    trace_id: "trace_id || traceId || traceID",
                    level: "level || severity",
                });
                assert.deepStrictEqual(Object.keys(objectLit(attrs(block(process.body, "stage.structured_metadata")).values!)), [...ALLOY_STRUCTURED_METADATA]);
                assert.strictEqual(blocks(process.body, "stage.labels").length, 0);
                assert.ok(!(ALLOY_LOG_LABELS as readonly string[]).includes("trace_id"));
            });

            it("drops the job and instance labels loki.source.kubernetes adds, leaving exactly the five", () => {
                const dropped = lit(attrs(block(process.body, "stage.label_drop")).values!) as string[];
                assert.deepStrictEqual(dropped, ["job", "instance"]);
                const sent = { ...labelsOf({ __meta_kubernetes_pod_label_app: "cart" }), job: "loki.source.kubernetes.pods", instance: "shop/cart-7d9f-abcde:cart" };
                assert.deepStrictEqual(Object.keys(sent).filter(k => !dropped.includes(k)).sort(), [...ALLOY_LOG_LABELS].sort());
                assert.deepStrictEqual(attrs(process).forward_to, "[loki.write.loki.receiver]");
            });

            it("pushes to Loki's gateway", () => {
                const write = block(config, "loki.write", "loki");
                assert.deepStrictEqual(attrs(block(write.body, "endpoint")), { url: JSON.stringify(endpoints(tier).lokiPush) });
                assert.strictEqual(endpoints(tier).lokiPush, "http://loki-gateway.logging.svc.cluster.local:80/loki/api/v1/push");
            });
        });
    }

    it("escapes the cluster name as an Alloy string", () => {
        const input = { ...fixture("dev", "gcp"), cluster: { name: 'we"ird\\name', cloud: "gcp" as const, region: "x" } };
        const rules = blocks(block(parse(stripComments(renderAlloyConfig(input))), "discovery.relabel", "pods").body, "rule").map(attrs);
        assert.strictEqual(lit(rules.find(r => lit(r.target_label) === "cluster")!.replacement!), 'we"ird\\name');
    });
});

describe("renderAlloyValues", () => {
    it("the logging namespace can enforce the baseline Pod Security level", () => {
        assert.strictEqual(ALLOY_POD_SECURITY_LEVEL, "baseline");
    });

    for (const [tier, cloud] of [["dev", "gcp"], ["prod", "aws"], ["prod", "gcp"]] as const) {
        describe(`${tier} ${cloud}`, () => {
            const input = fixture(tier, cloud);
            const values = renderAlloyValues(input);

            it("sets only keys the chart defines", () => {
                // configReloader.resources is a Kubernetes ResourceRequirements: the chart's default sets
                // requests only, and limits belongs there as well.
                assert.deepStrictEqual(unknownKeys(values, "alloy", { open: ["configReloader.resources"] }), []);
            });

            it("runs a DaemonSet named alloy with the rendered config", () => {
                assert.strictEqual(at(values, "controller.type"), "daemonset");
                assert.deepStrictEqual(at(values, "controller.tolerations"), [{ operator: "Exists" }]);
                assert.strictEqual(at(values, "fullnameOverride"), "alloy");
                assert.strictEqual(at(values, "alloy.configMap.content"), renderAlloyConfig(input));
            });

            it("mounts nothing from the host (baseline); positions on an emptyDir", () => {
                assert.deepStrictEqual(at(values, "alloy.mounts"), { varlog: false, dockercontainers: false, extra: [{ name: "storage", mountPath: "/tmp/alloy" }] });
                assert.deepStrictEqual(at(values, "controller.volumes"), { extra: [{ name: "storage", emptyDir: {} }] });
                assert.strictEqual(at(values, "alloy.storagePath"), "/tmp/alloy");
                assert.doesNotMatch(JSON.stringify(values), /hostPath|privileged|hostNetwork|hostPID/);
            });

            it("takes resources from SIZING", () => {
                assert.deepStrictEqual(at(values, "alloy.resources"), { requests: SIZING[tier].alloy.resources.requests, limits: SIZING[tier].alloy.resources.limits });
            });

            it("grants only what discovery and the API log source need", () => {
                assert.deepStrictEqual(at(values, "rbac.rules"), [{ apiGroups: [""], resources: ["pods", "pods/log", "namespaces"], verbs: ["get", "list", "watch"] }]);
                assert.deepStrictEqual(at(values, "rbac.clusterRules"), [{ nonResourceURLs: ["/metrics"], verbs: ["get"] }], "never an empty list: the chart renders [] as broken YAML");
            });

            it("is scraped by Prometheus, installs no CRDs, sends no usage reports", () => {
                assert.deepStrictEqual(at(values, "serviceMonitor"), { enabled: true, additionalLabels: { release: "kps" } });
                assert.strictEqual(at(values, "crds.create"), false);
                assert.strictEqual(at(values, "alloy.enableReporting"), false);
            });
        });
    }
});
