// Writes the month-end pack as an XLSX workbook with exceljs: one sheet per
// table, a title row, a frozen header row, number formats with the
// currency's decimals and total rows in bold. The document's created and
// modified dates are the closing business date, never the clock. Text is
// written as string cells, which spreadsheets never evaluate as formulas.

import ExcelJS from "exceljs";
import { currencyExponent, formatMinor } from "../money.ts";
import { cellText, isAmount, isDays, isPercent, type Cell, type Table } from "./table.ts";

const HEADER_ROW = 2;

function amountFormat(currency: string): string {
  const exponent = currencyExponent(currency);
  const pattern = exponent === 0 ? "#,##0" : `#,##0.${"0".repeat(exponent)}`;
  return `${pattern};-${pattern}`;
}

function writeCell(cell: ExcelJS.Cell, value: Cell): void {
  if (value === null) return;
  if (typeof value === "string" || typeof value === "number") {
    cell.value = value;
  } else if (isAmount(value)) {
    // The decimal text of the minor units, read as the nearest double.
    cell.value = Number(formatMinor(value.minor, currencyExponent(value.currency)));
    cell.numFmt = amountFormat(value.currency);
  } else if (isPercent(value)) {
    cell.value = value.bp / 10000;
    cell.numFmt = "0.00%";
  } else if (isDays(value)) {
    cell.value = value.tenths / 10;
    cell.numFmt = "0.0";
  }
}

function columnWidth(table: Table, index: number): number {
  let width = table.headers[index].length;
  for (const row of table.rows) width = Math.max(width, cellText(row.cells[index] ?? null).length);
  return Math.min(60, Math.max(8, width + 2));
}

function addSheet(workbook: ExcelJS.Workbook, table: Table): void {
  const sheet = workbook.addWorksheet(table.name, { views: [{ state: "frozen", ySplit: HEADER_ROW }] });
  sheet.getCell(1, 1).value = table.title;
  sheet.getRow(1).font = { bold: true, size: 13 };
  const header = sheet.getRow(HEADER_ROW);
  table.headers.forEach((name, index) => (header.getCell(index + 1).value = name));
  header.font = { bold: true };
  table.headers.forEach((_, index) => (sheet.getColumn(index + 1).width = columnWidth(table, index)));
  table.rows.forEach((row, rowIndex) => {
    const target = sheet.getRow(HEADER_ROW + 1 + rowIndex);
    row.cells.forEach((value, index) => writeCell(target.getCell(index + 1), value));
    if (row.total) target.font = { bold: true };
  });
  let line = HEADER_ROW + table.rows.length + 2;
  for (const note of table.notes ?? []) sheet.getCell(line++, 1).value = note;
}

/**
 * Sets the modification date of every entry of a ZIP archive to a calendar
 * date at midnight. exceljs's ZIP writer (JSZip) stamps the entries with the
 * clock, and the workbook must be the same bytes on every render.
 */
export function stampZipEntries(zip: Buffer, isoDate: string): Buffer {
  const [year, month, day] = isoDate.split("-").map(Number);
  const dosDate = ((year - 1980) << 9) | (month << 5) | day;
  const endRecord = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (endRecord < 0) throw new Error("workbook is not a ZIP archive: no end of central directory");
  const entries = zip.readUInt16LE(endRecord + 10);
  let offset = zip.readUInt32LE(endRecord + 16);
  for (let entry = 0; entry < entries; entry++) {
    if (zip.readUInt32LE(offset) !== 0x02014b50) throw new Error(`workbook ZIP: no central directory header at ${offset}`);
    zip.writeUInt16LE(0, offset + 12);
    zip.writeUInt16LE(dosDate, offset + 14);
    const local = zip.readUInt32LE(offset + 42);
    if (zip.readUInt32LE(local) !== 0x04034b50) throw new Error(`workbook ZIP: no local file header at ${local}`);
    zip.writeUInt16LE(0, local + 10);
    zip.writeUInt16LE(dosDate, local + 12);
    offset += 46 + zip.readUInt16LE(offset + 28) + zip.readUInt16LE(offset + 30) + zip.readUInt16LE(offset + 32);
  }
  return zip;
}

/** Builds the workbook and returns its bytes. */
export async function renderWorkbook(tables: readonly Table[], businessDate: string): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  const date = new Date(`${businessDate}T00:00:00Z`);
  workbook.creator = "dcms";
  workbook.lastModifiedBy = "dcms";
  workbook.created = date;
  workbook.modified = date;
  for (const table of tables) addSheet(workbook, table);
  return stampZipEntries(Buffer.from(await workbook.xlsx.writeBuffer()), businessDate);
}
