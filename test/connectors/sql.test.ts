import { expect } from "chai";
import { createHash } from "node:crypto";
import path from "node:path";
import knex, { type Knex } from "knex";
import { createConnector } from "../../connectors/index.ts";
import { sourceSchema, type SourceConfig } from "../../src/config/sources.ts";
import { ExtractError } from "../../src/extract.ts";
import { BUSINESS_DATE, CollectingSink, rejectKey, TempFolder } from "./helpers.ts";

const PG_URL = "postgres://postgres@127.0.0.1:5432/postgres";
const MARIADB_URL = "mysql://root@127.0.0.1:3306/dcms_connector_test";

/** The same billing tables in every dialect, with dates and decimals typed. */
const ROWS = {
  acct: [
    { id: "A1", cust: "C1", ccy: "EUR", opened: "2024-05-01" },
    { id: "A2", cust: null, ccy: "USD", opened: "2025-01-31" },
  ],
  bill: [
    { no: "B1", acct: "A1", issued: "2026-03-01", due: "2026-03-15", total: "120.500" },
    { no: "B2", acct: "A1", issued: "2026-03-01", due: "2026-02-15", total: "10.000" },
    { no: "B3", acct: "A2", issued: "2026-03-02", due: "2026-03-16", total: "10.125" },
    { no: "B4", acct: "A2", issued: "2026-04-02", due: "2026-04-16", total: "99.000" },
  ],
};

const QUERIES = {
  accounts:
    "SELECT id AS account_id, cust AS customer_id, ccy AS currency, opened AS mandate_date " +
    "FROM dcms_test_acct ORDER BY id",
  items:
    "SELECT no AS item_id, acct AS account_id, 'invoice' AS type, issued AS document_date, " +
    "due AS due_date, total AS amount, 'EUR' AS currency FROM dcms_test_bill " +
    "WHERE issued <= :business_date ORDER BY no",
};

function sqlSource(connection: unknown, queries: object = QUERIES): SourceConfig {
  return sourceSchema.parse({ kind: "sql", connection, queries, entity: "DE01" });
}

async function read(config: SourceConfig, baseDir = ".") {
  const sink = new CollectingSink();
  const result = await createConnector("broadband", config).read(
    { businessDate: BUSINESS_DATE, baseDir },
    sink,
  );
  return { sink, result };
}

async function createTables(db: Knex, decimal: string, date: string): Promise<void> {
  await db.schema.dropTableIfExists("dcms_test_bill");
  await db.schema.dropTableIfExists("dcms_test_acct");
  await db.schema.createTable("dcms_test_acct", (table) => {
    table.string("id").primary();
    table.string("cust");
    table.string("ccy");
    table.specificType("opened", date);
  });
  await db.schema.createTable("dcms_test_bill", (table) => {
    table.string("no").primary();
    table.string("acct");
    table.specificType("issued", date);
    table.specificType("due", date);
    table.specificType("total", decimal);
  });
  await db("dcms_test_acct").insert(ROWS.acct);
  await db("dcms_test_bill").insert(ROWS.bill);
}

/** Computes the connector's checksum by hand: per query its name, then a JSON line per row. */
function expectedChecksum(): string {
  const hash = createHash("sha256");
  hash.update("accounts\0");
  const accountFields = 23;
  const account = (id: string, cust: string | null, ccy: string, opened: string) => {
    const values: (string | null)[] = new Array(accountFields).fill(null);
    values[0] = id;
    values[1] = cust;
    values[6] = ccy;
    values[20] = opened;
    return JSON.stringify(values) + "\n";
  };
  hash.update(account("A1", "C1", "EUR", "2024-05-01"));
  hash.update(account("A2", null, "USD", "2025-01-31"));
  hash.update("\0items\0");
  for (const bill of ROWS.bill.slice(0, 3)) {
    const values = [bill.no, bill.acct, "invoice", null, bill.issued, bill.due, "EUR", bill.total];
    hash.update(JSON.stringify([...values, null, null, null, null, null, null]) + "\n");
  }
  hash.update("\0");
  return hash.digest("hex");
}

/** What every dialect must stage from ROWS on 2026-03-31. */
async function expectBillingRows(config: SourceConfig, baseDir = "."): Promise<void> {
  const { sink, result } = await read(config, baseDir);
  expect(sink.accounts.map((a) => [a.line, a.accountId, a.customerId, a.currency, a.mandateDate]))
    .to.deep.equal([
      [1, "A1", "C1", "EUR", "2024-05-01"],
      [2, "A2", null, "USD", "2025-01-31"],
    ]);
  // 120.500 is 12050 cents; B4 is issued after the business date.
  expect(sink.items.map((i) => [i.line, i.itemId, i.documentDate, i.dueDate, i.amountMinor]))
    .to.deep.equal([[1, "B1", "2026-03-01", "2026-03-15", 12050]]);
  expect(sink.rejects.map(rejectKey)).to.deep.equal([
    "items:2:due_date:due_date_before_document_date",
    "items:3:amount:too_many_decimals",
  ]);
  expect(result.rowsRead).to.deep.equal({ accounts: 2, items: 3 });
  expect(result.checksum).to.equal(expectedChecksum());
}

async function extractError(promise: Promise<unknown>): Promise<ExtractError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ExtractError) return error;
    throw error;
  }
  throw new Error("expected an ExtractError");
}

