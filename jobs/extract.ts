// Pass 1, extract: reads every source through its connector into the staging
// tables, with row-level rejects. Nothing in the ledger proper changes here.

import type { Knex } from "knex";
import { createConnector } from "../connectors/index.ts";
import type { ResolvedConfig, SourceSettings } from "../src/config/resolve.ts";
import type {
  ExtractSink,
  RejectRow,
  RowOrigin,
  StagedAccount,
  StagedAllocation,
  StagedHold,
  StagedItem,
} from "../src/extract.ts";
import { ExtractError } from "../src/extract.ts";
import { insertRows } from "../src/ledger/db.ts";
import type { Logger } from "../src/log.ts";

export interface SourceExtract {
  source: string;
  /** loaded, or failed when the extract could not be read at all. */
  status: "loaded" | "failed";
  checksum: string;
  rowsRead: number;
  rowsRejected: number;
  error?: string;
}

const BATCH_ROWS = 1000;

type StagingTable = "stg_accounts" | "stg_items" | "stg_allocations" | "stg_holds";

/** Buffers staged rows and writes them in batches. */
class StagingSink implements ExtractSink {
  private buffers = new Map<StagingTable, Record<string, unknown>[]>();
  rejected = 0;

  constructor(
    private readonly trx: Knex.Transaction,
    private readonly rejects: RejectRow[],
  ) {}

  account(row: StagedAccount) {
    return this.push("stg_accounts", row, { account_id: row.accountId });
  }
  item(row: StagedItem) {
    return this.push("stg_items", row, { item_id: row.itemId, account_id: row.accountId });
  }
  allocation(row: StagedAllocation) {
    return this.push("stg_allocations", row, { item_id: row.itemId });
  }
  hold(row: StagedHold) {
    return this.push("stg_holds", row, { account_id: row.accountId });
  }
  reject(row: RejectRow) {
    this.rejected++;
    this.rejects.push(row);
  }

  private push(table: StagingTable, row: RowOrigin, keys: Record<string, string>) {
    const buffer = this.buffers.get(table) ?? [];
    this.buffers.set(table, buffer);
    buffer.push({ source: row.source, line: row.line, file: row.file, ...keys, row: JSON.stringify(row) });
    if (buffer.length >= BATCH_ROWS) return this.flushTable(table);
  }

  private async flushTable(table: StagingTable) {
    const rows = this.buffers.get(table) ?? [];
    this.buffers.set(table, []);
    await insertRows(this.trx, table, rows);
  }

  async flush() {
    for (const table of this.buffers.keys()) await this.flushTable(table);
  }
}

export async function clearStaging(trx: Knex.Transaction): Promise<void> {
  for (const table of ["stg_accounts", "stg_items", "stg_allocations", "stg_holds"]) {
    await trx(table).delete();
  }
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
    const result = await connector.read({ businessDate, baseDir: config.baseDir }, sink);
    await sink.flush();
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
    log.error("source extract failed", { source: source.name, file: error.file, code: error.code });
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
      status: "failed",
      checksum: "",
      rowsRead: 0,
      rowsRejected: 0,
      error: error.message,
    };
  }
}

export async function discardStaging(trx: Knex.Transaction, source: string): Promise<void> {
  for (const table of ["stg_accounts", "stg_items", "stg_allocations", "stg_holds"]) {
    await trx(table).where({ source }).delete();
  }
}
