// The pack's entry as the Pulumi CLI's policy host loads it (package.json "main").
// The host (@pulumi/pulumi/cmd/run-policy-pack) always registers ts-node with `typeCheck: true` and
// `module: nodenext`, whatever tsconfig.json says. That type-checks the whole pack and the modules it
// imports on every `pulumi preview --policy-pack policy` (about 10 s and 850 MB before the pack
// serves), and compiles the sources as the offline preview and the tests never run them (under
// nodenext an `import()` stays an ES module import; one such call made the workload and default-deny
// policies fail under the host). Here the TypeScript loads through the project's transpile-only
// loader (../tools/lib/register.js, the one the offline preview uses: CommonJS, the project's
// compiler options), which takes over `.ts` from ts-node; the types are checked once, by the
// project's `tsc --noEmit` gate (`npm test`, CI). test/policy-host.test.ts checks that ts-node
// compiles nothing.
"use strict";
require("../tools/lib/register.js");
require("./index.ts");
