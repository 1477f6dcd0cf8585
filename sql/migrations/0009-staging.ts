// Typed staging tables. The staged rows of accounts, items, allocations and
// holds were one JSON text each; as columns of their own, consolidation can
// compare them with the ledger and copy them into it with INSERT ... SELECT
// instead of parsing every row in code. Staging tables are emptied before and
// after every run, so they are dropped and created again without their rows.
// Text columns have no length limit here: a value too long for the ledger
// column still fails where it did before, on its way into the ledger.
//
// The single-column customer_key indexes of items and accounts go: the
// (customer_key, source, id) indexes of 0007 answer the same lookups, and
// every index costs time on each of the million rows a first night writes.

import type { Knex } from "knex";

type Builder = Knex.CreateTableBuilder;

/** The origin columns of every staged row, and the index that keyset reads use. */
function origin(table: Builder, name: string): void {
  table.string("source", 64).notNullable();
  table.integer("line").notNullable();
  table.string("file", 200).notNullable();
  table.index(["source", "file", "line"], `${name}_source_file_line_lookup`);
}

async function createTypedTables(knex: Knex): Promise<void> {
  await knex.schema.createTable("stg_accounts", (table) => {
    origin(table, "stg_accounts");
    table.text("account_id").notNullable();
    table.text("customer_id").nullable();
    table.text("name").nullable();
    table.text("segment").nullable();
    /** Null when the row names none; consolidation uses the source's entity then. */
    table.text("entity").nullable();
    table.text("status").notNullable();
    table.text("currency").notNullable();
    table.text("country").nullable();
    table.text("language").nullable();
    table.text("email").nullable();
    table.text("phone").nullable();
    table.text("address_line1").nullable();
    table.text("address_line2").nullable();
    table.text("city").nullable();
    table.text("postal_code").nullable();
    table.text("region").nullable();
    table.text("tax_id").nullable();
    table.boolean("autopay").notNullable();
    table.text("iban").nullable();
    table.text("mandate_id").nullable();
    table.text("mandate_date").nullable();
    table.bigInteger("credit_limit_minor").nullable();
    table.text("channel").nullable();
    table.index(["source", "account_id"]);
  });
  await knex.schema.createTable("stg_items", (table) => {
    origin(table, "stg_items");
    table.text("item_id").notNullable();
    table.text("account_id").notNullable();
    table.text("type").notNullable();
    table.text("status").notNullable();
    table.text("document_date").notNullable();
    /** Null for types that need none; consolidation derives it then. */
    table.text("due_date").nullable();
    table.text("currency").notNullable();
    table.bigInteger("amount_minor").notNullable();
    table.text("applies_to").nullable();
    table.bigInteger("disputed_minor").notNullable();
    table.text("exchange_rate").nullable();
    table.bigInteger("tax_minor").nullable();
    table.text("tax_code").nullable();
    table.text("reference").nullable();
    table.index(["source", "item_id"]);
  });
  await knex.schema.createTable("stg_allocations", (table) => {
    origin(table, "stg_allocations");
    table.text("item_id").notNullable();
    table.text("applies_to").notNullable();
    table.bigInteger("amount_minor").notNullable();
    table.text("date").notNullable();
  });
  await knex.schema.createTable("stg_holds", (table) => {
    origin(table, "stg_holds");
    table.text("account_id").notNullable();
    table.text("kind").notNullable();
    table.text("start_date").notNullable();
    table.text("end_date").nullable();
    table.text("reason").nullable();
    table.bigInteger("promised_minor").nullable();
    table.text("promised_date").nullable();
  });
}

/** The staging tables as 0001 and 0007 left them: the row as JSON text. */
async function createJsonTables(knex: Knex): Promise<void> {
  const ids: Record<string, string[]> = {
    stg_accounts: ["account_id"],
    stg_items: ["item_id", "account_id"],
    stg_allocations: ["item_id"],
    stg_holds: ["account_id"],
  };
  for (const [name, columns] of Object.entries(ids)) {
    await knex.schema.createTable(name, (table) => {
      origin(table, name);
      for (const column of columns) table.string(column, 100).notNullable();
      table.text("row").notNullable();
      if (name === "stg_accounts" || name === "stg_items") table.index(["source", columns[0]]);
    });
  }
}

const TABLES = ["stg_accounts", "stg_items", "stg_allocations", "stg_holds"];

/** Ledger tables whose customer_key index is the prefix of a wider one. */
const REDUNDANT_INDEXES = ["items", "accounts"];

export async function up(knex: Knex): Promise<void> {
  for (const table of TABLES) await knex.schema.dropTable(table);
  await createTypedTables(knex);
  for (const name of REDUNDANT_INDEXES) {
    await knex.schema.alterTable(name, (table) => table.dropIndex(["customer_key"]));
  }
}

export async function down(knex: Knex): Promise<void> {
  for (const name of REDUNDANT_INDEXES) {
    await knex.schema.alterTable(name, (table) => table.index(["customer_key"]));
  }
  for (const table of TABLES) await knex.schema.dropTable(table);
  await createJsonTables(knex);
}
