// Three nights of two entities (test/fixtures/accounting/nights): the
// allowance rises, a write-off uses it up, a payment recovers part of the
// written-off invoice. Every journal line is computed by hand below.
//
// Matrix of both entities: current 0, 1-30 1 %, 31-60 5 %, 61-90 20 %,
// over-90 50 %. USD closes at 0.9 EUR from 2026-03-01 and at 0.92 from
// 2026-04-01. Write-off rule: automatic, more than 90 days past due with at
// most 50.00 open. DE01's mobile source posts to receivable 140100 with cost
// centre 1100; DE01's other lines carry cost centre 1000.

import path from "node:path";
import { expect } from "chai";
import { copyFolder, readCsv, removeFolder, runDate } from "../support/run.ts";
import { useNight } from "./nights.ts";

type Row = Record<string, string>;

/** Journal lines as "journal line account debit credit entered cost-centre segment". */
function journal(folder: string): string[] {
  return readCsv(path.join(folder, "journal.csv")).map((row: Row) =>
    [row.journal_id, row.line, row.account_code, row.debit, row.credit, row.entered_currency, row.entered_amount, row.cost_centre, row.segment].join(" "),
  );
}

function cells(folder: string): string[] {
  return readCsv(path.join(folder, "provision.csv")).map((row: Row) =>
    [row.entity, row.segment, row.bucket, row.base, row.rate, row.allowance, row.currency].join(" "),
  );
}

describe("accounting over three nights", function () {
  let folder: string;
  let config: string;

  before(function () {
    folder = copyFolder("test/fixtures/accounting/nights");
    config = path.join(folder, "dcms.yaml");
  });

  after(function () {
    removeFolder(folder);
  });

  it("night 1 raises the allowance of both entities", async function () {
    useNight(folder, 1);
    const out = path.join(folder, "out-1");
    await runDate(config, "2026-03-31", out);
    // On 2026-03-31: I1 (due 01-15) is 75 days past due, 40.00 in 61-90 at
    // 20 % = 8.00. I2 (due 03-16) is 15 days, 1000.00 in 1-30 at 1 % =
    // 10.00. I3 (USD, due 02-20) is 39 days, 200.00 x 0.9 = 180.00 EUR in
    // 31-60 at 5 % = 9.00 (segment business). J1 (GBP, due 02-28) is 31
    // days, 500.00 in 31-60 at 5 % = 25.00.
    expect(cells(out)).to.deep.equal([
      "DE01 business 31-60 180.00 0.05 9.00 EUR",
      "DE01 consumer 1-30 1000.00 0.01 10.00 EUR",
      "DE01 consumer 61-90 40.00 0.2 8.00 EUR",
      "GB01 consumer 31-60 500.00 0.05 25.00 GBP",
    ]);
    // DE01: 9.00 + 10.00 + 8.00 = 27.00 new allowance; GB01: 25.00.
    expect(journal(out)).to.deep.equal([
      "R1-DE01-PROVISION 1 685000 27.00 0.00 EUR 27.00 1000 ",
      "R1-DE01-PROVISION 2 149000 0.00 27.00 EUR -27.00 1000 ",
      "R1-GB01-PROVISION 1 685500 25.00 0.00 GBP 25.00  ",
      "R1-GB01-PROVISION 2 149500 0.00 25.00 GBP -25.00  ",
    ]);
  });

  it("night 2 writes off against the allowance and releases the rest", async function () {
    useNight(folder, 2);
    const out = path.join(folder, "out-2");
    await runDate(config, "2026-04-30", out);
    // On 2026-04-30 I1 is 105 days past due with 40.00 open: more than 90
    // days and at most 50.00, so it is written off. DE01 held 27.00 of
    // allowance: Dr allowance 27.00, Dr bad-debt expense 13.00 (the
    // shortfall), Cr receivable 140100 40.00.
    // P2 pays 800.00 of I2: 200.00 left, 45 days, 31-60 at 5 % = 10.00. P3
    // pays I3. The allowance falls from 27.00 to 10.00; after the write-off
    // used all 27.00 the GL balance is 0.00, so the provision journal adds 10.00.
    // Check: allowance account 149000 moves -27.00 + 10.00 = -17.00.
    // GB01: Q9 pays J1, the allowance of 25.00 is released.
    expect(cells(out)).to.deep.equal(["DE01 consumer 31-60 200.00 0.05 10.00 EUR"]);

    expect(journal(out)).to.deep.equal([
      "R2-DE01-PROVISION 1 685000 10.00 0.00 EUR 10.00 1000 ",
      "R2-DE01-PROVISION 2 149000 0.00 10.00 EUR -10.00 1000 ",
      "R2-DE01-WRITEOFF 1 149000 27.00 0.00 EUR 27.00 1000 ",
      "R2-DE01-WRITEOFF 2 685000 13.00 0.00 EUR 13.00 1000 ",
      "R2-DE01-WRITEOFF 3 140100 0.00 40.00 EUR -40.00 1100 consumer",
      "R2-GB01-PROVISION 1 685500 0.00 25.00 GBP -25.00  ",
      "R2-GB01-PROVISION 2 149500 25.00 0.00 GBP 25.00  ",
    ]);
    const descriptions = readCsv(path.join(out, "journal.csv")).map((row: Row) => row.description);
    expect(descriptions.slice(2, 5)).to.deep.equal([
      "written off against the allowance",
      "written off beyond the allowance of 27.00 EUR",
      "written off",
    ]);
    // I1 left the aging; A2 shows I2's 200.00. The ledger still contains I1, and
    // the run's reconciliation counted its 40.00 as written off.
    const aging = readCsv(path.join(out, "aging.csv")).map((row: Row) => `${row.account_id} ${row.balance}`);
    expect(aging).to.deep.equal(["A2 200.00"]);
  });

  it("night 3 recovers part of the written-off invoice", async function () {
    useNight(folder, 3);
    const out = path.join(folder, "out-3");
    await runDate(config, "2026-05-31", out);
    // P1 pays 15.00 on I1. The write-off now covers the 25.00 that billing
    // shows open, so 15.00 was recovered: Dr receivable 140100 15.00 (the
    // receivable that billing credited for the payment) and Cr recovery
    // income 485000 15.00.
    // I2 is 76 days past due: 200.00 in 61-90 at 20 % = 40.00, up 30.00.
    expect(cells(out)).to.deep.equal(["DE01 consumer 61-90 200.00 0.2 40.00 EUR"]);
    expect(journal(out)).to.deep.equal([
      "R3-DE01-PROVISION 1 685000 30.00 0.00 EUR 30.00 1000 ",
      "R3-DE01-PROVISION 2 149000 0.00 30.00 EUR -30.00 1000 ",
      "R3-DE01-RECOVERY 1 140100 15.00 0.00 EUR 15.00 1100 consumer",
      "R3-DE01-RECOVERY 2 485000 0.00 15.00 EUR -15.00 1000 ",
    ]);
    const aging = readCsv(path.join(out, "aging.csv")).map((row: Row) => `${row.account_id} ${row.balance}`);
    expect(aging).to.deep.equal(["A2 200.00"]);
  });
});
