// Billing databases on real servers in a nightly run: broadband bills from
// PostgreSQL (watermark column changed_at), the legacy fixed-line system
// from MariaDB (a :watermark parameter in its queries), and mobile from
// files. Each test run creates its own databases and drops them. Night two
// reads only the rows changed since night one. A failed run leaves the
// watermark where it was. Reconcile compares the ledger with PostgreSQL live.

import { randomBytes } from "node:crypto";
import { expect } from "chai";
import knex, { type Knex } from "knex";
import { reconcileSource } from "../jobs/reconcile.ts";
import { loadConfig } from "../src/config/load.ts";
import { silentLogger } from "../src/log.ts";
import { skipUnreachable } from "./support/environment.ts";
import { readCsv } from "./support/run.ts";
import { csvText, Operator, STANDARD_ACCOUNTS, STANDARD_ITEMS } from "./connectors/operator.ts";

const PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres";
const MARIADB = { host: "127.0.0.1", port: 3306, user: "root" };

async function openServer(config: Knex.Config): Promise<Knex> {
  const db = knex({ ...config, pool: { min: 0, max: 1 } });
  try {
    await db.raw("SELECT 1");
    return db;
  } catch (error) {
    await db.destroy();
    throw error;
  }
}

async function createBroadband(db: Knex): Promise<void> {
  await db.raw(`CREATE TABLE billing_account (
    acct_no varchar(20) PRIMARY KEY,
    party_no varchar(20),
    vat_reg_no varchar(30),
    acct_currency char(3) NOT NULL,
    changed_at timestamp(6) NOT NULL)`);
  await db.raw(`CREATE TABLE ar_invoice (
    invoice_no varchar(20) PRIMARY KEY,
    acct_no varchar(20) NOT NULL REFERENCES billing_account,
    doc_type varchar(3) NOT NULL,
    inv_status char(1) NOT NULL,
    invoice_date date NOT NULL,
    due_date date,
    gross_amount numeric(14,2) NOT NULL,
    currency char(3) NOT NULL,
    changed_at timestamp(6) NOT NULL)`);
  await db("billing_account").insert([
    { acct_no: "BB-1", party_no: "C-7", vat_reg_no: "DE 123 456 789", acct_currency: "EUR", changed_at: "2026-03-30 22:00:00" },
    { acct_no: "BB-2", party_no: "C-8", vat_reg_no: null, acct_currency: "EUR", changed_at: "2026-03-30 22:00:00" },
  ]);
  const invoice = (no: string, acct: string, type: string, date: string, due: string | null, amount: string, at: string) => ({
    invoice_no: no, acct_no: acct, doc_type: type, inv_status: "O", invoice_date: date, due_date: due,
    gross_amount: amount, currency: "EUR", changed_at: at,
  });
  await db("ar_invoice").insert([
    invoice("BB-INV-1", "BB-1", "INV", "2026-03-01", "2026-03-15", "49.90", "2026-03-30 22:00:01"),
    invoice("BB-INV-2", "BB-2", "INV", "2026-03-01", "2026-03-28", "120.00", "2026-03-30 22:00:01"),
    invoice("BB-CRN-1", "BB-2", "CRN", "2026-03-10", null, "20.00", "2026-03-30 22:00:02"),
  ]);
}

async function createFixedLine(db: Knex): Promise<void> {
  await db.raw(`CREATE TABLE KUNDENKONTO (
    KTO_NR VARCHAR(12) PRIMARY KEY,
    KD_NR VARCHAR(12) NULL,
    UST_ID VARCHAR(20) NULL,
    WAEHRUNG CHAR(3) NOT NULL,
    GEAENDERT_AM DATETIME(3) NOT NULL)`);
  await db.raw(`CREATE TABLE OFFENER_POSTEN (
    BELEG_NR VARCHAR(16) PRIMARY KEY,
    KTO_NR VARCHAR(12) NOT NULL,
    BELEG_ART CHAR(2) NOT NULL,
    BELEG_DATUM DATE NOT NULL,
    FAELLIG_AM DATE NULL,
    BETRAG DECIMAL(13,2) NOT NULL,
    WAEHRUNG CHAR(3) NOT NULL,
    STORNIERT TINYINT NOT NULL DEFAULT 0,
    GEAENDERT_AM DATETIME(3) NOT NULL)`);
  await db("KUNDENKONTO").insert([
    { KTO_NR: "FL-100", KD_NR: null, UST_ID: "de123456789", WAEHRUNG: "EUR", GEAENDERT_AM: "2026-03-30 23:10:00" },
    { KTO_NR: "FL-200", KD_NR: "C-8", UST_ID: null, WAEHRUNG: "EUR", GEAENDERT_AM: "2026-03-30 23:10:00" },
  ]);
  await db("OFFENER_POSTEN").insert([
    { BELEG_NR: "FL-R1", KTO_NR: "FL-100", BELEG_ART: "RE", BELEG_DATUM: "2026-02-20", FAELLIG_AM: "2026-03-06", BETRAG: "30.00", WAEHRUNG: "EUR", GEAENDERT_AM: "2026-03-30 23:10:01" },
    { BELEG_NR: "FL-R2", KTO_NR: "FL-200", BELEG_ART: "RE", BELEG_DATUM: "2026-03-01", FAELLIG_AM: "2026-03-20", BETRAG: "15.50", WAEHRUNG: "EUR", GEAENDERT_AM: "2026-03-30 23:10:01" },
  ]);
}

