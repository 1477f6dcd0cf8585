// Turns the values a database driver returns into the text the row parser
// reads, so that every source kind shares one set of checks.

import type { RawRow } from "../fields.ts";
import type { QueryRow } from "./query-rows.ts";

const DATE_PREFIX = /^(\d{4}-\d{2}-\d{2})[T ]\d{2}:\d{2}/;

export function toRawRow(row: QueryRow, fields: readonly string[]): RawRow {
  const raw: RawRow = {};
  for (const field of fields) {
    if (field in row) raw[field] = toText(row[field], isDateField(field));
  }
  return raw;
}

function isDateField(field: string): boolean {
  return field === "date" || field.endsWith("_date");
}

function toText(value: unknown, isDate: boolean): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === "string") {
    // NOTE: a timestamp keeps the calendar date it shows; the time zone of
    // timestamps is not configurable yet, so convert them in the query.
    const match = isDate ? DATE_PREFIX.exec(value) : null;
    return match ? match[1] : value;
  }
  if (typeof value === "bigint" || typeof value === "boolean") return String(value);
  if (typeof value === "number") {
    // SQLite has no decimal type: a REAL column is a double already, and the
    // shortest text that round-trips is the decimal that was stored. Keep
    // amounts in TEXT or INTEGER columns to avoid the question entirely.
    return String(value);
  }
  if (value instanceof Date) return localDate(value);
  return String(value);
}

/** Drivers build a Date for a DATE column at local midnight. */
function localDate(value: Date): string {
  const year = String(value.getFullYear()).padStart(4, "0");
  const month = String(value.getMonth() + 1).padStart(2, "0");
  const day = String(value.getDate()).padStart(2, "0");
  return `${year}-${month}-${day}`;
}
