// Loads the TypeScript sources of the command-line tools (preview:offline, bench, charts:pull) and of
// the policy pack under the Pulumi policy host (policy/index.js; its errors show transpiled positions):
// transpile-only, like `pulumi up` (tsconfig.json noCheck), with two differences from ts-node that
// cost seconds per run:
//  - the transpiled JavaScript is cached in .cache/ts/ by content hash (source, TypeScript version,
//    compiler options), and TypeScript itself (9 MB of JavaScript) is loaded only on a cache miss;
//  - no source-map rewriting of stack traces. The Pulumi SDK captures a stack trace for every
//    resource it registers, and with that hook each capture maps every frame through source maps
//    (about 0.7 s of the prod preview). A crash in a tool shows positions in the transpiled code.
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const Module = require("module");
const path = require("path");

const root = path.resolve(__dirname, "../..");
const cacheDir = path.join(root, ".cache", "ts");
const tsVersion = require("typescript/package.json").version;
// The options of tsconfig.json that change the emitted JavaScript.
const compilerOptions = { module: "commonjs", target: "ES2022", esModuleInterop: true, resolveJsonModule: true, sourceMap: false, inlineSourceMap: false };
const salt = JSON.stringify([tsVersion, compilerOptions]);
let ts;

function transpile(source, filename) {
    const key = crypto.createHash("sha256").update(salt).update("\0").update(filename).update("\0").update(source).digest("hex");
    const file = path.join(cacheDir, `${key}.js`);
    try {
        const text = fs.readFileSync(file, "utf8");
        // Marks the entry used: tools/lib/cache.ts prunes the least recently used beyond .cache/ts's budget.
        try {
            const now = new Date();
            fs.utimesSync(file, now, now);
        } catch { /* pruned meanwhile: the text is read */ }
        return text;
    } catch {
        ts ??= require("typescript");
        const { outputText } = ts.transpileModule(source, { fileName: filename, compilerOptions: { ...compilerOptions, module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } });
        try {
            fs.mkdirSync(cacheDir, { recursive: true });
            const tmp = `${file}.${process.pid}.tmp`;
            fs.writeFileSync(tmp, outputText);
            fs.renameSync(tmp, file);
        } catch {
            // A cache that cannot be written (a read-only checkout) only means transpiling again next run.
        }
        return outputText;
    }
}

Module._extensions[".ts"] = function (module, filename) {
    module._compile(transpile(fs.readFileSync(filename, "utf8"), filename), filename);
};
