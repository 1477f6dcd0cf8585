// Test prerequisites that live outside the repository: the public sample
// data (DCMS_SAMPLE_DATA) and the database servers. A test that lacks one
// skips with a visible message, and fails instead when DCMS_REQUIRE_SERVERS=1
// (set by CI), so a green CI run never hides a skipped server test.

import { existsSync } from "node:fs";
import path from "node:path";
import type { Context } from "mocha";

export function sampleDataFolder(): string | undefined {
  const folder = process.env.DCMS_SAMPLE_DATA;
  return folder && existsSync(folder) ? folder : undefined;
}

/** Skips the test (or fails under DCMS_REQUIRE_SERVERS=1) when the sample data is absent. */
export function requireSampleData(context: Context, relative: string): string {
  const folder = sampleDataFolder();
  const file = folder ? path.join(folder, relative) : undefined;
  if (file && existsSync(file)) return file;
  const reason = `public sample data ${relative} not found: set DCMS_SAMPLE_DATA to the folder that holds it`;
  if (process.env.DCMS_REQUIRE_SERVERS === "1") throw new Error(reason);
  console.log(`    skipped: ${reason}`);
  context.skip();
}

/** Skips (or fails under DCMS_REQUIRE_SERVERS=1) when a server is unreachable. */
export function skipUnreachable(context: Context, server: string, error: unknown): never {
  const reason = `${server} is unreachable (${(error as Error).message})`;
  if (process.env.DCMS_REQUIRE_SERVERS === "1") throw new Error(`${reason}; DCMS_REQUIRE_SERVERS=1 turns this skip into a failure`);
  console.log(`    skipped: ${reason}`);
  context.skip();
}
