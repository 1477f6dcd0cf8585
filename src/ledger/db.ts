// Opens the ledger through knex: an embedded SQLite file by default, or
// PostgreSQL. Both run the same migrations and the same queries.

import { closeSync, existsSync, mkdirSync, openSync } from "node:fs";
import path from "node:path";
import knexFactory, { type Knex } from "knex";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { migrationSource } from "../../sql/migrations/index.ts";
import type { LedgerLocation } from "../config/resolve.ts";

let pgTypesSet = false;

/** Makes pg return 64-bit integers as numbers, refusing values beyond 2^53. */
function setPostgresTypeParsers(): void {
  if (pgTypesSet) return;
  pgTypesSet = true;
  pg.types.setTypeParser(20, (text: string) => {
    const value = Number(text);
    if (!Number.isSafeInteger(value)) {
      throw new RangeError(`ledger value ${text} is outside the safe integer range`);
    }
    return value;
  });
}

export function openLedger(location: LedgerLocation): Knex {
  if (location.kind === "postgres") {
    setPostgresTypeParsers();
    return knexFactory({
      client: "pg",
      connection: location.url,
      pool: { min: 0, max: 4 },
    });
  }
  mkdirSync(path.dirname(location.filename), { recursive: true });
  // The ledger holds names and addresses: it is created readable by its
  // owner only, and SQLite gives its -wal and -shm files the same mode.
  if (!existsSync(location.filename)) closeSync(openSync(location.filename, "a", 0o600));
  return knexFactory({
    client: "better-sqlite3",
    connection: { filename: location.filename },
    useNullAsDefault: true,
    // One connection: SQLite has a single writer, and a run's transaction
    // must see its own writes on every query.
    pool: {
      min: 1,
      max: 1,
      afterCreate(connection: { pragma(text: string): unknown }, done: (error: Error | null, connection: unknown) => void) {
        connection.pragma("journal_mode = WAL");
        connection.pragma("synchronous = NORMAL");
        connection.pragma("busy_timeout = 5000");
        connection.pragma("cache_size = -65536");
        done(null, connection);
      },
    },
  });
}

/**
 * Brings the ledger schema up to date. When nothing is pending it only
 * reads, so read-only commands work while a run holds the write lock.
 */
export async function migrateLedger(knex: Knex): Promise<void> {
  const options = { migrationSource, tableName: "ledger_migrations" };
  const hasTable = await knex.schema.hasTable(options.tableName);
  if (hasTable) {
    const [, pending] = await knex.migrate.list(options);
    if (pending.length === 0) return;
  }
  await knex.migrate.latest(options);
}

export function isPostgres(knex: Knex): boolean {
  return knex.client.config.client === "pg";
}

/**
 * Inserts rows of one shape, given as objects whose keys are the columns.
 * The first row's keys name the columns of all rows.
 */
export async function insertRows(
  trx: Knex | Knex.Transaction,
  table: string,
  rows: readonly Record<string, unknown>[],
): Promise<void> {
  if (rows.length === 0) return;
  if (!usesBulkPath(trx, rows.length)) return knexInsert(trx, table, rows);
  const columns = Object.keys(rows[0]);
  await insertValues(
    trx,
    table,
    columns,
    rows.map((row) => columns.map((column) => row[column])),
  );
}

/**
 * Inserts rows given as arrays of values in the order of columns. Inside a
 * transaction on SQLite it runs prepared statements of up to SQLITE_ROWS
 * rows each on the transaction's connection. On PostgreSQL it streams larger
 * batches through COPY. Elsewhere it falls back to knex multi-row inserts.
 */
export async function insertValues(
  trx: Knex | Knex.Transaction,
  table: string,
  columns: readonly string[],
  rows: readonly (readonly unknown[])[],
): Promise<void> {
  if (rows.length === 0) return;
  if (!usesBulkPath(trx, rows.length)) {
    const objects = rows.map((values) => {
      const row: Record<string, unknown> = {};
      columns.forEach((column, index) => (row[column] = values[index]));
      return row;
    });
    return knexInsert(trx, table, objects);
  }
  if (!isPostgres(trx as Knex)) {
    const connection = (await trx.client.acquireConnection()) as SqliteConnection;
    runSqliteInserts(connection, table, columns, rows);
    return;
  }
  const connection = (await trx.client.acquireConnection()) as pg.PoolClient;
  await copyRows(connection, table, columns, rows);
}

