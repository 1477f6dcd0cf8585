// RFC 4180 CSV for every output file of a run: UTF-8, a header row, "\n"
// line ends, and quotes only around cells that need them. Text cells are
// protected against formula injection. Amount, date, integer and rate cells
// are validated instead, so that they can be written unchanged ("-12.50").

import { once } from "node:events";
import { createWriteStream } from "node:fs";
import type { Writable } from "node:stream";
import { finished } from "node:stream/promises";

import { isIsoDate } from "../dates.ts";
import { InvariantError } from "../errors.ts";
import { formatMoney } from "../money.ts";

export type CsvColumnKind = "text" | "amount" | "date" | "integer" | "rate";

/** A cell value; null and undefined are written as an empty cell. */
export type CsvCell = string | number | null | undefined;

export interface CsvColumn<Row> {
  /** Header of the column, as the contract names it. */
  name: string;
  kind: CsvColumnKind;
  value: (row: Row) => CsvCell;
}

// Characters that make a spreadsheet read a cell as a formula or run it.
const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\n\r]/;

const DECIMAL = /^-?\d+(\.\d+)?$/;
const INTEGER = /^-?\d+$/;

/** Formats minor units as an amount cell with the currency's decimals. */
export function amountCell(minor: number, currency: string): string {
  return formatMoney(minor, currency);
}

/** Quotes a cell when it contains a comma, a quote or a line break. */
export function quoteCsvField(text: string): string {
  if (!NEEDS_QUOTES.test(text)) return text;
  return '"' + text.replaceAll('"', '""') + '"';
}

/** Prefixes a text cell with ' when a spreadsheet would run it as a formula. */
export function neutraliseFormula(text: string): string {
  return FORMULA_START.test(text) ? "'" + text : text;
}

/**
 * Converts one cell to its CSV text. Throws InvariantError when a non-text
 * cell does not match its kind, because such a cell is written unaltered
 * and would otherwise bypass the formula protection.
 */
export function formatCsvCell(kind: CsvColumnKind, value: CsvCell, column = "?"): string {
  if (value === null || value === undefined) return "";
  if (kind === "text") return quoteCsvField(neutraliseFormula(String(value)));
  const text = typeof value === "number" ? numberCellText(kind, value, column) : value;
  if (!matchesKind(kind, text)) {
    throw new InvariantError(
      `CSV column ${column} of kind ${kind} received ${JSON.stringify(text)}, ` +
        `which is not a valid ${kind}`,
    );
  }
  return text;
}

function numberCellText(kind: CsvColumnKind, value: number, column: string): string {
  if (kind === "integer" && Number.isSafeInteger(value)) return String(value);
  // A rate read back from a database column may arrive as a number. Its
  // shortest round-trip text is the decimal that was stored (0.016).
  if (kind === "rate" && Number.isFinite(value)) return String(value);
  // Amounts must arrive as decimal strings with the currency's decimals
  // (see amountCell), because a number cannot carry trailing zeros.
  throw new InvariantError(
    `CSV column ${column} of kind ${kind} received the number ${value}. ` +
      `Pass ${kind === "amount" ? "amountCell(minor, currency)" : "a string"} instead.`,
  );
}

function matchesKind(kind: Exclude<CsvColumnKind, "text">, text: string): boolean {
  switch (kind) {
    case "amount":
    case "rate":
      return DECIMAL.test(text);
    case "integer":
      return INTEGER.test(text);
    case "date":
      return isIsoDate(text);
  }
}

/** Formats the header line, without its line end. */
export function formatCsvHeader<Row>(columns: readonly CsvColumn<Row>[]): string {
  return columns.map((column) => formatCsvCell("text", column.name, column.name)).join(",");
}

/** Formats one data line, without its line end. */
export function formatCsvRow<Row>(columns: readonly CsvColumn<Row>[], row: Row): string {
  return columns
    .map((column) => formatCsvCell(column.kind, column.value(row), column.name))
    .join(",");
}

/** Renders a whole CSV file: the header, then one line per row, each ending in "\n". */
export function renderCsv<Row>(columns: readonly CsvColumn<Row>[], rows: Iterable<Row>): string {
  const lines = [formatCsvHeader(columns)];
  for (const row of rows) lines.push(formatCsvRow(columns, row));
  return lines.join("\n") + "\n";
}

/**
 * Builds a comparator that orders rows by the named key columns in turn.
 * Text compares by Unicode code point, which is the byte order of UTF-8 and
 * independent of the machine locale. Amounts, rates and integers compare by
 * value, dates in calendar order, and empty cells sort first. Rows with
 * equal keys compare as 0, and Array.prototype.sort is stable (ES2019), so
 * they keep their input order.
 */
export function compareRowsBy<Row>(
  columns: readonly CsvColumn<Row>[],
  keys: readonly string[],
): (a: Row, b: Row) => number {
  const keyColumns = keys.map((key) => {
    const column = columns.find((candidate) => candidate.name === key);
    if (!column) throw new InvariantError(`sort key ${key} is not a CSV column`);
    return column;
  });
  return (a, b) => {
    for (const column of keyColumns) {
      const order = compareCells(column.kind, column.value(a), column.value(b));
      if (order !== 0) return order;
    }
    return 0;
  };
}

