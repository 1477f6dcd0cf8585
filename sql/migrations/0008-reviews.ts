// Incremental nights. customer_reviews holds, per customer, the first
// business date on which its evaluation could come out differently without
// new data; open_items holds the open debits of the customers that need no
// evaluation before that date, so that their aging and provision are derived
// set-based. Both are rebuilt by a full night and are not versioned: they
// follow from the ledger, and a run that fails rolls them back with the rest.

import type { Knex } from "knex";

/** Versioned tables written before the customer passes, looked up by the run that wrote or replaced a row. */
const RUN_LOOKUPS = ["accounts", "items", "source_allocations", "holds"];

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable("customer_reviews", (table) => {
    table.bigInteger("customer_key").primary();
    /** The customer is evaluated again on the first night on or after this date. */
    table.string("next_review", 10).notNullable();
    table.bigInteger("run_id").notNullable();
    table.index(["next_review"]);
  });

  await knex.schema.createTable("open_items", (table) => {
    table.bigInteger("customer_key").notNullable();
    table.string("source", 64).notNullable();
    table.string("account_id", 100).notNullable();
    table.string("item_id", 100).notNullable();
    table.string("currency", 3).notNullable();
    table.string("customer_ref", 200).notNullable();
    table.string("entity", 64).notNullable();
    table.string("segment", 64).nullable();
    /** Days since 1970-01-01 of the date that aging counts from (due or document date). */
    table.integer("basis_day").notNullable();
    table.bigInteger("open_minor").notNullable();
    /** The disputed part of the open amount. */
    table.bigInteger("disputed_minor").notNullable();
    table.primary(["customer_key", "source", "item_id"]);
  });

  /** The customers that tonight's passes evaluate. */
  await knex.schema.createTable("stg_review", (table) => {
    table.bigInteger("customer_key").primary();
  });

  await knex.schema.alterTable("runs", (table) => {
    /** full or incremental. */
    table.string("evaluation", 16).nullable();
    /** Checksum of what every customer's evaluation depends on besides its own rows. */
    table.string("review_basis", 64).nullable();
  });

  for (const name of RUN_LOOKUPS) {
    await knex.schema.alterTable(name, (table) => {
      table.index(["run_id"], `${name}_run_id_lookup`);
    });
    // Partial: a full index on superseded_run would tempt SQLite to read every
    // current row through it for "superseded_run is null".
    await knex.raw(`create index ${name}_superseded_run_lookup on ${name} (superseded_run) where superseded_run is not null`);
  }
}

export async function down(knex: Knex): Promise<void> {
  for (const name of RUN_LOOKUPS) {
    await knex.schema.alterTable(name, (table) => {
      table.dropIndex(["run_id"], `${name}_run_id_lookup`);
    });
    await knex.raw(`drop index ${name}_superseded_run_lookup`);
  }
  await knex.schema.alterTable("runs", (table) => {
    table.dropColumn("evaluation");
    table.dropColumn("review_basis");
  });
  await knex.schema.dropTable("stg_review");
  await knex.schema.dropTable("open_items");
  await knex.schema.dropTable("customer_reviews");
}
