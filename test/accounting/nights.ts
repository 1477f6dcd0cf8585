// Helpers for tests on the three-night fixture (test/fixtures/accounting/nights).

import { copyFileSync } from "node:fs";
import path from "node:path";

/** Puts the items of a night (1, 2 or 3) in place as each source's items.csv. */
export function useNight(folder: string, night: number): void {
  for (const source of ["mobile", "fixed"]) {
    copyFileSync(path.join(folder, source, `items-night${night}.csv`), path.join(folder, source, "items.csv"));
  }
}
