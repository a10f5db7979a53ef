#!/usr/bin/env node
// `npm test`: the type-check gate (tsc --noEmit) and the mocha suite (transpile-only), then one
// closing line `N passed, N failed` that CI reads (the type-check counts as one test). Extra
// arguments go to mocha, e.g. `npm test -- --grep Loki`. Exit code is non-zero on any failure.
"use strict";
const { spawnSync } = require("child_process");
const path = require("path");

const root = path.resolve(__dirname, "..");
const bin = name => path.join(root, "node_modules", ".bin", name);
let passed = 0;
let failed = 0;

const tsc = spawnSync(bin("tsc"), ["-p", "tsconfig.json", "--noEmit", "--noCheck", "false"], { cwd: root, stdio: "inherit" });
if (tsc.status === 0) passed += 1;
else failed += 1;
console.log(`typecheck (tsc --noEmit): ${tsc.status === 0 ? "ok" : "FAILED"}`);

const mocha = spawnSync(bin("mocha"), process.argv.slice(2), {
    cwd: root,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "true" },
    maxBuffer: 64 * 1024 * 1024,
});
process.stdout.write(mocha.stdout ?? "");
const count = re => Number((/^\s*(\d+) /m.test(mocha.stdout) && (mocha.stdout.match(re) || [])[1]) || 0);
const mochaPassed = count(/^\s*(\d+) passing/m);
const mochaFailed = count(/^\s*(\d+) failing/m);
passed += mochaPassed;
failed += mochaFailed;
if (mocha.status !== 0 && mochaFailed === 0) {
    failed += 1; // mocha crashed before reporting: its error is on stderr above
    console.log("mocha stopped before running the suite (see the error above)");
}
// The suite renders hundreds of releases into .cache/helm-template: keep the caches within budget.
require("./lib/register.js");
for (const line of require("./lib/cache.ts").pruneCachesReport()) console.log(line);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
