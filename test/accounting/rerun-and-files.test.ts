// Re-runs of an accounting night, and the finance and ERP files rendered
// from the journal. They use the three-night fixture
// (test/fixtures/accounting/nights), whose figures three-nights.test.ts explains.

import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import ExcelJS from "exceljs";
import { loadConfig } from "../../src/config/load.ts";
import { openLedger } from "../../src/ledger/db.ts";
import { renderRunFiles } from "../../src/outputs/run-files.ts";
import { copyFolder, readCsv, removeFolder, runDate } from "../support/run.ts";
import { useNight } from "./nights.ts";

type Row = Record<string, string>;

function journal(folder: string): string[] {
  return readCsv(path.join(folder, "journal.csv")).map((row: Row) =>
    [row.journal_id, row.line, row.account_code, row.debit, row.credit, row.entered_amount, row.cost_centre, row.segment].join(" "),
  );
}

/** Runs nights 1 and 2, then night 3 with P1 paying `recovery` on I1. */
async function threeNights(folder: string, recovery: string): Promise<void> {
  const config = path.join(folder, "dcms.yaml");
  useNight(folder, 1);
  await runDate(config, "2026-03-31", path.join(folder, "out-1"));
  useNight(folder, 2);
  await runDate(config, "2026-04-30", path.join(folder, "out-2"));
  nightThree(folder, recovery);
  await runDate(config, "2026-05-31", path.join(folder, "out-3"));
}

function nightThree(folder: string, recovery: string): void {
  useNight(folder, 3);
  const items = path.join(folder, "mobile", "items.csv");
  writeFileSync(items, readFileSync(items, "utf8").replace("P1,A1,payment,2026-05-20,,EUR,15.00,I1", `P1,A1,payment,2026-05-20,,EUR,${recovery},I1`));
}

/** The ledger's state that a re-run must leave as if only the second run had happened. */
async function ledgerState(folder: string) {
  const config = loadConfig(path.join(folder, "dcms.yaml"));
  const knex = openLedger(config.ledger);
  try {
    const balances: Record<string, any>[] = await knex("journal_lines")
      .select("entity", "account_code", "currency")
      .sum({ debit: "debit_minor", credit: "credit_minor" })
      .groupBy("entity", "account_code", "currency")
      .orderBy(["entity", "account_code"]);
    const writeOffs = await knex("write_offs")
      .whereNull("superseded_run")
      .select("source", "item_id", "status", "amount_minor", "recovered_minor", "written_off_on", "rule")
      .orderBy("item_id");
    const allowances = await knex("allowances")
      .whereNull("superseded_run")
      .select("entity", "segment", "bucket", "base_minor", "allowance_minor")
      .orderBy(["entity", "segment", "bucket"]);
    return {
      balances: balances.map((row) => `${row.entity} ${row.account_code} ${Number(row.debit) - Number(row.credit)} ${row.currency}`),
      writeOffs,
      allowances,
    };
  } finally {
    await knex.destroy();
  }
}

describe("accounting re-run", function () {
  let rerun: string;
  let direct: string;

  before(async function () {
    rerun = copyFolder("test/fixtures/accounting/nights");
    direct = copyFolder("test/fixtures/accounting/nights");
    await threeNights(rerun, "15.00");
    // The billing system corrects P1 to 20.00, and night 3 is run again.
    nightThree(rerun, "20.00");
    await runDate(path.join(rerun, "dcms.yaml"), "2026-05-31", path.join(rerun, "out-3b"), { rerun: true });
    await threeNights(direct, "20.00");
  });

  after(function () {
    removeFolder(rerun);
    removeFolder(direct);
  });

  it("reverses the superseded night line by line", function () {
    // Run 4 supersedes run 3: each of run 3's lines comes back with debit
    // and credit swapped and the entered amount negated, then run 4 posts
    // the recovery of 20.00 and the same provision increase of 30.00.
    expect(journal(path.join(rerun, "out-3b"))).to.deep.equal([
      "R4-DE01-PROVISION 1 685000 30.00 0.00 30.00 1000 ",
      "R4-DE01-PROVISION 2 149000 0.00 30.00 -30.00 1000 ",
      "R4-DE01-RECOVERY 1 140100 20.00 0.00 20.00 1100 consumer",
      "R4-DE01-RECOVERY 2 485000 0.00 20.00 -20.00 1000 ",
      "R4-REV-R3-DE01-PROVISION 1 685000 0.00 30.00 -30.00 1000 ",
      "R4-REV-R3-DE01-PROVISION 2 149000 30.00 0.00 30.00 1000 ",
      "R4-REV-R3-DE01-RECOVERY 1 140100 0.00 15.00 -15.00 1100 consumer",
      "R4-REV-R3-DE01-RECOVERY 2 485000 15.00 0.00 15.00 1000 ",
    ]);
  });

  it("leaves the ledger as if only the second run had happened", async function () {
    const afterRerun = await ledgerState(rerun);
    const withoutRerun = await ledgerState(direct);
    expect(afterRerun).to.deep.equal(withoutRerun);
    // GL balances (debits minus credits in cents) over the three nights:
    // 140100 -40.00 + 20.00; 149000 -27.00 + 27.00 - 10.00 - 30.00;
    // 485000 -20.00; 685000 27.00 + 10.00 + 13.00 + 30.00; GB01 0 net.
    expect(afterRerun.balances).to.deep.equal([
      "DE01 140100 -2000 EUR",
      "DE01 149000 -4000 EUR",
      "DE01 485000 -2000 EUR",
      "DE01 685000 8000 EUR",
      "GB01 149500 0 GBP",
      "GB01 685500 0 GBP",
    ]);
    // The allowance account balance equals the allowance cells: 40.00.
    expect(afterRerun.allowances.map((row) => Number(row.allowance_minor))).to.deep.equal([4_000]);
    expect(afterRerun.writeOffs.map((row) => [row.item_id, row.status, Number(row.amount_minor), Number(row.recovered_minor)])).to.deep.equal([
      ["I1", "active", 4_000, 2_000],
    ]);
  });
});

