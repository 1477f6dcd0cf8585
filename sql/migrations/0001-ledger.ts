// The first cut of the ledger. Every table that grows with the business
// carries customer_key, the distribution key on a distributed PostgreSQL.
// Versioned tables keep every row a run wrote: run_id is the run that wrote
// the row, superseded_run the run that replaced it (null while current), so
// a re-run reverses exactly what a run did by deleting its rows and clearing
// its superseded marks.

import type { Knex } from "knex";

function versioned(table: Knex.CreateTableBuilder): void {
  table.bigInteger("run_id").notNullable();
  table.bigInteger("superseded_run").nullable();
}

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable("runs", (table) => {
    table.bigIncrements("run_id").primary();
    table.string("business_date", 10).notNullable();
    /** running, committed, failed or superseded. */
    table.string("status", 16).notNullable();
    table.bigInteger("rerun_of").nullable();
    table.string("input_checksum", 64).notNullable();
    table.string("started_at", 32).notNullable();
    table.string("finished_at", 32).nullable();
    table.integer("exit_status").nullable();
    /** The run summary that run.json is rendered from, without timings. */
    table.text("summary").nullable();
    /** Durations per pass, in milliseconds; kept apart from the summary. */
    table.text("timings").nullable();
    table.text("error").nullable();
    table.index(["business_date", "status"]);
  });

  await knex.schema.createTable("source_runs", (table) => {
    table.bigInteger("run_id").notNullable();
    table.string("source", 64).notNullable();
    /** loaded or rejected. */
    table.string("status", 16).notNullable();
    table.string("checksum", 64).notNullable();
    table.integer("rows_read").notNullable();
    table.integer("rows_rejected").notNullable();
    table.text("reason").nullable();
    table.primary(["run_id", "source"]);
  });

  await knex.schema.createTable("customers", (table) => {
    table.bigIncrements("customer_key").primary();
    /** The linking id: source:customer_id for local ids, the id itself for global ones. */
    table.string("customer_ref", 200).notNullable().unique();
    table.bigInteger("run_id").notNullable();
  });

  await knex.schema.createTable("accounts", (table) => {
    table.bigInteger("customer_key").notNullable();
    table.string("source", 64).notNullable();
    table.string("account_id", 100).notNullable();
    table.integer("version").notNullable();
    versioned(table);
    table.string("customer_id", 100).nullable();
    table.string("entity", 64).notNullable();
    table.string("segment", 64).nullable();
    table.string("status", 16).notNullable();
    table.string("currency", 3).notNullable();
    table.string("name", 200).nullable();
    table.string("country", 2).nullable();
    table.string("language", 35).nullable();
    table.string("email", 200).nullable();
    table.string("phone", 50).nullable();
    table.string("address_line1", 200).nullable();
    table.string("address_line2", 200).nullable();
    table.string("city", 100).nullable();
    table.string("postal_code", 20).nullable();
    table.string("region", 100).nullable();
    table.string("tax_id", 50).nullable();
    table.boolean("autopay").notNullable();
    table.string("iban", 34).nullable();
    table.string("mandate_id", 35).nullable();
    table.string("mandate_date", 10).nullable();
    table.bigInteger("credit_limit_minor").nullable();
    table.string("channel", 16).nullable();
    table.primary(["source", "account_id", "version"]);
    table.index(["customer_key"]);
  });

  await knex.schema.createTable("items", (table) => {
    table.bigInteger("customer_key").notNullable();
    table.string("source", 64).notNullable();
    table.string("item_id", 100).notNullable();
    table.integer("version").notNullable();
    versioned(table);
    table.string("account_id", 100).notNullable();
    table.string("type", 24).notNullable();
    table.string("status", 16).notNullable();
    table.string("document_date", 10).notNullable();
    table.string("due_date", 10).notNullable();
    table.string("currency", 3).notNullable();
    table.bigInteger("amount_minor").notNullable();
    table.string("applies_to", 100).nullable();
    table.bigInteger("disputed_minor").notNullable();
    table.string("exchange_rate", 32).nullable();
    table.bigInteger("tax_minor").nullable();
    table.string("tax_code", 32).nullable();
    table.string("reference", 100).nullable();
    table.primary(["source", "item_id", "version"]);
    table.index(["customer_key"]);
  });

  await knex.schema.createTable("source_allocations", (table) => {
    table.bigInteger("customer_key").notNullable();
    table.string("source", 64).notNullable();
    table.string("item_id", 100).notNullable();
    table.string("applies_to", 100).notNullable();
    versioned(table);
    table.bigInteger("amount_minor").notNullable();
    table.string("date", 10).notNullable();
    table.index(["customer_key"]);
    table.index(["source", "item_id", "applies_to"]);
  });

  await knex.schema.createTable("allocations", (table) => {
    table.bigInteger("customer_key").notNullable();
    table.string("source", 64).notNullable();
    /** The payment, credit note or credit adjustment. */
    table.string("credit_item_id", 100).notNullable();
    /** The invoice, debit note, debit adjustment or reopened payment. */
    table.string("debit_item_id", 100).notNullable();
    versioned(table);
    table.bigInteger("amount_minor").notNullable();
    table.string("currency", 3).notNullable();
    table.string("date", 10).notNullable();
    /** source, applies_to, oldest_due or set_off. */
    table.string("rule", 24).notNullable();
    table.index(["customer_key"]);
  });

  await knex.schema.createTable("holds", (table) => {
    table.bigInteger("customer_key").notNullable();
    table.string("source", 64).notNullable();
    table.string("account_id", 100).notNullable();
    table.string("kind", 24).notNullable();
    table.string("start_date", 10).notNullable();
    versioned(table);
    table.string("end_date", 10).nullable();
    table.string("reason", 200).nullable();
    table.bigInteger("promised_minor").nullable();
    table.string("promised_date", 10).nullable();
    /** extract or command. */
    table.string("origin", 16).notNullable();
    table.index(["customer_key"]);
  });

  await knex.schema.createTable("account_state", (table) => {
    table.bigInteger("customer_key").notNullable();
    table.string("source", 64).notNullable();
    table.string("account_id", 100).notNullable();
    versioned(table);
    table.string("strategy", 64).notNullable();
    /** 0 when the account is in no stage. */
    table.integer("level").notNullable();
    table.string("stage", 64).nullable();
    /** Business date on which the account entered its level. */
    table.string("since", 10).notNullable();
    table.boolean("suspended").notNullable();
    table.string("agency", 64).nullable();
    table.index(["customer_key"]);
    table.index(["source", "account_id"]);
  });

  await knex.schema.createTable("decisions", (table) => {
    table.bigInteger("run_id").notNullable();
    table.bigInteger("customer_key").notNullable();
    table.string("source", 64).notNullable();
    table.string("account_id", 100).notNullable();
    table.integer("level_before").notNullable();
    table.integer("level").notNullable();
    table.string("rule", 64).notNullable();
    table.text("reason").notNullable();
    /** JSON of what the decision used: balances, days past due, holds. */
    table.text("inputs").notNullable();
    table.index(["customer_key"]);
    table.index(["run_id"]);
  });

  await knex.schema.createTable("actions", (table) => {
    table.bigInteger("run_id").notNullable();
    table.bigInteger("customer_key").notNullable();
    table.string("source", 64).notNullable();
    table.string("account_id", 100).notNullable();
    table.string("customer_ref", 200).notNullable();
    table.string("stage_before", 64).nullable();
    table.string("stage", 64).nullable();
    table.string("action", 32).notNullable();
    table.string("channel", 16).nullable();
    table.string("effective_date", 10).notNullable();
    table.string("currency", 3).notNullable();
    table.bigInteger("overdue_minor").notNullable();
    table.integer("days_past_due").notNullable();
    table.string("rule", 64).notNullable();
    table.text("reason").notNullable();
    table.string("agency", 64).nullable();
    table.index(["customer_key"]);
    table.index(["run_id"]);
  });

  await knex.schema.createTable("letters", (table) => {
    table.bigInteger("run_id").notNullable();
    table.bigInteger("customer_key").notNullable();
    table.string("letter_id", 120).notNullable();
    table.string("channel", 16).notNullable();
    table.string("template", 64).notNullable();
    /** JSON of the letter's content, enough to render it again. */
    table.text("payload").notNullable();
    table.index(["customer_key"]);
    table.index(["run_id"]);
  });

  await knex.schema.createTable("placements", (table) => {
    table.bigInteger("run_id").notNullable();
    table.bigInteger("customer_key").notNullable();
    table.string("agency", 64).notNullable();
    table.string("source", 64).notNullable();
    table.string("account_id", 100).notNullable();
    /** placement or recall. */
    table.string("kind", 16).notNullable();
    table.string("currency", 3).notNullable();
    table.bigInteger("amount_minor").notNullable();
    table.string("oldest_due_date", 10).nullable();
    table.integer("days_past_due_max").notNullable();
    table.string("reason", 64).nullable();
    table.index(["customer_key"]);
    table.index(["run_id"]);
  });

  await knex.schema.createTable("account_aging", (table) => {
    table.bigInteger("run_id").notNullable();
    table.bigInteger("customer_key").notNullable();
    table.string("source", 64).notNullable();
    table.string("account_id", 100).notNullable();
    table.string("currency", 3).notNullable();
    table.string("customer_ref", 200).notNullable();
    table.string("entity", 64).notNullable();
    table.string("segment", 64).nullable();
    table.bigInteger("balance_minor").notNullable();
    table.bigInteger("unapplied_minor").notNullable();
    table.bigInteger("disputed_minor").notNullable();
    /** JSON array of minor amounts, one per aging bucket in configured order. */
    table.text("buckets").notNullable();
    table.bigInteger("overdue_minor").notNullable();
    table.integer("days_past_due_max").notNullable();
    table.string("stage", 64).nullable();
    table.index(["run_id"]);
    table.index(["customer_key"]);
  });

  await knex.schema.createTable("allowances", (table) => {
    table.string("entity", 64).notNullable();
    table.string("segment", 64).notNullable();
    table.string("bucket", 64).notNullable();
    table.string("currency", 3).notNullable();
    versioned(table);
    table.bigInteger("base_minor").notNullable();
    table.string("rate", 32).notNullable();
    table.bigInteger("allowance_minor").notNullable();
    table.index(["run_id"]);
  });

  await knex.schema.createTable("journal_lines", (table) => {
    table.bigInteger("run_id").notNullable();
    table.string("journal_id", 80).notNullable();
    table.integer("line").notNullable();
    table.string("entity", 64).notNullable();
    table.string("accounting_date", 10).notNullable();
    table.string("account_code", 64).notNullable();
    table.bigInteger("debit_minor").notNullable();
    table.bigInteger("credit_minor").notNullable();
    table.string("currency", 3).notNullable();
    table.string("entered_currency", 3).notNullable();
    table.bigInteger("entered_minor").notNullable();
    table.string("rate", 32).notNullable();
    table.string("description", 200).notNullable();
    /** The run whose line this reverses, on reversal lines of a re-run. */
    table.bigInteger("reverses_run").nullable();
    table.primary(["journal_id", "line"]);
    table.index(["run_id"]);
  });

  await knex.schema.createTable("rejects", (table) => {
    table.bigInteger("run_id").notNullable();
    table.string("source", 64).notNullable();
    table.string("file", 200).notNullable();
    table.integer("line").notNullable();
    table.string("field", 64).notNullable();
    table.string("code", 64).notNullable();
    table.text("message").notNullable();
    table.index(["run_id"]);
  });

  await knex.schema.createTable("outbox", (table) => {
    table.bigIncrements("outbox_id").primary();
    table.bigInteger("run_id").notNullable();
    table.string("file", 300).notNullable();
    table.string("target", 64).notNullable();
    table.string("checksum", 64).notNullable();
    /** pending, delivered or failed. */
    table.string("status", 16).notNullable();
    table.integer("attempts").notNullable().defaultTo(0);
    table.string("next_attempt_at", 32).nullable();
    table.string("delivered_at", 32).nullable();
    table.text("last_error").nullable();
    table.unique(["target", "file", "checksum"]);
  });

  await createStagingTables(knex);
}

