// Opens a source database through knex. The drivers are configured to return
// dates and decimals as text, so that no amount or calendar date passes
// through a float or a time zone on its way to the row parser.

import path from "node:path";
import knex, { type Knex } from "knex";
import pg from "pg";
import type { SqlSourceConfig } from "../../src/config/sources.ts";

export type Dialect = "sqlite" | "postgres" | "mysql";

export interface SourceDatabase {
  db: Knex;
  dialect: Dialect;
}

const PG_DATE = 1082;
const PG_TIMESTAMP = 1114;
const PG_TIMESTAMPTZ = 1184;
const PG_NUMERIC = 1700;
const PG_TEXT_TYPES = new Set([PG_DATE, PG_TIMESTAMP, PG_TIMESTAMPTZ, PG_NUMERIC]);

/** Keeps dates and decimals as text: pg would build local-time Date objects. */
const pgTypes = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    if (PG_TEXT_TYPES.has(oid)) return (value: string) => value;
    return pg.types.getTypeParser(oid, format);
  },
};

/**
 * knex prints connection failures to the console itself; the connector
 * raises them as ExtractError instead, which the extract pass logs.
 */
const quietLog = {
  warn: () => undefined,
  error: () => undefined,
  deprecate: () => undefined,
  debug: () => undefined,
};

export function openSourceDatabase(
  config: SqlSourceConfig,
  baseDir: string,
): SourceDatabase {
  const { connection } = config;
  const db = (client: string, settings: object, extra: Knex.Config = {}) =>
    knex({ client, connection: settings, pool: { min: 0, max: 1 }, log: quietLog, ...extra });
  if (typeof connection === "string") {
    return connection.startsWith("mysql:")
      ? { dialect: "mysql", db: db("mysql2", mysqlConnection(connection)) }
      : { dialect: "postgres", db: db("pg", pgConnection(connection)) };
  }
  switch (connection.client) {
    case "sqlite":
    case "better-sqlite3": {
      const filename = path.resolve(baseDir, connection.filename);
      const options = { readonly: true, fileMustExist: true };
      return {
        dialect: "sqlite",
        db: db("better-sqlite3", { filename, options }, { useNullAsDefault: true }),
      };
    }
    case "pg":
    case "postgres":
      return {
        dialect: "postgres",
        db: db("pg", pgConnection(connection.connection)),
      };
    case "mysql":
    case "mysql2":
      return {
        dialect: "mysql",
        db: db("mysql2", mysqlConnection(connection.connection)),
      };
  }
}

function pgConnection(connection: string | Record<string, unknown>): Knex.PgConnectionConfig {
  const settings = typeof connection === "string" ? { connectionString: connection } : connection;
  return { ...settings, types: pgTypes } as Knex.PgConnectionConfig;
}

/** mysql2 returns DECIMAL as text by default; dateStrings does the same for dates. */
function mysqlConnection(connection: string | Record<string, unknown>): Knex.MySql2ConnectionConfig {
  const settings = typeof connection === "string" ? { uri: connection } : connection;
  return { ...settings, dateStrings: true, decimalNumbers: false } as Knex.MySql2ConnectionConfig;
}
