// Preloaded by `npm run bench` (NODE_OPTIONS=-r): on exit, appends this process's resource usage
// (peak RSS in kB, CPU time) as one JSON line to $OBS_RUSAGE_OUT. Does nothing when that is unset.
"use strict";
const out = process.env.OBS_RUSAGE_OUT;
if (out) {
    process.on("exit", () => {
        const u = process.resourceUsage();
        require("fs").appendFileSync(out, JSON.stringify({ pid: process.pid, maxRSSkB: u.maxRSS, userUs: u.userCPUTime, systemUs: u.systemCPUTime }) + "\n");
    });
}
