// Reads a billing system's database through queries that return columns
// named as the standard fields, whole or incrementally by watermark. Values
// are bound parameters only.

import { createHash, type Hash } from "node:crypto";
import {
  EXTRACT_FILES,
  REQUIRED_FIELDS,
  STANDARD_FIELDS,
  type ExtractFile,
  type SqlSourceConfig,
} from "../../src/config/sources.ts";
import {
  ExtractError,
  type Connector,
  type ExtractContext,
  type ExtractResult,
  type ExtractSink,
  type RowOrigin,
} from "../../src/extract.ts";
import { STANDARD_FORMAT, type RawRow, type ValueFormat } from "../fields.ts";
import {
  parseAccount,
  parseAllocation,
  parseHold,
  parseItem,
  type RowDefaults,
} from "../rows.ts";
import { openSourceDatabase } from "./database.ts";
import { queryRows, type QueryRow } from "./query-rows.ts";
import { toRawRow } from "./values.ts";
import { laterWatermark, prepareQuery, watermarkText } from "./watermark.ts";

export class SqlConnector implements Connector {
  constructor(
    private readonly name: string,
    private readonly config: SqlSourceConfig,
  ) {}

  async read(context: ExtractContext, sink: ExtractSink): Promise<ExtractResult> {
    const { db, dialect } = openSourceDatabase(this.config, context.baseDir);
    const hash = createHash("sha256");
    const rowsRead: Record<string, number> = {};
    const watermarks: Record<string, string> = {};
    try {
      await this.checkConnection(db.raw.bind(db));
      for (const file of EXTRACT_FILES) {
        const sql = this.config.queries[file];
        if (sql === undefined) continue;
        const previous = context.watermarks?.[file];
        const query = prepareQuery(this.config, file, sql, previous);
        const parameters: Record<string, string> = { business_date: context.businessDate };
        if (query.watermark !== undefined) parameters.watermark = query.watermark;
        const rows = queryRows(db, dialect, query.sql, parameters);
        const read = await this.stageQuery(file, rows, sink, hash, query.incremental);
        rowsRead[file] = read.count;
        const watermark = query.incremental ? laterWatermark(previous, read.maxWatermark) : undefined;
        if (watermark !== undefined) watermarks[file] = watermark;
      }
    } finally {
      await db.destroy();
    }
    const result: ExtractResult = { checksum: hash.digest("hex"), rowsRead };
    return this.config.watermark ? { ...result, watermarks } : result;
  }

  private async checkConnection(raw: (sql: string) => Promise<unknown>): Promise<void> {
    try {
      await raw("SELECT 1");
    } catch (error) {
      throw new ExtractError(
        `source ${this.name}: cannot connect to the database (${describe(error)}); ` +
          "check the source's connection settings and that the server is running",
        this.name,
        "connection",
        "connection_failed",
        { cause: error },
      );
    }
  }

  /** Stages the rows of one query; returns how many were read and their highest watermark. */
  private async stageQuery(
    file: ExtractFile,
    rows: AsyncGenerator<QueryRow>,
    sink: ExtractSink,
    hash: Hash,
    incremental: boolean,
  ): Promise<{ count: number; maxWatermark?: string }> {
    const format: ValueFormat = {
      ...STANDARD_FORMAT,
      amountsInMinor: this.config.amounts === "minor",
    };
    const defaults: RowDefaults = {
      entity: this.config.entity ?? null,
      currency: this.config.default_currency ?? null,
    };
    const fields = STANDARD_FIELDS[file] as readonly string[];
    hash.update(`${file}\0`);
    const watermarkColumn = incremental ? this.config.watermark?.column : undefined;
    let count = 0;
    let maxWatermark: string | undefined;
    try {
      for await (const row of rows) {
        if (count === 0) this.checkColumns(file, row, watermarkColumn);
        count += 1;
        const raw = toRawRow(row, fields);
        hash.update(canonicalRow(raw, fields));
        const origin: RowOrigin = { source: this.name, file, line: count };
        await stageRawRow(file, raw, origin, format, defaults, sink);
        if (watermarkColumn !== undefined) {
          const seen = watermarkText(row[watermarkColumn]);
          if (seen !== null) maxWatermark = laterWatermark(maxWatermark, seen);
        }
      }
    } catch (error) {
      if (error instanceof ExtractError) throw error;
      throw new ExtractError(
        `source ${this.name}: the ${file} query failed (${describe(error)}); ` +
          "run it against the database by hand to correct it",
        this.name,
        file,
        "query_failed",
        { cause: error },
      );
    }
    hash.update("\0");
    return { count, maxWatermark };
  }

  private checkColumns(file: ExtractFile, row: QueryRow, watermarkColumn?: string): void {
    const required = REQUIRED_FIELDS[file] as string[];
    const columns = watermarkColumn === undefined ? required : [...required, watermarkColumn];
    for (const field of columns) {
      if (field in row) continue;
      throw new ExtractError(
        `source ${this.name}: the ${file} query returns no column ${field}; ` +
          `name the column in the query, for example "... AS ${field}"`,
        this.name,
        file,
        "column_missing",
      );
    }
  }
}

async function stageRawRow(
  file: ExtractFile,
  raw: RawRow,
  origin: RowOrigin,
  format: ValueFormat,
  defaults: RowDefaults,
  sink: ExtractSink,
): Promise<void> {
  switch (file) {
    case "accounts": {
      const parsed = parseAccount(raw, origin, format, defaults);
      return "row" in parsed ? sink.account(parsed.row) : sink.reject(parsed.reject);
    }
    case "items": {
      const parsed = parseItem(raw, origin, format);
      if ("row" in parsed) return sink.item(parsed.row);
      await sink.reject(parsed.reject);
      const itemId = raw.item_id?.trim();
      if (itemId) await sink.rejectedItem?.(origin.source, itemId);
      return;
    }
    case "allocations": {
      const parsed = parseAllocation(raw, origin, format, defaults);
      return "row" in parsed ? sink.allocation(parsed.row) : sink.reject(parsed.reject);
    }
    case "holds": {
      const parsed = parseHold(raw, origin, format, defaults);
      return "row" in parsed ? sink.hold(parsed.row) : sink.reject(parsed.reject);
    }
  }
}

/** Serialises a row as one line: its standard fields in contract order, as JSON. */
function canonicalRow(raw: RawRow, fields: readonly string[]): string {
  return JSON.stringify(fields.map((field) => raw[field] ?? null)) + "\n";
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