function compareCells(kind: CsvColumnKind, a: CsvCell, b: CsvCell): number {
  const left = a === null || a === undefined ? "" : String(a);
  const right = b === null || b === undefined ? "" : String(b);
  if (left === right) return 0;
  if (left === "") return -1;
  if (right === "") return 1;
  if (kind === "text" || kind === "date") return compareCodePoints(left, right);
  return compareDecimals(left, right);
}

/** Compares two strings by code point rather than by UTF-16 code unit. */
export function compareCodePoints(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let index = 0; index < length; index++) {
    const left = a.charCodeAt(index);
    const right = b.charCodeAt(index);
    if (left !== right) return codePointRank(left) - codePointRank(right);
  }
  return a.length - b.length;
}

// Surrogates (D800-DFFF) encode code points above FFFF, so they must rank
// after the code units E000-FFFF that they precede in UTF-16 order.
function codePointRank(unit: number): number {
  if (unit >= 0xe000) return unit - 0x800;
  if (unit >= 0xd800) return unit + 0x2000;
  return unit;
}

/** Compares decimal strings such as "-12.50" and "3" by value, without floats. */
export function compareDecimals(a: string, b: string): number {
  const left = splitDecimal(a);
  const right = splitDecimal(b);
  if (left.negative !== right.negative) return left.negative ? -1 : 1;
  const magnitude = compareMagnitudes(left, right);
  return left.negative ? -magnitude : magnitude;
}

interface DecimalParts {
  negative: boolean;
  whole: string;
  fraction: string;
}

function splitDecimal(text: string): DecimalParts {
  if (!DECIMAL.test(text)) {
    throw new InvariantError(`sort key ${JSON.stringify(text)} is not a decimal`);
  }
  const negative = text.startsWith("-");
  const [whole, fraction = ""] = text.replace(/^-/, "").split(".");
  const parts = {
    negative,
    whole: whole.replace(/^0+/, ""),
    fraction: fraction.replace(/0+$/, ""),
  };
  // "-0.00" is zero and must not sort before "0".
  if (!parts.whole && !parts.fraction) parts.negative = false;
  return parts;
}

function compareMagnitudes(a: DecimalParts, b: DecimalParts): number {
  if (a.whole.length !== b.whole.length) return a.whole.length - b.whole.length;
  if (a.whole !== b.whole) return a.whole < b.whole ? -1 : 1;
  if (a.fraction === b.fraction) return 0;
  return a.fraction < b.fraction ? -1 : 1;
}

// Rows are collected into chunks of about this many characters before they
// are written, so that a file of millions of rows is not millions of writes.
const CHUNK_CHARS = 64 * 1024;

/**
 * Writes CSV rows to a stream, waiting for the stream to drain whenever its
 * buffer is full. The header is written by the first write or by close.
 */
export class CsvWriter<Row> {
  private pending = "";
  private headerWritten = false;
  private closed = false;
  private failure: Error | undefined;
  /** Data rows written so far. */
  rowCount = 0;

  constructor(
    private readonly stream: Writable,
    private readonly columns: readonly CsvColumn<Row>[],
  ) {
    // Without a listener, a failed open or write would crash the process
    // instead of rejecting the next write or close.
    stream.on("error", (error: Error) => {
      this.failure ??= error;
    });
  }

  async write(row: Row): Promise<void> {
    this.append(formatCsvRow(this.columns, row));
    this.rowCount += 1;
    if (this.pending.length >= CHUNK_CHARS) await this.flush();
  }

  /** Writes a line that is not a data row, such as a trailer with control totals. */
  async writeRawLine(line: string): Promise<void> {
    this.append(line);
    if (this.pending.length >= CHUNK_CHARS) await this.flush();
  }

  /** Writes what is buffered, ends the stream and waits until it is finished. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.ensureHeader();
    await this.flush();
    this.closed = true;
    this.throwIfFailed();
    this.stream.end();
    // Resolves once a file stream has also closed its descriptor.
    await finished(this.stream);
  }

  /** Discards what is buffered and destroys the stream, after a failed row. */
  abort(): void {
    this.closed = true;
    this.pending = "";
    this.stream.destroy();
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }

  private append(line: string): void {
    if (this.closed) throw new InvariantError("CSV writer used after close");
    this.throwIfFailed();
    this.ensureHeader();
    this.pending += line + "\n";
  }

  private ensureHeader(): void {
    if (this.headerWritten) return;
    this.headerWritten = true;
    this.pending = formatCsvHeader(this.columns) + "\n" + this.pending;
  }

  private async flush(): Promise<void> {
    if (!this.pending) return;
    const chunk = this.pending;
    this.pending = "";
    this.throwIfFailed();
    if (!this.stream.write(chunk, "utf8")) await once(this.stream, "drain");
  }
}

/** Opens a file (replacing it) for streaming CSV rows into it. */
export function createCsvFileWriter<Row>(
  path: string,
  columns: readonly CsvColumn<Row>[],
): CsvWriter<Row> {
  // Output files carry personal data: new files are readable by their owner only.
  return new CsvWriter(createWriteStream(path, { encoding: "utf8", mode: 0o600 }), columns);
}

/** Streams rows into a CSV file and returns the number of data rows written. */
export async function writeCsvFile<Row>(
  path: string,
  columns: readonly CsvColumn<Row>[],
  rows: Iterable<Row> | AsyncIterable<Row>,
): Promise<number> {
  const writer = createCsvFileWriter(path, columns);
  try {
    for await (const row of rows) await writer.write(row);
    await writer.close();
  } catch (error) {
    writer.abort();
    throw error;
  }
  return writer.rowCount;
}
