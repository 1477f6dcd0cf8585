// The month-end pack on a small operator (test/fixtures/reports) whose
// figures are computed by hand below: nights on 2026-02-28, 03-10, 03-20 and
// 03-31, and the report for March with the default --from (2026-02-28).
//
// The accounts, in EUR unless marked (USD converts at 0.90):
//   A1  100.00 due 02-24 open at the opening (paid 03-05); 100.00 issued
//       03-10, due 04-09, open at the closing.
//   A2  300.00 each due 2025-12-29, 01-29, 03-01 and 03-29 (issued 03-15),
//       never paid: reminder on 02-28, placed with agency-a on 03-10.
//   A3  (business, strategy corporate) 200.00 due 02-03 paid 03-10, 200.00
//       due 03-06 of which 50.00 paid 03-25, 200.00 due 04-03 issued 03-20.
//   A4  USD 100.00 due 02-19, never paid: reminder on 03-10, placed 03-31.
//   A5  payment of 80.00 without a document on 02-10; 50.00 issued 03-05
//       takes 50.00 of it, leaving 30.00 of unapplied credit.
//   A6  120.00 due 2025-12-15: reminder 02-28, placed 03-10, paid 03-15,
//       cured and recalled as paid on 03-20.

import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import ExcelJS from "exceljs";
import { loadConfig } from "../../src/config/load.ts";
import { silentLogger } from "../../src/log.ts";
import { pruneHistory, writeMonthEndReport, type ReportOutcome } from "../../jobs/report.ts";
import { RequestError } from "../../src/errors.ts";
import { openLedger } from "../../src/ledger/db.ts";
import { skipUnreachable } from "../support/environment.ts";
import { LEDGER_KINDS, postgresReachable, useLedger } from "../support/ledgers.ts";
import { copyFolder, removeFolder, REPOSITORY, runCli, runDate } from "../support/run.ts";

const NIGHTS = ["2026-02-28", "2026-03-10", "2026-03-20", "2026-03-31"];

