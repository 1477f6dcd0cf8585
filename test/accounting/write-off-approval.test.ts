// Proposal mode over four nights of the three-night fixture
// (test/fixtures/accounting/nights) with write_off.mode set to proposal:
// the rule proposes, the approval file approves, and later reverses.
// Rates: 31-60 5 %, 61-90 20 %, over-90 50 %.

import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { copyFolder, readCsv, removeFolder, runDate } from "../support/run.ts";
import { useNight } from "./nights.ts";

type Row = Record<string, string>;

function journal(folder: string): string[] {
  return readCsv(path.join(folder, "journal.csv")).map((row: Row) =>
    [row.journal_id, row.line, row.account_code, row.debit, row.credit, row.entered_amount].join(" "),
  );
}

describe("write-off proposals and approvals", function () {
  let folder: string;
  let config: string;

  before(async function () {
    folder = copyFolder("test/fixtures/accounting/nights");
    config = path.join(folder, "dcms.yaml");
    writeFileSync(config, readFileSync(config, "utf8").replace("mode: automatic", "mode: proposal"));
    useNight(folder, 1);
    await runDate(config, "2026-03-31", path.join(folder, "out-1"));
  });

  after(function () {
    removeFolder(folder);
  });

  it("proposes instead of writing off", async function () {
    useNight(folder, 2);
    const out = path.join(folder, "out-2");
    await runDate(config, "2026-04-30", out);
    const proposals = readCsv(path.join(out, "write_off_proposals.csv"));
    expect(proposals).to.deep.equal([
      {
        source: "mobile",
        account_id: "A1",
        customer_id: proposals[0].customer_id,
        entity: "DE01",
        currency: "EUR",
        amount: "40.00",
        days_past_due_max: "105",
        rule: "small_balance",
        reason: "40.00 EUR open, at most 50.00, and 105 days past due, more than 90",
      },
    ]);
    // I1 stays in the provision base: 40.00 over-90 at 50 % = 20.00, with
    // I2's 200.00 in 31-60 at 5 % = 10.00: 30.00, up 3.00 from 27.00.
    expect(journal(out)).to.deep.equal([
      "R2-DE01-PROVISION 1 685000 3.00 0.00 3.00",
      "R2-DE01-PROVISION 2 149000 0.00 3.00 -3.00",
      "R2-GB01-PROVISION 1 685500 0.00 25.00 -25.00",
      "R2-GB01-PROVISION 2 149500 25.00 0.00 25.00",
    ]);
  });

  it("writes off an approved proposal on the next night", async function () {
    // Items as on night 2 (no payment on I1); the operator approves A1.
    writeFileSync(path.join(folder, "write-off-approvals.csv"), "source,account_id\nmobile,A1\n");
    const out = path.join(folder, "out-3");
    await runDate(config, "2026-05-31", out);
    // 40.00 open is not more than the 40.00 proposed: written off. DE01
    // has 30.00 of allowance: Dr allowance 30.00, Dr expense 10.00, Cr receivable
    // 40.00. I2 (76 days, 61-90 at 20 %) needs 40.00 of allowance; the GL
    // has 0.00 after the write-off, so the provision journal adds 40.00.
    expect(journal(out)).to.deep.equal([
      "R3-DE01-PROVISION 1 685000 40.00 0.00 40.00",
      "R3-DE01-PROVISION 2 149000 0.00 40.00 -40.00",
      "R3-DE01-WRITEOFF 1 149000 30.00 0.00 30.00",
      "R3-DE01-WRITEOFF 2 685000 10.00 0.00 10.00",
      "R3-DE01-WRITEOFF 3 140100 0.00 40.00 -40.00",
    ]);
    expect(readCsv(path.join(out, "write_off_proposals.csv"))).to.deep.equal([]);
  });

  it("reverses a write-off and ages the items again", async function () {
    writeFileSync(path.join(folder, "write-off-approvals.csv"), "source,account_id,action\nmobile,A1,reverse\n");
    const out = path.join(folder, "out-4");
    await runDate(config, "2026-06-30", out);
    // The reversal reinstates 40.00: Dr receivable 140100, Cr allowance.
    // I1 is aged from its due date 01-15 again: 166 days, over-90. With I2
    // (106 days) over-90 contains 240.00 at 50 % = 120.00. The GL has 40.00
    // + 40.00 = 80.00 after the reversal, so provision adds 40.00.
    expect(journal(out)).to.deep.equal([
      "R4-DE01-PROVISION 1 685000 40.00 0.00 40.00",
      "R4-DE01-PROVISION 2 149000 0.00 40.00 -40.00",
      "R4-DE01-WRITEOFF-REVERSAL 1 140100 40.00 0.00 40.00",
      "R4-DE01-WRITEOFF-REVERSAL 2 149000 0.00 40.00 -40.00",
    ]);
    const aging = readCsv(path.join(out, "aging.csv")).map((row: Row) => `${row.account_id} ${row.balance} ${row["over-90"]}`);
    expect(aging).to.deep.equal(["A1 40.00 40.00", "A2 200.00 200.00"]);
    // A1 still meets the rule, but a reversed account is only proposed.
    const proposals = readCsv(path.join(out, "write_off_proposals.csv"));
    expect(proposals.map((row: Row) => [row.account_id, row.amount, row.reason])).to.deep.equal([
      ["A1", "40.00", "40.00 EUR open, at most 50.00, and 166 days past due, more than 90; proposed because an earlier write-off of the account was reversed"],
    ]);
  });
});
