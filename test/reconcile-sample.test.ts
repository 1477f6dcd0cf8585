// Right after a night, every source of the bundled sample reconciles with the
// ledger, although its files hold bad rows: the rows a run rejects are listed
// as invalid in the extract, and the totals agree.

import path from "node:path";
import { expect } from "chai";
import { loadConfig } from "../src/config/load.ts";
import { silentLogger } from "../src/log.ts";
import { reconcileSource } from "../jobs/reconcile.ts";
import { copyFolder, readCsv, removeFolder, runDate } from "./support/run.ts";

describe("reconcile on the sample", function () {
  let folder: string;

  before(async function () {
    folder = copyFolder("fixtures/sample");
    await runDate(path.join(folder, "dcms.yaml"), "2026-03-31", path.join(folder, "out"));
  });

  after(function () {
    removeFolder(folder);
  });

  for (const source of ["broadband", "cable", "mobile"]) {
    it(`agrees for ${source}`, async function () {
      const outcome = await reconcileSource(loadConfig(path.join(folder, "dcms.yaml")), {
        source,
        asOf: "2026-03-31",
        outDir: path.join(folder, `reconcile-${source}`),
        log: silentLogger(),
      });
      expect(outcome.exitStatus).to.equal(0);
      for (const row of readCsv(path.join(outcome.outDir, "reconcile-totals.csv"))) {
        expect(row.difference, `${source} ${row.currency}`).to.match(/^0\.0+$|^0$/);
      }
      const kinds = new Set(readCsv(path.join(outcome.outDir, "reconcile.csv")).map((row) => row.difference));
      expect([...kinds].filter((kind) => kind !== "invalid_in_extract")).to.deep.equal([]);
    });
  }
});
