// links.csv: the accounts a run linked to a customer, with the rule that
// linked them and the account whose key matched. Only ids and rule names,
// never the matched values (tax ids, e-mail addresses, names).

import type { Knex } from "knex";
import { writeCsvFile, type CsvColumn } from "./csv.ts";

type Row = Record<string, any>;

const LINK_COLUMNS: CsvColumn<Row>[] = [
  { name: "source", kind: "text", value: (row) => row.source },
  { name: "account_id", kind: "text", value: (row) => row.account_id },
  { name: "customer_id", kind: "text", value: (row) => row.customer_ref },
  { name: "rule", kind: "text", value: (row) => row.rule },
  { name: "matched_source", kind: "text", value: (row) => row.matched_source },
  { name: "matched_account_id", kind: "text", value: (row) => row.matched_account_id },
];

/** Writes the customer links of a run, sorted by source and account. */
export async function writeLinksFile(db: Knex | Knex.Transaction, runId: number, file: string): Promise<number> {
  const rows: Row[] = await db("customer_links").where({ run_id: runId }).orderBy(["source", "account_id"]);
  return writeCsvFile(file, LINK_COLUMNS, rows);
}
