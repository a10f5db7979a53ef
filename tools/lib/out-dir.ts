/**
 * The offline preview's output folder, `<out>/<stack>`: resolved and checked before anything is
 * removed, so the preview only ever deletes files it wrote itself.
 *
 * - The folder must lie strictly inside `<out>` (a stack named `.` or `..` is a valid Pulumi stack
 *   name but would not), must not be the repository or a folder that contains it, and must not be
 *   a symbolic link or a file (symbolic links on the way are resolved first).
 * - An existing folder is reused only when it is empty or holds nothing but what the preview wrote
 *   there before: the files listed in its marker `.preview-offline.json`, or (folders written before
 *   the marker existed) only files of the preview's own layout. Anything else is refused with one
 *   line naming the first foreign file.
 * - Old files are removed one by one and emptied folders after them; nothing is removed recursively.
 */
import * as fs from "fs";
import * as path from "path";
import { ROOT, stackNameError } from "./stack-file";

export const MARKER = ".preview-offline.json";

export class OutDirError extends Error {}

interface Marker {
    readonly writtenBy: string;
    readonly stack: string;
    readonly files: string[];
}

/** The layout of a folder the preview wrote before it left a marker. */
const LEGACY_LAYOUT = /^(plan\.json|summary\.md|[a-z][a-z0-9-]*\/(helm\/[a-z0-9-]+\.yaml|collector\.yaml|collector-lb\.yaml|alloy\.alloy))$/;

/** A path with every existing part resolved through symbolic links. */
function realPath(p: string): string {
    let existing = p;
    const rest: string[] = [];
    while (!fs.existsSync(existing)) {
        rest.unshift(path.basename(existing));
        const parent = path.dirname(existing);
        if (parent === existing) break;
        existing = parent;
    }
    return path.join(fs.realpathSync(existing), ...rest);
}

const isInside = (child: string, parent: string) => {
    const rel = path.relative(parent, child);
    return rel !== "" && !rel.startsWith("..") && !path.isAbsolute(rel);
};

/** Every entry below `dir`, relative, with `/` separators; folders end in `/`. Symbolic links are not followed. */
function listTree(dir: string, prefix = ""): { files: string[]; other: string[] } {
    const files: string[] = [];
    const other: string[] = [];
    for (const e of fs.readdirSync(path.join(dir, prefix), { withFileTypes: true })) {
        const rel = prefix === "" ? e.name : `${prefix}/${e.name}`;
        if (e.isDirectory()) {
            const sub = listTree(dir, rel);
            files.push(...sub.files);
            other.push(...sub.other);
        } else if (e.isFile()) files.push(rel);
        else other.push(rel); // symbolic links, sockets, ...: never ours
    }
    return { files, other };
}

function readMarker(dir: string): Marker | undefined {
    const file = path.join(dir, MARKER);
    if (!fs.existsSync(file)) return undefined;
    try {
        const m = JSON.parse(fs.readFileSync(file, "utf8")) as Marker;
        return Array.isArray(m.files) && m.files.every(f => typeof f === "string") ? m : undefined;
    } catch {
        return undefined;
    }
}

/**
 * Resolves `<out>/<stack>` (`out` relative to `root`) and checks that the preview may replace it.
 * Returns the folder's absolute path and the files of an earlier run that will be removed.
 */
export function resolveOutDir(out: string, stack: string, root = ROOT): { dir: string; previous: string[] } {
    const named = out.endsWith("/") ? `${out}${stack}` : `${out}/${stack}`;
    const invalid = stackNameError(stack);
    if (invalid !== undefined) throw new OutDirError(`--stack ${JSON.stringify(stack)}: ${invalid}`);
    const base = realPath(path.resolve(root, out));
    const dir = path.join(base, stack);
    if (!isInside(dir, base)) {
        throw new OutDirError(`output folder ${named}: not a folder inside ${out}; the preview writes each stack into its own subfolder`);
    }
    const realRoot = fs.realpathSync(root);
    if (dir === realRoot || isInside(realRoot, dir)) {
        throw new OutDirError(`output folder ${named}: is the repository or a folder that contains it; choose an --out inside it or elsewhere`);
    }
    if (!fs.existsSync(dir) && !isSymlink(dir)) {
        let existing = path.dirname(dir);
        while (!fs.existsSync(existing)) existing = path.dirname(existing);
        if (!fs.statSync(existing).isDirectory()) throw new OutDirError(`output folder ${named}: ${existing} is a file, not a folder`);
        return { dir, previous: [] };
    }
    const stat = fs.lstatSync(dir);
    if (stat.isSymbolicLink()) throw new OutDirError(`output folder ${named}: is a symbolic link; the preview replaces only a real folder it wrote`);
    if (!stat.isDirectory()) throw new OutDirError(`output folder ${named}: is a file, not a folder`);
    const tree = listTree(dir);
    if (tree.other.length > 0) throw new OutDirError(`output folder ${named}: holds ${tree.other[0]}, which the preview did not write; remove it or choose another --out`);
    const marker = readMarker(dir);
    const ours = marker
        ? (f: string) => f === MARKER || marker.files.includes(f)
        : (f: string) => LEGACY_LAYOUT.test(f);
    const foreign = tree.files.find(f => !ours(f));
    if (foreign !== undefined) {
        throw new OutDirError(`output folder ${named}: holds ${foreign}, which the preview did not write; remove it or choose another --out`);
    }
    return { dir, previous: tree.files };
}

function isSymlink(p: string): boolean {
    try {
        return fs.lstatSync(p).isSymbolicLink();
    } catch {
        return false;
    }
}

/**
 * Replaces the folder's content: removes the previous run's files (as resolveOutDir listed them) that
 * this run does not write, and any folders they leave empty, then writes the marker (listing the new
 * files) and every file whose content changed. An unchanged file is left as it is (its mtime too): a
 * rerun touches only what changed, and unlinking and recreating ~40 unchanged files was ~10 ms of it.
 */
export function writeOutDir(target: { dir: string; previous: readonly string[] }, stack: string, files: ReadonlyMap<string, string>): void {
    const { dir } = target;
    const stale = target.previous.filter(f => f !== MARKER && !files.has(f));
    for (const f of stale) fs.unlinkSync(path.join(dir, f));
    const folders = [...new Set(stale.flatMap(f => {
        const parts = f.split("/").slice(0, -1);
        return parts.map((_, i) => parts.slice(0, i + 1).join("/"));
    }))].sort((a, b) => b.length - a.length);
    for (const d of folders) {
        const p = path.join(dir, d);
        if (fs.existsSync(p) && fs.readdirSync(p).length === 0) fs.rmdirSync(p);
    }
    fs.mkdirSync(dir, { recursive: true });
    const marker: Marker = { writtenBy: "npm run preview:offline", stack, files: [...files.keys()].sort() };
    fs.writeFileSync(path.join(dir, MARKER), JSON.stringify(marker, null, 2) + "\n");
    const previous = new Set(target.previous);
    for (const [rel, text] of files) {
        const file = path.join(dir, rel);
        if (!isInside(file, dir)) throw new OutDirError(`refusing to write ${rel} outside ${dir}`);
        if (previous.has(rel) && sameContent(file, text)) continue;
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, text);
    }
}

/** Whether `file` holds exactly `text` (false when it cannot be read). */
function sameContent(file: string, text: string): boolean {
    try {
        return fs.readFileSync(file, "utf8") === text;
    } catch {
        return false;
    }
}
