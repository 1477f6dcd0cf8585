// Cash application: what dcms originates (bank payments, direct-debit
// collections, set-offs, discounts), the suspense ledger of parked payments,
// the bank entries already seen, and the records that explain each step.
// Every table that holds state carries run_id and superseded_run and is
// listed in VERSIONED_TABLES, so that a re-run reverses it; the rows of
// bank_entries, autopay_stops, set_offs and write_backs are never
// superseded, only deleted by the reversal of the run that wrote them.

import type { Knex } from "knex";

function versioned(table: Knex.CreateTableBuilder): void {
  table.bigInteger("run_id").notNullable();
  table.bigInteger("superseded_run").nullable();
}

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable("items", (table) => {
    /** dcms for items that dcms originated and writes back to billing; null for extracted items. */
    table.string("origin", 16).nullable();
    /** Remittance information of a bank payment, searched by the by_reference rule. */
    table.string("remittance", 500).nullable();
    // The write-back checks look up dcms's own items every night.
    table.index(["origin"]);
    table.index(["dcms_charge"]);
  });

  await knex.schema.createTable("bank_entries", (table) => {
    versioned(table);
    /** The bank source. */
    table.string("source", 64).notNullable();
    /** bankEntryKey of a camt entry, or pain002|<message id>|<end-to-end id>. */
    table.string("entry_key", 300).notNullable();
    table.string("file", 200).notNullable();
    table.string("credit_debit", 8).notNullable();
    table.bigInteger("amount_minor").notNullable();
    table.string("currency", 3).notNullable();
    table.string("booking_date", 10).nullable();
    table.string("value_date", 10).nullable();
    table.string("end_to_end_id", 100).nullable();
    /** payment, parked, return, rejection or ignored. */
    table.string("outcome", 16).notNullable();
    /** The payment or reversal item the entry became, if any. */
    table.string("item_source", 64).nullable();
    table.string("item_id", 100).nullable();
    table.unique(["source", "entry_key"]);
    table.index(["run_id"]);
    table.index(["end_to_end_id"]);
  });

  await knex.schema.createTable("suspense", (table) => {
    /** 0 while the payment belongs to no customer. */
    table.bigInteger("customer_key").notNullable();
    table.string("source", 64).notNullable();
    table.string("entry_key", 300).notNullable();
    versioned(table);
    /** parked or released. */
    table.string("status", 16).notNullable();
    table.string("reason", 32).notNullable();
    table.string("entity", 64).notNullable();
    table.string("currency", 3).notNullable();
    table.bigInteger("amount_minor").notNullable();
    table.string("value_date", 10).notNullable();
    table.string("parked_date", 10).notNullable();
    table.string("released_date", 10).nullable();
    table.string("item_source", 64).nullable();
    table.string("item_id", 100).nullable();
    table.string("end_to_end_id", 100).nullable();
    table.string("remittance", 500).nullable();
    table.string("debtor_iban", 34).nullable();
    table.string("file", 200).notNullable();
    table.index(["source", "entry_key"]);
    table.index(["status"]);
  });

  await knex.schema.createTable("collections", (table) => {
    table.bigInteger("customer_key").notNullable();
    table.string("source", 64).notNullable();
    table.string("account_id", 100).notNullable();
    /** The invoice or debit collected. */
    table.string("item_id", 100).notNullable();
    /** 1 for the first collection of the item, 2 for its retry. */
    table.integer("attempt").notNullable();
    versioned(table);
    table.string("end_to_end_id", 35).notNullable();
    table.string("message_id", 35).notNullable();
    table.string("collection_date", 10).notNullable();
    table.bigInteger("amount_minor").notNullable();
    table.string("currency", 3).notNullable();
    table.string("mandate_id", 35).notNullable();
    table.string("mandate_date", 10).notNullable();
    table.string("sequence_type", 4).notNullable();
    /** Personal data for the collection file only. */
    table.string("debtor_name", 200).notNullable();
    table.string("debtor_iban", 34).notNullable();
    table.string("payment_item_id", 100).notNullable();
    /** submitted, returned or rejected. */
    table.string("status", 16).notNullable();
    table.string("reason_code", 8).nullable();
    table.index(["customer_key"]);
    table.index(["end_to_end_id"]);
    table.index(["run_id"]);
  });

  await knex.schema.createTable("autopay_stops", (table) => {
    versioned(table);
    table.bigInteger("customer_key").notNullable();
    table.string("source", 64).notNullable();
    table.string("account_id", 100).notNullable();
    table.string("reason_code", 8).notNullable();
    table.string("date", 10).notNullable();
    table.index(["customer_key"]);
  });

  await knex.schema.createTable("set_offs", (table) => {
    versioned(table);
    table.bigInteger("customer_key").notNullable();
    /** credit_transfer, netting or discount. */
    table.string("kind", 16).notNullable();
    table.string("entity", 64).notNullable();
    table.string("currency", 3).notNullable();
    table.bigInteger("amount_minor").notNullable();
    table.string("date", 10).notNullable();
    /** Where the credit came from: a credit item, a payable or a discount. */
    table.string("credit_source", 64).notNullable();
    table.string("credit_account", 100).notNullable();
    table.string("credit_ref", 100).notNullable();
    table.string("debit_source", 64).notNullable();
    table.string("debit_account", 100).notNullable();
    table.string("debit_item_id", 100).notNullable();
    table.string("journal_id", 80).notNullable();
    table.index(["customer_key"]);
    table.index(["run_id"]);
  });

  await knex.schema.createTable("refund_proposals", (table) => {
    table.bigInteger("run_id").notNullable();
    table.bigInteger("customer_key").notNullable();
    table.string("customer_ref", 200).notNullable();
    table.string("source", 64).notNullable();
    table.string("account_id", 100).notNullable();
    table.string("currency", 3).notNullable();
    table.bigInteger("amount_minor").notNullable();
    table.string("credit_since", 10).notNullable();
    table.index(["run_id"]);
  });

  await knex.schema.createTable("payables", (table) => {
    table.bigInteger("customer_key").notNullable();
    table.string("source", 64).notNullable();
    table.string("payable_id", 100).notNullable();
    versioned(table);
    table.string("account_id", 100).notNullable();
    /** deposit, commission or another word the source uses. */
    table.string("kind", 32).notNullable();
    table.string("currency", 3).notNullable();
    table.bigInteger("amount_minor").notNullable();
    table.string("date", 10).notNullable();
    table.index(["customer_key"]);
  });

  await knex.schema.createTable("discounts", (table) => {
    table.bigInteger("customer_key").notNullable();
    table.string("source", 64).notNullable();
    table.string("discount_id", 100).notNullable();
    versioned(table);
    table.string("account_id", 100).notNullable();
    table.string("item_id", 100).notNullable();
    table.string("currency", 3).notNullable();
    table.bigInteger("amount_minor").notNullable();
    table.string("condition_date", 10).notNullable();
    /** held, applied or dropped. */
    table.string("status", 16).notNullable();
    table.string("decided_date", 10).nullable();
    table.index(["customer_key"]);
  });

  await knex.schema.createTable("write_backs", (table) => {
    /** The run whose extract showed the item. */
    versioned(table);
    table.string("source", 64).notNullable();
    table.string("item_id", 100).notNullable();
    table.index(["source", "item_id"]);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of [
    "write_backs", "discounts", "payables", "refund_proposals", "set_offs",
    "autopay_stops", "collections", "suspense", "bank_entries",
  ]) {
    await knex.schema.dropTableIfExists(table);
  }
  await knex.schema.alterTable("items", (table) => {
    table.dropIndex(["dcms_charge"]);
    table.dropIndex(["origin"]);
    table.dropColumn("remittance");
    table.dropColumn("origin");
  });
}
