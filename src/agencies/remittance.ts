// The remittance file that an agency sends back: what it collected on the
// accounts placed with it, reversals of earlier payments, accounts it
// closes, and status codes. Layout (docs/agencies.md): UTF-8 CSV with a
// header row, one line per record, columns in any order.
//
//   remittance_id,record_type,placement_id,source,account_id,date,currency,amount,status_code,reverses
//
// This file parses one file into typed lines and rejects. Whether a line's
// account is placed with the agency is checked against the ledger in
// jobs/agencies.ts.

import { parse } from "csv-parse/sync";
import { isIsoDate } from "../dates.ts";
import type { RejectRow } from "../extract.ts";
import { currencyExponent, isKnownCurrency, parseMinor } from "../money.ts";

export const RECORD_TYPES = ["payment", "reversal", "closure", "status"] as const;
export type RecordType = (typeof RECORD_TYPES)[number];

export const REMITTANCE_COLUMNS = [
  "remittance_id",
  "record_type",
  "placement_id",
  "source",
  "account_id",
  "date",
  "currency",
  "amount",
  "status_code",
  "reverses",
] as const;

const REQUIRED_COLUMNS = ["remittance_id", "record_type", "source", "account_id", "date"];

export interface RemittanceLine {
  file: string;
  /** Physical line in the file; the header is line 1. */
  line: number;
  remittanceId: string;
  recordType: RecordType;
  placementId: string | null;
  source: string;
  accountId: string;
  date: string;
  /** Currency and positive amount of payments and reversals; null on the other types. */
  currency: string | null;
  amountMinor: number;
  statusCode: string | null;
  /** remittance_id of the payment that a reversal undoes. */
  reverses: string | null;
}

export interface ParsedRemittance {
  lines: RemittanceLine[];
  rejects: RejectRow[];
  rowsRead: number;
}

/** Parses one remittance file of an agency; `source` in rejects is "agency:<id>". */
export function parseRemittance(text: string, agencyId: string, file: string): ParsedRemittance {
  const origin = `agency:${agencyId}`;
  const rejects: RejectRow[] = [];
  const reject = (line: number, field: string, code: string, message: string) =>
    rejects.push({ source: origin, file, line, field, code, message });

  let records: string[][];
  try {
    records = parse(text.replace(/^\uFEFF/, ""), { skip_empty_lines: true, relax_column_count: true });
  } catch (error) {
    reject(1, "", "invalid_csv", `${file} is not valid CSV (${(error as Error).message}); ask the agency to resend it`);
    return { lines: [], rejects, rowsRead: 0 };
  }
  const header = (records[0] ?? []).map((name) => name.trim().toLowerCase());
  const missing = REQUIRED_COLUMNS.filter((name) => !header.includes(name));
  if (missing.length > 0) {
    reject(1, missing[0], "column_missing", `${file} lacks the column(s) ${missing.join(", ")}; the layout is in docs/agencies.md`);
    return { lines: [], rejects, rowsRead: Math.max(0, records.length - 1) };
  }

  const lines: RemittanceLine[] = [];
  const seen = new Set<string>();
  // csv-parse counts records, not physical lines; remittance lines hold no line breaks.
  records.slice(1).forEach((record, index) => {
    const line = index + 2;
    const cell = (name: string) => {
      const position = header.indexOf(name);
      const value = position < 0 ? "" : (record[position] ?? "").trim();
      return value === "" ? null : value;
    };
    const parsed = parseLine(cell, line, file, reject);
    if (!parsed) return;
    if (seen.has(parsed.remittanceId)) {
      reject(line, "remittance_id", "duplicate_remittance_id", `remittance id ${parsed.remittanceId} appears earlier in ${file}; each line needs its own id`);
      return;
    }
    seen.add(parsed.remittanceId);
    lines.push(parsed);
  });
  return { lines, rejects, rowsRead: records.length - 1 };
}

function parseLine(
  cell: (name: string) => string | null,
  line: number,
  file: string,
  reject: (line: number, field: string, code: string, message: string) => void,
): RemittanceLine | null {
  for (const name of REQUIRED_COLUMNS) {
    if (cell(name) === null) {
      reject(line, name, "required_value_missing", `${name} is empty; every remittance line needs it`);
      return null;
    }
  }
  const recordType = cell("record_type") as string;
  if (!(RECORD_TYPES as readonly string[]).includes(recordType)) {
    reject(line, "record_type", "invalid_record_type", `record_type ${JSON.stringify(recordType)} is not payment, reversal, closure or status`);
    return null;
  }
  const date = cell("date") as string;
  if (!isIsoDate(date)) {
    reject(line, "date", "invalid_date", `date ${JSON.stringify(date)} is not a date written YYYY-MM-DD`);
    return null;
  }
  const result: RemittanceLine = {
    file,
    line,
    remittanceId: cell("remittance_id") as string,
    recordType: recordType as RecordType,
    placementId: cell("placement_id"),
    source: cell("source") as string,
    accountId: cell("account_id") as string,
    date,
    currency: null,
    amountMinor: 0,
    statusCode: cell("status_code"),
    reverses: cell("reverses"),
  };
  if (result.recordType === "payment" || result.recordType === "reversal") {
    const currency = cell("currency");
    if (currency === null || !isKnownCurrency(currency)) {
      reject(line, "currency", "currency_not_supported", `currency ${JSON.stringify(currency ?? "")} is not a supported ISO 4217 code`);
      return null;
    }
    const amountText = cell("amount") ?? "";
    const minor = parseMinor(amountText, currencyExponent(currency));
    if (minor === undefined || minor <= 0) {
      reject(line, "amount", "invalid_decimal", `amount ${JSON.stringify(amountText)} is not a positive decimal with a point and at most ${currencyExponent(currency)} decimals`);
      return null;
    }
    result.currency = currency;
    result.amountMinor = minor;
  }
  if (result.recordType === "reversal" && result.reverses === null) {
    reject(line, "reverses", "required_value_missing", "a reversal names the remittance_id of the payment it undoes in reverses");
    return null;
  }
  if (result.recordType === "status" && result.statusCode === null) {
    reject(line, "status_code", "required_value_missing", "a status line needs a status_code");
    return null;
  }
  return result;
}
