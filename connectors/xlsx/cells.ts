// Turns the values of worksheet cells into the text the row parser reads.
// XLSX stores numbers as binary floating point and dates as serial day
// numbers. Amounts become decimal text before they are parsed, and dates
// are computed without a JavaScript Date, so no time zone can move them.

import { addDays, type DateFormat, type IsoDate } from "../../src/dates.ts";

/** Serial 61 is 1900-03-01 in the 1900 date system. */
const FIRST_CONTIGUOUS_SERIAL = 61;

/**
 * Excel shows at most 15 significant digits and stores a value such as
 * 1234.5 as the nearest double. Printing that double with 15 significant
 * digits gives back the decimal that was typed.
 */
const SIGNIFICANT_DIGITS = 15;

export type CellKind = "date" | "text";

export interface CellFormat {
  dateFormat: DateFormat;
  decimal: "." | ",";
  /** The workbook counts days from 1904-01-01 (old Mac workbooks). */
  date1904: boolean;
}

/**
 * Returns the calendar date of a serial day number, dropping a time of day.
 * Returns undefined for serials before 1900-03-01, because the 1900 date
 * system counts a 29 February 1900 that did not exist and earlier serials
 * are off by one.
 */
export function serialToDate(serial: number, date1904: boolean): IsoDate | undefined {
  if (!Number.isFinite(serial)) return undefined;
  const day = Math.floor(serial);
  if (date1904) return day >= 0 ? addDays("1904-01-01", day) : undefined;
  if (day < FIRST_CONTIGUOUS_SERIAL) return undefined;
  return addDays("1899-12-30", day);
}

/** Writes an ISO date in one of the date layouts that sources declare. */
export function formatDate(iso: IsoDate, format: DateFormat): string {
  const [year, month, day] = iso.split("-");
  const parts: Record<string, string> = {
    YYYY: year,
    MM: month,
    DD: day,
    M: String(Number(month)),
    D: String(Number(day)),
  };
  return format.replace(/YYYY|MM|DD|M|D/g, (token) => parts[token]);
}

/** Writes a cell's number as decimal text with the source's decimal separator. */
export function numberText(value: number, decimal: "." | ","): string {
  const text = Number.isSafeInteger(value)
    ? String(value)
    : String(Number(value.toPrecision(SIGNIFICANT_DIGITS)));
  return decimal === "," ? text.replace(".", ",") : text;
}

/** Returns the text of a cell value as exceljs reads it with styles ignored. */
export function cellText(value: unknown, kind: CellKind, format: CellFormat): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number") {
    if (kind === "date") {
      const date = serialToDate(value, format.date1904);
      // A serial outside the calendar stays a number, which the date check rejects.
      return date === undefined ? String(value) : formatDate(date, format.dateFormat);
    }
    return numberText(value, format.decimal);
  }
  if (value instanceof Date) {
    // Not produced with styles ignored; a Date from exceljs is midnight UTC.
    return formatDate(value.toISOString().slice(0, 10), format.dateFormat);
  }
  if (typeof value === "object") return objectText(value as Record<string, unknown>, kind, format);
  return String(value);
}

/** Rich text, formulas (their cached result), hyperlinks and error values. */
function objectText(value: Record<string, unknown>, kind: CellKind, format: CellFormat): string {
  if (Array.isArray(value.richText)) {
    return (value.richText as { text?: string }[]).map((run) => run.text ?? "").join("");
  }
  if ("formula" in value || "sharedFormula" in value) return cellText(value.result, kind, format);
  if (typeof value.error === "string") return value.error;
  if (typeof value.text === "string") return value.text;
  return "";
}