for (const ledger of LEDGER_KINDS) describe(`month-end pack computed by hand (${ledger} ledger)`, function () {
  let folder = "";
  let configPath: string;
  let outcome: ReportOutcome;
  let dropLedger = async () => {};

  before(async function () {
    if (ledger === "postgres") {
      const unreachable = await postgresReachable();
      if (unreachable) skipUnreachable(this, "PostgreSQL on 127.0.0.1:5432", unreachable);
    }
    folder = copyFolder("test/fixtures/reports");
    configPath = path.join(folder, "dcms.yaml");
    dropLedger = await useLedger(folder, ledger);
    for (const night of NIGHTS) await runDate(configPath, night, path.join(folder, "out", night));
    outcome = await writeMonthEndReport(loadConfig(configPath), {
      asOf: "2026-03-31",
      outDir: path.join(folder, "report"),
      log: silentLogger(),
    });
  });

  after(async function () {
    await dropLedger();
    if (folder) removeFolder(folder);
  });

  it("opens on the last day of the month before", function () {
    const { period } = outcome.report;
    expect(period.opening.businessDate).to.equal("2026-02-28");
    expect(period.closing.businessDate).to.equal("2026-03-31");
    expect(period.runs).to.have.length(4);
    expect(period.days).to.equal(31);
  });

  it("computes DSO by both methods", function () {
    // Receivables on 03-31: A1 100.00 + A2 1200.00 + A3 350.00 + A4 USD
    // 100.00 x 0.90 = 90.00 - A5 30.00 = 1710.00.
    // Credit sales of March: 100.00 + 300.00 + 200.00 + 50.00 = 650.00.
    // Standard: 1710.00 / 650.00 x 31 = 81.55 -> 81.6 days.
    // Countback: March 650.00 (31 days, 1060.00 left), February 100.00 +
    // 300.00 + 200.00 + 90.00 = 690.00 (28 days, 370.00 left), January
    // 600.00: 370 / 600 x 31 = 19.12 -> 31 + 28 + 19.12 = 78.1 days.
    const [dso] = outcome.report.dso;
    expect(dso.receivablesMinor).to.equal(171000);
    expect(dso.periodSalesMinor).to.equal(65000);
    expect(dso.periodDocuments).to.equal(4);
    expect(dso.standardTenths).to.equal(816);
    expect(dso.countback.daysTenths).to.equal(781);
    expect(dso.months.slice(0, 4).map((entry) => [entry.month, entry.salesMinor, entry.documents])).to.deep.equal([
      ["2026-03", 65000, 4],
      ["2026-02", 69000, 4],
      ["2026-01", 60000, 3],
      ["2025-12", 42000, 2],
    ]);
  });

  it("computes the collection effectiveness index", function () {
    // Beginning on 02-28: A1 100.00 + A2 900.00 + A3 400.00 + A4 90.00 -
    // A5 80.00 + A6 120.00 = 1530.00. Ending current (not yet due) on
    // 03-31: A1 100.00 + A3 200.00 = 300.00.
    // (1530 + 650 - 1710) / (1530 + 650 - 300) = 470 / 1880 = 25.00 %.
    const [cei] = outcome.report.cei;
    expect(cei.beginningMinor).to.equal(153000);
    expect(cei.salesMinor).to.equal(65000);
    expect(cei.endingMinor).to.equal(171000);
    expect(cei.endingCurrentMinor).to.equal(30000);
    expect(cei.ceiBp).to.equal(2500);
  });

  it("rolls the opening balances", function () {
    // 1-30 at the opening: A1 100.00 (4 days), A3 400.00 (25), A4 90.00
    // (9) = 590.00. A1 has nothing overdue at the closing: 100.00 cured.
    // A3 closes at 350.00, 25 days: 350.00 stays in 1-30, 50.00 paid. A4
    // closes 40 days past due: 90.00 to 31-60.
    // 61-90: A2 900.00 (61 days) and A6 120.00 (75) = 1020.00. A2 closes
    // at 1200.00, 92 days: 900.00 to 91-120; A6 paid 120.00.
    // A5 opened with a credit and is left out.
    const [matrix] = outcome.report.rollRates;
    const column = (name: string) => matrix.columns.indexOf(name);
    const row = (bucket: string) => matrix.rows.find((entry) => entry.bucket === bucket)!;
    expect(matrix.accountsWithoutDebit).to.equal(1);
    expect(row("1-30").accounts).to.equal(3);
    expect(row("1-30").openingMinor).to.equal(59000);
    expect(row("1-30").toMinor[column("1-30")]).to.equal(35000);
    expect(row("1-30").toMinor[column("31-60")]).to.equal(9000);
    expect(row("1-30").toMinor[column("paid")]).to.equal(5000);
    expect(row("1-30").toMinor[column("cured")]).to.equal(10000);

    // Shares by the largest remainder: 59.32 + 15.25 + 8.48 + 16.95 = 100 %.
    expect([column("1-30"), column("31-60"), column("paid"), column("cured")].map((index) => row("1-30").sharesBp[index])).to.deep.equal([
      5932, 1525, 848, 1695,
    ]);

    expect(row("61-90").openingMinor).to.equal(102000);
    expect(row("61-90").toMinor[column("91-120")]).to.equal(90000);
    expect(row("61-90").toMinor[column("paid")]).to.equal(12000);
    // 900 / 1020 = 88.235 % and 120 / 1020 = 11.765 %.
    expect(row("61-90").sharesBp[column("91-120")]).to.equal(8824);
    expect(row("61-90").sharesBp[column("paid")]).to.equal(1176);
    for (const entry of matrix.rows) {
      const total = entry.sharesBp.reduce((sum, share) => sum + share, 0);
      expect(total, `shares of ${entry.bucket}`).to.equal(entry.openingMinor > 0 ? 10000 : 0);
    }
  });

  it("counts the stage funnel and cure rates", function () {
    // reminder: A2, A3, A6 at the start; A4 enters on 03-10; A2 and A6
    // escalate on 03-10 and A4 on 03-31; A3 is left: 3 + 1 - 3 = 1.
    // agency: A2, A6 and A4 enter; A6 is cured on 03-20: 0 + 3 - 1 = 2.
    const [reminder, agency] = outcome.report.funnel;
    expect(reminder).to.include({ stage: "reminder", accountsAtStart: 3, entries: 1, exitsEscalated: 3, exitsCured: 0, accountsAtEnd: 1, customersAtEnd: 1 });
    expect(agency).to.include({ stage: "agency", accountsAtStart: 0, entries: 3, exitsCured: 1, accountsAtEnd: 2, customersAtEnd: 2 });
    // Cure rates: 0 of 3 + 1 in reminder; 1 of 0 + 3 in agency = 33.33 %.
    expect(reminder.cureRateBp).to.equal(0);
    expect(agency.cureRateBp).to.equal(3333);
    // At the end, A3 is in reminder (350.00, 150.00 overdue), and A2
    // (1200.00) and A4 (90.00) are in agency, all overdue.
    expect(reminder.balanceMinor).to.deep.equal({ EUR: 35000 });
    expect(reminder.overdueMinor).to.deep.equal({ EUR: 15000 });
    expect(agency.balanceMinor).to.deep.equal({ EUR: 129000 });
    expect(agency.overdueMinor).to.deep.equal({ EUR: 129000 });
  });

  it("compares the strategies", function () {
    const [corporate, standard] = outcome.report.strategies;
    expect(corporate).to.include({ strategy: "corporate", accountsAtStart: 1, entries: 0, cures: 0, accountsAtEnd: 1, cureRateBp: 0 });
    expect(corporate.overdueMinor).to.deep.equal({ EUR: 15000 });
    // standard: A2 and A6 at the start, A4 enters, three escalations, A6
    // cured: 1 / (2 + 1) = 33.33 %.
    expect(standard).to.include({ strategy: "standard", accountsAtStart: 2, entries: 1, escalations: 3, cures: 1, accountsAtEnd: 2, cureRateBp: 3333 });
    expect(standard.overdueMinor).to.deep.equal({ EUR: 129000 });
  });

  it("measures the agency", function () {
    // Placements: A2 900.00 and A6 120.00 on 03-10, A4 USD 100.00 on 03-31.
    // A6 is recalled as paid with nothing overdue; A2 and A4 stay placed.
    const [agency] = outcome.report.agencies;
    expect(agency).to.include({ agency: "agency-a", name: "Agentur A", placedAtStart: 0, placements: 3, recallsPaid: 1, recallsOther: 0, placedAtEnd: 2 });
    expect(agency.placedMinor).to.deep.equal({ EUR: 102000, USD: 10000 });
    expect(agency.recalledMinor).to.deep.equal({ EUR: 0 });
    expect(agency.overdueAtEndMinor).to.deep.equal({ EUR: 129000 });
    expect(agency.paidRateBp).to.equal(3333);
  });

  it("ties the allowance movement to the journals", function () {
    // Opening allowance after 02-28, per cell: consumer 1-30 (A1 100.00 +
    // A2 300.00 + A4 90.00) x 2 % = 9.80, business 1-30 (A3 200.00) x 2 %
    // = 4.00, consumer 61-90 (A2 300.00 + A6 120.00) x 10 % = 42.00;
    // 55.80 in all.
    // Closing after 03-31: consumer 1-30 (A2 600.00) x 2 % = 12.00, 31-60
    // (A4 90.00) x 5 % = 4.50, 61-90 (A2 300.00) x 10 % = 30.00, 91-120
    // (A2 300.00) x 25 % = 75.00, business 1-30 (A3 150.00) x 2 % = 3.00;
    // 124.50 in all. So charges minus releases are 68.70.
    const [row] = outcome.report.provision.rows;
    expect(row.openingMinor).to.equal(5580);
    expect(row.closingMinor).to.equal(12450);
    expect(row.chargeMinor - row.releaseMinor).to.equal(6870);
    expect(row.writeOffsUsedMinor).to.equal(0);
    expect(row.differenceMinor).to.equal(0);
    const lines = outcome.report.provision.lines;
    expect(lines.map((line) => line.businessDate)).to.deep.equal(["2026-03-10", "2026-03-20", "2026-03-31"]);
    expect(row.chargeMinor).to.equal(lines.filter((line) => line.movement === "charge").reduce((sum, line) => sum + line.creditMinor, 0));
    expect(row.releaseMinor).to.equal(lines.filter((line) => line.movement === "release").reduce((sum, line) => sum + line.debitMinor, 0));
  });

  it("writes the figures into the workbook", async function () {
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(outcome.workbookFile);
    const dso = workbook.getWorksheet("DSO")!;
    expect(dso.getRow(2).values).to.deep.equal([
      undefined,
      "entity",
      "currency",
      "receivables",
      "days in period",
      "credit sales of period",
      "documents",
      "standard DSO (days)",
      "countback DSO (days)",
    ]);
    expect(dso.getRow(3).values).to.deep.equal([undefined, "OP01", "EUR", 1710, 31, 650, 4, 81.6, 78.1]);
    const cei = workbook.getWorksheet("CEI")!;
    expect(cei.getCell("G3").value).to.equal(0.25);
    expect(cei.getCell("G3").numFmt).to.equal("0.00%");
  });

  it("rejects a period without an opening run", async function () {
    const report = writeMonthEndReport(loadConfig(configPath), {
      from: "2026-01-31",
      asOf: "2026-03-31",
      outDir: path.join(folder, "none"),
      log: silentLogger(),
    });
    await expectRequestError(report, "no committed run on or before 2026-01-31 opens the period");
  });

  describe("after dcms prune", function () {
    before(async function () {
      // Six accounts have an aging row on 02-28 (A1 to A6) and on 03-10 (A6
      // is paid on 03-15 only), so 12 rows of two runs go. The command line
      // is tested once, on the SQLite ledger.
      if (ledger === "sqlite") {
        const result = runCli(["prune", "--config", configPath]);
        expect(result.status, result.stderr).to.equal(0);
        expect(result.stdout).to.equal("deleted 12 aging rows of 2 runs before 2026-03-16\n");
      } else {
        const result = await pruneHistory(loadConfig(configPath), silentLogger());
        expect(result).to.include({ cutoffDate: "2026-03-16", runsPruned: 2, rowsDeleted: 12 });
      }
    });

    it("keeps the snapshots within the retention", async function () {
      // retention_days 15 before 2026-03-31 is 2026-03-16: the runs of 02-28
      // and 03-10 lose their aging, 03-20 and 03-31 keep it.
      const knex = openLedger(loadConfig(configPath).ledger);
      try {
        const rows: Record<string, any>[] = await knex("account_aging as a")
          .join("runs as r", "r.run_id", "a.run_id")
          .groupBy("r.business_date")
          .orderBy("r.business_date")
          .select("r.business_date")
          .count({ rows: "*" });
        expect(rows.map((row) => row.business_date)).to.deep.equal(["2026-03-20", "2026-03-31"]);
      } finally {
        await knex.destroy();
      }
    });

    it("refuses a period that starts before the retention", async function () {
      const report = writeMonthEndReport(loadConfig(configPath), {
        asOf: "2026-03-31",
        outDir: path.join(folder, "pruned"),
        log: silentLogger(),
      });
      await expectRequestError(report, "the aging of the run on 2026-02-28 was deleted by dcms prune");
    });

    it("reports a period within the retention", async function () {
      const out = path.join(folder, "within");
      if (ledger === "sqlite") {
        const result = runCli(["report", "--config", configPath, "--from", "2026-03-20", "--as-of", "2026-03-31", "--out", out]);
        expect(result.status, result.stderr).to.equal(0);
        expect(result.stdout).to.include(path.join(out, "month-end-2026-03-31.xlsx"));
      } else {
        await writeMonthEndReport(loadConfig(configPath), { from: "2026-03-20", asOf: "2026-03-31", outDir: out, log: silentLogger() });
      }
      const page = readFileSync(path.join(out, "month-end-2026-03-31.html"), "utf8");
      expect(page).to.include("From the run of 2026-03-20 to the run of 2026-03-31");
    });

    it("never prunes the latest committed run", async function () {
      const config = path.join(folder, "dcms-one-day.yaml");
      writeFileSync(config, readFileSync(configPath, "utf8").replace("retention_days: 15", "retention_days: 1"));
      const result = await pruneHistory(loadConfig(config), silentLogger());
      // 2026-03-31 less one day: the run of 03-20 goes, the latest stays.
      expect(result.cutoffDate).to.equal("2026-03-30");
      expect(result.runsPruned).to.equal(1);
      const knex = openLedger(loadConfig(config).ledger);
      try {
        const left = await knex("account_aging").distinct("run_id");
        expect(left.map((row) => Number(row.run_id))).to.deep.equal([outcome.report.period.closing.runId]);
      } finally {
        await knex.destroy();
      }
    });
  });
});

