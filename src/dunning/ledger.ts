// Reads a batch of customers' dunning history from the ledger, and writes
// what the dunning pass decided beyond stages and actions: charges (as
// dunning_charges rows and as items), one-time outcomes.

import type { Knex } from "knex";
import type { AccountAging } from "../../jobs/age.ts";
import { bandIndex, type Band } from "../config/resolve.ts";
import type { CustomerData } from "../domain.ts";
import { accountKey } from "../domain.ts";
import { insertRows } from "../ledger/db.ts";
import type { PlannedCharge } from "../../jobs/fees.ts";
import { chargeItem } from "../../jobs/fees.ts";
import { emptyHistory, type DunningHistory, type OutcomeRecord } from "./history.ts";

type Db = Knex | Knex.Transaction;
type Row = Record<string, any>;

/** Loads the dunning history of a batch of customers, by customer key. */
export async function loadDunningHistory(db: Db, customers: readonly CustomerData[], runId: number): Promise<Map<number, DunningHistory>> {
  const histories = new Map<number, DunningHistory>();
  for (const customer of customers) histories.set(customer.customerKey, emptyHistory());
  const keys = customers.map((customer) => customer.customerKey);
  if (keys.length === 0) return histories;
  const of = (row: Row) => histories.get(Number(row.customer_key)) as DunningHistory;
  // Only committed runs of earlier business dates count as history: a
  // re-run keeps the rows of the run it supersedes for audit, and that run
  // is still marked committed while the re-run works.
  const businessDate = db("runs").select("business_date").where({ run_id: runId });
  const committed = db("runs").select("run_id").where({ status: "committed" }).where("business_date", "<", businessDate);

  for (const row of await db("dunning_charges").whereIn("customer_key", keys).whereIn("run_id", committed).orderBy(["run_id", "item_id"])) {
    of(row).charges.push({
      source: row.source,
      accountId: row.account_id,
      kind: row.kind,
      stage: row.stage,
      period: row.period,
      itemId: row.item_id,
      currency: row.currency,
      amountMinor: Number(row.amount_minor),
      detail: JSON.parse(row.detail),
    });
  }
  for (const row of await db("dunning_outcomes").whereIn("customer_key", keys).whereIn("run_id", committed).orderBy(["run_id", "subject"])) {
    of(row).outcomes.push({ source: row.source, accountId: row.account_id, kind: row.kind, subject: row.subject });
  }
  for (const row of await db("instalments").whereIn("customer_key", keys).whereNull("superseded_run")) {
    of(row).instalments.push({
      source: row.source,
      accountId: row.account_id,
      arrangementStart: row.arrangement_start,
      dueDate: row.due_date,
      currency: row.currency,
      amountMinor: Number(row.amount_minor),
    });
  }
  for (const row of await db("dunning_usage").whereIn("customer_key", keys).where({ run_id: runId })) {
    of(row).usage.set(accountKey(row.source, row.account_id), { currency: row.currency, unbilledMinor: Number(row.unbilled_minor) });
  }
  const limits: Row[] = await db("accounts")
    .select("customer_key", "source", "account_id", "credit_limit_minor")
    .whereIn("customer_key", keys)
    .whereNull("superseded_run")
    .whereNotNull("credit_limit_minor");
  for (const row of limits) of(row).creditLimits.set(accountKey(row.source, row.account_id), Number(row.credit_limit_minor));
  const entries: Row[] = await db("decisions")
    .select("customer_key")
    .count({ entries: "*" })
    .whereIn("customer_key", keys)
    .whereIn("run_id", committed)
    .where("level_before", 0)
    .where("level", ">", 0)
    .groupBy("customer_key");
  for (const row of entries) of(row).timesInDunning = Number(row.entries);
  return histories;
}

/**
 * Adds tonight's charges to the aging that was computed before dunning
 * charged them: each is open and due on the business date, so it lands in
 * the current bucket and the balance, and the aging still equals the ledger.
 */
