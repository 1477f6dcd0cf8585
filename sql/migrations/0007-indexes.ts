// Indexes for the lookups a night makes at volume: current versions by
// natural id (the primary keys lead with source, so a lookup by id alone
// scanned the table), customer batches in key order, and the keyset reads of
// the staging tables by (source, file, line).

import type { Knex } from "knex";

const INDEXES: [table: string, columns: string[]][] = [
  ["items", ["item_id", "source"]],
  ["items", ["customer_key", "source", "item_id"]],
  ["accounts", ["account_id", "source"]],
  ["accounts", ["customer_key", "source", "account_id"]],
  ["source_allocations", ["item_id", "source"]],
  ["holds", ["account_id", "source"]],
  ["account_state", ["account_id", "source"]],
  ["stg_accounts", ["source", "file", "line"]],
  ["stg_items", ["source", "file", "line"]],
  ["stg_allocations", ["source", "file", "line"]],
  ["stg_holds", ["source", "file", "line"]],
];

function indexName(table: string, columns: string[]): string {
  return `${table}_${columns.join("_")}_lookup`;
}

export async function up(knex: Knex): Promise<void> {
  for (const [table, columns] of INDEXES) {
    await knex.schema.alterTable(table, (builder) => {
      builder.index(columns, indexName(table, columns));
    });
  }
}

export async function down(knex: Knex): Promise<void> {
  for (const [table, columns] of INDEXES) {
    await knex.schema.alterTable(table, (builder) => {
      builder.dropIndex(columns, indexName(table, columns));
    });
  }
}
