import { expect } from "chai";
import path from "node:path";
import knex from "knex";
import { createConnector } from "../../connectors/index.ts";
import { compareWatermarks, prepareQuery } from "../../connectors/sql/watermark.ts";
import { sourceSchema, type SqlSourceConfig } from "../../src/config/sources.ts";
import { BUSINESS_DATE, CollectingSink, TempFolder } from "./helpers.ts";

const ACCOUNTS = "SELECT id AS account_id, 'EUR' AS currency, changed AS changed_at FROM acct;";
const ITEMS =
  "SELECT no AS item_id, acct AS account_id, 'invoice' AS type, issued AS document_date, " +
  "due AS due_date, 'EUR' AS currency, total AS amount, changed AS changed_at FROM bill";

function source(watermark: object, queries: object = { accounts: ACCOUNTS, items: ITEMS }): SqlSourceConfig {
  return sourceSchema.parse({
    kind: "sql",
    connection: { client: "sqlite", filename: "billing.sqlite" },
    queries,
    watermark,
  }) as SqlSourceConfig;
}

describe("watermarks", () => {
  it("reads the whole query before the first watermark", () => {
    expect(prepareQuery(source({ column: "changed_at" }), "items", ITEMS, undefined)).to.deep.equal({
      sql: ITEMS,
      incremental: true,
    });
  });

  it("wraps a query in a filter once a watermark is stored", () => {
    const prepared = prepareQuery(source({ column: "changed_at" }), "accounts", ACCOUNTS, "2026-03-30 22:00:00");
    expect(prepared).to.deep.equal({
      sql:
        `SELECT * FROM (${ACCOUNTS.slice(0, -1)}) dcms_rows WHERE dcms_rows.changed_at > :watermark ` +
        "ORDER BY account_id",
      watermark: "2026-03-30 22:00:00",
      incremental: true,
    });
  });

  it("binds :watermark, with the initial value on the first run", () => {
    const sql = `${ITEMS} WHERE changed > :watermark`;
    const config = source({ column: "changed_at", initial: "1970-01-01" }, { accounts: ACCOUNTS, items: sql });
    expect(prepareQuery(config, "items", sql, undefined)).to.deep.equal({ sql, watermark: "1970-01-01", incremental: true });
    expect(prepareQuery(config, "items", sql, "2026-03-30")).to.deep.equal({ sql, watermark: "2026-03-30", incremental: true });
  });

  it("leaves queries out of the watermark's list whole", () => {
    const config = source({ column: "changed_at", queries: ["items"] });
    expect(prepareQuery(config, "accounts", ACCOUNTS, "2026-03-30")).to.deep.equal({ sql: ACCOUNTS, incremental: false });
  });

  it("orders whole numbers by value and text by code point", () => {
    expect(compareWatermarks("9", "10")).to.equal(-1);
    expect(compareWatermarks("2026-03-30 22:00:00", "2026-03-30 22:00:00.5")).to.equal(-1);
    expect(compareWatermarks("2026-03-31 00:00:00", "2026-03-30 23:59:59.999")).to.equal(1);
  });

  describe("on SQLite", () => {
    let folder: TempFolder;

    before(async () => {
      folder = new TempFolder();
      const db = knex({
        client: "better-sqlite3",
        connection: { filename: path.join(folder.path, "billing.sqlite") },
        useNullAsDefault: true,
      });
      await db.raw("CREATE TABLE acct (id TEXT, changed INTEGER)");
      await db.raw("CREATE TABLE bill (no TEXT, acct TEXT, issued TEXT, due TEXT, total TEXT, changed INTEGER)");
      await db("acct").insert([{ id: "A1", changed: 7 }]);
      await db("bill").insert([
        { no: "B1", acct: "A1", issued: "2026-03-01", due: "2026-03-15", total: "10.00", changed: 8 },
        { no: "B2", acct: "A1", issued: "2026-03-01", due: "2026-03-15", total: "20.00", changed: 12 },
        { no: "B3", acct: "A1", issued: "2026-03-02", due: "2026-03-16", total: "30.00", changed: null },
      ]);
      await db.destroy();
    });

    after(() => folder.remove());

    async function read(watermarks?: Record<string, string>) {
      const sink = new CollectingSink();
      const result = await createConnector("broadband", source({ column: "changed_at" })).read(
        { businessDate: BUSINESS_DATE, baseDir: folder.path, watermarks },
        sink,
      );
      return { sink, result };
    }

    it("returns the highest change seen per query", async () => {
      const { sink, result } = await read();
      expect(sink.items.map((item) => item.itemId)).to.deep.equal(["B1", "B2", "B3"]);
      // 12 is above 8 as a number, though not as text; B3 has no change number.
      expect(result.watermarks).to.deep.equal({ accounts: "7", items: "12" });
    });

    it("reads only rows above the stored watermark", async () => {
      const { sink, result } = await read({ accounts: "7", items: "8" });
      expect(sink.accounts).to.deep.equal([]);
      expect(sink.items.map((item) => item.itemId)).to.deep.equal(["B2"]);
      expect(result.rowsRead).to.deep.equal({ accounts: 0, items: 1 });
      // Nothing new in accounts keeps its watermark.
      expect(result.watermarks).to.deep.equal({ accounts: "7", items: "12" });
    });
  });
});
