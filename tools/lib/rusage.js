// Preloaded by `npm run bench` (NODE_OPTIONS=-r): on exit, appends this process's resource usage
// (peak RSS in kB, CPU time, and the CPU time of the child processes it waited for, e.g. Helm) as one
// JSON line to $OBS_RUSAGE_OUT. Does nothing when that is unset.
"use strict";
const out = process.env.OBS_RUSAGE_OUT;
if (out) {
    // A process the case stops (the policy host) still reports: SIGTERM becomes a normal exit.
    process.on("SIGTERM", () => process.exit(143));
    process.on("exit", () => {
        const fs = require("fs");
        const u = process.resourceUsage();
        // /proc/self/stat fields 16 and 17 (cutime, cstime): waited-for children, in clock ticks (100 Hz on Linux).
        let childrenUs = 0;
        try {
            const fields = fs.readFileSync("/proc/self/stat", "utf8").replace(/^.*\) /, "").split(" ");
            childrenUs = (Number(fields[13]) + Number(fields[14])) * 1e4;
        } catch { /* not Linux: no figure */ }
        fs.appendFileSync(out, JSON.stringify({ pid: process.pid, maxRSSkB: u.maxRSS, userUs: u.userCPUTime, systemUs: u.systemCPUTime, childrenUs }) + "\n");
    });
}
