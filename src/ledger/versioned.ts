// Writes to versioned tables: a changed row becomes a new version and the old
// one is marked superseded by the run, so the run can be reversed exactly.

import type { Knex } from "knex";
import { insertRows } from "./db.ts";

export interface VersionedTable {
  table: string;
  /** Columns that identify the row across versions. */
  keyColumns: readonly string[];
  /** Whether the table has an integer version column. */
  numbered: boolean;
}

type Row = Record<string, unknown>;

function keyOf(row: Row, columns: readonly string[]): string {
  return columns.map((column) => String(row[column])).join("\u0000");
}

function sameValues(current: Row, next: Row): boolean {
  for (const [column, value] of Object.entries(next)) {
    const stored = current[column];
    if (typeof value === "boolean") {
      if (Boolean(stored) !== value) return false;
    } else if ((stored ?? null) !== (value ?? null)) {
      return false;
    }
  }
  return true;
}

/**
 * Upserts rows into a versioned table. Rows equal to the current version are
 * left alone; new and changed rows are inserted with the run's id. Returns
 * how many rows were inserted and how many of those replaced a version.
 */
export async function upsertVersioned(
  trx: Knex.Transaction,
  spec: VersionedTable,
  rows: readonly Row[],
  runId: number,
): Promise<{ inserted: number; changed: number }> {
  if (rows.length === 0) return { inserted: 0, changed: 0 };
  const current = await loadCurrent(trx, spec, rows);
  const inserts: Row[] = [];
  const superseded: Row[] = [];
  for (const row of rows) {
    const existing = current.get(keyOf(row, spec.keyColumns));
    if (existing && sameValues(existing, row)) continue;
    const version = existing && spec.numbered ? Number(existing.version) + 1 : 1;
    inserts.push({ ...row, ...(spec.numbered ? { version } : {}), run_id: runId, superseded_run: null });
    if (existing) superseded.push(existing);
  }
  for (const row of superseded) {
    const where: Row = {};
    for (const column of spec.keyColumns) where[column] = row[column];
    await trx(spec.table).where(where).whereNull("superseded_run").update({ superseded_run: runId });
  }
  await insertRows(trx, spec.table, inserts);
  return { inserted: inserts.length, changed: superseded.length };
}

async function loadCurrent(
  trx: Knex.Transaction,
  spec: VersionedTable,
  rows: readonly Row[],
): Promise<Map<string, Row>> {
  const current = new Map<string, Row>();
  // Narrow by the first key column's values, then match the full key and
  // the current version in code. With "superseded_run is null" in the query,
  // SQLite preferred an index on superseded_run where a table has one, and
  // read every current row of the table for each chunk.
  const [first] = spec.keyColumns;
  const values = [...new Set(rows.map((row) => row[first] as string))];
  for (let start = 0; start < values.length; start += 500) {
    const found: Row[] = await trx(spec.table).whereIn(first, values.slice(start, start + 500));
    for (const row of found) {
      if (row.superseded_run === null) current.set(keyOf(row, spec.keyColumns), row);
    }
  }
  return current;
}

/** Tables whose rows carry run_id and superseded_run. */
export const VERSIONED_TABLES = [
  "accounts",
  "items",
  "source_allocations",
  "allocations",
  "holds",
  "account_state",
  "allowances",
  "account_match_keys",
  "instalments",
  "bank_entries",
  "suspense",
  "collections",
  "autopay_stops",
  "set_offs",
  "payables",
  "discounts",
  "write_backs",
  "write_offs",
] as const;

/**
 * Tables whose rows record what one run decided or saw. A re-run keeps them:
 * they stay readable under the superseded run for explain and audit, and
 * readers of current figures select committed runs only.
 */
export const RUN_TABLES = [
  "decisions",
  "actions",
  "letters",
  "placements",
  "account_aging",
  "rejects",
  "source_runs",
  "source_watermarks",
  "item_closures",
  "customer_links",
  "dunning_charges",
  "dunning_outcomes",
  "dunning_usage",
  "refund_proposals",
  "agency_files",
  "agency_remittances",
  "agency_waiting",
  "write_off_proposals",
] as const;

/**
 * Restores the ledger state from before a run: the versioned rows it wrote
 * are deleted and the rows it replaced are current again. Customer keys stay,
 * because a key never changes once given.
 */
export async function reverseRunRows(trx: Knex.Transaction, runId: number): Promise<void> {
  for (const table of VERSIONED_TABLES) {
    await trx(table).where({ run_id: runId }).delete();
    await trx(table).where({ superseded_run: runId }).update({ superseded_run: null });
  }
}
