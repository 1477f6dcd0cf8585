// Tables for how sources are read and linked: the watermarks of incremental
// sources, the items a full snapshot closed, the keys that link accounts of
// different sources to one customer, and the links a run made. Staging
// tables carry a source's pending watermarks, link decisions and rejected
// item ids from the extract to consolidation, and are discarded with the
// rest of a rejected source's staging rows.

import type { Knex } from "knex";

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable("source_watermarks", (table) => {
    table.bigInteger("run_id").notNullable();
    table.string("source", 64).notNullable();
    /** The query: accounts, items, allocations or holds. */
    table.string("query", 16).notNullable();
    /** Highest value of the watermark column read up to this run, as the database wrote it. */
    table.string("watermark", 100).notNullable();
    table.primary(["run_id", "source", "query"]);
  });

  await knex.schema.createTable("item_closures", (table) => {
    table.bigInteger("run_id").notNullable();
    table.bigInteger("customer_key").notNullable();
    table.string("source", 64).notNullable();
    table.string("item_id", 100).notNullable();
    /** The item version with status closed that the run wrote. */
    table.integer("version").notNullable();
    /** Why the item was closed, such as "missing from snapshot". */
    table.string("reason", 100).notNullable();
    table.index(["run_id"]);
    table.index(["customer_key"]);
  });

  await knex.schema.createTable("account_match_keys", (table) => {
    table.bigInteger("customer_key").notNullable();
    table.string("source", 64).notNullable();
    table.string("account_id", 100).notNullable();
    /** customer_id, tax_id, email or name_postal_code. */
    table.string("kind", 24).notNullable();
    table.bigInteger("run_id").notNullable();
    table.bigInteger("superseded_run").nullable();
    /** The normalised value; null when the account has none. */
    table.string("value", 300).nullable();
    table.index(["value"]);
    table.index(["account_id", "source"]);
    table.index(["customer_key"]);
  });

  await knex.schema.createTable("customer_links", (table) => {
    table.bigInteger("run_id").notNullable();
    table.bigInteger("customer_key").notNullable();
    table.string("source", 64).notNullable();
    table.string("account_id", 100).notNullable();
    table.string("customer_ref", 200).notNullable();
    /** customer_id, tax_id, email, name_postal_code or account (a customer of its own). */
    table.string("rule", 24).notNullable();
    /** The account whose key matched, when the link joined an existing customer. */
    table.string("matched_source", 64).nullable();
    table.string("matched_account_id", 100).nullable();
    table.index(["run_id"]);
    table.index(["customer_key"]);
  });

  await knex.schema.createTable("stg_watermarks", (table) => {
    table.string("source", 64).notNullable();
    table.string("query", 16).notNullable();
    table.string("watermark", 100).notNullable();
  });

  await knex.schema.createTable("stg_rejected_items", (table) => {
    table.string("source", 64).notNullable();
    table.string("item_id", 100).notNullable();
    table.index(["source", "item_id"]);
  });

  await knex.schema.createTable("stg_links", (table) => {
    table.string("source", 64).notNullable();
    table.string("account_id", 100).notNullable();
    /** The existing customer the account joins, or null for a new customer. */
    table.bigInteger("customer_key").nullable();
    /** The ref of the new customer when customer_key is null. */
    table.string("customer_ref", 200).nullable();
    table.string("rule", 24).notNullable();
    table.string("matched_source", 64).nullable();
    table.string("matched_account_id", 100).nullable();
    table.index(["source", "account_id"]);
  });

  await knex.schema.createTable("stg_link_keys", (table) => {
    table.string("source", 64).notNullable();
    table.string("account_id", 100).notNullable();
    table.string("kind", 24).notNullable();
    table.string("value", 300).notNullable();
    table.bigInteger("customer_key").nullable();
    table.string("customer_ref", 200).nullable();
    table.index(["value"]);
  });
}

export async function down(knex: Knex): Promise<void> {
  const tables = [
    "stg_link_keys",
    "stg_links",
    "stg_rejected_items",
    "stg_watermarks",
    "customer_links",
    "account_match_keys",
    "item_closures",
    "source_watermarks",
  ];
  for (const table of tables) await knex.schema.dropTableIfExists(table);
}
