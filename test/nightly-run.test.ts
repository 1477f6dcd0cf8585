// The nightly run end to end on the bundled sample operator (three billing
// systems) for business date 2026-03-31, with the figures of five scenario
// customers computed by hand from fixtures/sample (see its README).

import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { skipUnreachable } from "./support/environment.ts";
import { LEDGER_KINDS, postgresReachable, useLedger } from "./support/ledgers.ts";
import { copyFolder, readCsv, removeFolder, rowsWhere, runDate } from "./support/run.ts";

for (const ledger of LEDGER_KINDS) describe(`nightly run on the sample operator (${ledger} ledger)`, function () {
  let folder: string;
  let config: string;
  let out: string;
  let dropLedger = async () => {};

  before(async function () {
    if (ledger === "postgres") {
      const unreachable = await postgresReachable();
      if (unreachable) skipUnreachable(this, "PostgreSQL on 127.0.0.1:5432", unreachable);
    }
    folder = copyFolder("fixtures/sample");
    config = path.join(folder, "dcms.yaml");
    dropLedger = await useLedger(folder, ledger);
    out = path.join(folder, "out-0331");
    await runDate(config, "2026-03-31", out);
  });

  after(async function () {
    await dropLedger();
    if (folder) removeFolder(folder);
  });

  const aging = (source: string, account: string) => {
    const rows = rowsWhere(path.join(out, "aging.csv"), { source, account_id: account });
    expect(rows, `${source}/${account} in aging.csv`).to.have.length(1);
    return rows[0];
  };

  it("ages a customer with accounts in three systems", function () {
    // Anna Schneider, C-1001. Mobile M-100101: invoice 49.90 due 2026-01-20
    // less a 20.00 payment = 29.90 open, 70 days past due (11 + 28 + 31);
    // 49.90 due 02-19 is 40 days past due; 52.40 due 03-21 is 10.
    const mobile = aging("mobile", "M-100101");
    expect(mobile.balance).to.equal("132.20");
    expect(mobile["61-90"]).to.equal("29.90");
    expect(mobile["31-60"]).to.equal("49.90");
    expect(mobile["1-30"]).to.equal("52.40");
    expect(mobile.overdue).to.equal("132.20");
    expect(mobile.days_past_due_max).to.equal("70");
    expect(mobile.stage).to.equal("reminder");
    // Cable K1001001: 39.95 due 2025-12-21 is 100 days past due; 39.95 due
    // 2026-04-07 is not yet due.
    const cable = aging("cable", "K1001001");
    expect(cable.balance).to.equal("79.90");
    expect(cable["91-120"]).to.equal("39.95");
    expect(cable.current).to.equal("39.95");
    expect(cable.overdue).to.equal("39.95");
    expect(cable.days_past_due_max).to.equal("100");
    // Broadband BB-10011: 34.99 due 2026-03-06, 25 days past due.
    const broadband = aging("broadband", "BB-10011");
    expect(broadband.balance).to.equal("34.99");
    expect(broadband["1-30"]).to.equal("34.99");
    expect(broadband.customer_id).to.equal("C-1001");
  });

  it("sends one letter covering all systems of a customer", function () {
    // All three of Anna's accounts reach the reminder (10 days, 5.00), one
    // letter action each, and a single letter lists the five overdue items:
    // 29.90 + 49.90 + 52.40 + 39.95 + 34.99 = 207.14.
    const actions = rowsWhere(path.join(out, "actions.csv"), { customer_id: "C-1001" });
    expect(actions.map((row) => `${row.source}/${row.account_id}/${row.action}/${row.stage}`)).to.deep.equal([
      "broadband/BB-10011/letter/reminder",
      "cable/K1001001/letter/reminder",
      "mobile/M-100101/letter/reminder",
    ]);
    expect(actions.map((row) => row.overdue)).to.deep.equal(["34.99", "39.95", "132.20"]);
    const index = readCsv(path.join(out, "letters/index.csv"));
    const annas = index.filter((row) => row.customer_ref === "C-1001");
    expect(annas).to.have.length(1);
    expect(annas[0].stage).to.equal("reminder");
  });

  it("keeps the disputed part out of dunning but in the aging", function () {
    // Müller Haustechnik, C-1003: 1249.00 due 01-20 with 400.00 disputed,
    // 70 days past due, and 249.00 due 03-21, 10 days past due.
    const mobile = aging("mobile", "M-100103");
    expect(mobile.balance).to.equal("1498.00");
    expect(mobile.disputed).to.equal("400.00");
    expect(mobile["61-90"]).to.equal("1249.00");
    expect(mobile["1-30"]).to.equal("249.00");
    // The reminder is decided on the dunnable 849.00 + 249.00 = 1098.00.
    const [action] = rowsWhere(path.join(out, "actions.csv"), { account_id: "M-100103" });
    expect(action.overdue).to.equal("1098.00");
    expect(action.stage).to.equal("reminder");
  });

  it("sets unapplied credit off against the customer's other account", function () {
    // Sophie Wagner, C-1006: broadband paid 100.00 against 44.99, leaving
    // 55.01 unapplied; her mobile invoice of 19.99 (10 days past due) is
    // covered by that credit, so she gets no dunning at all.
    const broadband = aging("broadband", "BB-10016");
    expect(broadband.balance).to.equal("-55.01");
    expect(broadband.unapplied).to.equal("-55.01");
    expect(broadband.overdue).to.equal("0.00");
    const mobile = aging("mobile", "M-100106");
    expect(mobile.balance).to.equal("19.99");
    expect(mobile.overdue).to.equal("19.99");
    expect(mobile.stage).to.equal("");
    expect(rowsWhere(path.join(out, "actions.csv"), { customer_id: "C-1006" })).to.have.length(0);
  });

  it("ages a foreign-currency account in its own currency", function () {
    // Ethan Brooks, C-1005, USD: 120.00 due 03-06 less 80.00 paid = 40.00,
    // 25 days past due; 120.00 due 04-10 is current.
    const usd = aging("mobile", "M-100105");
    expect(usd.currency).to.equal("USD");
    expect(usd.balance).to.equal("160.00");
    expect(usd.current).to.equal("120.00");
    expect(usd["1-30"]).to.equal("40.00");
    const [action] = rowsWhere(path.join(out, "actions.csv"), { account_id: "M-100105" });
    expect(action.currency).to.equal("USD");
    expect(action.overdue).to.equal("40.00");
    expect(action.channel).to.equal("email");
  });

  it("pauses escalation for a promise to pay", function () {
    // Fatma Yılmaz, C-1004: 59.90 at 100 days and 59.90 at 70 days past
    // due would reach the reminder, but she promised to pay by 04-15.
    const mobile = aging("mobile", "M-100104");
    expect(mobile.balance).to.equal("119.80");
    expect(mobile.stage).to.equal("");
    expect(rowsWhere(path.join(out, "actions.csv"), { customer_id: "C-1004" })).to.have.length(0);
  });

  it("leaves a fully paid customer out of aging and actions", function () {
    // Jonas Weber, C-1002: 59.98 paid against 29.99 + 29.99 by allocations.csv.
    expect(rowsWhere(path.join(out, "aging.csv"), { customer_id: "C-1002" })).to.have.length(0);
    expect(rowsWhere(path.join(out, "actions.csv"), { customer_id: "C-1002" })).to.have.length(0);
  });

  it("reconciles aging with the ledger and balances the journal", function () {
    const rows = readCsv(path.join(out, "aging.csv"));
    for (const row of rows) {
      const buckets = ["current", "1-30", "31-60", "61-90", "91-120", "121-180", "181-365", "over-365"];
      const sum = buckets.reduce((total, label) => total + Math.round(Number(row[label]) * 100), 0);
      expect(sum + Math.round(Number(row.unapplied) * 100), `${row.account_id}`).to.equal(Math.round(Number(row.balance) * 100));
    }
    const journal = readCsv(path.join(out, "journal.csv"));
    const debit = journal.reduce((total, row) => total + Math.round(Number(row.debit) * 100), 0);
    const credit = journal.reduce((total, row) => total + Math.round(Number(row.credit) * 100), 0);
    expect(debit).to.equal(credit);
    const provision = readCsv(path.join(out, "provision.csv"));
    const allowance = provision.reduce((total, row) => total + Math.round(Number(row.allowance) * 100), 0);
    // First night: the whole allowance is the change.
    expect(debit).to.equal(allowance);
  });

  it("lists the sample's bad rows with file, line, field and code", function () {
    const rejects = readCsv(path.join(out, "rejects.csv"));
    const codes = rejects.map((row) => `${row.source}:${row.file}:${row.line}:${row.field}:${row.code}`);
    expect(codes).to.include("mobile:items.csv:617:document_date:invalid_date");
    expect(codes).to.include("mobile:items.csv:620:account_id:account_not_found");
    expect(codes).to.include("mobile:items.csv:621:item_id:duplicate_item_id");
    expect(codes).to.include("cable:posten.csv:422:amount:invalid_decimal");
    expect(codes).to.include("cable:posten.csv:423:currency:currency_not_supported");
    const summary = JSON.parse(readFileSync(path.join(out, "run.json"), "utf8"));
    expect(summary.exit_status).to.equal(0);
    expect(summary.passes.rejects).to.equal(rejects.length);
  });

  it("writes the same files when the same date runs again", async function () {
    const again = path.join(folder, "out-0331-again");
    const outcome = await runDate(config, "2026-03-31", again);
    expect(outcome.result).to.equal("unchanged");
    for (const file of ["aging.csv", "actions.csv", "provision.csv", "journal.csv", "rejects.csv"]) {
      expect(readFileSync(path.join(again, file), "utf8"), file).to.equal(readFileSync(path.join(out, file), "utf8"));
    }
    const letters = readdirSync(path.join(out, "letters")).sort();
    expect(readdirSync(path.join(again, "letters")).sort()).to.deep.equal(letters);
    for (const letter of letters) {
      expect(readFileSync(path.join(again, "letters", letter)).equals(readFileSync(path.join(out, "letters", letter))), letter).to.equal(true);
    }
  });

  it("continues from the stored stages on the following nights", async function () {
    // Anna's mobile account entered the reminder on 03-31; the final notice
    // (30 days, 20.00) is met at once but waits 14 days: not on 04-13, on 04-14.
    const waiting = path.join(folder, "out-0413");
    await runDate(config, "2026-04-13", waiting);
    expect(rowsWhere(path.join(waiting, "actions.csv"), { account_id: "M-100101" })).to.have.length(0);
    expect(aging("mobile", "M-100101").stage).to.equal("reminder");

    const escalated = path.join(folder, "out-0414");
    await runDate(config, "2026-04-14", escalated);
    const [action] = rowsWhere(path.join(escalated, "actions.csv"), { account_id: "M-100101" });
    expect(action.stage_before).to.equal("reminder");
    expect(action.stage).to.equal("final_notice");
    // 70 + 14 = 84 days past due on the oldest item.
    expect(action.days_past_due).to.equal("84");
  });
});
