// Tables of the dunning pass beyond the first cut: the fees and late interest
// it charged, the one-time outcomes it recorded (promises kept or broken,
// arrangements broken, pre-due reminders sent), the unbilled usage and the
// arrangement instalments it read. Also marks the items dcms posts itself
// and gives each action the strategy that decided it.

import type { Knex } from "knex";

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable("items", (table) => {
    /** fee or interest on items that dcms charged; null on items from billing. */
    table.string("dcms_charge", 16).nullable();
  });

  await knex.schema.alterTable("actions", (table) => {
    /** The strategy that decided the action, for champion/challenger results. */
    table.string("strategy", 64).nullable();
  });

  await knex.schema.createTable("dunning_charges", (table) => {
    table.bigInteger("run_id").notNullable();
    table.bigInteger("customer_key").notNullable();
    table.string("source", 64).notNullable();
    table.string("account_id", 100).notNullable();
    /** fee or interest. */
    table.string("kind", 16).notNullable();
    /** The stage whose entry charged it. */
    table.string("stage", 64).notNullable();
    /** The charging period, e.g. 2026-03 for a monthly period. */
    table.string("period", 10).notNullable();
    /** The debit adjustment posted to items for this charge. */
    table.string("item_id", 100).notNullable();
    table.string("entity", 64).notNullable();
    table.string("currency", 3).notNullable();
    table.bigInteger("amount_minor").notNullable();
    /** Principal the charge was computed on (zero for a fixed fee). */
    table.bigInteger("base_minor").notNullable();
    /** Percentage or annual rate as a decimal fraction, empty for a fixed fee. */
    table.string("rate", 32).notNullable();
    /** JSON: per principal item the interest dates, days, base and amount. */
    table.text("detail").notNullable();
    table.text("reason").notNullable();
    table.index(["customer_key"]);
    table.index(["run_id"]);
  });

  await knex.schema.createTable("dunning_outcomes", (table) => {
    table.bigInteger("run_id").notNullable();
    table.bigInteger("customer_key").notNullable();
    table.string("source", 64).notNullable();
    table.string("account_id", 100).notNullable();
    /** promise_kept, promise_broken, arrangement_broken or pre_due. */
    table.string("kind", 24).notNullable();
    /** The hold's start date, or the item id of a pre-due reminder. */
    table.string("subject", 100).notNullable();
    table.string("business_date", 10).notNullable();
    table.index(["customer_key"]);
    table.index(["run_id"]);
  });

  await knex.schema.createTable("dunning_usage", (table) => {
    table.bigInteger("run_id").notNullable();
    table.bigInteger("customer_key").notNullable();
    table.string("source", 64).notNullable();
    table.string("account_id", 100).notNullable();
    table.string("currency", 3).notNullable();
    /** Usage rated but not yet invoiced, as of the business date. */
    table.bigInteger("unbilled_minor").notNullable();
    table.index(["customer_key"]);
    table.index(["run_id"]);
  });

  await knex.schema.createTable("instalments", (table) => {
    table.bigInteger("customer_key").notNullable();
    table.string("source", 64).notNullable();
    table.string("account_id", 100).notNullable();
    /** start_date of the arrangement hold that the instalment belongs to. */
    table.string("arrangement_start", 10).notNullable();
    table.string("due_date", 10).notNullable();
    table.bigInteger("run_id").notNullable();
    table.bigInteger("superseded_run").nullable();
    table.string("currency", 3).notNullable();
    table.bigInteger("amount_minor").notNullable();
    table.index(["customer_key"]);
    table.index(["source", "account_id"]);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ["instalments", "dunning_usage", "dunning_outcomes", "dunning_charges"]) {
    await knex.schema.dropTableIfExists(table);
  }
  await knex.schema.alterTable("actions", (table) => table.dropColumn("strategy"));
  await knex.schema.alterTable("items", (table) => table.dropColumn("dcms_charge"));
}
