// Loads the TypeScript sources of the command-line tools (preview:offline, bench): ts-node in
// transpile-only mode, like `pulumi up` (tsconfig.json noCheck), but without ts-node's source-map
// rewriting of stack traces. The Pulumi SDK captures a stack trace for every resource it registers
// (source positions), and with that hook each capture maps every frame through source maps: about
// 0.8 s of a 2.2 s prod preview. The cost: a crash in a tool shows positions in the transpiled code.
"use strict";
const prepareStackTrace = Error.prepareStackTrace;
require("ts-node").register({ transpileOnly: true });
Error.prepareStackTrace = prepareStackTrace;
