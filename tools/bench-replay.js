// `npm run bench` reference case (plain JavaScript, so nothing of the project is loaded): imports
// the same SDK and provider modules as the SDK-import floor, then registers under the SDK's mocks
// the resource graph of a plan.json that the offline preview wrote: every resource with its type,
// name, parent, dependencies and inputs, nothing else (no config, no renderers, no policy step, no
// files). Its time minus the floor is what the SDK itself spends registering that graph; the
// preview's time minus this is what the project adds.
// Each resource is constructed through its provider's typed class (`aws.s3.Bucket` for
// `aws:s3/bucket:Bucket`), as the program constructs it: a typed class declares every output
// property of its resource, and the SDK does per-property work for each (four tracked promises),
// so a generic CustomResource with the same inputs costs the SDK about half as much. With
// `--generic`, every custom resource is a generic CustomResource (the earlier, lower reference).
// The SDK runs as the program runs it: without the promise stack traces it never reads
// (stacks/promise-stacks.ts, the one project module loaded here); `--promise-stacks` leaves them on.
// Prints how many resources were replayed and how many had no typed class (generic instead).
// usage: node tools/bench-replay.js <plan.json> <modules as a JSON array> [--generic] [--promise-stacks]
"use strict";
const fs = require("fs");

const [planFile, modulesJson, ...flags] = process.argv.slice(2);
for (const m of JSON.parse(modulesJson)) require(m);
const pulumi = require("@pulumi/pulumi");
const plan = JSON.parse(fs.readFileSync(planFile, "utf8"));
const generic = flags.includes("--generic");
if (!flags.includes("--promise-stacks")) {
    require("./lib/register.js");
    require("../stacks/promise-stacks.ts").skipUnreadPromiseStacks();
}

/**
 * The typed class of a type token, or undefined. `<pkg>:<module>/<name>:<Class>` is exported by the
 * class's own file `@pulumi/<pkg>/<module>/<name>` (`index` is the package root: `@pulumi/<pkg>/<name>`),
 * the module that loads only it, as the program's deep imports do; else by the module `@pulumi/<pkg>/<module>`.
 * Kubernetes' `<group>/<version>:<Kind>` by `@pulumi/kubernetes/<first label of the group>/<version>`
 * (a custom resource kind by `apiextensions.CustomResource`); `pulumi:providers:<pkg>` is
 * `@pulumi/<pkg>/provider`'s Provider. A class is used only if its `__pulumiType` is the token (the
 * package for a provider; any for the generic custom resource).
 */
function typedClass(type) {
    const [pkg, mod, cls] = type.split(":");
    // A provider class's __pulumiType is its package's name.
    if (pkg === "pulumi" && mod === "providers") return load(cls, `@pulumi/${cls}/provider`, "Provider");
    if (pkg === "kubernetes") {
        const [group, version] = mod.split("/");
        // A kind no module exports (a custom resource such as PrometheusRule) is the program's
        // `apiextensions.CustomResource`; its inputs carry apiVersion and kind.
        return load(type, `@pulumi/kubernetes/${group.split(".")[0]}/${version}`, cls) ?? load(undefined, "@pulumi/kubernetes/apiextensions", "CustomResource");
    }
    const [m, file] = mod.split("/");
    const root = m === "index" ? `@pulumi/${pkg}` : `@pulumi/${pkg}/${m}`;
    return load(type, `${root}/${file}`, cls) ?? load(type, root, cls);
}

/** `from`'s export `cls` if it is a class of `type` (any class when `type` is undefined). */
function load(type, from, cls) {
    try {
        const c = require(from)[cls];
        return typeof c === "function" && (type === undefined || c.__pulumiType === type) ? c : undefined;
    } catch {
        return undefined;
    }
}

async function main() {
    await pulumi.runtime.setMocks({ newResource: a => ({ id: `${a.name}_id`, state: a.inputs }), call: a => a.inputs }, plan.project, plan.stack, true);
    const byUrn = new Map();
    const untyped = new Set();
    const pending = plan.resources.filter(r => r.type !== "pulumi:pulumi:Stack");
    // Parents first: plan.json is sorted by URN.
    while (pending.length) {
        const ready = pending.filter(r => !pending.some(p => p.urn === r.parent));
        if (ready.length === 0) throw new Error("plan.json: a parent cycle");
        for (const r of ready) {
            pending.splice(pending.indexOf(r), 1);
            const opts = { parent: byUrn.get(r.parent), dependsOn: r.dependencies.map(d => byUrn.get(d)).filter(Boolean) };
            const Class = r.custom && !generic ? typedClass(r.type) : undefined;
            if (r.custom && !generic && !Class) untyped.add(r.type);
            byUrn.set(r.urn, !r.custom ? new pulumi.ComponentResource(r.type, r.name, {}, opts)
                : Class ? new Class(r.name, r.inputs, opts) : new pulumi.CustomResource(r.type, r.name, r.inputs, opts));
        }
    }
    await pulumi.runtime.waitForRPCs();
    console.log(`replayed ${byUrn.size} resources${generic ? ", every custom resource generic (--generic)" : `; without a typed class: ${[...untyped].sort().join(", ") || "none"}`}`);
}

main().catch(e => {
    console.error(e);
    process.exit(1);
});