describe("journal files", function () {
  let folder: string;

  before(async function () {
    folder = copyFolder("test/fixtures/accounting/nights");
    await threeNights(folder, "15.00");
  });

  after(function () {
    removeFolder(folder);
  });

  it("totals each entity's sheet as journal.csv does", async function () {
    const out = path.join(folder, "out-2");
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(path.join(out, "journal.xlsx"));
    expect(workbook.worksheets.map((sheet) => sheet.name)).to.deep.equal(["DE01", "GB01"]);
    const csv = readCsv(path.join(out, "journal.csv"));
    for (const sheet of workbook.worksheets) {
      const lines = csv.filter((row: Row) => row.entity === sheet.name);
      const cents = (column: string) => lines.reduce((sum, row: Row) => sum + Math.round(Number(row[column]) * 100), 0);
      const totals = sheet.getRow(sheet.rowCount);
      expect(totals.getCell(1).value).to.equal("total");
      const debit = totals.getCell(5).value as { formula: string; result: number };
      const credit = totals.getCell(6).value as { formula: string; result: number };
      expect(Math.round(debit.result * 100), `${sheet.name} debit`).to.equal(cents("debit"));
      expect(Math.round(credit.result * 100), `${sheet.name} credit`).to.equal(cents("credit"));
      expect(debit.formula).to.equal(`SUM(E2:E${lines.length + 1})`);
      expect(sheet.views[0]).to.include({ state: "frozen", ySplit: 1 });
      expect(sheet.getRow(2).getCell(5).numFmt).to.equal("#,##0.00");
    }
    // DE01 on night 2: debits 10.00 + 27.00 + 13.00 = 50.00 = credits
    // 10.00 + 40.00; GB01: 25.00 each side.
    const de = workbook.getWorksheet("DE01")!.getRow(7);
    expect((de.getCell(5).value as { result: number }).result).to.equal(50);
    expect((de.getCell(6).value as { result: number }).result).to.equal(50);
  });

  it("renders the same workbook bytes again", async function () {
    // Rendered at commit, then twice more over a second apart: zip entry
    // times and document properties come from the business date only.
    const config = loadConfig(path.join(folder, "dcms.yaml"));
    const knex = openLedger(config.ledger);
    try {
      const original = readFileSync(path.join(folder, "out-2", "journal.xlsx"));
      await renderRunFiles(knex, config, 2, path.join(folder, "again-a"));
      await new Promise((resolve) => setTimeout(resolve, 2_100));
      await renderRunFiles(knex, config, 2, path.join(folder, "again-b"));
      const first = readFileSync(path.join(folder, "again-a", "journal.xlsx"));
      const second = readFileSync(path.join(folder, "again-b", "journal.xlsx"));
      expect(first.equals(original)).to.equal(true);
      expect(second.equals(original)).to.equal(true);
    } finally {
      await knex.destroy();
    }
  });

  it("writes the write-off in the GL_INTERFACE layout", function () {
    const rows = readCsv(path.join(folder, "out-2", "gl_interface.csv")).filter((row: Row) => row.REFERENCE4 === "R2-DE01-WRITEOFF");
    // Default segments: company (the entity id), account, cost centre.
    expect(rows.map((row: Row) => [row.SEGMENT1, row.SEGMENT2, row.SEGMENT3, row.ENTERED_DR, row.ENTERED_CR, row.ACCOUNTED_DR, row.ACCOUNTED_CR])).to.deep.equal([
      ["DE01", "149000", "1000", "27.00", "", "27.00", ""],
      ["DE01", "685000", "1000", "13.00", "", "13.00", ""],
      ["DE01", "140100", "1100", "", "40.00", "", "40.00"],
    ]);
    expect(rows[0]).to.include({
      STATUS: "NEW",
      ACCOUNTING_DATE: "2026/04/30",
      CURRENCY_CODE: "EUR",
      DATE_CREATED: "2026/04/30",
      CREATED_BY: "-1",
      ACTUAL_FLAG: "A",
      USER_JE_CATEGORY_NAME: "Write-off",
      USER_JE_SOURCE_NAME: "dcms",
      CURRENCY_CONVERSION_RATE: "",
      REFERENCE1: "dcms 2026-04-30 run 2",
      GROUP_ID: "2",
    });
  });
});
