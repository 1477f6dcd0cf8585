// Pass 1, extract: reads every source through its connector into the staging
// tables, with row-level rejects. Nothing in the ledger proper changes here:
// the new watermarks of incremental sources wait in staging until their
// source is consolidated.

import type { Knex } from "knex";
import { createConnector } from "../connectors/index.ts";
import { CONTROL_CODES } from "../connectors/control.ts";
import type { ResolvedConfig, SourceSettings } from "../src/config/resolve.ts";
import type {
  ExtractSink,
  RejectRow,
  StagedAccount,
  StagedAllocation,
  StagedHold,
  StagedItem,
} from "../src/extract.ts";
import { ExtractError } from "../src/extract.ts";
import { insertRows, insertValues } from "../src/ledger/db.ts";
import {
  ACCOUNT_STAGING,
  ALLOCATION_STAGING,
  HOLD_STAGING,
  ITEM_STAGING,
  stagingColumns,
  type StagingShape,
} from "../src/ledger/staging.ts";
import type { Logger } from "../src/log.ts";

export interface SourceExtract {
  source: string;
  /**
   * loaded; rejected when the extract was read but failed its control
   * totals; failed when it could not be read at all.
   */
  status: "loaded" | "rejected" | "failed";
  checksum: string;
  rowsRead: number;
  rowsRejected: number;
  error?: string;
}

/** Staging tables, emptied before and after every run and per rejected source. */
const STAGING_TABLES = [
  "stg_accounts",
  "stg_items",
  "stg_allocations",
  "stg_holds",
  "stg_rejected_items",
  "stg_watermarks",
  "stg_links",
  "stg_link_keys",
];

/** Rows buffered per staging table before they are written in one batch. */
const BATCH_ROWS = 5000;

/** Buffers staged rows and writes them in batches. */
class StagingSink implements ExtractSink {
  private readonly buffers = new Map<string, unknown[][]>();
  rejected = 0;

  constructor(
    private readonly trx: Knex.Transaction,
    private readonly rejects: RejectRow[],
  ) {}

  account(row: StagedAccount) {
    return this.push(ACCOUNT_STAGING, row);
  }
  item(row: StagedItem) {
    return this.push(ITEM_STAGING, row);
  }
  allocation(row: StagedAllocation) {
    return this.push(ALLOCATION_STAGING, row);
  }
  hold(row: StagedHold) {
    return this.push(HOLD_STAGING, row);
  }
  reject(row: RejectRow) {
    this.rejected++;
    this.rejects.push(row);
  }
  rejectedItem(source: string, itemId: string) {
    return this.buffer("stg_rejected_items", [source, itemId]);
  }

  private push<T>(shape: StagingShape<T>, row: T) {
    const values = shape.fields.map(([field]) => row[field] ?? null);
    return this.buffer(shape.table, values);
  }

  private buffer(table: string, values: unknown[]) {
    let buffer = this.buffers.get(table);
    if (!buffer) {
      buffer = [];
      this.buffers.set(table, buffer);
    }
    buffer.push(values);
    if (buffer.length >= BATCH_ROWS) return this.flushTable(table);
  }

  private async flushTable(table: string) {
    const rows = this.buffers.get(table) ?? [];
    this.buffers.set(table, []);
    await insertValues(this.trx, table, STAGING_COLUMNS[table], rows);
  }

  async flush() {
    for (const table of this.buffers.keys()) await this.flushTable(table);
  }
}

const STAGING_COLUMNS: Record<string, string[]> = {
  stg_accounts: stagingColumns(ACCOUNT_STAGING),
  stg_items: stagingColumns(ITEM_STAGING),
  stg_allocations: stagingColumns(ALLOCATION_STAGING),
  stg_holds: stagingColumns(HOLD_STAGING),
  stg_rejected_items: ["source", "item_id"],
};

export async function clearStaging(trx: Knex.Transaction): Promise<void> {
  for (const table of STAGING_TABLES) await trx(table).delete();
}

/**
 * Returns the watermark per query that the latest committed run before the
 * business date stored for a source. A re-run of a date therefore reads from
 * where the night before left off, like the run it replaces.
 */
export async function storedWatermarks(
  db: Knex | Knex.Transaction,
  source: string,
  businessDate: string,
): Promise<Record<string, string>> {
  const rows: { query: string; watermark: string }[] = await db("source_watermarks as w")
    .join("runs as r", "r.run_id", "w.run_id")
    .select("w.query", "w.watermark")
    .where({ "w.source": source, "r.status": "committed" })
    .where("r.business_date", "<", businessDate)
    .orderBy([
      { column: "r.business_date", order: "desc" },
      { column: "r.run_id", order: "desc" },
    ]);
  const watermarks: Record<string, string> = {};
  for (const row of rows) watermarks[row.query] ??= row.watermark;
  return watermarks;
}

export async function extractSource(
  trx: Knex.Transaction,
  config: ResolvedConfig,
  source: SourceSettings,
  businessDate: string,
  rejects: RejectRow[],
  log: Logger,
): Promise<SourceExtract> {
  const sink = new StagingSink(trx, rejects);
  const started = Date.now();
  try {
    const connector = createConnector(source.name, source.config);
    const watermarks = await storedWatermarks(trx, source.name, businessDate);
    const context = { businessDate, baseDir: config.baseDir, watermarks };
    const result = await connector.read(context, sink);
    await sink.flush();
    await insertRows(
      trx,
      "stg_watermarks",
      Object.entries(result.watermarks ?? {}).map(([query, watermark]) => ({ source: source.name, query, watermark })),
    );
    const rowsRead = Object.values(result.rowsRead).reduce((sum, count) => sum + count, 0);
    log.info("source extracted", {
      source: source.name,
      rows: rowsRead,
      rejected: sink.rejected,
      ms: Date.now() - started,
    });
    return {
      source: source.name,
      status: "loaded",
      checksum: result.checksum,
      rowsRead,
      rowsRejected: sink.rejected,
    };
  } catch (error) {
    if (!(error instanceof ExtractError)) throw error;
    await discardStaging(trx, source.name);
    const status = CONTROL_CODES.has(error.code) ? "rejected" : "failed";
    log.error(`source extract ${status}`, { source: source.name, file: error.file, code: error.code });
    rejects.push({
      source: source.name,
      file: error.file,
      line: 0,
      field: "",
      code: error.code,
      message: error.message,
    });
    return {
      source: source.name,
      status,
      checksum: "",
      rowsRead: 0,
      rowsRejected: 0,
      error: error.message,
    };
  }
}

export async function discardStaging(trx: Knex.Transaction, source: string): Promise<void> {
  for (const table of STAGING_TABLES) await trx(table).where({ source }).delete();
}
