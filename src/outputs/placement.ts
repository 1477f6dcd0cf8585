// The placement file for one collection agency, in two layouts built from
// the same field list: CSV with a header row, and fixed width. Both end with
// a trailer line that carries the control totals (record count and placed
// amount per currency), so the agency can check that it received the whole
// file.

import iconv from "iconv-lite";

import type { IsoDate } from "../dates.ts";
import { InvariantError, RequestError } from "../errors.ts";
import { formatMoney, sumMinor } from "../money.ts";
import {
  compareRowsBy,
  formatCsvCell,
  renderCsv,
  type CsvCell,
  type CsvColumn,
  type CsvColumnKind,
} from "./csv.ts";

/** One account placed with the agency. Contact fields are null when unknown. */
export interface PlacementRecord {
  placementId: string;
  source: string;
  accountId: string;
  customerId: string | null;
  currency: string;
  placedMinor: number;
  oldestDueDate: IsoDate;
  daysPastDueMax: number;
  name: string | null;
  addressLine1: string | null;
  addressLine2: string | null;
  postalCode: string | null;
  city: string | null;
  country: string | null;
  phone: string | null;
  email: string | null;
  language: string | null;
}

export interface PlacementField {
  /** Column name in the CSV header. */
  name: string;
  kind: CsvColumnKind;
  /** Width in characters in the fixed-width layout. */
  width: number;
  align: "left" | "right";
  /**
   * Handling of a fixed-width value longer than the width. Names and street
   * lines are cut. Ids, amounts and contact points raise an error instead,
   * because a cut one would point at the wrong account or person.
   */
  overflow: "truncate" | "error";
  value: (record: PlacementRecord) => CsvCell;
}

function defineField(
  name: string,
  kind: CsvColumnKind,
  width: number,
  overflow: PlacementField["overflow"],
  value: PlacementField["value"],
): PlacementField {
  const align = kind === "amount" || kind === "integer" ? "right" : "left";
  return { name, kind, width, align, overflow, value };
}

/** The fields of both layouts, in file order. */
export const PLACEMENT_FIELDS: readonly PlacementField[] = [
  defineField("placement_id", "text", 40, "error", (r) => r.placementId),
  defineField("source", "text", 20, "error", (r) => r.source),
  defineField("account_id", "text", 30, "error", (r) => r.accountId),
  defineField("customer_id", "text", 30, "error", (r) => r.customerId),
  defineField("currency", "text", 3, "error", (r) => r.currency),
  defineField("placed_amount", "amount", 18, "error", (r) => formatMoney(r.placedMinor, r.currency)),
  defineField("oldest_due_date", "date", 10, "error", (r) => r.oldestDueDate),
  defineField("days_past_due_max", "integer", 6, "error", (r) => r.daysPastDueMax),
  defineField("name", "text", 60, "truncate", (r) => r.name),
  defineField("address_line1", "text", 60, "truncate", (r) => r.addressLine1),
  defineField("address_line2", "text", 60, "truncate", (r) => r.addressLine2),
  defineField("postal_code", "text", 12, "error", (r) => r.postalCode),
  defineField("city", "text", 40, "truncate", (r) => r.city),
  defineField("country", "text", 2, "error", (r) => r.country),
  defineField("phone", "text", 25, "error", (r) => r.phone),
  defineField("email", "text", 100, "error", (r) => r.email),
  defineField("language", "text", 12, "error", (r) => r.language),
];

export const PLACEMENT_COLUMNS: readonly CsvColumn<PlacementRecord>[] = PLACEMENT_FIELDS;

/** Sort order of the records in both layouts. */
export const PLACEMENT_KEYS = ["source", "account_id", "currency", "placement_id"];

/** First cell of the CSV trailer line, which no placement may use as its id. */
export const TRAILER_TAG = "TRAILER";

/**
 * A value too long for its fixed-width field. Raised for data from the
 * billing systems, not for a fault of dcms, so a caller may catch it, blank
 * the field and report the placement. The message names the placement and
 * the field but not the value, which may be personal data.
 */
export class FixedWidthOverflowError extends Error {
  constructor(
    readonly placementId: string,
    readonly field: string,
    readonly length: number,
    readonly width: number,
  ) {
    super(
      `placement ${placementId}: ${field} is ${length} characters long and does not ` +
        `fit its fixed width of ${width}`,
    );
    this.name = "FixedWidthOverflowError";
  }
}

export interface PlacementTotals {
  recordCount: number;
  /** Placed amount per currency, sorted by currency code. */
  amounts: { currency: string; amountMinor: number }[];
}

