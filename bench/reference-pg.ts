// Reference pipeline 3: a raw PostgreSQL COPY of the items files into a
// table of the standard extract columns, then the aging query, no dcms code.
// It works in a database of its own, created here and dropped at the end.
// Usage: node --import tsx bench/reference-pg.ts <operator folder>

import { closeSync, createReadStream, openSync, readSync } from "node:fs";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { createBenchDatabase, SOURCES } from "./generate.ts";
import { AGING_SQL_DUCKDB } from "./aging-sql.ts";

// The DuckDB form of the query subtracts dates, which PostgreSQL's date type
// does in the same way, giving whole days.
const AGING_SQL_PG = AGING_SQL_DUCKDB;

/** Returns the first line of a CSV file: its column names. */
function headerLine(file: string): string {
  const buffer = Buffer.alloc(4096);
  const descriptor = openSync(file, "r");
  try {
    const length = readSync(descriptor, buffer, 0, buffer.length, 0);
    return buffer.toString("utf8", 0, length).split("\n")[0].trim();
  } finally {
    closeSync(descriptor);
  }
}

const folder = process.argv[2];
const database = await createBenchDatabase(`dcms_bench_${process.pid}`);
try {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    const started = performance.now();
    // amount_minor is computed from the decimal amount as each row arrives.
    await client.query(`create table items (item_id text, account_id text, type text, status text,
      document_date date, due_date date, currency text, amount numeric(18, 2), applies_to text,
      disputed_amount numeric(18, 2), exchange_rate numeric, tax_amount numeric(18, 2), tax_code text,
      reference text, amount_minor bigint generated always as ((amount * 100)::bigint) stored)`);
    for (const source of SOURCES) {
      const file = path.join(folder, source, "items.csv");
      // COPY maps columns by position, so the list comes from the file's header.
      const header = headerLine(file);
      const stream = client.query(copyFrom(`copy items (${header}) from stdin (format csv, header)`));
      await pipeline(createReadStream(file), stream);
    }
    const loadMs = performance.now() - started;
    const rows = (await client.query("select count(*)::int as rows from items")).rows[0].rows;
    const aging = await client.query(AGING_SQL_PG);
    const wallMs = Math.round(performance.now() - started);
    process.stdout.write(JSON.stringify({ rows, agingRows: aging.rowCount, loadMs: Math.round(loadMs), wallMs }) + "\n");
  } finally {
    await client.end();
  }
} finally {
  await database.drop();
}
