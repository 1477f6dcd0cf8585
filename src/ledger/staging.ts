// The typed staging tables of sql/migrations/0009-staging.ts. A shape maps
// each field of a staged row to its column, and stagedRows reads the rows of
// a source back in extract order.

import type { Knex } from "knex";
import type { StagedAccount, StagedAllocation, StagedHold, StagedItem } from "../extract.ts";

/**
 * A staging table and the columns of its rows, each named by the field of
 * the staged row that fills it. The origin columns (source, line, file) come
 * first in every table.
 */
export interface StagingShape<T> {
  table: "stg_accounts" | "stg_items" | "stg_allocations" | "stg_holds";
  fields: readonly (readonly [field: keyof T & string, column: string])[];
}

const ORIGIN_FIELDS = [
  ["source", "source"],
  ["line", "line"],
  ["file", "file"],
] as const;

export const ACCOUNT_STAGING: StagingShape<StagedAccount> = {
  table: "stg_accounts",
  fields: [
    ...ORIGIN_FIELDS,
    ["accountId", "account_id"],
    ["customerId", "customer_id"],
    ["name", "name"],
    ["segment", "segment"],
    ["entity", "entity"],
    ["status", "status"],
    ["currency", "currency"],
    ["country", "country"],
    ["language", "language"],
    ["email", "email"],
    ["phone", "phone"],
    ["addressLine1", "address_line1"],
    ["addressLine2", "address_line2"],
    ["city", "city"],
    ["postalCode", "postal_code"],
    ["region", "region"],
    ["taxId", "tax_id"],
    ["autopay", "autopay"],
    ["iban", "iban"],
    ["mandateId", "mandate_id"],
    ["mandateDate", "mandate_date"],
    ["creditLimitMinor", "credit_limit_minor"],
    ["channel", "channel"],
  ],
};

export const ITEM_STAGING: StagingShape<StagedItem> = {
  table: "stg_items",
  fields: [
    ...ORIGIN_FIELDS,
    ["itemId", "item_id"],
    ["accountId", "account_id"],
    ["type", "type"],
    ["status", "status"],
    ["documentDate", "document_date"],
    ["dueDate", "due_date"],
    ["currency", "currency"],
    ["amountMinor", "amount_minor"],
    ["appliesTo", "applies_to"],
    ["disputedMinor", "disputed_minor"],
    ["exchangeRate", "exchange_rate"],
    ["taxMinor", "tax_minor"],
    ["taxCode", "tax_code"],
    ["reference", "reference"],
  ],
};

export const ALLOCATION_STAGING: StagingShape<StagedAllocation> = {
  table: "stg_allocations",
  fields: [
    ...ORIGIN_FIELDS,
    ["itemId", "item_id"],
    ["appliesTo", "applies_to"],
    ["amountMinor", "amount_minor"],
    ["date", "date"],
  ],
};

export const HOLD_STAGING: StagingShape<StagedHold> = {
  table: "stg_holds",
  fields: [
    ...ORIGIN_FIELDS,
    ["accountId", "account_id"],
    ["kind", "kind"],
    ["startDate", "start_date"],
    ["endDate", "end_date"],
    ["reason", "reason"],
    ["promisedMinor", "promised_minor"],
    ["promisedDate", "promised_date"],
  ],
};

/** Returns the staging table's column names in the order of the shape. */
export function stagingColumns<T>(shape: StagingShape<T>): string[] {
  return shape.fields.map(([, column]) => column);
}

/**
 * Turns a row read from a staging table back into the staged row. Text and
 * integers come back as written, but SQLite returns booleans as 0 or 1.
 */
export function fromStaging<T>(shape: StagingShape<T>, stored: Record<string, unknown>): T {
  const row: Record<string, unknown> = {};
  for (const [field, column] of shape.fields) row[field] = stored[column];
  if (shape.table === "stg_accounts") row.autopay = Boolean(row.autopay);
  return row as T;
}

/** Rows per read of a staging table. */
const STAGED_CHUNK = 500;

/**
 * Reads the staged rows of a source in (file, line) order, a chunk at a
 * time. Each read starts after the last row of the previous one through a
 * row-value comparison, which SQLite and PostgreSQL both turn into a range
 * of the (source, file, line) index. Written as an OR of two conditions, it
 * made both scan every row of the source up to that position on each read.
 */
export async function stagedRows<T>(
  trx: Knex.Transaction,
  shape: StagingShape<T>,
  source: string,
  onChunk: (rows: T[]) => Promise<void>,
): Promise<void> {
  let after: [file: string, line: number] | null = null;
  for (;;) {
    const query = trx(shape.table)
      .select(stagingColumns(shape))
      .where({ source })
      .orderBy([{ column: "file" }, { column: "line" }])
      .limit(STAGED_CHUNK);
    if (after !== null) query.whereRaw("(file, line) > (?, ?)", after);
    const rows: Record<string, unknown>[] = await query;
    if (rows.length === 0) return;
    const last = rows[rows.length - 1];
    after = [last.file as string, Number(last.line)];
    await onChunk(rows.map((row) => fromStaging(shape, row)));
  }
}
