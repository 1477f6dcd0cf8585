// Control totals: the row count and the amount sum per currency that a
// billing system writes beside its extract, in a trailer record at the end
// of a file or in a separate control file. Totals that disagree with what
// was read mean a truncated or altered extract, so the whole source is
// rejected for the night.

import { readFile } from "node:fs/promises";
import type { Hash } from "node:crypto";
import path from "node:path";
import { parse } from "csv-parse/sync";
import { ExtractError } from "../src/extract.ts";
import { currencyExponent, formatMinor, isKnownCurrency, parseMinor } from "../src/money.ts";
import type { FileLocation } from "./delimited.ts";
import { fileExists } from "./delimited.ts";
import type { RawRow, ValueFormat } from "./fields.ts";

/**
 * Control amounts are summed in ten-thousandths, the smallest minor unit of
 * ISO 4217 (CLF, UYW), so that every currency and a sum across currencies
 * are exact.
 */
const CONTROL_EXPONENT = 4;

/** Extract error codes that reject a source whose extract was read but failed its controls. */
export const CONTROL_CODES: ReadonlySet<string> = new Set([
  "control_totals_mismatch",
  "trailer_missing",
  "control_file_missing",
  "control_file_invalid",
]);

/** Row count and amount sums of one extract file, as written in it (credits with their sign). */
export class FileTotals {
  rows = 0;
  /** Amount sum per currency code in ten-thousandths; rows without a readable amount add nothing. */
  readonly amounts = new Map<string, bigint>();

  /** Counts a data row, and its amount when the row has one that reads as a decimal. */
  addRow(raw: RawRow | null, format: ValueFormat): void {
    this.rows += 1;
    const text = raw?.amount?.trim();
    if (!text) return;
    const units = format.amountsInMinor
      ? undefined
      : parseMinor(text, CONTROL_EXPONENT, { decimal: format.decimal, grouping: format.grouping });
    if (units === undefined) return;
    const currency = raw?.currency?.trim().toUpperCase() ?? "";
    this.amounts.set(currency, (this.amounts.get(currency) ?? 0n) + BigInt(units));
  }

  /** Sum over every currency, for a trailer that totals the whole file. */
  amountTotal(): bigint {
    let total = 0n;
    for (const amount of this.amounts.values()) total += amount;
    return total;
  }
}

/** One control record: the totals that the billing system wrote for a file. */
export interface ControlRecord {
  /** Place of the record, for messages: "trailer line 12" or "items.ctl line 3". */
  origin: string;
  rows: string;
  amount?: string;
  currency?: string;
}

function mismatch(location: FileLocation, detail: string): ExtractError {
  return new ExtractError(
    `source ${location.source}: ${location.file} does not match its control totals: ${detail}; ` +
      "the extract may be truncated or altered, so ask the billing system to send it again",
    location.source,
    location.file,
    "control_totals_mismatch",
  );
}

/** Formats ten-thousandths with the currency's decimals, or all four for other codes. */
function formatControl(units: bigint, currency: string): string {
  const exponent = isKnownCurrency(currency) ? currencyExponent(currency) : CONTROL_EXPONENT;
  const scale = 10n ** BigInt(CONTROL_EXPONENT - exponent);
  if (units % scale === 0n) return formatMinor(Number(units / scale), exponent);
  return formatMinor(Number(units), CONTROL_EXPONENT);
}

/** Key of the total over every currency, for control records that name none. */
const ALL_CURRENCIES = "*";

function label(currency: string): string {
  if (currency === ALL_CURRENCIES) return "of all currencies";
  return currency === "" ? "without currency" : currency;
}

/**
 * Compares the totals of a file with its control records: every record's row
 * count, and the amounts per currency (or of the whole file when the records
 * name no currency). Throws control_totals_mismatch on the first difference.
 */
