// The report calculations without a ledger: DSO by both methods, roll-rate
// shares, rates, the classification of allowance journal lines and the
// workbook's fixed dates.

import { expect } from "chai";
import ExcelJS from "exceljs";
import { renameSvgIds } from "../../src/reports/charts.ts";
import { countbackDso, countbackMonths, standardDso } from "../../src/reports/dso.ts";
import { rateBp } from "../../src/reports/funnel.ts";
import { defaultFrom } from "../../src/reports/period.ts";
import { classifyAllowanceLines, provisionMovement } from "../../src/reports/provision-movement.ts";
import type { PeriodJournalLine } from "../../src/reports/ledger.ts";
import { sharesOf, writtenOffInPeriod } from "../../src/reports/roll-rate.ts";
import type { WriteOffVersion } from "../../src/reports/ledger.ts";
import { amount, percent, type Table } from "../../src/reports/table.ts";
import { renderWorkbook } from "../../src/reports/xlsx.ts";

const month = (name: string, days: number, salesMinor: number) => ({
  month: name,
  firstDate: `${name}-01`,
  lastDate: `${name}-${days}`,
  days,
  salesMinor,
});

describe("standardDso", function () {
  it("scales receivables by the sales of the period", function () {
    // 1710.00 / 650.00 x 31 = 81.554 days, 81.6 in tenths.
    expect(standardDso(171000, 65000, 31)).to.equal(816);
  });

  it("returns null without sales and 0 without receivables", function () {
    expect(standardDso(171000, 0, 31)).to.equal(null);
    expect(standardDso(-3000, 65000, 31)).to.equal(0);
  });
});

describe("countbackDso", function () {
  it("counts whole months, then the covered share of the last", function () {
    // 1710.00 covers March (650.00, 31 days) and February (690.00, 28
    // days), leaving 370.00 of January's 600.00: 370 / 600 x 31 = 19.117.
    // 31 + 28 + 19.117 = 78.117 days, 78.1.
    const result = countbackDso(171000, [month("2026-03", 31, 65000), month("2026-02", 28, 69000), month("2026-01", 31, 60000)]);
    expect(result.daysTenths).to.equal(781);
    expect(result.exhausted).to.equal(false);
    expect(result.steps.map((step) => step.daysTenths)).to.deep.equal([310, 280, 191]);
    expect(result.steps.map((step) => step.remainingBeforeMinor)).to.deep.equal([171000, 106000, 37000]);
  });

  it("adds a month without sales in full", function () {
    // 100.00 against an empty April (30 days) and 200.00 of March: 30 + 100 / 200 x 31 = 45.5.
    expect(countbackDso(10000, [month("2026-04", 30, 0), month("2026-03", 31, 20000)]).daysTenths).to.equal(455);
  });

  it("stops at an exact match", function () {
    expect(countbackDso(20000, [month("2026-03", 31, 20000), month("2026-02", 28, 5000)]).daysTenths).to.equal(310);
  });

  it("marks receivables beyond every month read", function () {
    const result = countbackDso(50000, [month("2026-03", 31, 20000)]);
    expect(result.daysTenths).to.equal(310);
    expect(result.exhausted).to.equal(true);
  });

  it("gives 0 days for a credit balance", function () {
    expect(countbackDso(-100, [month("2026-03", 31, 20000)]).daysTenths).to.equal(0);
  });
});

describe("countbackMonths", function () {
  it("starts with the as-of month to date", function () {
    const months = countbackMonths("2026-03-15");
    expect(months).to.have.length(13);
    expect(months[0]).to.deep.equal({ month: "2026-03", firstDate: "2026-03-01", lastDate: "2026-03-15", days: 15 });
    expect(months[1]).to.deep.equal({ month: "2026-02", firstDate: "2026-02-01", lastDate: "2026-02-28", days: 28 });
    expect(months[12].month).to.equal("2025-03");
  });
});

describe("defaultFrom", function () {
  it("is the last day of the month before", function () {
    expect(defaultFrom("2026-04-30")).to.equal("2026-03-31");
    expect(defaultFrom("2026-03-10")).to.equal("2026-02-28");
    expect(defaultFrom("2024-03-31")).to.equal("2024-02-29");
  });
});

