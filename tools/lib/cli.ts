/**
 * The command-line front the tools share (preview:offline, diff:offline, drift): flags through Node's
 * `util.parseArgs` (strict: an unknown flag is an error), `--help`, required flags, and one shape for
 * every usage error: the message, then the usage text, on stderr, and the usage exit code.
 */
import { parseArgs } from "util";

type FlagOptions = Readonly<Record<string, { readonly type: "string" | "boolean"; readonly default?: string | boolean }>>;

/** The parsed flags of one command: strings and booleans by name; a required flag (R) or one with a default is always a string. */
export type Flags<O extends FlagOptions, R extends keyof O = never> = {
    -readonly [K in keyof O]: O[K] extends { type: "boolean" } ? boolean : (K extends R ? string : O[K] extends { default: string } ? string : string | undefined)
};

/** Prints a usage error (message, then the usage text) and returns `code`. */
export function usageError(message: string, usage: string, code = 2): number {
    console.error(`${message}\n${usage}`);
    return code;
}

/**
 * Parses `argv` against `options` (plus `--help`). Returns the flags, or the exit code the command
 * should end with: 0 after printing the usage for `--help`, `usageCode` after a usage error (an
 * unknown or malformed flag, or one of `required` missing: "--a and --b are required").
 */
export function parseFlags<O extends FlagOptions, R extends keyof O & string = never>(argv: string[], options: O, usage: string, required: readonly R[] = [], usageCode = 2): Flags<O, R> | number {
    let values: Record<string, string | boolean | undefined>;
    try {
        values = parseArgs({ args: argv, options: { ...options, help: { type: "boolean", default: false } } as never, strict: true }).values as typeof values;
    } catch (e) {
        return usageError((e as Error).message, usage, usageCode);
    }
    if (values.help) {
        console.log(usage);
        return 0;
    }
    if (required.some(k => values[k] === undefined)) {
        const names = required.map(k => `--${k}`);
        return usageError(`${names.length > 1 ? `${names.slice(0, -1).join(", ")} and ${names.at(-1)} are` : `${names[0]} is`} required`, usage, usageCode);
    }
    const { help: _help, ...flags } = values;
    return flags as Flags<O, R>;
}
