// The month-end pack over a month of nightly runs on a copy of the bundled
// sample operator, every night from 2026-03-31 to 2026-04-30. The copy's
// mobile extract gains April documents, so that the month has sales,
// payments and cures. They are a payment that clears Anna Schneider's mobile
// account, one that clears Müller Haustechnik's followed by a new invoice not
// yet due, and 30 April invoices of 30.00. Every report's totals are checked
// against the ledger, the journals and the runs' CSV files, and the page is
// rendered in headless Chromium.

import { appendFileSync, mkdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import ExcelJS from "exceljs";
import type { Knex } from "knex";
import { loadConfig } from "../../src/config/load.ts";
import { bandIndex, type ResolvedConfig } from "../../src/config/resolve.ts";
import { addDays } from "../../src/dates.ts";
import { openLedger } from "../../src/ledger/db.ts";
import { silentLogger } from "../../src/log.ts";
import { convertMinor, parseMinor, parseRate } from "../../src/money.ts";
import { writeMonthEndReport, type ReportOutcome } from "../../jobs/report.ts";
import { copyFolder, readCsv, removeFolder, REPOSITORY, runDate } from "../support/run.ts";
import { startChromium } from "./browser.ts";

// Every night from 03-31 to 04-30, as cron would run them.
const NIGHTS = Array.from({ length: 31 }, (_, index) => addDays("2026-03-31", index));
const CLOSING = "2026-04-30";
/** The sample's closing rate from 2026-03-31 on: 1 USD = 0.9250 EUR. */
const USD_RATE = parseRate("0.9250");
const APRIL_INVOICES = 30;

type Row = Record<string, any>;

function aprilRows(accountsCsv: string): string[] {
  const bulk = readFileSync(accountsCsv, "utf8")
    .split("\n")
    .filter((line) => line.startsWith("M-2"))
    .slice(0, APRIL_INVOICES)
    .map((line) => line.split(",")[0]);
  return [
    // Unreferenced, so allocated oldest due first within the account.
    "M-PAY-1001-04,M-100101,payment,posted,2026-04-08,,EUR,132.20,,,",
    "M-PAY-1003-04,M-100103,payment,posted,2026-04-10,,EUR,1498.00,,,",
    "M-INV-1003-04,M-100103,invoice,posted,2026-04-20,2026-05-04,EUR,249.00,,,R100304",
    ...bulk.map((account, index) => `M-INV-APR-${String(index + 1).padStart(3, "0")},${account},invoice,posted,2026-04-02,2026-04-16,EUR,30.00,,,`),
  ];
}

/** Reads a decimal amount of a CSV cell into minor units. */
function minor(text: string, currency = "EUR"): number {
  const value = parseMinor(text, currency === "JPY" ? 0 : 2);
  if (value === undefined) throw new Error(`${text} is not an amount`);
  return value;
}

/** Reads a workbook amount cell back into minor units of a two-decimal currency. */
function cellMinor(value: unknown): number {
  return Math.round(Number(value) * 100);
}

function toEur(amount: number, currency: string): number {
  return currency === "EUR" ? amount : convertMinor(amount, currency, "EUR", USD_RATE);
}

describe("month-end pack over a month of sample nights", function () {
  let folder: string;
  let config: ResolvedConfig;
  let outcome: ReportOutcome;
  let knex: Knex;
  const runIds = new Map<string, number>();

  const outOf = (date: string) => path.join(folder, "out", date);
  const agingRows = (date: string): Promise<Row[]> => knex("account_aging").where({ run_id: runIds.get(date) });

  before(async function () {
    this.timeout(300_000);
    folder = copyFolder("fixtures/sample");
    appendFileSync(path.join(folder, "mobile/items.csv"), aprilRows(path.join(folder, "mobile/accounts.csv")).join("\n") + "\n");
    const configPath = path.join(folder, "dcms.yaml");
    for (const night of NIGHTS) {
      const run = await runDate(configPath, night, outOf(night));
      runIds.set(night, run.runId);
    }
    config = loadConfig(configPath);
    outcome = await writeMonthEndReport(config, { asOf: CLOSING, outDir: path.join(folder, "report"), log: silentLogger() });
    knex = openLedger(config.ledger);
  });

  after(async function () {
    await knex?.destroy();
    removeFolder(folder);
  });

  it("spans the month from the run of March 31", function () {
    const { period } = outcome.report;
    expect(period.opening.businessDate).to.equal("2026-03-31");
    expect(period.closing.businessDate).to.equal(CLOSING);
    expect(period.runs).to.have.length(NIGHTS.length);
    expect(period.days).to.equal(30);
  });

  it("totals the aging like the ledger and aging.csv", async function () {
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(outcome.workbookFile);
    const sheet = workbook.getWorksheet("Aging")!;
    const header = (sheet.getRow(2).values as unknown[]).slice(1) as string[];
    const column = (name: string) => header.indexOf(name) + 1;
    const rows = await agingRows(CLOSING);
    const csv = readCsv(path.join(outOf(CLOSING), "aging.csv"));
    for (const currency of ["EUR", "USD"]) {
      const ledger = rows.filter((row) => row.currency === currency);
      const fromCsv = csv.filter((row) => row.currency === currency);
      let totalRow: ExcelJS.Row | undefined;
      sheet.eachRow((row) => {
        if (row.getCell(1).value === currency && row.getCell(2).value === "total") totalRow = row;
      });
      expect(totalRow, `total row of ${currency}`).to.not.equal(undefined);
      expect(totalRow!.getCell(column("accounts")).value).to.equal(ledger.length);
      expect(fromCsv).to.have.length(ledger.length);
      for (const field of ["balance", "unapplied", "disputed", "overdue"]) {
        const expected = ledger.reduce((sum, row) => sum + Number(row[`${field}_minor`]), 0);
        expect(cellMinor(totalRow!.getCell(column(field)).value), `${currency} ${field}`).to.equal(expected);
        expect(fromCsv.reduce((sum, row) => sum + minor(row[field]), 0), `aging.csv ${currency} ${field}`).to.equal(expected);
      }
      config.buckets.forEach((bucket, index) => {
        const expected = ledger.reduce((sum, row) => sum + JSON.parse(row.buckets)[index], 0);
        expect(cellMinor(totalRow!.getCell(column(bucket.label)).value), `${currency} ${bucket.label}`).to.equal(expected);
        expect(fromCsv.reduce((sum, row) => sum + minor(row[bucket.label]), 0)).to.equal(expected);
      });
    }
  });

  it("ties every trend bar to its run's aging", async function () {
    const [trend] = outcome.report.agingTrend;
    expect(trend.currency).to.equal("EUR");
    expect(trend.points.map((point) => point.businessDate)).to.deep.equal(NIGHTS);
    for (const point of trend.points) {
      const rows = await agingRows(point.businessDate);
      // Per bucket, EUR rows as they are plus the USD sum converted once.
      const buckets = config.buckets.map((_, index) =>
        ["EUR", "USD"].reduce((sum, currency) => {
          const native = rows.filter((row) => row.currency === currency).reduce((total, row) => total + JSON.parse(row.buckets)[index], 0);
          return sum + toEur(native, currency);
        }, 0),
      );
      expect(point.bucketsMinor, point.businessDate).to.deep.equal(buckets);
      const unapplied = rows.reduce((sum, row) => sum + Number(row.unapplied_minor), 0);
      expect(point.unappliedMinor).to.equal(unapplied);
      expect(point.balanceMinor).to.equal(buckets.reduce((sum, amount) => sum + amount, unapplied));
    }
  });

  it("rolls the opening balances into rows of 100 %", async function () {
    const [matrix] = outcome.report.rollRates;
    const opening = await agingRows("2026-03-31");
    const closing = new Map((await agingRows(CLOSING)).map((row) => [`${row.source}/${row.account_id}/${row.currency}`, row]));
    // Independently of the report: per account with a debit at the opening,
    // the part still open is min(opening, closing) and the rest was paid.
    let openingMinor = 0;
    let stillOpenMinor = 0;
    for (const row of opening.filter((entry) => Number(entry.balance_minor) > 0)) {
      const end = closing.get(`${row.source}/${row.account_id}/${row.currency}`);
      const left = Math.min(Number(row.balance_minor), Math.max(end ? Number(end.balance_minor) : 0, 0));
      openingMinor += toEur(Number(row.balance_minor), row.currency);
      stillOpenMinor += toEur(left, row.currency);
    }

    const column = (name: string) => matrix.columns.indexOf(name);
    const sum = (index: number) => matrix.rows.reduce((total, row) => total + row.toMinor[index], 0);
    expect(matrix.rows.reduce((total, row) => total + row.openingMinor, 0)).to.equal(openingMinor);
    expect(sum(column("paid")) + sum(column("written off"))).to.equal(openingMinor - stillOpenMinor);
    // The April payments are the only ones of the month: Anna's 132.20
    // clears her mobile account, Müller's 1498.00 clears 1498.00, and the
    // new 249.00 not yet due leaves 249.00 of Müller's opening balance open
    // with nothing overdue: cured. So paid = 132.20 + 1498.00 - 249.00.
    expect(sum(column("cured"))).to.equal(24900);
    expect(sum(column("paid"))).to.equal(13220 + 149800 - 24900);

    for (const row of matrix.rows) {
      expect(row.toMinor.reduce((total, amount) => total + amount, 0), `amounts of ${row.bucket}`).to.equal(row.openingMinor);
      const shares = row.sharesBp.reduce((total, share) => total + share, 0);
      expect(shares, `shares of ${row.bucket}`).to.equal(row.openingMinor > 0 ? 10000 : 0);
    }
    // The current bucket of the opening can only stay current or move on.
    expect(matrix.rows[bandIndex(config.buckets, 0)].toMinor[column("cured")]).to.equal(0);
  });

  it("computes DSO and CEI from the ledger's figures", function () {
    const [dso] = outcome.report.dso;
    const trend = outcome.report.agingTrend[0].points;
    const closingBalance = trend[trend.length - 1].balanceMinor;
    // April sales: the 30 invoices of 30.00, Müller's 249.00 and the
    // broadband bill B-300001 of 89.00 on 04-01: 900.00 + 249.00 + 89.00.
    expect(dso.periodSalesMinor).to.equal(123800);
    expect(dso.periodDocuments).to.equal(APRIL_INVOICES + 2);
    expect(dso.receivablesMinor).to.equal(closingBalance);
    // Standard: receivables / 1238.00 x 30 days, in tenths, half up.
    expect(dso.standardTenths).to.equal(Math.round((closingBalance * 300) / 123800));
    expect(dso.months[0]).to.include({ month: "2026-04", days: 30, salesMinor: 123800 });
    const [cei] = outcome.report.cei;
    expect(cei.beginningMinor).to.equal(trend[0].balanceMinor);
    expect(cei.salesMinor).to.equal(123800);
    expect(cei.endingMinor).to.equal(closingBalance);
    expect(cei.endingCurrentMinor).to.equal(trend[trend.length - 1].bucketsMinor[0]);
    const expected = ((cei.beginningMinor + cei.salesMinor - cei.endingMinor) * 10000) / (cei.beginningMinor + cei.salesMinor - cei.endingCurrentMinor);
    expect(cei.ceiBp).to.equal(Math.round(expected));
  });

  it("keeps the funnel in step with the dunning states", async function () {
    const funnel = outcome.report.funnel;
    for (const row of funnel) {
      const exits = row.exitsEscalated + row.exitsCured + row.exitsOther;
      expect(row.accountsAtStart + row.entries - exits, row.stage).to.equal(row.accountsAtEnd);
    }
    const closingRun = runIds.get(CLOSING)!;
    const inStage = await knex("account_state")
      .where("run_id", "<=", closingRun)
      .andWhere((query) => query.whereNull("superseded_run").orWhere("superseded_run", ">", closingRun))
      .andWhere("level", ">", 0)
      .count({ accounts: "*" });
    expect(funnel.reduce((sum, row) => sum + row.accountsAtEnd, 0)).to.equal(Number(inStage[0].accounts));
    const customers = new Set((await agingRows(CLOSING)).filter((row) => row.stage).map((row) => row.customer_ref));
    expect(funnel.reduce((sum, row) => sum + row.customersAtEnd, 0)).to.equal(customers.size);
    // Anna Schneider's mobile account is cured on 04-08, Müller's on 04-10.
    expect(funnel.reduce((sum, row) => sum + row.exitsCured, 0)).to.be.at.least(2);
    const strategies = outcome.report.strategies;
    expect(strategies.map((row) => row.strategy)).to.deep.equal(["standard"]);
    expect(strategies[0].accountsAtEnd).to.equal(Number(inStage[0].accounts));
  });

  it("ties the allowance movement to the journals", async function () {
    const [row] = outcome.report.provision.rows;
    const total = async (date: string) =>
      Number(
        (
          await knex("allowances")
            .where("run_id", "<=", runIds.get(date)!)
            .andWhere((query) => query.whereNull("superseded_run").orWhere("superseded_run", ">", runIds.get(date)!))
            .sum({ total: "allowance_minor" })
        )[0].total,
      );
    expect(row.openingMinor).to.equal(await total("2026-03-31"));
    expect(row.closingMinor).to.equal(await total(CLOSING));
    const [journal] = await knex("journal_lines")
      .where("run_id", ">", runIds.get("2026-03-31")!)
      .andWhere("account_code", "149000")
      .select(knex.raw("sum(credit_minor) - sum(debit_minor) as net"));
    expect(row.chargeMinor - row.releaseMinor).to.equal(Number(journal.net));
    expect(row.differenceMinor).to.equal(0);
  });

  it("lists the journal.csv lines of every night", async function () {
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(outcome.workbookFile);
    const sheet = workbook.getWorksheet("Journal")!;
    const fromSheet: string[] = [];
    sheet.eachRow((row, number) => {
      if (number <= 2 || row.getCell(1).value === "total" || typeof row.getCell(3).value !== "number") return;
      const cells = [2, 3, 4, 5, 6].map((index) => String(row.getCell(index).value));
      fromSheet.push([...cells, cellMinor(row.getCell(7).value), cellMinor(row.getCell(8).value), row.getCell(9).value].join("|"));
    });
    const fromCsv = NIGHTS.slice(1).flatMap((night) =>
      readCsv(path.join(outOf(night), "journal.csv")).map((line) =>
        [line.journal_id, line.line, line.entity, line.accounting_date, line.account_code, minor(line.debit), minor(line.credit), line.currency].join("|"),
      ),
    );
    expect(fromCsv.length).to.be.greaterThan(0);
    expect(fromSheet).to.deep.equal(fromCsv);
  });

  it("counts the agencies' placements", async function () {
    const placements = await knex("placements").where("run_id", ">", runIds.get("2026-03-31")!).count({ rows: "*" });
    const agencies = outcome.report.agencies;
    expect(agencies.map((row) => row.agency)).to.deep.equal(["collect-sued", "inkasso-nord"]);
    expect(agencies.reduce((sum, row) => sum + row.placements + row.recallsPaid + row.recallsOther, 0)).to.equal(Number(placements[0].rows));
  });

  it("writes the same bytes again", async function () {
    const again = await writeMonthEndReport(config, { asOf: CLOSING, outDir: path.join(folder, "again"), log: silentLogger() });
    expect(readFileSync(again.workbookFile).equals(readFileSync(outcome.workbookFile))).to.equal(true);
    expect(readFileSync(again.pageFile, "utf8")).to.equal(readFileSync(outcome.pageFile, "utf8"));
  });

  it("renders the page in headless Chromium", async function () {
    this.timeout(120_000);
    const browser = await startChromium(this);
    try {
      const page = await browser.context.newPage();
      const problems: string[] = [];
      page.on("console", (message) => {
        if (message.type() === "error") problems.push(`console: ${message.text()}`);
      });
      page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
      page.on("requestfailed", (request) => problems.push(`request failed: ${request.url()}`));
      page.on("request", (request) => {
        if (!request.url().startsWith("file:")) problems.push(`network request: ${request.url()}`);
      });
      await page.goto(`file://${outcome.pageFile}`, { waitUntil: "load" });
      const artifacts = path.join(REPOSITORY, "test-artifacts", "reports");
      mkdirSync(artifacts, { recursive: true });
      const screenshot = path.join(artifacts, `month-end-${CLOSING}.png`);
      await page.screenshot({ path: screenshot, fullPage: true });
      expect(statSync(screenshot).size).to.be.greaterThan(10_000);
      expect(problems).to.deep.equal([]);

      // One chart each: aging trend, roll rates, DSO trend and funnel, with
      // their axis names, units and currency.
      const charts = page.locator("figure.chart svg");
      expect(await charts.count()).to.equal(4);
      const expectedText = [
        ["Business date", "Amount (EUR)"],
        ["Opening bucket", "Closing bucket or outcome", "EUR (%)"],
        ["Business date", "DSO (days)", "EUR"],
        ["Stage", "Customers", "Overdue (EUR)"],
      ];
      for (let index = 0; index < 4; index++) {
        const chart = charts.nth(index);
        const box = await chart.boundingBox();
        expect(box?.width, `width of chart ${index}`).to.be.greaterThan(0);
        expect(box?.height, `height of chart ${index}`).to.be.greaterThan(0);
        expect(await chart.locator("path, rect").count(), `shapes of chart ${index}`).to.be.greaterThan(10);
        const text = (await chart.textContent()) ?? "";
        for (const label of expectedText[index]) expect(text, `chart ${index}`).to.include(label);
      }
      // The stacked bars: one bar per business date and bucket with an amount.
      expect(await page.locator("#aging-trend-0 path").count()).to.be.greaterThan(NIGHTS.length);
      expect(await page.locator("section#aging table tbody tr").count()).to.equal(outcome.report.aging.groups.length + 2);
    } finally {
      await browser.close();
    }
  });
});
