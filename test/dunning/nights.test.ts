// Five nights of the small dunning operator in test/fixtures/dunning, run
// through runNight and the dcms executable. Customer C1 owes 100.00 EUR due
// 2026-03-15 on billing/M1 under the standard ladder (reminder at 10 days
// with a 2.50 fee, final_notice at 30 after 14 days, suspension at 45 after
// 17); C2 owes 50.00 due 03-10 on M2 and falls into the challenger share.

import { appendFileSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { copyFolder, readCsv, removeFolder, rowsWhere, runCli, runDate } from "../support/run.ts";

describe("dunning over five nights", function () {
  let folder: string;
  let config: string;
  const out = (date: string) => path.join(folder, "out", date);
  const actions = (date: string, account: string) =>
    rowsWhere(path.join(out(date), "actions.csv"), { account_id: account }).map((row) => `${row.action}/${row.stage}/${row.effective_date}`);

  before(async function () {
    folder = copyFolder("test/fixtures/dunning");
    config = path.join(folder, "dcms.yaml");
    // Night 1, Thursday 03-26: I1 is 11 days past due.
    await runDate(config, "2026-03-26", out("2026-03-26"));
    // Between nights an operator records a dispute on C2's account.
    const hold = runCli(["hold", "add", "--config", config, "--account", "billing:M2", "--kind", "dispute", "--from", "2026-03-27", "--reason", "tariff complaint"]);
    expect(hold.status, hold.stderr).to.equal(0);
    // Night 2, Monday 03-30: 15 days, nothing new for C1.
    await runDate(config, "2026-03-30", out("2026-03-30"));
    // Night 3, Tuesday 04-14: 30 days, reminder began 19 days ago.
    await runDate(config, "2026-04-14", out("2026-04-14"));
    // Night 4, Friday 05-01 (Labour Day): 47 days, final_notice began 17
    // days ago. The extract already holds a payment dated 05-04, after the
    // business date, which the night must ignore.
    appendFileSync(path.join(folder, "billing/items.csv"), "P1,M1,payment,posted,2026-05-04,,EUR,102.50,,,\n");
    await runDate(config, "2026-05-01", out("2026-05-01"));
    // Night 5, Tuesday 05-05: the payment of 05-04 clears invoice and fee.
    await runDate(config, "2026-05-05", out("2026-05-05"));
  });

  after(function () {
    removeFolder(folder);
  });

  it("sends the reminder with its fee on the first night", function () {
    expect(actions("2026-03-26", "M1")).to.deep.equal(["fee/reminder/2026-03-26", "letter/reminder/2026-03-26"]);
    // The fee is a ledger item from the next night on: 100.00 + 2.50.
    const aging = rowsWhere(path.join(out("2026-03-30"), "aging.csv"), { account_id: "M1" });
    expect(aging.map((row) => [row.balance, row.overdue, row.stage])).to.deep.equal([["102.50", "102.50", "reminder"]]);
    // Dr receivable / Cr fee income, 2.50 each.
    const journal = readCsv(path.join(out("2026-03-26"), "journal.csv")).filter((row) => row.journal_id.endsWith("-DE01-FEES-EUR"));
    expect(journal.map((row) => [row.account_code, row.debit, row.credit])).to.deep.equal([
      ["140000", "2.50", "0.00"],
      ["481000", "0.00", "2.50"],
    ]);
  });

  it("keeps the tonight's fee in the aging of the night it is charged", function () {
    // Aging of 03-26 already holds the 2.50 fee in the current bucket.
    const [row] = rowsWhere(path.join(out("2026-03-26"), "aging.csv"), { account_id: "M1" });
    expect([row.balance, row.current, row.overdue]).to.deep.equal(["102.50", "2.50", "100.00"]);
  });

  it("moves a suspension on a public holiday to the next business day", function () {
    // 05-01 is Labour Day in Germany and 05-02/03 a weekend: Monday 05-04.
    expect(actions("2026-05-01", "M1")).to.deep.equal(["letter/suspension/2026-05-01", "suspension/suspension/2026-05-04"]);
  });

  it("cures and restores once paid", function () {
    expect(actions("2026-05-05", "M1")).to.deep.equal(["restoration//2026-05-05"]);
    const [row] = rowsWhere(path.join(out("2026-05-05"), "aging.csv"), { account_id: "M1" });
    expect(row === undefined || row.stage === "").to.equal(true);
  });

  it("keeps the champion and challenger split from night to night", function () {
    // C1 hashes to 0.531, above the share 0.525: standard. C2 hashes to
    // 0.519: the soft challenger, whose reminder comes at 20 days.
    const strategy = (date: string, account: string) =>
      rowsWhere(path.join(out(date), "actions.csv"), { account_id: account }).map((row) => row.strategy);
    expect(strategy("2026-03-26", "M1")).to.deep.equal(["standard", "standard"]);
    expect(strategy("2026-04-14", "M1")).to.deep.equal(["standard"]);
  });

  it("puts the disputed account on hold", function () {
    // M2 (50.00, 20 days past due on 03-30) would reach soft's reminder,
    // but the command-made dispute holds it.
    expect(actions("2026-03-30", "M2")).to.deep.equal([]);
  });

  it("tells the customer's story with explain", function () {
    const result = runCli(["explain", "--config", config, "--customer", "C1"]);
    expect(result.status, result.stderr).to.equal(0);
    const text = result.stdout;
    const expected = [
      "customer C1",
      "  account billing/M1 (EUR, entity DE01, segment consumer)",
      "2026-03-26 run 1",
      "  decision billing/M1: level 0 -> 1 by stage:reminder: 100.00 EUR overdue, 11 days past due at most: stage reminder reached (10 days, minimum 5.00 EUR)",
      "    strategy standard (everyone, champion); overdue 100.00 EUR; balance 100.00 EUR; 11 days past due; stage level met 1; no holds",
      "  charge fee 2.50 EUR on billing/M1 for stage reminder in 2026-03",
      "2026-04-14 run 3",
      "  decision billing/M1: level 1 -> 2 by stage:final_notice",
      "2026-05-01 run 4",
      "  decision billing/M1: level 2 -> 3 by stage:suspension",
      "  action suspension for billing/M1, effective 2026-05-04",
      "2026-05-05 run 5",
      "  decision billing/M1: level 3 -> 0 by cure: dunnable overdue 0.00 EUR is below the exit threshold 5.00 EUR",
      "  action restoration for billing/M1, effective 2026-05-05",
    ];
    let position = 0;
    for (const line of expected) {
      const found = text.indexOf(line, position);
      expect(found, `explain output lacks, in order: ${line}\n${text}`).to.be.greaterThan(-1);
      position = found + line.length;
    }
  });

  it("shows the command-made hold in the explanation", function () {
    const result = runCli(["explain", "--config", config, "--customer", "C2"]);
    expect(result.stdout).to.contain("  hold dispute on billing/M2 from 2026-03-27 (by command): tariff complaint");
  });
});

describe("dunning re-runs", function () {
  let folder: string;
  let config: string;

  before(function () {
    folder = copyFolder("test/fixtures/dunning");
    config = path.join(folder, "dcms.yaml");
  });

  after(function () {
    removeFolder(folder);
  });

  it("posts a fee once and keeps command holds across a re-run", async function () {
    const out = path.join(folder, "out-1");
    await runDate(config, "2026-03-26", out);
    const hold = runCli(["hold", "add", "--config", config, "--account", "billing:M2", "--kind", "exemption", "--from", "2026-03-26", "--until", "2026-12-31"]);
    expect(hold.status, hold.stderr).to.equal(0);
    // The same date again with the same inputs commits nothing new.
    await runDate(config, "2026-03-26", out);
    await runDate(config, "2026-03-26", out, { rerun: true });
    const fees = rowsWhere(path.join(out, "actions.csv"), { action: "fee" });
    expect(fees.map((row) => row.account_id)).to.deep.equal(["M1"]);
    const journal = readCsv(path.join(out, "journal.csv")).filter((row) => row.journal_id.includes("FEES"));
    // The re-run reverses run 1's fee journal and posts its own fee journal.
    expect(journal.map((row) => [row.journal_id, row.debit, row.credit])).to.deep.equal([
      ["R2-DE01-FEES-EUR", "2.50", "0.00"],
      ["R2-DE01-FEES-EUR", "0.00", "2.50"],
      ["R2-REV-R1-DE01-FEES-EUR", "0.00", "2.50"],
      ["R2-REV-R1-DE01-FEES-EUR", "2.50", "0.00"],
    ]);
    const explained = runCli(["explain", "--config", config, "--customer", "C2"]);
    expect(explained.stdout).to.contain("hold exemption on billing/M2 from 2026-03-26 until 2026-12-31 (by command)");
    // One night later the fee is one item of 2.50 in the ledger, not two.
    await runDate(config, "2026-03-27", path.join(folder, "out-2"));
    const [row] = rowsWhere(path.join(folder, "out-2", "aging.csv"), { account_id: "M1" });
    expect(row.balance).to.equal("102.50");
  });

  it("rejects an unknown hold kind", function () {
    const result = runCli(["hold", "add", "--config", config, "--account", "billing:M1", "--kind", "vacation"]);
    expect(result.status).to.equal(2);
    expect(result.stderr).to.contain('"vacation" is not a hold kind');
  });
});