/** Staging tables: one source's extract rows between reading and consolidation. */
async function createStagingTables(knex: Knex): Promise<void> {
  await knex.schema.createTable("stg_accounts", (table) => {
    table.string("source", 64).notNullable();
    table.integer("line").notNullable();
    table.string("file", 200).notNullable();
    table.string("account_id", 100).notNullable();
    /** The account as JSON, in the shape of StagedAccount. */
    table.text("row").notNullable();
    table.index(["source", "account_id"]);
  });
  await knex.schema.createTable("stg_items", (table) => {
    table.string("source", 64).notNullable();
    table.integer("line").notNullable();
    table.string("file", 200).notNullable();
    table.string("item_id", 100).notNullable();
    table.string("account_id", 100).notNullable();
    table.text("row").notNullable();
    table.index(["source", "item_id"]);
  });
  await knex.schema.createTable("stg_allocations", (table) => {
    table.string("source", 64).notNullable();
    table.integer("line").notNullable();
    table.string("file", 200).notNullable();
    table.string("item_id", 100).notNullable();
    table.text("row").notNullable();
  });
  await knex.schema.createTable("stg_holds", (table) => {
    table.string("source", 64).notNullable();
    table.integer("line").notNullable();
    table.string("file", 200).notNullable();
    table.string("account_id", 100).notNullable();
    table.text("row").notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  const tables = [
    "stg_holds", "stg_allocations", "stg_items", "stg_accounts", "outbox", "rejects",
    "journal_lines", "allowances", "account_aging", "placements", "letters", "actions",
    "decisions", "account_state", "holds", "allocations", "source_allocations", "items",
    "accounts", "customers", "source_runs", "runs",
  ];
  for (const table of tables) await knex.schema.dropTableIfExists(table);
}