/** Tells whether rows go through prepared statements (SQLite) or COPY (PostgreSQL). */
function usesBulkPath(trx: Knex | Knex.Transaction, rowCount: number): boolean {
  if ((trx as Knex.Transaction).isTransaction !== true) return false;
  return !isPostgres(trx as Knex) || rowCount >= COPY_MIN_ROWS;
}

async function knexInsert(
  trx: Knex | Knex.Transaction,
  table: string,
  rows: readonly Record<string, unknown>[],
): Promise<void> {
  // knex writes a multi-row insert on SQLite as a compound SELECT, which
  // SQLite limits to 500 terms; PostgreSQL is bound by 65535 parameters.
  const columns = Object.keys(rows[0]).length;
  const chunk = Math.max(1, Math.min(500, Math.floor(30000 / columns)));
  for (let start = 0; start < rows.length; start += chunk) {
    await trx(table).insert(rows.slice(start, start + chunk));
  }
}

interface SqliteStatement {
  run(values: unknown[]): unknown;
}

interface SqliteConnection {
  prepare(sql: string): SqliteStatement;
}

/**
 * Rows per SQLite insert statement. With one statement per row, a million
 * staged items took a quarter longer to insert. SQLite binds at most 32766
 * values per statement, enough for tables of up to 327 columns.
 */
const SQLITE_ROWS = 100;

const statements = new WeakMap<SqliteConnection, Map<string, SqliteStatement>>();

function runSqliteInserts(
  connection: SqliteConnection,
  table: string,
  columns: readonly string[],
  rows: readonly (readonly unknown[])[],
): void {
  const full = Math.floor(rows.length / SQLITE_ROWS) * SQLITE_ROWS;
  if (full > 0) {
    const statement = preparedInsert(connection, table, columns, SQLITE_ROWS);
    const values: unknown[] = new Array(SQLITE_ROWS * columns.length);
    for (let start = 0; start < full; start += SQLITE_ROWS) {
      let index = 0;
      for (let row = start; row < start + SQLITE_ROWS; row++) {
        for (const value of rows[row]) values[index++] = sqliteValue(value);
      }
      statement.run(values);
    }
  }
  if (full === rows.length) return;
  const statement = preparedInsert(connection, table, columns, 1);
  for (let row = full; row < rows.length; row++) statement.run(rows[row].map(sqliteValue));
}

function preparedInsert(
  connection: SqliteConnection,
  table: string,
  columns: readonly string[],
  rowCount: number,
): SqliteStatement {
  let cache = statements.get(connection);
  if (!cache) {
    cache = new Map();
    statements.set(connection, cache);
  }
  const key = `${table}(${columns.join(",")})x${rowCount}`;
  let statement = cache.get(key);
  if (!statement) {
    const names = columns.map((column) => `"${column}"`).join(", ");
    const marks = `(${columns.map(() => "?").join(", ")})`;
    const tuples = new Array(rowCount).fill(marks).join(", ");
    statement = connection.prepare(`insert into "${table}" (${names}) values ${tuples}`);
    cache.set(key, statement);
  }
  return statement;
}

function sqliteValue(value: unknown): unknown {
  if (value === undefined) return null;
  if (typeof value === "boolean") return value ? 1 : 0;
  return value;
}

/** Below this many rows a plain insert costs less than opening a COPY. */
const COPY_MIN_ROWS = 200;

function copyCell(value: unknown): string {
  if (value === null || value === undefined) return "";
  const text = typeof value === "string" ? value : String(value);
  // In CSV format an unquoted empty cell is NULL, so every text is quoted.
  return `"${text.replaceAll('"', '""')}"`;
}

async function copyRows(
  connection: pg.PoolClient,
  table: string,
  columns: readonly string[],
  rows: readonly (readonly unknown[])[],
): Promise<void> {
  const names = columns.map((column) => `"${column}"`).join(", ");
  const stream = connection.query(copyFrom(`copy "${table}" (${names}) from stdin with (format csv)`));
  const lines: string[] = [];
  for (const row of rows) lines.push(row.map(copyCell).join(","));
  await pipeline(Readable.from([lines.join("\n") + "\n"]), stream);
}