describe("dcms report command line", function () {
  it("rejects a date that is not YYYY-MM-DD", function () {
    const config = path.join(REPOSITORY, "test/fixtures/reports/dcms.yaml");
    const result = runCli(["report", "--config", config, "--as-of", "31.03.2026"]);
    expect(result.status).to.equal(2);
    expect(result.stderr).to.include('"31.03.2026" is not a date written YYYY-MM-DD');
  });
});

async function expectRequestError(promise: Promise<unknown>, message: string): Promise<void> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(RequestError);
    expect((error as Error).message).to.include(message);
    return;
  }
  expect.fail(`expected a RequestError with "${message}"`);
}

describe("month-end pack after a re-run", function () {
  let folder: string;

  after(function () {
    removeFolder(folder);
  });

  it("ties the allowance to the superseded and the new journals", async function () {
    // 03-31 runs, then runs again with A2's 2025 invoice paid: the re-run
    // reverses the first provision journal of 03-31 and journals anew, and
    // the superseded run's lines stay in the period.
    folder = copyFolder("test/fixtures/reports");
    const configPath = path.join(folder, "dcms.yaml");
    // Without the agency stage: this test is about journals, not placements.
    writeFileSync(configPath, readFileSync(configPath, "utf8").replace(/^.*name: agency.*\n/m, ""));
    await runDate(configPath, "2026-02-28", path.join(folder, "out", "0228"));
    const first = await runDate(configPath, "2026-03-31", path.join(folder, "out", "0331"));
    writeFileSync(
      path.join(folder, "billing/items.csv"),
      readFileSync(path.join(folder, "billing/items.csv"), "utf8") + "P-A2-00,A2,payment,2026-03-30,,EUR,300.00,I-A2-00\n",
    );
    const rerun = await runDate(configPath, "2026-03-31", path.join(folder, "out", "0331-rerun"), { rerun: true });
    const outcome = await writeMonthEndReport(loadConfig(configPath), { asOf: "2026-03-31", outDir: path.join(folder, "report"), log: silentLogger() });
    const [row] = outcome.report.provision.rows;
    const runsOfLines = [...new Set(outcome.report.provision.lines.map((line) => line.runId))];
    expect(runsOfLines).to.deep.equal([first.runId, rerun.runId]);
    // The first 03-31 journal charged 124.50 - 55.80 = 68.70; its reversal
    // releases 68.70. Without A2's 300.00 at 91-120 (25 %), the re-run's
    // allowance is 124.50 - 75.00 = 49.50, a release of 6.30 from 55.80.
    expect(row.openingMinor).to.equal(5580);
    expect(row.closingMinor).to.equal(4950);
    expect(row.chargeMinor).to.equal(6870);
    expect(row.releaseMinor).to.equal(6870 + 630);
    expect(row.differenceMinor).to.equal(0);
  });
});
