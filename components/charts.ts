/**
 * The vendored chart packages (charts/*.tgz with charts/lock.json): every release installs from the
 * package in the repository, so what the tests and the offline preview render is what `pulumi up`
 * installs, and a deploy needs no chart repository. `npm run charts:pull -- <key> <version>` adds a
 * package where a network reaches the chart's repository; test/charts.test.ts checks every digest.
 */
import lockFile from "../charts/lock.json";
import type { ChartKey, ChartSource } from "./versions";

/** One package in charts/, as charts/lock.json records it. */
export interface VendoredChart {
    readonly key: ChartKey;
    readonly chart: string;
    readonly version: string;
    /** The repository the chart is published in (where `charts:pull` fetches from). */
    readonly repository: string;
    /** File name under charts/. */
    readonly file: string;
    /** sha256 of the .tgz. */
    readonly sha256: string;
    /** Where the package came from. */
    readonly source: string;
    readonly vendored: string;
}

/** The folder of the packages, relative to the project root (the working directory of `pulumi up`). */
export const CHARTS_DIR = "charts";

export const VENDORED: readonly VendoredChart[] = (lockFile as { charts: VendoredChart[] }).charts;

/** The versions of a chart that have a package in charts/, oldest first. */
export function vendoredVersions(key: ChartKey): string[] {
    return VENDORED.filter(c => c.key === key).map(c => c.version)
        .sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
}

/** The vendored package of a chart source, or an error naming the versions there are. */
export function vendoredChart(source: Pick<ChartSource, "chart" | "version">): VendoredChart {
    const found = VENDORED.find(c => c.chart === source.chart && c.version === source.version);
    if (!found) {
        const have = VENDORED.filter(c => c.chart === source.chart).map(c => c.version);
        throw new Error(`no vendored package for ${source.chart} ${source.version} in ${CHARTS_DIR}/ (have: ${have.join(", ") || "none"}); add it with npm run charts:pull`);
    }
    return found;
}

/** The chart argument of a release: the package's path relative to the project root. */
export function chartPackagePath(source: Pick<ChartSource, "chart" | "version">): string {
    return `./${CHARTS_DIR}/${vendoredChart(source).file}`;
}

/** The vendored package a release's `chart` input names (`./charts/<file>`), if any. */
export function vendoredByPath(chartInput: string): VendoredChart | undefined {
    return VENDORED.find(c => `./${CHARTS_DIR}/${c.file}` === chartInput);
}
