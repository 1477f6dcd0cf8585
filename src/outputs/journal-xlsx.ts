// journal.xlsx: the run's journal lines for finance, one sheet per entity,
// with a frozen header row, amounts as numbers formatted with the currency's
// decimals, and a totals row. The workbook takes every date from the
// business date and none from the clock, so rendering a run again writes
// the same bytes.
//
// exceljs 4.4 stamps the workbook's created and modified dates into
// docProps/core.xml (set here from the business date), and packs the parts
// with JSZip 3, which gives every zip entry the time it was added. The
// archive is therefore packed a second time with each entry dated at the
// business date.

import ExcelJS from "exceljs";
import JSZip from "jszip";
import { currencyExponent, formatMinor } from "../money.ts";

/** A journal line as stored in journal_lines. */
export type JournalRow = Record<string, any>;

interface Column {
  header: string;
  key: string;
  width: number;
}

const COLUMNS: Column[] = [
  { header: "journal_id", key: "journal_id", width: 28 },
  { header: "line", key: "line", width: 6 },
  { header: "accounting_date", key: "accounting_date", width: 14 },
  { header: "account_code", key: "account_code", width: 14 },
  { header: "debit", key: "debit", width: 16 },
  { header: "credit", key: "credit", width: 16 },
  { header: "currency", key: "currency", width: 9 },
  { header: "entered_currency", key: "entered_currency", width: 9 },
  { header: "entered_amount", key: "entered_amount", width: 16 },
  { header: "rate", key: "rate", width: 10 },
  { header: "cost_centre", key: "cost_centre", width: 12 },
  { header: "segment", key: "segment", width: 12 },
  { header: "description", key: "description", width: 48 },
];

/** Excel number format with the currency's number of decimals: #,##0.00 for EUR. */
export function amountFormat(currency: string): string {
  const exponent = currencyExponent(currency);
  return exponent === 0 ? "#,##0" : `#,##0.${"0".repeat(exponent)}`;
}

/** Minor units as the number Excel stores: 12345 EUR cents -> 123.45. */
function amountNumber(minor: number, currency: string): number {
  // The decimal text parses to the double nearest the exact amount.
  return Number(formatMinor(minor, currencyExponent(currency)));
}

function utcDate(isoDate: string): Date {
  const [year, month, day] = isoDate.split("-").map(Number);
  return new Date(Date.UTC(year, month - 1, day));
}

/**
 * Renders the workbook. `entities` maps every configured entity to its
 * functional currency, so each gets a sheet even on a night without lines.
 */
export async function renderJournalXlsx(
  lines: readonly JournalRow[],
  entities: ReadonlyMap<string, string>,
  businessDate: string,
): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  const stamp = utcDate(businessDate);
  workbook.creator = "dcms";
  workbook.lastModifiedBy = "dcms";
  workbook.created = stamp;
  workbook.modified = stamp;
  for (const entity of [...entities.keys()].sort()) {
    const currency = entities.get(entity) as string;
    addEntitySheet(workbook, entity, currency, lines.filter((line) => line.entity === entity));
  }
  const packed = Buffer.from(await workbook.xlsx.writeBuffer());
  return datedArchive(packed, stamp);
}

function addEntitySheet(workbook: ExcelJS.Workbook, entity: string, currency: string, lines: readonly JournalRow[]): void {
  // Excel allows 31 characters in a sheet name and none of : \ / ? * [ ].
  const sheet = workbook.addWorksheet(entity.replace(/[:\\/?*[\]]/g, "_").slice(0, 31), {
    views: [{ state: "frozen", ySplit: 1 }],
  });
  sheet.columns = COLUMNS.map((column) => ({ header: column.header, key: column.key, width: column.width }));
  sheet.getRow(1).font = { bold: true };

  const format = amountFormat(currency);
  let debitMinor = 0;
  let creditMinor = 0;
  for (const line of lines) {
    const debit = Number(line.debit_minor);
    const credit = Number(line.credit_minor);
    debitMinor += debit;
    creditMinor += credit;
    const row = sheet.addRow({
      journal_id: line.journal_id,
      line: Number(line.line),
      accounting_date: utcDate(line.accounting_date),
      account_code: line.account_code,
      debit: amountNumber(debit, line.currency),
      credit: amountNumber(credit, line.currency),
      currency: line.currency,
      entered_currency: line.entered_currency,
      entered_amount: amountNumber(Number(line.entered_minor), line.entered_currency),
      rate: line.rate,
      cost_centre: line.cost_centre ?? null,
      segment: line.segment ?? null,
      description: line.description,
    });
    row.getCell("accounting_date").numFmt = "yyyy-mm-dd";
    row.getCell("debit").numFmt = format;
    row.getCell("credit").numFmt = format;
    row.getCell("entered_amount").numFmt = amountFormat(line.entered_currency);
  }

  const first = 2;
  const last = lines.length + 1;
  const totals = sheet.addRow({ journal_id: "total", currency });
  totals.font = { bold: true };
  for (const [key, minor] of [["debit", debitMinor], ["credit", creditMinor]] as const) {
    const letter = sheet.getColumn(key).letter;
    const cell = totals.getCell(key);
    // The cached result is the exact total, so a reader that does not
    // calculate formulas reads the same figure as Excel shows.
    cell.value = {
      formula: lines.length === 0 ? "0" : `SUM(${letter}${first}:${letter}${last})`,
      result: amountNumber(minor, currency),
    };
    cell.numFmt = format;
  }
}

/** Packs the archive again with every entry dated at the given day. */
async function datedArchive(packed: Buffer, stamp: Date): Promise<Buffer> {
  const archive = await JSZip.loadAsync(packed);
  const repacked = new JSZip();
  const names = Object.keys(archive.files).sort();
  for (const name of names) {
    const entry = archive.files[name];
    if (entry.dir) continue;
    repacked.file(name, await entry.async("uint8array"), { date: stamp, createFolders: false });
  }
  return repacked.generateAsync({ type: "nodebuffer", compression: "DEFLATE" });
}
