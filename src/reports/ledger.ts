// Ledger reads of the month-end pack. Per-customer rows (aging snapshots and
// dunning states) are read a batch of customers at a time, so memory grows
// with the batch and the number of runs in the period, not with the ledger.
// Period-wide figures (sales, journals, placements, allowances) are small
// and read in one query each.

import type { Knex } from "knex";
import { allowancesAfterRun } from "../outputs/run-files.ts";
import type { RunRef } from "./period.ts";

type Db = Knex | Knex.Transaction;
type Row = Record<string, any>;

export const REPORT_CUSTOMER_BATCH = 500;

/** One account_aging row: an account and currency as aged by one run. */
export interface AgingRow {
  runId: number;
  source: string;
  accountId: string;
  currency: string;
  customerRef: string;
  entity: string;
  segment: string | null;
  balanceMinor: number;
  unappliedMinor: number;
  disputedMinor: number;
  bucketsMinor: number[];
  overdueMinor: number;
  daysPastDueMax: number;
  stage: string | null;
}

/** One version of an account's dunning state. */
export interface StateVersion {
  source: string;
  accountId: string;
  /** The run that wrote the version and the run that replaced it (null while current). */
  runId: number;
  supersededRun: number | null;
  strategy: string;
  level: number;
  stage: string | null;
  agency: string | null;
}

/** One version of an item's write-off, from the write_offs table. */
export interface WriteOffVersion {
  source: string;
  accountId: string;
  itemId: string;
  currency: string;
  runId: number;
  supersededRun: number | null;
  active: boolean;
  /** Written off in total, less what later credits recovered. */
  netMinor: number;
}

/** The per-customer rows of one batch of customers. */
export interface CustomerBatch {
  /** Aging rows of every run of the period, in (source, account, currency) order. */
  aging: AgingRow[];
  /** Every state version written up to the closing run. */
  states: StateVersion[];
  /** Every write-off version written up to the closing run; empty on a ledger without write-offs. */
  writeOffs: WriteOffVersion[];
}

function toAgingRow(row: Row): AgingRow {
  return {
    runId: Number(row.run_id),
    source: row.source,
    accountId: row.account_id,
    currency: row.currency,
    customerRef: row.customer_ref,
    entity: row.entity,
    segment: row.segment ?? null,
    balanceMinor: Number(row.balance_minor),
    unappliedMinor: Number(row.unapplied_minor),
    disputedMinor: Number(row.disputed_minor),
    bucketsMinor: (JSON.parse(row.buckets) as number[]).map(Number),
    overdueMinor: Number(row.overdue_minor),
    daysPastDueMax: Number(row.days_past_due_max),
    stage: row.stage ?? null,
  };
}

function toStateVersion(row: Row): StateVersion {
  return {
    source: row.source,
    accountId: row.account_id,
    runId: Number(row.run_id),
    supersededRun: row.superseded_run === null ? null : Number(row.superseded_run),
    strategy: row.strategy,
    level: Number(row.level),
    stage: row.stage ?? null,
    agency: row.agency ?? null,
  };
}

function toWriteOffVersion(row: Row): WriteOffVersion {
  return {
    source: row.source,
    accountId: row.account_id,
    itemId: row.item_id,
    currency: row.currency,
    runId: Number(row.run_id),
    supersededRun: row.superseded_run === null ? null : Number(row.superseded_run),
    active: row.status === "active",
    netMinor: Number(row.amount_minor) - Number(row.recovered_minor),
  };
}

/** Yields the aging rows, state and write-off versions of the period, a batch of customers at a time. */
export async function* customerBatches(
  db: Db,
  runs: readonly RunRef[],
  closingRunId: number,
  batchSize = REPORT_CUSTOMER_BATCH,
): AsyncGenerator<CustomerBatch> {
  const runIds = runs.map((run) => run.runId);
  // Ledgers written before write-offs existed have no write_offs table.
  const withWriteOffs = await db.schema.hasTable("write_offs");
  let lastKey = 0;
  for (;;) {
    const customers: Row[] = await db("customers")
      .where("customer_key", ">", lastKey)
      .orderBy("customer_key")
      .limit(batchSize)
      .select("customer_key");
    if (customers.length === 0) return;
    const keys = customers.map((row) => Number(row.customer_key));
    lastKey = keys[keys.length - 1];
    const aging: Row[] = await db("account_aging")
      .whereIn("customer_key", keys)
      .whereIn("run_id", runIds)
      .orderBy(["run_id", "source", "account_id", "currency"]);
    const states: Row[] = await db("account_state")
      .whereIn("customer_key", keys)
      .where("run_id", "<=", closingRunId)
      .orderBy(["source", "account_id", "run_id"]);
    const writeOffs: Row[] = withWriteOffs
      ? await db("write_offs").whereIn("customer_key", keys).where("run_id", "<=", closingRunId)
      : [];
    yield { aging: aging.map(toAgingRow), states: states.map(toStateVersion), writeOffs: writeOffs.map(toWriteOffVersion) };
  }
}

