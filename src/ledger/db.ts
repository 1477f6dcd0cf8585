// Opens the ledger through knex: an embedded SQLite file by default, or
// PostgreSQL. Both run the same migrations and the same queries.

import { mkdirSync } from "node:fs";
import path from "node:path";
import knexFactory, { type Knex } from "knex";
import pg from "pg";
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

export async function migrateLedger(knex: Knex): Promise<void> {
  await knex.migrate.latest({ migrationSource, tableName: "ledger_migrations" });
}

export function isPostgres(knex: Knex): boolean {
  return knex.client.config.client === "pg";
}

/** Inserts rows in chunks small enough for SQLite's bound-parameter limit. */
export async function insertRows(
  trx: Knex | Knex.Transaction,
  table: string,
  rows: readonly Record<string, unknown>[],
): Promise<void> {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]).length;
  // knex writes a multi-row insert on SQLite as a compound SELECT, which
  // SQLite limits to 500 terms; PostgreSQL is bound by 65535 parameters.
  const chunk = Math.max(1, Math.min(500, Math.floor(30000 / columns)));
  for (let start = 0; start < rows.length; start += chunk) {
    await trx(table).insert(rows.slice(start, start + chunk));
  }
}
