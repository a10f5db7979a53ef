/**
 * Durations in the Prometheus/Loki/Tempo notation ("15d", "72h", "1h30m", "500ms"), which is how
 * retention and sampling thresholds are written in stack config and in the rendered chart values.
 */

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
type Unit = keyof typeof UNIT_MS;
const PART = /(\d+)(ms|s|m|h|d|w)/y;

export const HOUR_MS = UNIT_MS.h;
export const DAY_MS = UNIT_MS.d;

/** Milliseconds in `text`, or undefined when it is not a duration (units in descending order, no repeats). */
export function parseDuration(text: string): number | undefined {
    if (text.length === 0) return undefined;
    let total = 0;
    let lastUnitMs = Infinity;
    PART.lastIndex = 0;
    while (PART.lastIndex < text.length) {
        const start = PART.lastIndex;
        const m = PART.exec(text);
        if (!m || m.index !== start) return undefined;
        const unitMs = UNIT_MS[m[2] as Unit];
        if (unitMs >= lastUnitMs) return undefined;
        lastUnitMs = unitMs;
        total += Number(m[1]) * unitMs;
    }
    return total;
}

/** Whole hours, rounded up: Loki and Tempo take retention in hours ("744h"). */
export function toHours(ms: number): string {
    return `${Math.ceil(ms / HOUR_MS)}h`;
}

/** Whole days, rounded up: object-store lifecycle rules count in days. */
export function ceilDays(ms: number): number {
    return Math.ceil(ms / DAY_MS);
}

/** The shortest exact notation for `ms` ("14d", "36h", "90s"), for messages and summaries. */
export function formatDuration(ms: number): string {
    for (const unit of ["w", "d", "h", "m", "s"] as const) {
        if (ms >= UNIT_MS[unit] && ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`;
    }
    return `${ms}ms`;
}
