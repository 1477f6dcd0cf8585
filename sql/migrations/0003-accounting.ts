// Accounting tables: write-offs that dcms originates, the write-off
// proposals of each run, and the dimensions (cost centre, segment) that
// journal lines carry.

import type { Knex } from "knex";

export async function up(knex: Knex): Promise<void> {
  // Versioned like items: one current row per written-off item. A new
  // write-off, a recovery or a reversal writes a new version and marks the
  // row before it with superseded_run, so a re-run restores it exactly.
  await knex.schema.createTable("write_offs", (table) => {
    table.bigInteger("customer_key").notNullable();
    table.string("source", 64).notNullable();
    table.string("item_id", 100).notNullable();
    table.bigInteger("run_id").notNullable();
    table.bigInteger("superseded_run").nullable();
    table.string("account_id", 100).notNullable();
    table.string("entity", 64).notNullable();
    table.string("segment", 64).nullable();
    /** The item's type, which selects its receivable account. */
    table.string("item_type", 24).notNullable();
    /** The item's own currency; amounts below are in it. */
    table.string("currency", 3).notNullable();
    /** active, or reversed once the write-off was taken back. */
    table.string("status", 16).notNullable();
    /** Amount written off in total, in minor units of the item's currency. */
    table.bigInteger("amount_minor").notNullable();
    /** Part of amount_minor that later credits on the item recovered. */
    table.bigInteger("recovered_minor").notNullable();
    /** Business date of the first write-off of the item. */
    table.string("written_off_on", 10).notNullable();
    /** The rule of the latest change: placement, small_balance, approval, recovery, reversal. */
    table.string("rule", 32).notNullable();
    table.text("reason").notNullable();
    table.index(["customer_key"]);
    table.index(["source", "item_id"]);
    table.index(["run_id"]);
  });

  await knex.schema.createTable("write_off_proposals", (table) => {
    table.bigInteger("run_id").notNullable();
    table.bigInteger("customer_key").notNullable();
    table.string("source", 64).notNullable();
    table.string("account_id", 100).notNullable();
    table.string("currency", 3).notNullable();
    table.string("customer_ref", 200).notNullable();
    table.string("entity", 64).notNullable();
    /** Open amount after set-off that the write-off would remove. */
    table.bigInteger("amount_minor").notNullable();
    table.integer("days_past_due_max").notNullable();
    table.string("rule", 32).notNullable();
    table.text("reason").notNullable();
    table.index(["run_id"]);
    table.index(["customer_key"]);
  });

  await knex.schema.alterTable("journal_lines", (table) => {
    table.string("cost_centre", 64).nullable();
    table.string("segment", 64).nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable("journal_lines", (table) => {
    table.dropColumn("segment");
    table.dropColumn("cost_centre");
  });
  await knex.schema.dropTableIfExists("write_off_proposals");
  await knex.schema.dropTableIfExists("write_offs");
}
