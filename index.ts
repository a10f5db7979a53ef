// Entry point for `pulumi up`/`pulumi preview`. Everything lives in stacks/program.ts, so tests and
// the offline preview run the very same code.
import { run } from "./stacks/program";

export = run();
