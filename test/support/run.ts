// Helpers for tests that run whole nights: a private copy of a configuration
// folder, runs through runNight or the dcms executable, and CSV readers.

import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "csv-parse/sync";
import { loadConfig } from "../../src/config/load.ts";
import { silentLogger } from "../../src/log.ts";
import { runNight, type RunOutcome } from "../../jobs/nightly-run.ts";

export const REPOSITORY = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** Copies a folder of the repository (or any folder) into a fresh temporary folder. */
export function copyFolder(folder: string): string {
  const target = mkdtempSync(path.join(tmpdir(), "dcms-test-"));
  cpSync(path.resolve(REPOSITORY, folder), target, {
    recursive: true,
    filter: (file) => !/ledger\.sqlite/.test(path.basename(file)),
  });
  return target;
}

export function removeFolder(folder: string): void {
  rmSync(folder, { recursive: true, force: true });
}

export async function runDate(
  configPath: string,
  businessDate: string,
  outDir: string,
  extra: { rerun?: boolean; dryRun?: boolean; full?: boolean; failAfterPass?: string } = {},
): Promise<RunOutcome> {
  const config = loadConfig(configPath);
  return runNight(config, { businessDate, outDir, log: silentLogger(), ...extra });
}

/** Runs bin/dcms.js and returns its exit status and output. */
export function runCli(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [path.join(REPOSITORY, "bin/dcms.js"), ...args], {
    encoding: "utf8",
    env: { ...process.env, ...env },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

export function readCsv(file: string): Record<string, string>[] {
  return parse(readFileSync(file, "utf8"), { columns: true, skip_empty_lines: true });
}

/** Paths of the files under a folder, relative to it, sorted. */
export function filesUnder(folder: string, prefix = ""): string[] {
  return readdirSync(folder, { withFileTypes: true })
    .flatMap((entry) =>
      entry.isDirectory() ? filesUnder(path.join(folder, entry.name), `${prefix}${entry.name}/`) : [`${prefix}${entry.name}`],
    )
    .sort();
}

/** Returns the rows of a CSV file whose columns equal the given values. */
export function rowsWhere(file: string, where: Record<string, string>): Record<string, string>[] {
  return readCsv(file).filter((row) => Object.entries(where).every(([key, value]) => row[key] === value));
}
