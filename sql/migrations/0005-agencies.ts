// Tables of the agency pass: the remittance files loaded from agencies and
// their lines, the accounts waiting for an agency with free capacity, and
// the remote file name of each outbox entry. The first three hold rows of
// one run each (RUN_TABLES), so a re-run reverses them; outbox rows outlive
// re-runs, because a delivered file must never be sent again.

import type { Knex } from "knex";

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable("agency_files", (table) => {
    table.bigInteger("run_id").notNullable();
    table.string("agency", 64).notNullable();
    /** File name inside the agency's remittance folder. */
    table.string("file", 200).notNullable();
    /** SHA-256 of the file as loaded. */
    table.string("checksum", 64).notNullable();
    table.integer("rows_read").notNullable();
    table.integer("rows_rejected").notNullable();
    table.index(["agency", "file"]);
    table.index(["run_id"]);
  });

  await knex.schema.createTable("agency_remittances", (table) => {
    table.bigInteger("run_id").notNullable();
    table.bigInteger("customer_key").notNullable();
    table.string("agency", 64).notNullable();
    table.string("file", 200).notNullable();
    table.integer("line").notNullable();
    /** The agency's id of the line, unique per agency. */
    table.string("remittance_id", 100).notNullable();
    /** payment, reversal, closure or status. */
    table.string("kind", 16).notNullable();
    table.string("source", 64).notNullable();
    table.string("account_id", 100).notNullable();
    table.string("date", 10).notNullable();
    table.string("currency", 3).notNullable();
    /** Collected amount, negative on a reversal; 0 on closures and status lines. */
    table.bigInteger("amount_minor").notNullable();
    /** Commission on the amount at the agency's rate, negative on a reversal. */
    table.bigInteger("commission_minor").notNullable();
    table.string("status_code", 64).nullable();
    /** The payment or reversal item this line created in the ledger. */
    table.string("item_id", 100).nullable();
    /** Business date of the placement the line belongs to. */
    table.string("placed_on", 10).nullable();
    /** remittance_id of the payment that a reversal undoes. */
    table.string("reverses", 100).nullable();
    table.index(["run_id"]);
    table.index(["agency", "remittance_id"]);
    table.index(["customer_key"]);
  });

  await knex.schema.createTable("agency_waiting", (table) => {
    table.bigInteger("run_id").notNullable();
    table.bigInteger("customer_key").notNullable();
    table.string("source", 64).notNullable();
    table.string("account_id", 100).notNullable();
    /** Tier the account waits for: first, second or legal. */
    table.string("tier", 16).notNullable();
    /** Business date since which the account waits. */
    table.string("since", 10).notNullable();
    table.index(["run_id"]);
  });

  await knex.schema.alterTable("outbox", (table) => {
    /** File name on the server, with the business date and a version on corrections. */
    table.string("remote_name", 300).nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable("outbox", (table) => table.dropColumn("remote_name"));
  for (const table of ["agency_waiting", "agency_remittances", "agency_files"]) {
    await knex.schema.dropTableIfExists(table);
  }
}
