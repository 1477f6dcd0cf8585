// One placement file per agency and night: the accounts placed with it and
// the ones recalled, with the contact data the agency needs to collect.

import { mkdir } from "node:fs/promises";
import path from "node:path";
import type { Knex } from "knex";
import type { ResolvedConfig } from "../config/resolve.ts";
import { formatMoney } from "../money.ts";
import { writeCsvFile, type CsvColumn } from "./csv.ts";

type Row = Record<string, any>;

const COLUMNS: CsvColumn<Row>[] = [
  { name: "record", kind: "text", value: (row) => row.kind },
  { name: "source", kind: "text", value: (row) => row.source },
  { name: "account_id", kind: "text", value: (row) => row.account_id },
  { name: "customer_id", kind: "text", value: (row) => row.customer_ref },
  { name: "currency", kind: "text", value: (row) => row.currency },
  { name: "amount", kind: "amount", value: (row) => formatMoney(Number(row.amount_minor), row.currency) },
  { name: "oldest_due_date", kind: "date", value: (row) => row.oldest_due_date },
  { name: "days_past_due_max", kind: "integer", value: (row) => Number(row.days_past_due_max) },
  { name: "reason", kind: "text", value: (row) => row.reason },
  { name: "name", kind: "text", value: (row) => row.name },
  { name: "address_line1", kind: "text", value: (row) => row.address_line1 },
  { name: "postal_code", kind: "text", value: (row) => row.postal_code },
  { name: "city", kind: "text", value: (row) => row.city },
  { name: "country", kind: "text", value: (row) => row.country },
  { name: "phone", kind: "text", value: (row) => row.phone },
  { name: "language", kind: "text", value: (row) => row.language },
];

export async function writePlacementFiles(
  db: Knex | Knex.Transaction,
  config: ResolvedConfig,
  runId: number,
  placements: Row[],
  folder: string,
): Promise<void> {
  await mkdir(folder, { recursive: true });
  for (const agency of config.agencies) {
    const rows = placements.filter((row) => row.agency === agency.id);
    const enriched: Row[] = [];
    for (const row of rows) {
      const account = await db("accounts")
        .where({ source: row.source, account_id: row.account_id })
        .where("run_id", "<=", runId)
        .orderBy("version", "desc")
        .first();
      const customer = await db("customers").where({ customer_key: row.customer_key }).first();
      enriched.push({ ...account, ...row, customer_ref: customer?.customer_ref });
    }
    await writeCsvFile(path.join(folder, `${agency.id}.csv`), COLUMNS, enriched);
  }
}
