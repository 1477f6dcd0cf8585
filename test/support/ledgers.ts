// The ledgers that the run tests are repeated on: the embedded SQLite file and
// a PostgreSQL database created for the test and dropped afterwards.

import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import pg from "pg";

export type LedgerKind = "sqlite" | "postgres";

export const LEDGER_KINDS: LedgerKind[] = ["sqlite", "postgres"];

const ADMIN_URL = process.env.DCMS_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Returns whether PostgreSQL answers, with the error when it does not. */
export async function postgresReachable(): Promise<Error | undefined> {
  try {
    await admin((client) => client.query("select 1"));
    return undefined;
  } catch (error) {
    return error as Error;
  }
}

/**
 * Points the configuration in a test folder at a ledger of the given kind.
 * For PostgreSQL it creates a fresh database and returns a function that
 * drops it.
 */
export async function useLedger(folder: string, kind: LedgerKind, configFile = "dcms.yaml"): Promise<() => Promise<void>> {
  if (kind === "sqlite") return async () => {};
  const database = `dcms_test_${randomBytes(6).toString("hex")}`;
  await admin((client) => client.query(`create database ${database}`));
  const url = new URL(ADMIN_URL);
  url.pathname = `/${database}`;
  const config = path.join(folder, configFile);
  const text = readFileSync(config, "utf8").replace(/^ledger: .*$/m, `ledger: ${url.toString()}`);
  writeFileSync(config, text);
  return async () => {
    await admin((client) => client.query(`drop database if exists ${database} with (force)`));
  };
}