/** Opens a server, or skips the suite (fails when DCMS_REQUIRE_SERVERS=1). */
async function serverOrSkip(
  context: Mocha.Context,
  name: string,
  open: () => Promise<Knex>,
): Promise<Knex | undefined> {
  try {
    return await open();
  } catch (error) {
    if (process.env.DCMS_REQUIRE_SERVERS === "1") throw error;
    console.log(`    skipped: ${name} is not reachable (${(error as Error).message})`);
    context.skip();
  }
}

describe("sql connector", () => {
  describe("on SQLite", () => {
    let temp: TempFolder;

    before(async () => {
      temp = new TempFolder();
      const db = knex({
        client: "better-sqlite3",
        connection: { filename: path.join(temp.path, "billing.sqlite") },
        useNullAsDefault: true,
      });
      await createTables(db, "TEXT", "TEXT");
      await db.destroy();
    });

    after(() => temp.remove());

    it("stages rows and rejects", async () => {
      const config = sqlSource({ client: "sqlite", filename: "billing.sqlite" });
      await expectBillingRows(config, temp.path);
    });

    it("fails on a query error", async () => {
      const queries = { ...QUERIES, items: "SELECT * FROM no_such_table" };
      const config = sqlSource({ client: "sqlite", filename: "billing.sqlite" }, queries);
      const error = await extractError(read(config, temp.path));
      expect(error.code).to.equal("query_failed");
      expect(error.file).to.equal("items");
    });

    it("fails on a missing column", async () => {
      const queries = { ...QUERIES, accounts: "SELECT id AS account_id FROM dcms_test_acct" };
      const config = sqlSource({ client: "sqlite", filename: "billing.sqlite" }, queries);
      const error = await extractError(read(config, temp.path));
      expect(error.code).to.equal("column_missing");
      expect(error.message).to.include("currency");
    });

    it("fails on a missing database file", async () => {
      const config = sqlSource({ client: "sqlite", filename: "missing.sqlite" });
      const error = await extractError(read(config, temp.path));
      expect(error.code).to.equal("connection_failed");
    });

    it("reads amounts in minor units", async () => {
      const filename = path.join(temp.path, "cents.sqlite");
      const db = knex({ client: "better-sqlite3", connection: { filename }, useNullAsDefault: true });
      await db.raw("CREATE TABLE t (id TEXT, cents INTEGER, real_amount REAL)");
      await db.raw("INSERT INTO t VALUES (?, ?, ?)", ["X1", 4990, 49.9]);
      await db.destroy();
      const queries = {
        accounts: "SELECT 'A1' AS account_id, 'EUR' AS currency",
        items:
          "SELECT id AS item_id, 'A1' AS account_id, 'invoice' AS type, " +
          "'2026-03-01' AS document_date, '2026-03-15' AS due_date, 'EUR' AS currency, " +
          "cents AS amount FROM t",
      };
      const minor = sourceSchema.parse({
        kind: "sql",
        connection: { client: "sqlite", filename },
        queries,
        amounts: "minor",
      });
      const { sink } = await read(minor);
      expect(sink.items.map((i) => i.amountMinor)).to.deep.equal([4990]);
      // A REAL of 49.9 prints as "49.9", which is 4990 cents as a decimal.
      const decimal = sqlSource({ client: "sqlite", filename }, {
        ...queries,
        items: queries.items.replace("cents AS amount", "real_amount AS amount"),
      });
      const real = await read(decimal);
      expect(real.sink.items.map((i) => i.amountMinor)).to.deep.equal([4990]);
    });
  });

  describe("on PostgreSQL", () => {
    let db: Knex | undefined;

    before(async function () {
      db = await serverOrSkip(this, "PostgreSQL on 127.0.0.1:5432", async () => {
        const server = knex({ client: "pg", connection: PG_URL, pool: { min: 0, max: 1 } });
        try {
          await server.raw("SELECT 1");
        } catch (error) {
          await server.destroy();
          throw error;
        }
        return server;
      });
      if (db) await createTables(db, "NUMERIC(12,3)", "DATE");
    });

    after(async () => {
      if (!db) return;
      await db.schema.dropTableIfExists("dcms_test_bill");
      await db.schema.dropTableIfExists("dcms_test_acct");
      await db.destroy();
    });

    it("stages rows and rejects", async () => {
      await expectBillingRows(sqlSource(PG_URL));
    });

    it("takes a knex connection object", async () => {
      const connection = { host: "127.0.0.1", port: 5432, user: "postgres", database: "postgres" };
      await expectBillingRows(sqlSource({ client: "pg", connection }));
    });

    it("fails on a server that is down", async () => {
      const error = await extractError(read(sqlSource("postgres://postgres@127.0.0.1:1/postgres")));
      expect(error.code).to.equal("connection_failed");
      expect(error.source).to.equal("broadband");
    });
  });

  describe("on MariaDB", () => {
    let db: Knex | undefined;

    before(async function () {
      db = await serverOrSkip(this, "MariaDB on 127.0.0.1:3306", async () => {
        const admin = knex({
          client: "mysql2",
          connection: { host: "127.0.0.1", port: 3306, user: "root" },
          pool: { min: 0, max: 1 },
        });
        try {
          await admin.raw("CREATE DATABASE IF NOT EXISTS dcms_connector_test");
        } finally {
          await admin.destroy();
        }
        return knex({ client: "mysql2", connection: MARIADB_URL, pool: { min: 0, max: 1 } });
      });
      if (db) await createTables(db, "DECIMAL(12,3)", "DATE");
    });

    after(async () => {
      if (!db) return;
      await db.raw("DROP DATABASE IF EXISTS dcms_connector_test");
      await db.destroy();
    });

    it("stages rows and rejects", async () => {
      await expectBillingRows(sqlSource(MARIADB_URL));
    });
  });
});