function sources(pgDatabase: string, mariaDatabase: string): Record<string, unknown> {
  return {
    broadband: {
      kind: "sql",
      connection: `postgres://postgres@127.0.0.1:5432/${pgDatabase}`,
      entity: "DE01",
      customer_ids: "global",
      watermark: { column: "changed_at" },
      queries: {
        accounts:
          "SELECT acct_no AS account_id, party_no AS customer_id, vat_reg_no AS tax_id, " +
          "acct_currency AS currency, changed_at FROM billing_account",
        items:
          "SELECT invoice_no AS item_id, acct_no AS account_id, " +
          "CASE doc_type WHEN 'INV' THEN 'invoice' ELSE 'credit_note' END AS type, " +
          "CASE inv_status WHEN 'X' THEN 'cancelled' ELSE 'posted' END AS status, " +
          "invoice_date AS document_date, due_date, gross_amount AS amount, currency, changed_at " +
          "FROM ar_invoice WHERE invoice_date <= :business_date",
      },
    },
    fixed_line: {
      kind: "sql",
      connection: `mysql://root@127.0.0.1:3306/${mariaDatabase}`,
      entity: "DE01",
      customer_ids: "global",
      watermark: { column: "changed_at", initial: "1970-01-01 00:00:00" },
      queries: {
        accounts:
          "SELECT KTO_NR AS account_id, KD_NR AS customer_id, UST_ID AS tax_id, WAEHRUNG AS currency, " +
          "GEAENDERT_AM AS changed_at FROM KUNDENKONTO WHERE GEAENDERT_AM > :watermark ORDER BY KTO_NR",
        items:
          "SELECT BELEG_NR AS item_id, KTO_NR AS account_id, " +
          "CASE BELEG_ART WHEN 'RE' THEN 'invoice' ELSE 'credit_note' END AS type, " +
          "CASE STORNIERT WHEN 1 THEN 'cancelled' ELSE 'posted' END AS status, " +
          "BELEG_DATUM AS document_date, FAELLIG_AM AS due_date, BETRAG AS amount, WAEHRUNG AS currency, " +
          "GEAENDERT_AM AS changed_at FROM OFFENER_POSTEN WHERE GEAENDERT_AM > :watermark ORDER BY BELEG_NR",
      },
    },
    mobile: { kind: "standard", path: "mobile", entity: "DE01", customer_ids: "global" },
  };
}

function rowsRead(operator: Operator, businessDate: string): Record<string, number> {
  const run = operator.runJson(businessDate);
  return Object.fromEntries(run.sources.map((source: { source: string; rows_read: number }) => [source.source, source.rows_read]));
}

