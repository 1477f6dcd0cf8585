#!/usr/bin/env node
// The dcms executable: loads the TypeScript sources through tsx, runs the
// command line and maps errors to the exit statuses listed in `dcms --help`.

import { register } from "tsx/esm/api";

register();

const { main } = await import("../src/cli/main.ts");
const { EXIT, LockError, RequestError, describeError } = await import("../src/errors.ts");

function report(error) {
  if (error instanceof RequestError) {
    process.stderr.write(`dcms: ${error.message}\n`);
    for (const problem of error.problems) process.stderr.write(`  - ${problem}\n`);
    return EXIT.invalidRequest;
  }
  if (error instanceof LockError) {
    process.stderr.write(`dcms: ${error.message}\n`);
    return EXIT.locked;
  }
  if (error?.name === "RenderError") {
    process.stderr.write(`dcms: ${error.message}\n`);
    return EXIT.failed;
  }
  process.stderr.write(`dcms: failed, nothing was committed: ${describeError(error)}\n`);
  if (process.env.DCMS_DEBUG) process.stderr.write(`${error?.stack ?? ""}\n`);
  return EXIT.failed;
}

let status;
try {
  status = await main(process.argv.slice(2));
} catch (error) {
  status = report(error);
}
process.exitCode = status;
