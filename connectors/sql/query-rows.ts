// Iterates the rows of a source query without loading the whole result:
// a server-side cursor on PostgreSQL, the driver's stream on MySQL, and a
// statement iterator on SQLite.

import type { Knex } from "knex";
import type { Dialect } from "./database.ts";

export type QueryRow = Record<string, unknown>;

/** Named parameters bound by the driver: :business_date, and :watermark for incremental reads. */
export type QueryParameters = Readonly<Record<string, string>>;

const FETCH_ROWS = 1000;

export function queryRows(
  db: Knex,
  dialect: Dialect,
  sql: string,
  parameters: QueryParameters,
): AsyncGenerator<QueryRow> {
  switch (dialect) {
    case "sqlite":
      return sqliteRows(db, sql, parameters);
    case "postgres":
      return postgresRows(db, sql, parameters);
    case "mysql":
      return mysqlRows(db, sql, parameters);
  }
}

interface SqliteStatement {
  reader: boolean;
  iterate(parameters?: object): IterableIterator<QueryRow>;
}

interface SqliteDatabase {
  prepare(sql: string): SqliteStatement;
}

/**
 * knex's SQLite stream fetches every row before it emits the first, so the
 * pooled better-sqlite3 connection iterates the statement itself. It takes
 * named parameters of its own, and only those that the statement uses.
 */
async function* sqliteRows(
  db: Knex,
  sql: string,
  parameters: QueryParameters,
): AsyncGenerator<QueryRow> {
  const connection = (await db.client.acquireConnection()) as SqliteDatabase;
  try {
    const statement = connection.prepare(sql);
    if (!statement.reader) throw new Error("the statement returns no rows; use a SELECT");
    const used = Object.entries(parameters).filter(([name]) => sql.includes(`:${name}`));
    const bound = used.length > 0 ? [Object.fromEntries(used)] : [];
    for (const row of statement.iterate(...bound)) yield row;
  } finally {
    await db.client.releaseConnection(connection);
  }
}

/** Fetches through a cursor in a read-only transaction, a batch at a time. */
async function* postgresRows(
  db: Knex,
  sql: string,
  parameters: QueryParameters,
): AsyncGenerator<QueryRow> {
  const trx = await db.transaction(undefined, { readOnly: true });
  try {
    await trx.raw(`DECLARE dcms_source_rows NO SCROLL CURSOR FOR ${sql}`, { ...parameters });
    for (;;) {
      const result = await trx.raw(`FETCH ${FETCH_ROWS} FROM dcms_source_rows`);
      const rows = result.rows as QueryRow[];
      for (const row of rows) yield row;
      if (rows.length < FETCH_ROWS) break;
    }
  } finally {
    await trx.rollback().catch(() => undefined);
  }
}

async function* mysqlRows(
  db: Knex,
  sql: string,
  parameters: QueryParameters,
): AsyncGenerator<QueryRow> {
  const stream = db.raw(sql, { ...parameters }).stream();
  try {
    for await (const row of stream) yield row as QueryRow;
  } finally {
    stream.destroy();
  }
}
