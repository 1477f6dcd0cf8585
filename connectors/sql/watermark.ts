// Incremental reads by watermark: a query reads only the rows whose
// watermark column (updated_at, a change sequence) is above the highest
// value an earlier committed run saw. The new watermark is the highest value
// among the rows read. The ledger stores it with the run, so it moves on
// only when the run commits.

import {
  incrementalQueries,
  type ExtractFile,
  type SqlSourceConfig,
} from "../../src/config/sources.ts";
import { queryParameters } from "../../src/config/source-rules.ts";

/** Columns that order an incremental query's rows, so that its checksum is repeatable. */
const ORDER_COLUMNS: Record<ExtractFile, string> = {
  accounts: "account_id",
  items: "item_id",
  allocations: "item_id, applies_to",
  holds: "account_id, kind, start_date",
};

export interface PreparedQuery {
  sql: string;
  /** Value for :watermark, when the query takes one. */
  watermark?: string;
  /** Whether the query is read incrementally and its rows move the watermark. */
  incremental: boolean;
}

/**
 * Prepares one query of a source. A query with :watermark gets the stored
 * watermark bound (the configured initial value on the first run). Another
 * incremental query is wrapped in a filter on the watermark column once a
 * watermark is stored, and read whole before that.
 */
export function prepareQuery(
  config: SqlSourceConfig,
  file: ExtractFile,
  sql: string,
  previous: string | undefined,
): PreparedQuery {
  const watermark = config.watermark;
  const usesParameter = queryParameters(sql).includes(":watermark");
  if (!watermark) return { sql, incremental: false };
  if (usesParameter) {
    return { sql, watermark: previous ?? watermark.initial, incremental: true };
  }
  if (!incrementalQueries(config).includes(file)) return { sql, incremental: false };
  if (previous === undefined) return { sql, incremental: true };
  const inner = sql.trim().replace(/;\s*$/, "");
  const wrapped =
    `SELECT * FROM (${inner}) dcms_rows WHERE dcms_rows.${watermark.column} > :watermark ` +
    `ORDER BY ${ORDER_COLUMNS[file]}`;
  return { sql: wrapped, watermark: previous, incremental: true };
}

const INTEGER = /^-?\d+$/;

/**
 * Orders watermark values: whole numbers by value, other text (timestamps
 * written by the database in one layout) by code point.
 */
export function compareWatermarks(a: string, b: string): number {
  if (INTEGER.test(a) && INTEGER.test(b)) return Math.sign(Number(BigInt(a) - BigInt(b)));
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

/** Returns the text of a watermark value as the driver returns it, or null. */
export function watermarkText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  return String(value);
}

/** Returns the higher of two watermarks, either of which may be absent. */
export function laterWatermark(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return compareWatermarks(a, b) >= 0 ? a : b;
}
