// The accounting files of a run, rendered from the ledger next to
// journal.csv: journal.xlsx for finance, gl_interface.csv for the ERP's
// journal import, and write_off_proposals.csv for approval.

import { writeFile } from "node:fs/promises";
import path from "node:path";
import type { Knex } from "knex";
import type { ResolvedConfig } from "../config/resolve.ts";
import { formatMoney } from "../money.ts";
import { writeCsvFile, type CsvColumn } from "../outputs/csv.ts";
import { glInterfaceColumns } from "../outputs/gl-interface.ts";
import { renderJournalXlsx } from "../outputs/journal-xlsx.ts";

type Db = Knex | Knex.Transaction;
type Row = Record<string, any>;

const PROPOSAL_COLUMNS: CsvColumn<Row>[] = [
  { name: "source", kind: "text", value: (row) => row.source },
  { name: "account_id", kind: "text", value: (row) => row.account_id },
  { name: "customer_id", kind: "text", value: (row) => row.customer_ref },
  { name: "entity", kind: "text", value: (row) => row.entity },
  { name: "currency", kind: "text", value: (row) => row.currency },
  { name: "amount", kind: "amount", value: (row) => formatMoney(Number(row.amount_minor), row.currency) },
  { name: "days_past_due_max", kind: "integer", value: (row) => Number(row.days_past_due_max) },
  { name: "rule", kind: "text", value: (row) => row.rule },
  { name: "reason", kind: "text", value: (row) => row.reason },
];

/** Writes journal.xlsx, gl_interface.csv and write_off_proposals.csv of a run into folder. */
export async function writeAccountingFiles(db: Db, config: ResolvedConfig, runId: number, folder: string): Promise<void> {
  const run = await db("runs").where({ run_id: runId }).first();
  const businessDate: string = run.business_date;
  const journal: Row[] = await db("journal_lines").where({ run_id: runId }).orderBy(["journal_id", "line"]);
  const entities = new Map([...config.entities.values()].map((entity) => [entity.id, entity.functionalCurrency]));
  await writeFile(path.join(folder, "journal.xlsx"), await renderJournalXlsx(journal, entities, businessDate), { mode: 0o600 });
  await writeCsvFile(
    path.join(folder, "gl_interface.csv"),
    glInterfaceColumns({ accounting: config.accounting, runId, businessDate }),
    journal,
  );
  const proposals: Row[] = await db("write_off_proposals")
    .where({ run_id: runId })
    .orderBy(["source", "account_id", "currency"]);
  await writeCsvFile(path.join(folder, "write_off_proposals.csv"), PROPOSAL_COLUMNS, proposals);
}
