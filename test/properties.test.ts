/** Property-based tests (fast-check) of the arithmetic everything else relies on. */
import * as assert from "assert";
import fc from "fast-check";
import { RETENTION_BOUNDS } from "../components/defaults";
import { DAY_MS, formatDuration, HOUR_MS, parseDuration, toHours } from "../components/duration";
import { bucketExpirationDays, expirationDays } from "../components/retention";
import { ConfigError, parseEnvironment } from "../stacks/config";
import { VALID_SECRET_KEYS, validConfig } from "./lib/run";

const UNITS = ["ms", "s", "m", "h", "d", "w"] as const;

describe("properties", () => {
    it("formatDuration and parseDuration round-trip every whole-millisecond duration", () => {
        fc.assert(fc.property(fc.integer({ min: 1, max: 20 * 365 * DAY_MS }), ms => parseDuration(formatDuration(ms)) === ms));
    });

    it("parseDuration accepts units in descending order only, and sums them", () => {
        fc.assert(fc.property(fc.uniqueArray(fc.integer({ min: 0, max: UNITS.length - 1 }), { minLength: 1, maxLength: 4 }),
            fc.array(fc.integer({ min: 0, max: 999 }), { minLength: 4, maxLength: 4 }), (unitIdx, counts) => {
                const sorted = [...unitIdx].sort((a, b) => b - a);
                const text = sorted.map((u, i) => `${counts[i]}${UNITS[u]}`).join("");
                const expected = sorted.reduce((sum, u, i) => sum + counts[i]! * parseDuration(`1${UNITS[u]}`)!, 0);
                assert.strictEqual(parseDuration(text), expected, text);
                if (sorted.length > 1) assert.strictEqual(parseDuration(sorted.reverse().map((u, i) => `${counts[i]}${UNITS[u]}`).join("")), undefined);
            }));
    });

    it("object stores never expire data before its retention, and keep it at most two days longer", () => {
        fc.assert(fc.property(fc.integer({ min: HOUR_MS, max: 400 * DAY_MS }), retention => {
            const days = expirationDays(retention);
            return Number.isInteger(days) && days * DAY_MS >= retention && days * DAY_MS < retention + 2 * DAY_MS;
        }));
    });

    it("Loki/Tempo retention in hours is never shorter than configured", () => {
        fc.assert(fc.property(fc.integer({ min: 1, max: 400 * DAY_MS }), ms => parseDuration(toHours(ms))! >= ms && parseDuration(toHours(ms))! < ms + HOUR_MS));
    });

    it("bucket lifecycles follow their signal: logs for Loki chunks, traces for Tempo, none for rules", () => {
        fc.assert(fc.property(fc.integer({ min: DAY_MS, max: 14 * DAY_MS }), fc.integer({ min: HOUR_MS, max: 14 * DAY_MS }), (logsMs, tracesMs) =>
            bucketExpirationDays("lokiChunks", { logsMs, tracesMs }) === expirationDays(logsMs)
            && bucketExpirationDays("tempo", { logsMs, tracesMs }) === expirationDays(tracesMs)
            && bucketExpirationDays("lokiRuler", { logsMs, tracesMs }) === undefined));
    });

    it("a logs retention is accepted exactly when it lies within its bounds; otherwise one line names the key", () => {
        const [lo, hi] = [parseDuration(RETENTION_BOUNDS.logs.min)!, parseDuration(RETENTION_BOUNDS.logs.max)!];
        fc.assert(fc.property(fc.integer({ min: 1, max: 60 * 24 }), hours => {
            const config = validConfig();
            config.retention.logs = `${hours}h`;
            const inBounds = hours * HOUR_MS >= lo && hours * HOUR_MS <= hi;
            try {
                parseEnvironment({ values: config, secretKeys: new Set(VALID_SECRET_KEYS) });
                return inBounds;
            } catch (e) {
                return !inBounds && e instanceof ConfigError && e.message.startsWith(`observability:retention.logs: got "${hours}h"; expected`) && !e.message.includes("\n");
            }
        }), { numRuns: 300 });
    });
});
