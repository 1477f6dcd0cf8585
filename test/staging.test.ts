// Consolidation past one chunk of staged rows. Night one (2026-03-31) loads
// 1,201 accounts with one open invoice each, so that staging is read back in
// several chunks of 500 and every item is new. Night two (2026-04-01)
// changes the amount of one invoice, lacks another and repeats the rest.

import { expect } from "chai";
import { skipUnreachable } from "./support/environment.ts";
import { LEDGER_KINDS, postgresReachable, useLedger } from "./support/ledgers.ts";
import { csvText, Operator, STANDARD_ACCOUNTS, STANDARD_ITEMS } from "./connectors/operator.ts";

const ACCOUNTS = 1201;

function accountsCsv(): string {
  const rows: string[][] = [];
  for (let index = 0; index < ACCOUNTS; index++) {
    rows.push([`A${index}`, "", `Customer ${index}`, `c${index}@example.com`, "10115", "", "EUR"]);
  }
  return csvText(STANDARD_ACCOUNTS, rows);
}

function itemsCsv(amountOf: (index: number) => string | null): string {
  const rows: string[][] = [];
  for (let index = 0; index < ACCOUNTS; index++) {
    const amount = amountOf(index);
    if (amount === null) continue;
    rows.push([`I${index}`, `A${index}`, "invoice", "posted", "2026-03-01", "2026-03-25", "EUR", amount]);
  }
  return csvText(STANDARD_ITEMS, rows);
}

for (const ledger of LEDGER_KINDS) describe(`staged rows at volume (${ledger} ledger)`, function () {
  let operator: Operator;
  let dropLedger = async () => {};

  beforeEach(async function () {
    if (ledger === "postgres") {
      const unreachable = await postgresReachable();
      if (unreachable) skipUnreachable(this, "PostgreSQL on 127.0.0.1:5432", unreachable);
    }
    operator = Operator.create({ billing: { kind: "standard", path: "billing", entity: "DE01" } });
    operator.write("billing/accounts.csv", accountsCsv());
    operator.write("billing/items.csv", itemsCsv(() => "10.00"));
    dropLedger = await useLedger(operator.folder, ledger);
    expect((await operator.night("2026-03-31")).exitStatus).to.equal(0);
  });

  afterEach(async function () {
    await dropLedger();
    operator?.remove();
  });

  it("loads every staged account and item once", async function () {
    const [source] = operator.runJson("2026-03-31").sources;
    expect(source.accounts_changed).to.equal(ACCOUNTS);
    expect(source.items_changed).to.equal(ACCOUNTS);
    expect(source.customers_created).to.equal(ACCOUNTS);
    const counts = await operator.ledger(async (knex) => ({
      accounts: (await knex("accounts").where({ version: 1 }).count({ n: "*" }))[0].n,
      items: (await knex("items").where({ version: 1, amount_minor: 1000 }).count({ n: "*" }))[0].n,
      keys: (await knex("account_match_keys").whereNotNull("value").count({ n: "*" }))[0].n,
    }));
    expect(Number(counts.accounts)).to.equal(ACCOUNTS);
    expect(Number(counts.items)).to.equal(ACCOUNTS);
    // A name with a postal code and an e-mail address per account.
    expect(Number(counts.keys)).to.equal(2 * ACCOUNTS);
  });

  it("writes an item to the customer of its account", async function () {
    const unmatched = await operator.ledger((knex) =>
      knex("items as i")
        .join("accounts as a", function () {
          this.on("a.source", "i.source").andOn("a.account_id", "i.account_id");
        })
        .whereRaw("a.customer_key <> i.customer_key")
        .count({ n: "*" }),
    );
    expect(Number(unmatched[0].n)).to.equal(0);
  });

  it("versions only the changed and the missing item", async function () {
    const amountOf = (index: number): string | null => {
      if (index === 700) return null;
      if (index === 7) return "12.50";
      return "10.00";
    };
    operator.write("billing/items.csv", itemsCsv(amountOf));
    expect((await operator.night("2026-04-01")).exitStatus).to.equal(0);
    const [source] = operator.runJson("2026-04-01").sources;
    expect(source.items_changed).to.equal(1);
    expect(source.accounts_changed).to.equal(0);
    const written: { item_id: string; version: number; status: string; amount_minor: number }[] = await operator.ledger(
      async (knex) => {
        const run = await knex("runs").where({ business_date: "2026-04-01", status: "committed" }).first();
        return knex("items")
          .where({ run_id: run.run_id })
          .select("item_id", "version", "status", "amount_minor")
          .orderBy("item_id");
      },
    );
    expect(written.map((row) => ({ ...row, version: Number(row.version), amount_minor: Number(row.amount_minor) }))).to.deep.equal([
      { item_id: "I7", version: 2, status: "posted", amount_minor: 1250 },
      { item_id: "I700", version: 2, status: "closed", amount_minor: 1000 },
    ]);
    const current = await operator.ledger((knex) => knex("items").whereNull("superseded_run").count({ n: "*" }));
    expect(Number(current[0].n)).to.equal(ACCOUNTS);
  });
});