describe("sharesOf", function () {
  it("rounds by the largest remainder to exactly 100 %", function () {
    // 350, 90, 50 and 100 of 590 are 5932.20, 1525.42, 847.46 and 1694.92
    // hundredths of a percent. The floors add up to 9998, so the two
    // largest remainders (0.92 and 0.46) get one more each.
    expect(sharesOf([0, 35000, 9000, 5000, 10000])).to.deep.equal([0, 5932, 1525, 848, 1695]);
  });

  it("breaks ties by column order", function () {
    expect(sharesOf([1, 1, 1])).to.deep.equal([3334, 3333, 3333]);
  });

  it("gives zeros without an opening amount", function () {
    expect(sharesOf([0, 0])).to.deep.equal([0, 0]);
  });
});

describe("rateBp", function () {
  it("rounds half up to hundredths of a percent", function () {
    expect(rateBp(1, 3)).to.equal(3333);
    expect(rateBp(2, 3)).to.equal(6667);
    expect(rateBp(1, 8)).to.equal(1250);
    expect(rateBp(0, 0)).to.equal(null);
  });
});

describe("provisionMovement", function () {
  const gl = new Map([["OP01", { receivable: "1400", allowance: "1490", badDebtExpense: "6850" }]]);
  const line = (journalId: string, lineNo: number, accountCode: string, debitMinor: number, creditMinor: number): PeriodJournalLine => ({
    runId: 2,
    businessDate: "2026-03-31",
    journalId,
    line: lineNo,
    entity: "OP01",
    accountingDate: "2026-03-31",
    accountCode,
    debitMinor,
    creditMinor,
    currency: "EUR",
    description: "",
  });
  const lines = [
    line("R2-OP01-PROVISION", 1, "6850", 5000, 0),
    line("R2-OP01-PROVISION", 2, "1490", 0, 5000),
    line("R2-OP01-WRITEOFF", 1, "1490", 2000, 0),
    line("R2-OP01-WRITEOFF", 2, "1400", 0, 2000),
    line("R2-OP01-RELEASE", 1, "1490", 700, 0),
    line("R2-OP01-RELEASE", 2, "6850", 0, 700),
  ];

  it("classifies allowance lines by their journal", function () {
    expect(classifyAllowanceLines(lines, gl).map((entry) => entry.movement)).to.deep.equal([
      "charge",
      "write-off used",
      "release",
    ]);
  });

  it("ties opening and journals to closing", function () {
    // 100.00 + 50.00 charge - 7.00 release - 20.00 written off = 123.00.
    const cell = (allowanceMinor: number) => ({ entity: "OP01", segment: "default", bucket: "1-30", currency: "EUR", allowanceMinor });
    const [row] = provisionMovement([cell(10000)], [cell(12300)], lines, gl).rows;
    expect(row.chargeMinor).to.equal(5000);
    expect(row.releaseMinor).to.equal(700);
    expect(row.writeOffsUsedMinor).to.equal(2000);
    expect(row.differenceMinor).to.equal(0);
  });

  it("shows a gap in the difference column", function () {
    const cell = (allowanceMinor: number) => ({ entity: "OP01", segment: "default", bucket: "1-30", currency: "EUR", allowanceMinor });
    expect(provisionMovement([cell(10000)], [cell(12400)], lines, gl).rows[0].differenceMinor).to.equal(100);
  });
});

