// The second night of a benchmark, twice on copies of the first night's
// ledger: as it comes (incremental) and with --full. Both read the same delta
// extract (bench/changes.ts); their files must come out the same.

import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from "node:fs";
import path from "node:path";
import { writeDeltaNight } from "./changes.ts";

export const SECOND_DATE = "2026-04-01";

export interface SecondNights {
  changed: number;
  incremental: Record<string, any>;
  full: Record<string, any>;
  /** Whether the two nights wrote the same files (run.json aside). */
  identical: boolean;
}

function filesUnder(folder: string, prefix = ""): string[] {
  return readdirSync(folder, { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? filesUnder(path.join(folder, entry.name), `${prefix}${entry.name}/`) : [`${prefix}${entry.name}`]))
    .sort();
}

function sameFiles(left: string, right: string): boolean {
  const files = filesUnder(left);
  if (files.join("\n") !== filesUnder(right).join("\n")) return false;
  return files
    .filter((file) => file !== "run.json")
    .every((file) => readFileSync(path.join(left, file)).equals(readFileSync(path.join(right, file))));
}

/** Copies the configuration and the SQLite ledger of the first night into a new folder. */
function copyLedger(folder: string, target: string): void {
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  copyFileSync(path.join(folder, "dcms.yaml"), path.join(target, "dcms.yaml"));
  for (const suffix of ["", "-wal", "-shm"]) {
    const file = path.join(folder, `ledger.sqlite${suffix}`);
    if (existsSync(file)) copyFileSync(file, path.join(target, `ledger.sqlite${suffix}`));
  }
}

/**
 * Runs the second night on copies of the ledger in folder: night(config,
 * date, out, full) runs one night in a child process and returns its figures.
 */
export async function runSecondNights(
  folder: string,
  night: (config: string, date: string, out: string, full: boolean) => Record<string, any> | Promise<Record<string, any>>,
): Promise<SecondNights> {
  const results: Record<string, any>[] = [];
  let changed = 0;
  for (const full of [false, true]) {
    const copy = `${folder}-${full ? "full" : "incremental"}`;
    copyLedger(folder, copy);
    changed = await writeDeltaNight(folder, copy, SECOND_DATE);
    results.push(await night(path.join(copy, "dcms.yaml"), SECOND_DATE, path.join(copy, "out-2"), full));
  }
  const identical = sameFiles(`${folder}-incremental/out-2`, `${folder}-full/out-2`);
  for (const full of [false, true]) rmSync(`${folder}-${full ? "full" : "incremental"}`, { recursive: true, force: true });
  return { changed, incremental: results[0], full: results[1], identical };
}