export function compareTotals(
  location: FileLocation,
  records: ControlRecord[],
  totals: FileTotals,
  amountFormat: { decimal: "." | ","; grouping: ValueFormat["grouping"] },
): void {
  for (const record of records) {
    const rows = /^\s*\d+\s*$/.test(record.rows) ? Number(record.rows) : Number.NaN;
    if (Number.isNaN(rows)) {
      throw mismatch(location, `${record.origin} has the row count ${JSON.stringify(record.rows)}, which is not a whole number`);
    }
    if (rows !== totals.rows) {
      throw mismatch(location, `${record.origin} gives ${rows} rows, the file has ${totals.rows}`);
    }
  }
  const withAmount = records.filter((record) => record.amount !== undefined && record.amount.trim() !== "");
  if (withAmount.length === 0) return;
  const byCurrency = withAmount.some((record) => (record.currency ?? "").trim() !== "");
  const expected = new Map<string, bigint>();
  for (const record of withAmount) {
    const units = parseMinor(record.amount as string, CONTROL_EXPONENT, amountFormat);
    if (units === undefined) {
      throw mismatch(location, `${record.origin} has the amount ${JSON.stringify(record.amount)}, which is not a decimal`);
    }
    const currency = byCurrency ? (record.currency?.trim().toUpperCase() ?? "") : ALL_CURRENCIES;
    expected.set(currency, (expected.get(currency) ?? 0n) + BigInt(units));
  }
  const found = byCurrency ? totals.amounts : new Map([[ALL_CURRENCIES, totals.amountTotal()]]);
  const currencies = [...new Set([...expected.keys(), ...found.keys()])].sort();
  for (const currency of currencies) {
    const want = expected.get(currency) ?? 0n;
    const have = found.get(currency) ?? 0n;
    if (want === have) continue;
    throw mismatch(
      location,
      `the amounts ${label(currency)} sum to ${formatControl(have, currency)}, ` +
        `the control total is ${formatControl(want, currency)}`,
    );
  }
}

/** A file's trailer layout, read from the values of one record. */
export interface TrailerReader {
  /** Whether a record is a trailer record rather than data. */
  isTrailer(values: string[]): boolean;
  read(values: string[]): Omit<ControlRecord, "origin">;
}

export function trailerMissing(location: FileLocation): ExtractError {
  return new ExtractError(
    `source ${location.source}: ${location.file} ends without its trailer record; ` +
      "the file is probably truncated, so ask the billing system to send it again",
    location.source,
    location.file,
    "trailer_missing",
  );
}

/** A file the connector read, with the names a control file may use for it. */
export interface ReadFile {
  /** accounts, items, allocations or holds. */
  extract: string;
  location: FileLocation;
  totals: FileTotals;
}

/**
 * Reads a source's control file and compares it with the files read. The
 * file is UTF-8 CSV with the header `file,rows,currency,amount`: a row per
 * extract file, or per file and currency, naming the file by its extract
 * name (items) or its file name. Amounts are written like 1234.50.
 */
export async function checkControlFile(
  source: string,
  folder: string,
  controlFile: string,
  files: ReadFile[],
  hash: Hash,
): Promise<void> {
  const location: FileLocation = { source, file: controlFile, filePath: path.resolve(folder, controlFile) };
  if (!(await fileExists(location.filePath))) {
    throw new ExtractError(
      `source ${source}: control file ${controlFile} not found; the billing system writes it with the extract, ` +
        "so wait for it or remove control_file from the source",
      source,
      controlFile,
      "control_file_missing",
    );
  }
  const bytes = await readFile(location.filePath);
  hash.update(`control\0${controlFile}\0`);
  hash.update(bytes);
  const rows = parseControlFile(bytes, location);
  for (const row of rows) {
    const known = files.some((file) => file.extract === row.file || file.location.file === row.file);
    if (!known) {
      throw mismatch(location, `line ${row.line} names ${JSON.stringify(row.file)}, which the source does not read`);
    }
  }
  for (const file of files) {
    const records = rows
      .filter((row) => row.file === file.extract || row.file === file.location.file)
      .map((row) => ({ origin: `${controlFile} line ${row.line}`, rows: row.rows, amount: row.amount, currency: row.currency }));
    compareTotals(file.location, records, file.totals, { decimal: ".", grouping: "" });
  }
}

interface ControlFileRow {
  line: number;
  file: string;
  rows: string;
  currency?: string;
  amount?: string;
}

function parseControlFile(bytes: Buffer, location: FileLocation): ControlFileRow[] {
  const invalid = (detail: string) =>
    new ExtractError(
      `source ${location.source}: control file ${location.file} ${detail}; ` +
        "it must be CSV with the header file,rows,currency,amount",
      location.source,
      location.file,
      "control_file_invalid",
    );
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(bytes, {
      bom: true,
      skip_empty_lines: true,
      relax_column_count: true,
      info: true,
    }) as unknown as typeof records;
  } catch (error) {
    throw invalid(`cannot be parsed (${(error as Error).message})`);
  }
  const header = (records[0]?.record ?? []).map((name) => name.trim());
  const index = (name: string) => header.indexOf(name);
  if (index("file") < 0 || index("rows") < 0) throw invalid("has no file and rows columns");
  return records.slice(1).map(({ record: values, info }) => {
    const cell = (name: string) => (index(name) < 0 ? undefined : values[index(name)]?.trim());
    return {
      line: info.lines,
      file: cell("file") ?? "",
      rows: cell("rows") ?? "",
      currency: cell("currency") || undefined,
      amount: cell("amount") || undefined,
    };
  });
}
