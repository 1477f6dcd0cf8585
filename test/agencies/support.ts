// Helpers of the agency tests: the three nights of the agency fixture
// operator, and a logger that keeps every line it is given.

import { cpSync, existsSync } from "node:fs";
import path from "node:path";
import { Writable } from "node:stream";
import winston from "winston";
import { runNight, type RunOutcome } from "../../jobs/nightly-run.ts";
import { loadConfig } from "../../src/config/load.ts";
import type { Logger } from "../../src/log.ts";

/** The nights of test/fixtures/agencies, in order. */
export const NIGHTS = ["2026-03-31", "2026-04-01", "2026-04-02"] as const;

/** A winston logger at debug level whose JSON lines collect in `lines`. */
export function capturingLogger(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(String(chunk));
      callback();
    },
  });
  const log = winston.createLogger({
    level: "debug",
    format: winston.format.json(),
    transports: [new winston.transports.Stream({ stream })],
  });
  return { log, lines };
}

/**
 * Runs one night of a copied fixture folder: first copies the night's
 * changes (nights/<date>/) over the folder, then runs into out-<date>.
 */
export async function runFixtureNight(
  folder: string,
  businessDate: string,
  log: Logger,
  extra: { rerun?: boolean; dryRun?: boolean } = {},
): Promise<RunOutcome & { out: string }> {
  const changes = path.join(folder, "nights", businessDate);
  if (existsSync(changes)) cpSync(changes, folder, { recursive: true, force: true });
  const out = path.join(folder, `out-${businessDate}`);
  const config = loadConfig(path.join(folder, "dcms.yaml"));
  const outcome = await runNight(config, { businessDate, outDir: out, log, ...extra });
  return { ...outcome, out };
}