/**
 * Returns whether a run's aging snapshot was deleted by `dcms prune`: its
 * summary counted aging rows, and none are left.
 */
export async function isAgingPruned(db: Db, runId: number): Promise<boolean> {
  const run = await db("runs").where({ run_id: runId }).first("summary");
  const counted = run?.summary ? Number(JSON.parse(run.summary).passes?.aging_rows ?? 0) : 0;
  if (counted === 0) return false;
  const left = await db("account_aging").where({ run_id: runId }).first("run_id");
  return left === undefined;
}

/** Invoices and debit notes issued on one day, per entity and currency. */
export interface DailySales {
  entity: string;
  currency: string;
  date: string;
  amountMinor: number;
  documents: number;
}

/**
 * Reads the credit sales, invoices and debit notes posted with a document
 * date in (after, until], as the ledger held them after a run.
 */
export async function readDailySales(db: Db, runId: number, after: string, until: string): Promise<DailySales[]> {
  const asOfRun = (alias: string) => (query: Knex.QueryBuilder) =>
    query
      .where(`${alias}.run_id`, "<=", runId)
      .andWhere((inner) => inner.whereNull(`${alias}.superseded_run`).orWhere(`${alias}.superseded_run`, ">", runId));
  const rows: Row[] = await db("items as i")
    .join("accounts as a", function () {
      this.on("a.source", "=", "i.source").andOn("a.account_id", "=", "i.account_id");
    })
    .where(asOfRun("i"))
    .where(asOfRun("a"))
    .whereIn("i.type", ["invoice", "debit_note"])
    .where("i.status", "posted")
    .where("i.document_date", ">", after)
    .where("i.document_date", "<=", until)
    .groupBy("a.entity", "i.currency", "i.document_date")
    .orderBy(["a.entity", "i.currency", "i.document_date"])
    .select("a.entity as entity", "i.currency as currency", "i.document_date as date")
    .sum({ amount: "i.amount_minor" })
    .count({ documents: "*" });
  return rows.map((row) => ({
    entity: row.entity,
    currency: row.currency,
    date: row.date,
    amountMinor: Number(row.amount),
    documents: Number(row.documents),
  }));
}

/** An allowance cell as it stood after a run. */
export interface AllowanceCell {
  entity: string;
  segment: string;
  bucket: string;
  currency: string;
  allowanceMinor: number;
}

export async function readAllowances(db: Db, runId: number): Promise<AllowanceCell[]> {
  const rows: Row[] = await allowancesAfterRun(db, runId).orderBy(["entity", "segment", "bucket"]);
  return rows.map((row) => ({
    entity: row.entity,
    segment: row.segment,
    bucket: row.bucket,
    currency: row.currency,
    allowanceMinor: Number(row.allowance_minor),
  }));
}

/** A journal line of a run in the period, with the run's business date. */
export interface PeriodJournalLine {
  runId: number;
  businessDate: string;
  journalId: string;
  line: number;
  entity: string;
  accountingDate: string;
  accountCode: string;
  debitMinor: number;
  creditMinor: number;
  currency: string;
  description: string;
}

/**
 * Reads the journal lines of the runs after the opening run up to the
 * closing run, including those of runs that a re-run superseded: their
 * lines stay in the ledger and the re-run's reversal lines cancel them.
 */
export async function readPeriodJournal(db: Db, openingRunId: number, closingRunId: number): Promise<PeriodJournalLine[]> {
  const rows: Row[] = await db("journal_lines as j")
    .join("runs as r", "r.run_id", "j.run_id")
    .where("j.run_id", ">", openingRunId)
    .andWhere("j.run_id", "<=", closingRunId)
    .whereIn("r.status", ["committed", "superseded"])
    .orderBy(["j.run_id", "j.journal_id", "j.line"])
    .select("j.*", "r.business_date as business_date");
  return rows.map((row) => ({
    runId: Number(row.run_id),
    businessDate: row.business_date,
    journalId: row.journal_id,
    line: Number(row.line),
    entity: row.entity,
    accountingDate: row.accounting_date,
    accountCode: row.account_code,
    debitMinor: Number(row.debit_minor),
    creditMinor: Number(row.credit_minor),
    currency: row.currency,
    description: row.description,
  }));
}

/** A placement or recall of a run in the period. */
export interface PeriodPlacement {
  runId: number;
  agency: string;
  source: string;
  accountId: string;
  kind: "placement" | "recall";
  currency: string;
  amountMinor: number;
  reason: string | null;
}

export async function readPeriodPlacements(db: Db, openingRunId: number, closingRunId: number): Promise<PeriodPlacement[]> {
  const rows: Row[] = await db("placements")
    .where("run_id", ">", openingRunId)
    .andWhere("run_id", "<=", closingRunId)
    .orderBy(["run_id", "agency", "source", "account_id", "kind"]);
  return rows.map((row) => ({
    runId: Number(row.run_id),
    agency: row.agency,
    source: row.source,
    accountId: row.account_id,
    kind: row.kind,
    currency: row.currency,
    amountMinor: Number(row.amount_minor),
    reason: row.reason ?? null,
  }));
}