export function placementTotals(records: readonly PlacementRecord[]): PlacementTotals {
  const byCurrency = new Map<string, number[]>();
  for (const record of records) {
    const amounts = byCurrency.get(record.currency) ?? [];
    amounts.push(record.placedMinor);
    byCurrency.set(record.currency, amounts);
  }
  const amounts = [...byCurrency.keys()].sort().map((currency) => ({
    currency,
    amountMinor: sumMinor(byCurrency.get(currency) ?? []),
  }));
  return { recordCount: records.length, amounts };
}

function sortedRecords(records: readonly PlacementRecord[]): PlacementRecord[] {
  for (const record of records) {
    if (record.placementId === TRAILER_TAG) {
      throw new InvariantError(`placement id ${TRAILER_TAG} would read as the trailer line`);
    }
  }
  return [...records].sort(compareRowsBy(PLACEMENT_COLUMNS, PLACEMENT_KEYS));
}

/**
 * Renders the CSV layout: the header row, one row per record, then
 * TRAILER,<record count>,<currency>,<amount>[,<currency>,<amount>...].
 */
export function renderPlacementCsv(records: readonly PlacementRecord[]): string {
  const totals = placementTotals(records);
  const trailer = [TRAILER_TAG, String(totals.recordCount)];
  for (const { currency, amountMinor } of totals.amounts) {
    trailer.push(
      formatCsvCell("text", currency, "currency"),
      formatCsvCell("amount", formatMoney(amountMinor, currency), "placed_amount"),
    );
  }
  return renderCsv(PLACEMENT_COLUMNS, sortedRecords(records)) + trailer.join(",") + "\n";
}

// Fixed-width lines start with a record type: D for a placement, T for the trailer.
const RECORD_TYPE_WIDTH = 1;
const COUNT_WIDTH = 9;

/** Characters per fixed-width line, record type included. */
export const FIXED_WIDTH_RECORD_LENGTH =
  RECORD_TYPE_WIDTH + PLACEMENT_FIELDS.reduce((sum, field) => sum + field.width, 0);

/**
 * Renders the fixed-width layout: one "D" line per record, with the fields
 * of PLACEMENT_FIELDS padded to their widths, then a "T" trailer line with
 * the record count and the amount per currency, padded to the same length.
 * Widths count characters (Unicode code points after NFC normalisation).
 */
export function renderPlacementFixedWidth(records: readonly PlacementRecord[]): string {
  const lines = sortedRecords(records).map(
    (record) =>
      "D" +
      PLACEMENT_FIELDS.map((field) =>
        fitField(field, field.value(record), record.placementId),
      ).join(""),
  );
  lines.push(fixedWidthTrailer(placementTotals(records)));
  return lines.join("\n") + "\n";
}

function fixedWidthTrailer(totals: PlacementTotals): string {
  const amountField = PLACEMENT_FIELDS.find((field) => field.name === "placed_amount");
  if (!amountField) throw new InvariantError("placement fields lack placed_amount");
  let line = "T" + String(totals.recordCount).padStart(COUNT_WIDTH, " ");
  for (const { currency, amountMinor } of totals.amounts) {
    line += currency + formatMoney(amountMinor, currency).padStart(amountField.width, " ");
  }
  if (line.length > FIXED_WIDTH_RECORD_LENGTH) {
    throw new InvariantError(
      `fixed-width trailer with ${totals.amounts.length} currencies exceeds ` +
        `${FIXED_WIDTH_RECORD_LENGTH} characters`,
    );
  }
  return line.padEnd(FIXED_WIDTH_RECORD_LENGTH, " ");
}

/** Pads or cuts one value to its field width. */
function fitField(field: PlacementField, value: CsvCell, placementId: string): string {
  const text = fixedWidthText(field, value);
  const characters = [...text];
  if (characters.length > field.width) {
    if (field.overflow === "error") {
      throw new FixedWidthOverflowError(placementId, field.name, characters.length, field.width);
    }
    return characters.slice(0, field.width).join("");
  }
  const padding = " ".repeat(field.width - characters.length);
  return field.align === "right" ? padding + text : text + padding;
}

function fixedWidthText(field: PlacementField, value: CsvCell): string {
  if (value === null || value === undefined) return "";
  if (field.kind !== "text") return formatCsvCell(field.kind, value, field.name);
  // A line break or tab inside a value would shift every later field.
  return String(value)
    .normalize("NFC")
    .replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, " ");
}

/**
 * Encodes a rendered file for the agency. With a single-byte encoding such
 * as latin1 or windows-1252, fixed-width positions count bytes as well as
 * characters. Characters that the encoding lacks become "?".
 */
export function encodePlacementFile(text: string, encoding = "utf-8"): Buffer {
  if (!iconv.encodingExists(encoding)) {
    throw new RequestError(
      `placement file encoding ${JSON.stringify(encoding)} is not supported. ` +
        `Use utf-8, latin1 or windows-1252.`,
    );
  }
  return iconv.encode(text, encoding);
}
