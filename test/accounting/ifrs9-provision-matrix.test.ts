// The provision-matrix illustration of IFRS 9's simplified approach
// (paragraph 5.5.15), "Company M". It has trade receivables of 30,000,000
// without a significant financing component, in five aging bands with loss
// rates of 0.3 %, 1.6 %, 3.6 %, 6.6 % and 10.6 %. Source opened: the
// example as quoted in India's converged standard's education material,
// "Illustration 32: Life time expected credit losses (provision matrix for
// short term receivables)", at
// https://solutioninn.com/study-help/questions/illustration-32-life-time-expected-credit-losses-provision-matrix-for-9207146
// The extract in test/fixtures/accounting/ifrs9 places the gross carrying
// amounts of the illustration in the bands on 2026-03-31 (EUR here, where
// the illustration states currency units).

import { readFileSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { copyFolder, readCsv, removeFolder, runCli } from "../support/run.ts";

describe("IFRS 9 provision matrix illustration", function () {
  let folder: string;

  before(function () {
    folder = copyFolder("test/fixtures/accounting/ifrs9");
  });

  after(function () {
    removeFolder(folder);
  });

  it("reproduces the allowance to the unit", function () {
    const out = path.join(folder, "out");
    const result = runCli(["run", "--config", path.join(folder, "dcms.yaml"), "--as-of", "2026-03-31", "--out", out]);
    expect(result.status, result.stderr).to.equal(0);
    // Gross carrying amount x lifetime loss rate, per band:
    //   current    15,000,000 x 0.3 %  =  45,000 (INV-1001 9.0m + INV-1002 6.0m, not yet due)
    //   1-30        7,500,000 x 1.6 %  = 120,000 (INV-2001 4.5m, 15 days; INV-2003 3.0m, 10 days)
    //   31-60       4,000,000 x 3.6 %  = 144,000 (INV-3001, 45 days)
    //   61-90       2,500,000 x 6.6 %  = 165,000 (INV-4001 1.5m, 75 days; INV-4002 1.0m, 61 days)
    //   over-90     1,000,000 x 10.6 % = 106,000 (INV-5001, 120 days)
    //   total      30,000,000            580,000
    const rows = readCsv(path.join(out, "provision.csv")).map((row) => [row.bucket, row.base, row.rate, row.allowance]);
    expect(rows).to.deep.equal([
      ["current", "15000000.00", "0.003", "45000.00"],
      ["1-30", "7500000.00", "0.016", "120000.00"],
      ["31-60", "4000000.00", "0.036", "144000.00"],
      ["61-90", "2500000.00", "0.066", "165000.00"],
      ["over-90", "1000000.00", "0.106", "106000.00"],
    ]);
    // The first night journals the whole allowance of 580,000.
    const journal = readCsv(path.join(out, "journal.csv")).map((row) => [row.journal_id, row.account_code, row.debit, row.credit]);
    expect(journal).to.deep.equal([
      ["R1-M01-PROVISION", "685000", "580000.00", "0.00"],
      ["R1-M01-PROVISION", "149000", "0.00", "580000.00"],
    ]);
    const run = JSON.parse(readFileSync(path.join(out, "run.json"), "utf8"));
    expect(run.totals.allowance).to.deep.equal({ "M01 EUR": "580000.00" });
  });
});
