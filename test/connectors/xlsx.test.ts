import { expect } from "chai";
import ExcelJS from "exceljs";
import { createConnector } from "../../connectors/index.ts";
import { cellText, numberText, serialToDate } from "../../connectors/xlsx/cells.ts";
import { ExtractError } from "../../src/extract.ts";
import { BUSINESS_DATE, CollectingSink, rejectKey, sourceFromYaml, TempFolder } from "./helpers.ts";

/** A billing export with a title row above the header on row 2. */
const SOURCE = `
kind: xlsx
path: export
entity: DE01
date_format: DD.MM.YYYY
decimal: ","
files:
  accounts:
    file: receivables.xlsx
    sheet: Offene Posten
    header_row: 2
    distinct: true
    columns: { account_id: Konto, currency: Whg }
  items:
    file: receivables.xlsx
    sheet: Offene Posten
    header_row: 2
    columns:
      item_id: Beleg
      account_id: Konto
      document_date: Datum
      due_date: Faellig
      amount: Betrag
      currency: Whg
    values: { type: invoice }
`;

const HEADER = ["Konto", "Beleg", "Datum", "Faellig", "Betrag", "Whg"];

let folder: TempFolder;

/** Writes receivables.xlsx with a notes sheet first and the receivables sheet second. */
async function writeWorkbook(rows: unknown[][], options: { date1904?: boolean; file?: string } = {}): Promise<void> {
  const workbook = new ExcelJS.Workbook();
  if (options.date1904) workbook.properties.date1904 = true;
  workbook.addWorksheet("Notes").addRow(["Exported from billing"]);
  const sheet = workbook.addWorksheet("Offene Posten");
  sheet.addRow(["Offene Posten zum 31.03.2026"]);
  sheet.addRow(HEADER);
  for (const row of rows) sheet.addRow(row);
  await workbook.xlsx.writeFile(`${folder.path}/export/${options.file ?? "receivables.xlsx"}`);
}

async function read(yaml = SOURCE) {
  const sink = new CollectingSink();
  const result = await createConnector("shop", sourceFromYaml(yaml)).read(
    { businessDate: BUSINESS_DATE, baseDir: folder.path },
    sink,
  );
  return { sink, result };
}

async function extractError(promise: Promise<unknown>): Promise<ExtractError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ExtractError) return error;
    throw error;
  }
  throw new Error("expected an ExtractError");
}

