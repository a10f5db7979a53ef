// `npm run bench` reference case (plain JavaScript, so nothing of the project is loaded): imports
// the same SDK and provider modules as the SDK-import floor, then registers under the SDK's mocks
// the resource graph of a plan.json that the offline preview wrote: every resource with its type,
// name, parent, dependencies and inputs, nothing else (no config, no renderers, no policy step, no
// files). Its time minus the floor is what the SDK itself spends registering that graph; the
// preview's time minus this is what the project adds.
// usage: node tools/bench-replay.js <plan.json> <modules as a JSON array>
"use strict";
const fs = require("fs");

const [planFile, modulesJson] = process.argv.slice(2);
for (const m of JSON.parse(modulesJson)) require(m);
const pulumi = require("@pulumi/pulumi");
const plan = JSON.parse(fs.readFileSync(planFile, "utf8"));

async function main() {
    await pulumi.runtime.setMocks({ newResource: a => ({ id: `${a.name}_id`, state: a.inputs }), call: a => a.inputs }, plan.project, plan.stack, true);
    const byUrn = new Map();
    const pending = plan.resources.filter(r => r.type !== "pulumi:pulumi:Stack");
    // Parents first: plan.json is sorted by URN.
    while (pending.length) {
        const ready = pending.filter(r => !pending.some(p => p.urn === r.parent));
        if (ready.length === 0) throw new Error("plan.json: a parent cycle");
        for (const r of ready) {
            pending.splice(pending.indexOf(r), 1);
            const opts = { parent: byUrn.get(r.parent), dependsOn: r.dependencies.map(d => byUrn.get(d)).filter(Boolean) };
            byUrn.set(r.urn, r.custom ? new pulumi.CustomResource(r.type, r.name, r.inputs, opts) : new pulumi.ComponentResource(r.type, r.name, {}, opts));
        }
    }
    await pulumi.runtime.waitForRPCs();
    console.log(`replayed ${byUrn.size} resources`);
}

main().catch(e => {
    console.error(e);
    process.exit(1);
});
