/**
 * The dashboards' panels and queries are built without the Grafana SDK's plugin modules (`stat`,
 * `timeseries`, `prometheus`), whose loading pulls in the dashboard v2 schemas: these tests hold
 * what components/render/dashboards.ts builds equal, key order included, to what the SDK's own
 * builders build, and check that loading the renderer loads no v2 schema module.
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as path from "path";
import { PanelBuilder as SdkStatPanel } from "@grafana/grafana-foundation-sdk/stat";
import { PanelBuilder as SdkTimeseriesPanel } from "@grafana/grafana-foundation-sdk/timeseries";
import { DataqueryBuilder as SdkPromQuery } from "@grafana/grafana-foundation-sdk/prometheus";
import { prom, statPanel, timeseriesPanel } from "../components/render/dashboards";
import { DATASOURCE_UIDS } from "../components/render/topology";

const ROOT = path.resolve(__dirname, "..");
/** JSON with key order, plus the keys whose values are functions (JSON drops them). */
const shape = (o: object) => [JSON.stringify(o), Object.entries(o).filter(([, v]) => typeof v === "function").map(([k]) => k)];

describe("dashboards without the SDK's plugin modules", () => {
    it("a stat panel is what the SDK's stat.PanelBuilder builds, through the same calls", () => {
        assert.deepStrictEqual(shape(statPanel().build()), shape(new SdkStatPanel().build()));
        const calls = <T extends { title(t: string): T; unit(u: string): T; gridPos(g: { h: number; w: number; x: number; y: number }): T }>(b: T) =>
            b.title("Budget").unit("percentunit").gridPos({ h: 6, w: 24, x: 0, y: 0 });
        assert.deepStrictEqual(shape(calls(statPanel()).build()), shape(calls(new SdkStatPanel()).build()));
    });

    it("a time series panel is what the SDK's timeseries.PanelBuilder builds, through the same calls", () => {
        assert.deepStrictEqual(shape(timeseriesPanel().build()), shape(new SdkTimeseriesPanel().build()));
        const calls = <T extends { title(t: string): T; unit(u: string): T; min(m: number): T; description(d: string): T }>(b: T) =>
            b.title("Requests / s").unit("reqps").min(0).description("d");
        assert.deepStrictEqual(shape(calls(timeseriesPanel()).build()), shape(calls(new SdkTimeseriesPanel()).build()));
        // The defaults are fresh objects per panel, as the SDK's are (no panel shares another's options).
        assert.notStrictEqual(timeseriesPanel().build().options, timeseriesPanel().build().options);
    });

    it("a Prometheus target is what the SDK's prometheus.DataqueryBuilder builds", () => {
        const ds = { type: "prometheus", uid: DATASOURCE_UIDS.prometheus };
        const sdk = () => new SdkPromQuery().expr("up").datasource(ds).legendFormat("{{job}}");
        assert.deepStrictEqual(shape(prom("up", "{{job}}").build()), shape(sdk().build()));
        assert.deepStrictEqual(shape(prom("up", "{{job}}").refId("B").instant().build()), shape(sdk().refId("B").instant().build()));
    });

    it("loading the renderer loads no dashboard v2 schema and none of the plugin modules", () => {
        const r = spawnSync(process.execPath, ["-r", "./tools/lib/register.js", "-e",
            "require('./components/render/dashboards'); console.log(JSON.stringify(Object.keys(require.cache)))"], { cwd: ROOT, encoding: "utf8" });
        assert.strictEqual(r.status, 0, r.stderr);
        const sdk = (JSON.parse(r.stdout) as string[]).filter(f => f.includes("grafana-foundation-sdk"))
            .map(f => path.relative(path.join(ROOT, "node_modules/@grafana/grafana-foundation-sdk/dist"), f).split(path.sep)[0]);
        assert.deepStrictEqual([...new Set(sdk)].sort(), ["common", "dashboard"]);
    });
});