export function addChargesToAging(aging: AccountAging[], charges: readonly PlannedCharge[], buckets: readonly Band[]): AccountAging[] {
  if (charges.length === 0) return aging;
  const rows = aging.map((row) => ({ ...row, bucketsMinor: [...row.bucketsMinor] }));
  const current = bandIndex(buckets, 0);
  for (const charge of charges) {
    let row = rows.find((entry) => entry.source === charge.source && entry.accountId === charge.accountId && entry.currency === charge.currency);
    if (!row) {
      row = {
        source: charge.source,
        accountId: charge.accountId,
        currency: charge.currency,
        balanceMinor: 0,
        unappliedMinor: 0,
        disputedMinor: 0,
        bucketsMinor: buckets.map(() => 0),
        overdueMinor: 0,
        daysPastDueMax: 0,
      };
      rows.push(row);
    }
    row.bucketsMinor[current] += charge.amountMinor;
    row.balanceMinor += charge.amountMinor;
  }
  const text = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return rows.sort((a, b) => text(a.source, b.source) || text(a.accountId, b.accountId) || text(a.currency, b.currency));
}

/** Rows of a batch for the dunning tables, written after the batch's other rows. */
export class DunningRows {
  private readonly charges: Row[] = [];
  private readonly items: Row[] = [];
  private readonly outcomes: Row[] = [];

  add(customerKey: number, charges: readonly PlannedCharge[], outcomes: readonly OutcomeRecord[], runId: number, businessDate: string): void {
    for (const charge of charges) {
      this.charges.push({
        run_id: runId,
        customer_key: customerKey,
        source: charge.source,
        account_id: charge.accountId,
        kind: charge.kind,
        stage: charge.stage,
        period: charge.period,
        item_id: charge.itemId,
        entity: charge.entity,
        currency: charge.currency,
        amount_minor: charge.amountMinor,
        base_minor: charge.baseMinor,
        rate: charge.rate,
        detail: JSON.stringify(charge.detail),
        reason: charge.reason,
      });
      const item = chargeItem(charge, businessDate);
      this.items.push({
        customer_key: customerKey,
        source: item.source,
        item_id: item.itemId,
        version: 1,
        run_id: runId,
        superseded_run: null,
        account_id: item.accountId,
        type: item.type,
        status: "posted",
        document_date: item.documentDate,
        due_date: item.dueDate,
        currency: item.currency,
        amount_minor: item.amountMinor,
        applies_to: null,
        disputed_minor: 0,
        exchange_rate: null,
        tax_minor: null,
        tax_code: null,
        reference: item.reference,
        dcms_charge: charge.kind,
      });
    }
    for (const outcome of outcomes) {
      this.outcomes.push({
        run_id: runId,
        customer_key: customerKey,
        source: outcome.source,
        account_id: outcome.accountId,
        kind: outcome.kind,
        subject: outcome.subject,
        business_date: businessDate,
      });
    }
  }

  async write(trx: Knex.Transaction): Promise<void> {
    await insertRows(trx, "dunning_charges", this.charges);
    await insertRows(trx, "items", this.items);
    await insertRows(trx, "dunning_outcomes", this.outcomes);
  }
}

/** Returns the charges a run posted, for its income journals. */
export async function runCharges(db: Db, runId: number): Promise<PlannedCharge[]> {
  const rows: Row[] = await db("dunning_charges").where({ run_id: runId }).orderBy(["entity", "kind", "currency", "item_id"]);
  return rows.map((row) => ({
    source: row.source,
    accountId: row.account_id,
    entity: row.entity,
    kind: row.kind,
    stage: row.stage,
    period: row.period,
    itemId: row.item_id,
    currency: row.currency,
    amountMinor: Number(row.amount_minor),
    baseMinor: Number(row.base_minor),
    rate: row.rate,
    detail: JSON.parse(row.detail),
    reason: row.reason,
  }));
}
