// The allowance and its journal over two nights of a small operator, every
// figure computed by hand (test/fixtures/provision).

import { copyFileSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { copyFolder, readCsv, removeFolder, runDate } from "./support/run.ts";

describe("provision and its journal", function () {
  let folder: string;

  before(function () {
    folder = copyFolder("test/fixtures/provision");
  });

  after(function () {
    removeFolder(folder);
  });

  it("rounds once per cell and journals the change only", async function () {
    const config = path.join(folder, "dcms.yaml");
    const first = path.join(folder, "out-0330");
    await runDate(config, "2026-03-30", first);
    // On 2026-03-30, I1, I3 and I4 (due 02-14) are 44 days past due: band
    // 31-60 at 5 %. Base 1000.00 + 10.10 + 10.10 = 1020.20; 5 % is 51.01
    // (rounding each item would give 50.00 + 0.51 + 0.51 = 51.02).
    // I2 (due 2025-12-21) is 99 days past due: band 91-120 at 25 %, 333.33
    // USD at the closing rate 0.9250 = 308.33025, so base 308.33 EUR and
    // allowance 77.0825, so 77.08.
    const cells = readCsv(path.join(first, "provision.csv")).map((row) => [row.bucket, row.base, row.rate, row.allowance, row.currency]);
    expect(cells).to.deep.equal([
      ["31-60", "1020.20", "0.05", "51.01", "EUR"],
      ["91-120", "308.33", "0.25", "77.08", "EUR"],
    ]);
    // Allowance 51.01 + 77.08 = 128.09, all of it new.
    const journal = readCsv(path.join(first, "journal.csv")).map((row) => [row.line, row.account_code, row.debit, row.credit, row.entered_amount]);
    expect(journal).to.deep.equal([
      ["1", "685000", "128.09", "0.00", "128.09"],
      ["2", "149000", "0.00", "128.09", "-128.09"],
    ]);

    // Night two: P1 pays I1 in full. The 31-60 base falls to 20.20, 5 % =
    // 1.01; I2 at 100 days stays in 91-120 at 77.08. Allowance 78.09, a
    // release of 128.09 - 78.09 = 50.00: debit allowance, credit expense.
    copyFileSync(path.join(folder, "billing/items-night2.csv"), path.join(folder, "billing/items.csv"));
    const second = path.join(folder, "out-0331");
    await runDate(config, "2026-03-31", second);
    const cellsTwo = readCsv(path.join(second, "provision.csv")).map((row) => [row.bucket, row.base, row.allowance]);
    expect(cellsTwo).to.deep.equal([
      ["31-60", "20.20", "1.01"],
      ["91-120", "308.33", "77.08"],
    ]);
    const release = readCsv(path.join(second, "journal.csv")).map((row) => [row.account_code, row.debit, row.credit, row.description]);
    expect(release).to.deep.equal([
      ["685000", "0.00", "50.00", "doubtful-debt allowance release"],
      ["149000", "50.00", "0.00", "doubtful-debt allowance release"],
    ]);
  });
});
