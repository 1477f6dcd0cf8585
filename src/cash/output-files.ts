// Output files of cash application, rendered from what the run recorded:
// postings/<source>.csv, refund_proposals.csv, suspense.csv and the SEPA
// collection file autopay/pain008.xml. Rendering a run again writes the
// same bytes.

import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Knex } from "knex";
import type { ResolvedConfig } from "../config/resolve.ts";
import { daysBetween } from "../dates.ts";
import { formatMoney } from "../money.ts";
import { writeCsvFile, type CsvColumn } from "../outputs/csv.ts";
import { buildPain008, type DirectDebitTransaction } from "../outputs/pain008.ts";
import { writePostingFiles } from "../outputs/postings.ts";

type Db = Knex | Knex.Transaction;
type Row = Record<string, any>;

const REFUND_COLUMNS: CsvColumn<Row>[] = [
  { name: "source", kind: "text", value: (row) => row.source },
  { name: "account_id", kind: "text", value: (row) => row.account_id },
  { name: "customer_id", kind: "text", value: (row) => row.customer_ref },
  { name: "currency", kind: "text", value: (row) => row.currency },
  { name: "amount", kind: "amount", value: (row) => formatMoney(Number(row.amount_minor), row.currency) },
  { name: "credit_since", kind: "date", value: (row) => row.credit_since },
];

function suspenseColumns(businessDate: string): CsvColumn<Row>[] {
  return [
    { name: "source", kind: "text", value: (row) => row.source },
    { name: "entry_key", kind: "text", value: (row) => row.entry_key },
    { name: "file", kind: "text", value: (row) => row.file },
    { name: "value_date", kind: "date", value: (row) => row.value_date },
    { name: "parked_date", kind: "date", value: (row) => row.parked_date },
    { name: "days_parked", kind: "integer", value: (row) => daysBetween(row.parked_date, businessDate) },
    { name: "currency", kind: "text", value: (row) => row.currency },
    { name: "amount", kind: "amount", value: (row) => formatMoney(Number(row.amount_minor), row.currency) },
    { name: "reason", kind: "text", value: (row) => row.reason },
  ];
}

/** Rows of a versioned table as they stood when the run had finished. */
function asOfRun(db: Db, table: string, runId: number): Knex.QueryBuilder {
  return db(table)
    .where("run_id", "<=", runId)
    .andWhere((query) => query.whereNull("superseded_run").orWhere("superseded_run", ">", runId));
}

/** Renders the cash files of a run into folder; writes only the files that apply. */
export async function writeCashFiles(db: Db, config: ResolvedConfig, runId: number, folder: string): Promise<void> {
  const run: Row = await db("runs").where({ run_id: runId }).first();
  const businessDate = run.business_date as string;
  await writePostingFiles(db, runId, folder);
  if (config.cash.refunds) {
    const refunds: Row[] = await db("refund_proposals").where({ run_id: runId }).orderBy(["source", "account_id", "currency"]);
    await writeCsvFile(path.join(folder, "refund_proposals.csv"), REFUND_COLUMNS, refunds);
  }
  if (config.sources.some((source) => source.config.kind === "bank")) {
    const parked: Row[] = await asOfRun(db, "suspense", runId).where({ status: "parked" }).orderBy(["source", "entry_key"]);
    await writeCsvFile(path.join(folder, "suspense.csv"), suspenseColumns(businessDate), parked);
  }
  await writeCollectionFile(db, config, runId, businessDate, folder);
}

async function writeCollectionFile(
  db: Db,
  config: ResolvedConfig,
  runId: number,
  businessDate: string,
  folder: string,
): Promise<void> {
  const autopay = config.cash.autopay;
  if (!autopay) return;
  const rows: Row[] = await db("collections")
    .where({ run_id: runId, status: "submitted" })
    .orderBy("end_to_end_id");
  if (rows.length === 0) return;
  const transactions: DirectDebitTransaction[] = rows.map((row) => ({
    endToEndId: row.end_to_end_id,
    amountMinor: Number(row.amount_minor),
    currency: row.currency,
    mandateId: row.mandate_id,
    mandateDate: row.mandate_date,
    sequenceType: row.sequence_type,
    debtorName: row.debtor_name,
    debtorIban: row.debtor_iban,
    remittanceText: `${row.source} ${row.item_id}`,
  }));
  const file = buildPain008({
    messageId: rows[0].message_id,
    // The creation time is the business date, so that a re-render writes the same bytes.
    creationDateTime: `${businessDate}T00:00:00`,
    collectionDate: rows[0].collection_date,
    creditor: {
      name: autopay.creditor.name,
      iban: autopay.creditor.iban,
      bic: autopay.creditor.bic,
      creditorId: autopay.creditor.creditorId,
    },
    transactions,
  });
  if (!file.xml) return;
  await mkdir(path.join(folder, "autopay"), { recursive: true });
  await writeFile(path.join(folder, "autopay", "pain008.xml"), file.xml);
}