describe("xlsx connector", () => {
  beforeEach(() => {
    folder = new TempFolder();
    folder.write("export/.keep", "");
  });

  afterEach(() => folder.remove());

  it("reads the sheet by name below its title row", async () => {
    await writeWorkbook([
      // A date cell, a serial number and a text date; a number typed as 1234.5.
      ["K1", "R-1", new Date(Date.UTC(2026, 2, 1)), 46096, 1234.5, "EUR"],
      // 0.1 + 0.2 is stored as 0.30000000000000004 and read as 0.30.
      ["K1", 4711, "01.03.2026", "15.03.2026", { formula: "0.1+0.2", result: 0.30000000000000004 }, "EUR"],
      [],
      // Rich text, and an amount in a text cell in the source's own format.
      [{ richText: [{ text: "K" }, { text: "2" }] }, "R-3", 46082, 46096, "1234,50", "EUR"],
    ]);
    const { sink, result } = await read();
    expect(sink.rejects).to.deep.equal([]);
    // Rows 3, 4 and 6 of the sheet; row 5 is empty. Serial 46096 is
    // 2026-03-15 and 46082 is 2026-03-01, counted from 1899-12-30.
    expect(sink.items.map((i) => [i.line, i.itemId, i.accountId, i.documentDate, i.dueDate, i.amountMinor])).to.deep.equal([
      [3, "R-1", "K1", "2026-03-01", "2026-03-15", 123450],
      [4, "4711", "K1", "2026-03-01", "2026-03-15", 30],
      [6, "R-3", "K2", "2026-03-01", "2026-03-15", 123450],
    ]);
    expect(sink.accounts.map((a) => [a.line, a.accountId])).to.deep.equal([
      [3, "K1"],
      [6, "K2"],
    ]);
    expect(result.rowsRead).to.deep.equal({ accounts: 3, items: 3 });
  });

  it("picks a sheet by position", async () => {
    await writeWorkbook([["K1", "R-1", 46082, 46096, 10, "EUR"]]);
    const { sink } = await read(SOURCE.replaceAll("sheet: Offene Posten", "sheet: 2"));
    expect(sink.items.map((i) => i.itemId)).to.deep.equal(["R-1"]);
  });

  it("counts serials from 1904 in workbooks that say so", async () => {
    // In the 1904 date system serial 44651 is 2026-04-01, and 44636 is 2026-03-17.
    await writeWorkbook([["K1", "R-1", 44636, 44651, 10, "EUR"]], { date1904: true });
    const { sink } = await read();
    expect(sink.items.map((i) => [i.documentDate, i.dueDate])).to.deep.equal([["2026-03-17", "2026-04-01"]]);
  });

  it("rejects bad cells with their row numbers", async () => {
    await writeWorkbook([
      ["K1", "R-1", "30.02.2026", 46096, 10, "EUR"],
      ["K1", "R-2", 46082, 46096, 12.345, "EUR"],
      ["K1", "R-3", 46082, 46096, "zehn", "EUR"],
      ["K1", "R-4", 12, 46096, 10, "EUR"],
    ]);
    const { sink } = await read();
    expect(sink.rejects.map(rejectKey)).to.deep.equal([
      "receivables.xlsx:3:document_date:invalid_date",
      "receivables.xlsx:4:amount:too_many_decimals",
      "receivables.xlsx:5:amount:invalid_decimal",
      // Serial 12 lies before 1900-03-01, where the 1900 system is off by a day.
      "receivables.xlsx:6:document_date:invalid_date",
    ]);
  });

  it("accepts a header only", async () => {
    await writeWorkbook([]);
    const { sink, result } = await read();
    expect(sink.items).to.deep.equal([]);
    expect(result.rowsRead).to.deep.equal({ accounts: 0, items: 0 });
  });

  it("fails on a missing sheet", async () => {
    await writeWorkbook([]);
    const error = await extractError(read(SOURCE.replaceAll("sheet: Offene Posten", "sheet: Debitoren")));
    expect(error.code).to.equal("sheet_missing");
    expect(error.message).to.include('has no worksheet "Debitoren"');
  });

  it("fails on a file that is no workbook", async () => {
    folder.write("export/receivables.xlsx", "Konto;Beleg\nK1;R-1\n");
    const error = await extractError(read());
    expect(error.code).to.equal("malformed_file");
  });

  it("fails on a missing header column", async () => {
    await writeWorkbook([]);
    const error = await extractError(read(SOURCE.replace("amount: Betrag", "amount: Summe")));
    expect(error.code).to.equal("column_missing");
  });
});

describe("xlsx cells", () => {
  const format = { dateFormat: "YYYY-MM-DD" as const, decimal: "." as const, date1904: false };

  it("prints numbers as the decimals typed", () => {
    expect(numberText(1234.5, ".")).to.equal("1234.5");
    expect(numberText(0.1 + 0.2, ".")).to.equal("0.3");
    expect(numberText(19.99 * 3, ".")).to.equal("59.97");
    expect(numberText(1234.5, ",")).to.equal("1234,5");
    expect(numberText(123456789012, ".")).to.equal("123456789012");
  });

  it("turns serials into calendar dates", () => {
    expect(serialToDate(46112, false)).to.equal("2026-03-31");
    // A time of day does not move the date: 18:00 on 2026-03-31.
    expect(serialToDate(46112.75, false)).to.equal("2026-03-31");
    expect(serialToDate(61, false)).to.equal("1900-03-01");
    expect(serialToDate(60, false)).to.equal(undefined);
    expect(serialToDate(0, true)).to.equal("1904-01-01");
  });

  it("reads formulas, rich text, booleans and errors", () => {
    expect(cellText({ formula: "A1", result: 46112 }, "date", format)).to.equal("2026-03-31");
    expect(cellText({ richText: [{ text: "Ab" }, { text: "c" }] }, "text", format)).to.equal("Abc");
    expect(cellText(true, "text", format)).to.equal("true");
    expect(cellText({ error: "#N/A" }, "text", format)).to.equal("#N/A");
    expect(cellText(46112, "date", { ...format, dateFormat: "D.M.YYYY" })).to.equal("31.3.2026");
  });
});
