// The pack's entry as the Pulumi CLI's policy host loads it (package.json "main").
// The host (@pulumi/pulumi/cmd/run-policy-pack) always registers ts-node with `typeCheck: true`,
// whatever tsconfig.json says, which type-checks the whole pack and the modules it imports on every
// `pulumi preview --policy-pack policy`: about 10 s and 850 MB before the pack serves. The types
// are checked once, by the project's `tsc --noEmit` gate (`npm test`, CI); here the TypeScript
// sources load through the project's transpile-only loader (../tools/lib/register.js, the one
// the offline preview uses), which takes over `.ts` from ts-node.
"use strict";
require("../tools/lib/register.js");
require("./index.ts");
