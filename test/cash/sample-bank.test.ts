// The public camt sample files as a bank source over three nights. Payments
// are matched by reference or parked for an unknown account and released
// once the account arrives. A malformed file fails the source for the night,
// and files read again add nothing.

import { appendFileSync, copyFileSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { requireSampleData } from "../support/environment.ts";
import { copyFolder, readCsv, removeFolder, runDate } from "../support/run.ts";

describe("bank source on the camt samples", function () {
  let folder: string;
  let camt: string;

  before(function () {
    camt = path.dirname(requireSampleData(this, "iso20022/camt/camt053.v2.minimal.xml"));
    folder = copyFolder("test/fixtures/cash/sample-bank");
    mkdirSync(path.join(folder, "bank"));
    for (const name of ["camt053.v2.minimal.xml", "camt054.v8.xml"]) {
      copyFileSync(path.join(camt, name), path.join(folder, "bank", name));
    }
  });

  after(function () {
    if (folder) removeFolder(folder);
  });

  const config = () => path.join(folder, "dcms.yaml");
  const out = (name: string) => path.join(folder, name);

  it("applies and parks the entries", async function () {
    const outcome = await runDate(config(), "2015-01-05", out("night1"));
    expect(outcome.exitStatus).to.equal(0);
    const postings = readCsv(path.join(out("night1"), "postings", "billing.csv"));
    // camt053.v2.minimal: 8.85 EUR credit, value date 2015-01-02, structured
    // reference 4654654654654654, which is INV-100's reference on A100.
    // camt054.v8 transaction 1: 3.10 CHF with the structured reference
    // "ISR ref number V1" of INV-200 on C200; the bank reference is the
    // Ntry's AcctSvcrRef plus #1. Rows are sorted by item id.
    const rows = postings.map((row) => [row.account_id, row.type, row.document_date, row.currency, row.amount, row.reference]);
    expect(rows).to.have.deep.members([
      ["C200", "payment", "2007-10-18", "CHF", "3.10", "ACSR160617103200001/#1"],
      ["A100", "payment", "2015-01-02", "EUR", "8.85", "derived:2014-12-31:2015-01-02:CRDT:EUR:8.85"],
    ]);
    expect(rows).to.have.length(2);
    // Transactions 2 and 3 (3.20 CHF each) name references that no item has
    // yet, and their debtor IBAN is on no account.
    const parked = readCsv(path.join(out("night1"), "suspense.csv"));
    expect(parked.map((row) => [row.amount, row.currency, row.reason, row.value_date, row.parked_date])).to.deep.equal([
      ["3.20", "CHF", "unknown_account", "2007-10-18", "2015-01-05"],
      ["3.20", "CHF", "unknown_account", "2007-10-18", "2015-01-05"],
    ]);
    // Both invoices are paid in full, so nothing is open.
    expect(readCsv(path.join(out("night1"), "aging.csv"))).to.deep.equal([]);
    const run = JSON.parse(readFileSync(path.join(out("night1"), "run.json"), "utf8"));
    expect(run.passes.cash.payments_matched_by_reference).to.equal(2);
    expect(run.passes.cash.payments_parked).to.equal(2);
    expect(run.passes.cash.bank_entries_new).to.equal(4);
  });

  it("journals bank, receivable and suspense", function () {
    const journal = readCsv(path.join(out("night1"), "journal.csv"));
    const lines = journal.map((row) => [row.account_code, row.debit, row.credit, row.entered_currency, row.entered_amount]);
    // CHF at 0.6000: 3.10 CHF = 1.86 EUR, 3.20 CHF = 1.92 EUR.
    expect(lines).to.have.deep.members([
      ["110000", "8.85", "0.00", "EUR", "8.85"],
      ["140000", "0.00", "8.85", "EUR", "-8.85"],
      ["110000", "1.86", "0.00", "CHF", "3.10"],
      ["140000", "0.00", "1.86", "CHF", "-3.10"],
      ["110000", "1.92", "0.00", "CHF", "3.20"],
      ["159000", "0.00", "1.92", "CHF", "-3.20"],
      ["110000", "1.92", "0.00", "CHF", "3.20"],
      ["159000", "0.00", "1.92", "CHF", "-3.20"],
    ]);
    expect(lines).to.have.length(8);
  });

  it("fails the source on the malformed file", async function () {
    copyFileSync(path.join(camt, "camt053.v2.wrong.xml"), path.join(folder, "bank", "camt053.v2.wrong.xml"));
    const outcome = await runDate(config(), "2015-01-06", out("night2"));
    expect(outcome.exitStatus).to.equal(3);
    const run = JSON.parse(readFileSync(path.join(out("night2"), "run.json"), "utf8"));
    const bank = run.sources.find((source: { source: string }) => source.source === "bank");
    expect(bank.status).to.equal("failed");
    expect(bank.reason).to.contain("camt053.v2.wrong.xml: Document/BkToCstmrStmt/Stmt");
    expect(run.passes.cash.bank_entries_new).to.equal(undefined);
    const rejects = readCsv(path.join(out("night2"), "rejects.csv"));
    expect(rejects.map((row) => [row.source, row.file, row.code])).to.deep.equal([
      ["bank", "camt053.v2.wrong.xml", "missing_element"],
    ]);
    // The two parked payments are still parked, nothing new was posted.
    expect(readCsv(path.join(out("night2"), "suspense.csv"))).to.have.length(2);
  });

  it("releases parked payments two nights later", async function () {
    rmSync(path.join(folder, "bank", "camt053.v2.wrong.xml"));
    copyFileSync(path.join(folder, "billing", "accounts-night3.csv"), path.join(folder, "billing", "accounts.csv"));
    copyFileSync(path.join(folder, "billing", "items-night3.csv"), path.join(folder, "billing", "items.csv"));
    const outcome = await runDate(config(), "2015-01-07", out("night3"));
    expect(outcome.exitStatus).to.equal(0);
    const run = JSON.parse(readFileSync(path.join(out("night3"), "run.json"), "utf8"));
    // The same two files again: all four entries were seen on night 1.
    expect(run.passes.cash.bank_entries_seen_before).to.equal(4);
    expect(run.passes.cash.payments_released).to.equal(2);
    // C300 now has INV-300 ("ISR ref number V2") and INV-301 ("Ref number
    // V3 block 1"), 3.20 CHF each: both payments apply with their value
    // date 2007-10-18.
    const postings = readCsv(path.join(out("night3"), "postings", "billing.csv"));
    expect(postings.map((row) => [row.account_id, row.document_date, row.amount])).to.deep.equal([
      ["C300", "2007-10-18", "3.20"],
      ["C300", "2007-10-18", "3.20"],
    ]);
    expect(readCsv(path.join(out("night3"), "suspense.csv"))).to.deep.equal([]);
    expect(readCsv(path.join(out("night3"), "aging.csv"))).to.deep.equal([]);
    // Released: Dr suspense / Cr receivable, 1.92 EUR each.
    const journal = readCsv(path.join(out("night3"), "journal.csv")).map((row) => [row.account_code, row.debit, row.credit]);
    expect(journal).to.deep.equal([
      ["159000", "1.92", "0.00"],
      ["140000", "0.00", "1.92"],
      ["159000", "1.92", "0.00"],
      ["140000", "0.00", "1.92"],
    ]);
    // Night 1's two payments are in no extract of billing yet.
    expect(run.passes.awaiting_write_back).to.deep.equal({ billing: 2 });
  });

  it("confirms what billing booked", async function () {
    // Billing books night 1's two payments under dcms's item ids.
    const booked = readCsv(path.join(out("night1"), "postings", "billing.csv"));
    const lines = booked.map((row) =>
      [row.item_id, row.account_id, row.type, row.document_date, "", row.currency, row.amount, row.reference].join(","),
    );
    appendFileSync(path.join(folder, "billing", "items.csv"), lines.join("\n") + "\n");
    const outcome = await runDate(config(), "2015-01-08", out("night4"));
    expect(outcome.exitStatus).to.equal(0);
    const run = JSON.parse(readFileSync(path.join(out("night4"), "run.json"), "utf8"));
    expect(run.passes.cash.write_backs_confirmed).to.equal(2);
    // Night 3's two released payments are still waiting.
    expect(run.passes.awaiting_write_back).to.deep.equal({ billing: 2 });
    expect(readCsv(path.join(out("night4"), "aging.csv"))).to.deep.equal([]);
  });
});
