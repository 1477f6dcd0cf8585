// Postings files: per billing source, the items that dcms posted in a run
// (bank payments, direct-debit payments and their reversals, set-offs,
// nettings, discounts, fees, interest), in the columns of the standard
// items extract. Billing books each under the same item id, so that its
// next extract carries it and dcms can tell the write-back is done.

import { mkdir } from "node:fs/promises";
import path from "node:path";
import type { Knex } from "knex";
import { formatMoney } from "../money.ts";
import { writeCsvFile, type CsvColumn } from "./csv.ts";

type Db = Knex | Knex.Transaction;
type Row = Record<string, any>;

const POSTING_COLUMNS: CsvColumn<Row>[] = [
  { name: "item_id", kind: "text", value: (row) => row.item_id },
  { name: "account_id", kind: "text", value: (row) => row.account_id },
  { name: "type", kind: "text", value: (row) => row.type },
  { name: "status", kind: "text", value: (row) => row.status },
  { name: "document_date", kind: "date", value: (row) => row.document_date },
  { name: "due_date", kind: "date", value: (row) => row.due_date },
  { name: "currency", kind: "text", value: (row) => row.currency },
  { name: "amount", kind: "amount", value: (row) => formatMoney(Number(row.amount_minor), row.currency) },
  { name: "applies_to", kind: "text", value: (row) => row.applies_to },
  { name: "reference", kind: "text", value: (row) => row.reference },
  /** fee or interest for charges; empty for cash. */
  { name: "charge", kind: "text", value: (row) => row.dcms_charge },
];

/** Writes postings/<source>.csv for every source with items that dcms posted in the run. */
export async function writePostingFiles(db: Db, runId: number, folder: string): Promise<string[]> {
  const rows: Row[] = await db("items")
    .where({ run_id: runId, version: 1 })
    .where((query) => query.where("origin", "dcms").orWhereNotNull("dcms_charge"))
    .orderBy(["source", "item_id"]);
  const bySource = new Map<string, Row[]>();
  for (const row of rows) bySource.set(row.source, [...(bySource.get(row.source) ?? []), row]);
  if (bySource.size === 0) return [];
  await mkdir(path.join(folder, "postings"), { recursive: true });
  const written: string[] = [];
  for (const [source, sourceRows] of bySource) {
    const file = path.join("postings", `${source}.csv`);
    await writeCsvFile(path.join(folder, file), POSTING_COLUMNS, sourceRows);
    written.push(file);
  }
  return written;
}