describe("database sources in a nightly run", function () {
  const suffix = randomBytes(5).toString("hex");
  const pgDatabase = `dcms_billing_${suffix}`;
  const mariaDatabase = `dcms_billing_${suffix}`;
  let pgAdmin: Knex | undefined;
  let mariaAdmin: Knex | undefined;
  let broadband: Knex;
  let fixedLine: Knex;
  let operator: Operator;

  before(async function () {
    try {
      pgAdmin = await openServer({ client: "pg", connection: PG_ADMIN });
    } catch (error) {
      skipUnreachable(this, "PostgreSQL on 127.0.0.1:5432", error);
    }
    try {
      mariaAdmin = await openServer({ client: "mysql2", connection: MARIADB });
    } catch (error) {
      skipUnreachable(this, "MariaDB on 127.0.0.1:3306", error);
    }
    await pgAdmin!.raw(`CREATE DATABASE ${pgDatabase}`);
    await mariaAdmin!.raw(`CREATE DATABASE ${mariaDatabase}`);
    broadband = await openServer({ client: "pg", connection: `postgres://postgres@127.0.0.1:5432/${pgDatabase}` });
    fixedLine = await openServer({ client: "mysql2", connection: { ...MARIADB, database: mariaDatabase } });
    await createBroadband(broadband);
    await createFixedLine(fixedLine);

    operator = Operator.create(sources(pgDatabase, mariaDatabase));
    operator.write("mobile/accounts.csv", csvText(STANDARD_ACCOUNTS, [["M1", "C-7", "", "", "", "", "EUR"]]));
    operator.write(
      "mobile/items.csv",
      csvText(STANDARD_ITEMS, [["M-1", "M1", "invoice", "posted", "2026-03-01", "2026-03-20", "EUR", "40.00"]]),
    );
  });

  after(async function () {
    await broadband?.destroy();
    await fixedLine?.destroy();
    await pgAdmin?.raw(`DROP DATABASE IF EXISTS ${pgDatabase} WITH (FORCE)`);
    await mariaAdmin?.raw(`DROP DATABASE IF EXISTS ${mariaDatabase}`);
    await pgAdmin?.destroy();
    await mariaAdmin?.destroy();
    operator?.remove();
  });

  it("reads everything on the first night", async function () {
    expect((await operator.night("2026-03-31")).exitStatus).to.equal(0);
    // broadband 2 accounts + 3 items, fixed_line 2 + 2, mobile 1 + 1.
    expect(rowsRead(operator, "2026-03-31")).to.deep.equal({ broadband: 5, fixed_line: 4, mobile: 2 });
    const watermarks = await operator.ledger((db) =>
      db("source_watermarks").orderBy(["source", "query"]).select("source", "query", "watermark"),
    );
    expect(watermarks.map((row) => `${row.source} ${row.query} ${row.watermark}`)).to.deep.equal([
      "broadband accounts 2026-03-30 22:00:00",
      "broadband items 2026-03-30 22:00:02",
      "fixed_line accounts 2026-03-30 23:10:00.000",
      "fixed_line items 2026-03-30 23:10:01.000",
    ]);
  });

  it("links the accounts of the three systems", function () {
    const links = operator.csv("2026-03-31", "links.csv");
    expect(links.map((row) => Object.values(row).join(" "))).to.deep.equal([
      "broadband BB-1 C-7 customer_id  ",
      "broadband BB-2 C-8 customer_id  ",
      // FL-100 has no customer id; its tax id de123456789 is BB-1's.
      "fixed_line FL-100 C-7 tax_id broadband BB-1",
      "fixed_line FL-200 C-8 customer_id broadband BB-2",
      "mobile M1 C-7 customer_id broadband BB-1",
    ]);
  });

  it("reads only the changed rows on the second night", async function () {
    await broadband("ar_invoice").where({ invoice_no: "BB-INV-2" }).update({ gross_amount: "100.00", changed_at: "2026-03-31 21:00:00" });
    await broadband("ar_invoice").insert({
      invoice_no: "BB-INV-3", acct_no: "BB-1", doc_type: "INV", inv_status: "O", invoice_date: "2026-03-31",
      due_date: "2026-04-14", gross_amount: "10.00", currency: "EUR", changed_at: "2026-03-31 21:00:00",
    });
    await fixedLine("OFFENER_POSTEN").where({ BELEG_NR: "FL-R2" }).update({ STORNIERT: 1, GEAENDERT_AM: "2026-03-31 22:30:00" });
    await fixedLine("OFFENER_POSTEN").insert({
      BELEG_NR: "FL-R3", KTO_NR: "FL-100", BELEG_ART: "RE", BELEG_DATUM: "2026-03-31", FAELLIG_AM: "2026-04-14",
      BETRAG: "22.00", WAEHRUNG: "EUR", GEAENDERT_AM: "2026-03-31 22:30:00",
    });
    // Touched without a change: read again, but no new version.
    await fixedLine("KUNDENKONTO").where({ KTO_NR: "FL-100" }).update({ GEAENDERT_AM: "2026-03-31 22:30:00" });

    expect((await operator.night("2026-04-01")).exitStatus).to.equal(0);
    // broadband: 2 changed invoices; fixed_line: 1 account and 2 documents;
    // mobile's files are a full snapshot and read whole.
    expect(rowsRead(operator, "2026-04-01")).to.deep.equal({ broadband: 2, fixed_line: 3, mobile: 2 });
    const items = await operator.ledger((db) =>
      db("items").whereIn("source", ["broadband", "fixed_line"]).whereNull("superseded_run").orderBy("item_id"),
    );
    // A delta closes nothing: BB-INV-1 and FL-R1 were not read and stay as they were.
    expect(items.map((row) => `${row.item_id} v${row.version} ${row.status} ${row.amount_minor}`)).to.deep.equal([
      "BB-CRN-1 v1 posted 2000",
      "BB-INV-1 v1 posted 4990",
      "BB-INV-2 v2 posted 10000",
      "BB-INV-3 v1 posted 1000",
      "FL-R1 v1 posted 3000",
      "FL-R2 v2 cancelled 1550",
      "FL-R3 v1 posted 2200",
    ]);
    const accounts = await operator.ledger((db) => db("accounts").where({ source: "fixed_line" }).select("account_id", "version"));
    expect(accounts.map((row) => `${row.account_id} v${row.version}`).sort()).to.deep.equal(["FL-100 v1", "FL-200 v1"]);
  });

  it("keeps the watermark when a run fails", async function () {
    await broadband("ar_invoice").where({ invoice_no: "BB-INV-1" }).update({ gross_amount: "59.90", changed_at: "2026-04-01 20:00:00" });
    let failure: Error | undefined;
    try {
      await operator.night("2026-04-02", { failAfterPass: "consolidate" });
    } catch (error) {
      failure = error as Error;
    }
    expect(failure?.message).to.equal("stopped after pass consolidate on request");
    expect((await operator.night("2026-04-02")).exitStatus).to.equal(0);
    // The failed run stored no watermark, so this run reads BB-INV-1 again.
    expect(rowsRead(operator, "2026-04-02")).to.deep.equal({ broadband: 1, fixed_line: 0, mobile: 2 });
    const watermarks = await operator.ledger((db) =>
      db("source_watermarks as w").join("runs as r", "r.run_id", "w.run_id").where("r.business_date", "2026-04-02")
        .orderBy(["w.source", "w.query"]).select("w.source", "w.query", "w.watermark"),
    );
    expect(watermarks.map((row) => `${row.source} ${row.query} ${row.watermark}`)).to.deep.equal([
      "broadband accounts 2026-03-30 22:00:00",
      "broadband items 2026-04-01 20:00:00",
      "fixed_line accounts 2026-03-31 22:30:00.000",
      "fixed_line items 2026-03-31 22:30:00.000",
    ]);
  });

  it("reconciles the ledger with PostgreSQL live", async function () {
    const config = loadConfig(operator.configPath);
    const clean = await reconcileSource(config, { source: "broadband", log: silentLogger() });
    expect(clean.exitStatus).to.equal(0);

    await broadband("ar_invoice").where({ invoice_no: "BB-INV-3" }).update({ gross_amount: "11.00" });
    await broadband("ar_invoice").where({ invoice_no: "BB-CRN-1" }).update({ inv_status: "X" });
    const outcome = await reconcileSource(config, { source: "broadband", log: silentLogger() });
    expect(outcome.exitStatus).to.equal(3);
    const rows = readCsv(`${outcome.outDir}/reconcile.csv`);
    expect(rows.map((row) => Object.values(row).join(" "))).to.deep.equal([
      "broadband BB-CRN-1 BB-2 status_different EUR 20.00 cancelled EUR 20.00 posted",
      "broadband BB-INV-3 BB-1 amount_different EUR 11.00 posted EUR 10.00 posted",
    ]);
    // Posted and net of credits: the source has 59.90 + 100.00 + 11.00 = 170.90;
    // the ledger 59.90 + 100.00 + 10.00 - 20.00 = 149.90 in four items.
    const totals = readCsv(`${outcome.outDir}/reconcile-totals.csv`);
    expect(totals).to.deep.equal([
      {
        currency: "EUR",
        extract_items: "3",
        ledger_items: "4",
        extract_amount: "170.90",
        ledger_amount: "149.90",
        difference: "21.00",
      },
    ]);
  });
});