describe("renderWorkbook", function () {
  const table: Table = {
    name: "Sheet",
    title: "A table",
    headers: ["name", "amount", "share"],
    rows: [
      { cells: ["yen", amount(1234, "JPY"), percent(1250)] },
      { cells: ["euro", amount(-123456, "EUR"), null] },
      { cells: ["=1+1", amount(1, "KWD"), null], total: true },
    ],
  };

  /** Returns the DOS date and time of every central directory entry of a ZIP archive. */
  function entryStamps(zip: Buffer): string[] {
    const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
    const stamps: string[] = [];
    let offset = zip.readUInt32LE(end + 16);
    for (let entry = 0; entry < zip.readUInt16LE(end + 10); entry++) {
      stamps.push(`${zip.readUInt16LE(offset + 14)}/${zip.readUInt16LE(offset + 12)}`);
      offset += 46 + zip.readUInt16LE(offset + 28) + zip.readUInt16LE(offset + 30) + zip.readUInt16LE(offset + 32);
    }
    return stamps;
  }

  it("dates every entry on the business date", async function () {
    // 2026-04-30 as a DOS date: (2026 - 1980) << 9 | 4 << 5 | 30 = 23710; midnight is 0.
    const stamps = entryStamps(await renderWorkbook([table], "2026-04-30"));
    expect(stamps.length).to.be.greaterThan(5);
    expect(new Set(stamps)).to.deep.equal(new Set(["23710/0"]));
  });

  it("writes amounts with their currency's decimals", async function () {
    const workbook = new ExcelJS.Workbook();
    const bytes = await renderWorkbook([table], "2026-04-30");
    // exceljs declares its own Buffer type, an ArrayBuffer.
    await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
    const sheet = workbook.getWorksheet("Sheet")!;
    expect(workbook.created.toISOString()).to.equal("2026-04-30T00:00:00.000Z");
    expect(sheet.views[0]).to.include({ state: "frozen", ySplit: 2 });
    expect(sheet.getCell("B3").value).to.equal(1234);
    expect(sheet.getCell("B3").numFmt).to.equal("#,##0;-#,##0");
    expect(sheet.getCell("C3").value).to.equal(0.125);
    expect(sheet.getCell("B4").value).to.equal(-1234.56);
    expect(sheet.getCell("B4").numFmt).to.equal("#,##0.00;-#,##0.00");
    expect(sheet.getCell("B5").value).to.equal(0.001);
    expect(sheet.getCell("B5").numFmt).to.equal("#,##0.000;-#,##0.000");
    // Text that looks like a formula stays a string cell.
    expect(sheet.getCell("A5").value).to.equal("=1+1");
    expect(sheet.getCell("A5").font?.bold).to.equal(true);
  });
});

describe("renameSvgIds", function () {
  it("numbers classes and ids per chart", function () {
    const svg = '<path class="zr7-cls-33"/><clipPath id="zr7-c0"/><g clip-path="url(#zr7-c0)" class="zr7-cls-40 zr7-cls-33"/>';
    expect(renameSvgIds(svg, "dso-0")).to.equal(
      '<path class="dso-0-cls-0"/><clipPath id="dso-0-c-0"/><g clip-path="url(#dso-0-c-0)" class="dso-0-cls-1 dso-0-cls-0"/>',
    );
  });
});

describe("writtenOffInPeriod", function () {
  const version = (itemId: string, runId: number, supersededRun: number | null, netMinor: number, active = true): WriteOffVersion => ({
    source: "billing",
    accountId: "A1",
    itemId,
    currency: "EUR",
    runId,
    supersededRun,
    active,
    netMinor,
  });

  it("counts what the period added per account", function () {
    // Opening run 2, closing run 5. I1: 10.00 before the period, 25.00 after
    // run 4: 15.00 in the period. I2: written off in run 3 for 40.00, reversed
    // in run 5: nothing. I3: 30.00 in run 4, 12.00 of it recovered in run 5:
    // 18.00. I4: 50.00 in run 6, after the closing: nothing.
    const versions = [
      version("I1", 1, 4, 1000),
      version("I1", 4, null, 2500),
      version("I2", 3, 5, 4000),
      version("I2", 5, null, 4000, false),
      version("I3", 4, 5, 3000),
      version("I3", 5, null, 1800),
      version("I4", 6, null, 5000),
    ];
    expect([...writtenOffInPeriod(versions, 2, 5)]).to.deep.equal([["billing\u0000A1\u0000EUR", 1500 + 1800]]);
  });

  it("ignores a recovery of an earlier write-off", function () {
    const versions = [version("I1", 1, 3, 2000), version("I1", 3, null, 500)];
    expect(writtenOffInPeriod(versions, 2, 5).size).to.equal(0);
  });
});
