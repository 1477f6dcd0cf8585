// Runs the per-customer passes (allocate, age, dun) over the ledger a batch
// of customers at a time, writes what they decided, and feeds the provision
// accumulator. Each pass's planner is pure; this file only reads and writes.

import type { Knex } from "knex";
import type { ResolvedConfig } from "../src/config/resolve.ts";
import type { CustomerData } from "../src/domain.ts";
import { accountKey } from "../src/domain.ts";
import { customerBatches } from "../src/ledger/customers.ts";
import { insertRows } from "../src/ledger/db.ts";
import { upsertVersioned } from "../src/ledger/versioned.ts";
import type { LetterData } from "../src/outputs/letters/letter.ts";
import { planAllocations, type PlannedAllocation } from "./allocate.ts";
import { planAging, setOff, type AccountAging } from "./age.ts";
import { activeHolds, planDunning, type DunningContext, type DunningPlan } from "./dun.ts";
import type { ProvisionAccumulator } from "./provision.ts";
import { addChargesToAging, DunningRows, loadDunningHistory } from "../src/dunning/ledger.ts";
import type { WriteOffPass } from "./write-off.ts";
import type { CashPass } from "./cash.ts";
import { nextVisibleDates, reviewCustomer, writeReviews, type CustomerReview, type Evaluation } from "./review.ts";

export interface CustomerPassCounts {
  /** Customers evaluated tonight: all of them on a full night. */
  customers: number;
  allocationsChanged: number;
  agingRows: number;
  decisions: number;
  actions: Record<string, number>;
  letters: number;
  placements: number;
  recalls: number;
}

export interface CustomerPassTimings {
  allocate: number;
  age: number;
  dun: number;
  write: number;
}

interface BatchWrites {
  allocations: { customerKey: number; planned: PlannedAllocation[] }[];
  aging: Record<string, unknown>[];
  states: Record<string, unknown>[];
  decisions: Record<string, unknown>[];
  actions: Record<string, unknown>[];
  letters: Record<string, unknown>[];
  placements: Record<string, unknown>[];
}

export async function runCustomerPasses(
  trx: Knex.Transaction,
  config: ResolvedConfig,
  runId: number,
  context: DunningContext,
  provision: ProvisionAccumulator,
  onProgress: (customers: number) => void,
  writeOff?: WriteOffPass,
  cash?: CashPass,
  evaluation: Pick<Evaluation, "mode"> = { mode: "full" },
): Promise<{ counts: CustomerPassCounts; timings: CustomerPassTimings }> {
  const counts: CustomerPassCounts = {
    customers: 0,
    allocationsChanged: 0,
    agingRows: 0,
    decisions: 0,
    actions: {},
    letters: 0,
    placements: 0,
    recalls: 0,
  };
  const timings: CustomerPassTimings = { allocate: 0, age: 0, dun: 0, write: 0 };
  const businessDate = context.businessDate;

  const incremental = evaluation.mode === "incremental";
  for await (const batch of customerBatches(trx, businessDate, undefined, incremental)) {
    const writes: BatchWrites = { allocations: [], aging: [], states: [], decisions: [], actions: [], letters: [], placements: [] };
    await writeOff?.loadBatch(trx, batch);
    await cash?.loadBatch(trx, batch);
    const dunningHistory = await loadDunningHistory(trx, batch, runId);
    const dunningRows = new DunningRows();
    const nextVisible = await nextVisibleDates(trx, batch.map((customer) => customer.customerKey), businessDate);
    const reviews: CustomerReview[] = [];
    for (const customer of batch) {
      const queuedBefore = (cash?.queuedRows() ?? 0) + (writeOff?.queuedRows() ?? 0);
      let started = performance.now();
      // The cash steps add their set-offs, nettings and discounts to the customer's items.
      const allocation = cash ? cash.plan(customer, cash.allocate(customer)) : planAllocations(customer, businessDate);
      timings.allocate += performance.now() - started;
      // Written-off amounts count as applied from here on: they leave aging, dunning and provision.
      const settled = writeOff ? writeOff.settle(customer, allocation) : allocation;

      started = performance.now();
      const aging = planAging(customer, settled, config.buckets, config.agingBasis, businessDate);
      const bankrupt = activeHolds(customer.holds, businessDate).some((hold) => hold.kind === "bankruptcy");
      const setOffItems = setOff(customer, settled, config.agingBasis, businessDate, bankrupt);
      timings.age += performance.now() - started;

      started = performance.now();
      const customerContext = writeOff ? { ...context, writtenOffAccounts: writeOff.writtenOffAccounts(customer) } : context;
      const dunning = planDunning(customer, setOffItems, customerContext, dunningHistory.get(customer.customerKey));
      dunningRows.add(customer.customerKey, dunning.charges, dunning.outcomes, runId, businessDate);
      timings.dun += performance.now() - started;

      const kept = writeOff ? writeOff.plan(customer, settled, setOffItems, dunning.states) : { setOffItems, aging: null };
      provision.add(customer, kept.setOffItems, bankrupt);
      writes.allocations.push({ customerKey: customer.customerKey, planned: allocation.allocations });
      const charged = addChargesToAging(kept.aging ?? aging, dunning.charges, config.buckets);
      collectWrites(writes, customer, charged, dunning, config, runId, businessDate);
      const otherSteps =
        Boolean(cash?.hasInputs(customer.customerKey)) ||
        Boolean(writeOff?.hasHistory(customer.customerKey)) ||
        (cash?.queuedRows() ?? 0) + (writeOff?.queuedRows() ?? 0) !== queuedBefore;
      reviews.push(
        reviewCustomer(
          customer,
          { settled, setOffItems: kept.setOffItems, dunning, otherSteps, nextVisible: nextVisible.get(customer.customerKey) ?? null },
          config,
          businessDate,
        ),
      );
    }
    const started = performance.now();
    counts.allocationsChanged += await writeAllocations(trx, writes.allocations, runId);
    await writeBatch(trx, writes, runId);
    await dunningRows.write(trx);
    await writeOff?.writeBatch(trx);
    await cash?.writeBatch(trx);
    await writeReviews(trx, reviews, runId, incremental);
    timings.write += performance.now() - started;

    counts.customers += batch.length;
    counts.agingRows += writes.aging.length;
    counts.decisions += writes.decisions.length;
    counts.letters += writes.letters.length;
    for (const action of writes.actions) {
      const name = action.action as string;
      counts.actions[name] = (counts.actions[name] ?? 0) + 1;
    }
    for (const placement of writes.placements) {
      if (placement.kind === "placement") counts.placements++;
      else counts.recalls++;
    }
    onProgress(counts.customers);
  }
  return { counts, timings };
}

function collectWrites(
  writes: BatchWrites,
  customer: CustomerData,
  aging: AccountAging[],
  dunning: DunningPlan,
  config: ResolvedConfig,
  runId: number,
  businessDate: string,
): void {
  const customerKey = customer.customerKey;
  const accounts = new Map(customer.accounts.map((account) => [accountKey(account.source, account.accountId), account]));
  const stageAfter = new Map<string, string | null>();
  for (const [key, state] of customer.states) stageAfter.set(key, state.level > 0 ? state.stage : null);
  for (const state of dunning.states) {
    const key = accountKey(state.source, state.accountId);
    stageAfter.set(key, state.level > 0 ? state.stage : null);
    writes.states.push({
      customer_key: customerKey,
      source: state.source,
      account_id: state.accountId,
      strategy: state.strategy,
      level: state.level,
      stage: state.stage,
      since: state.since,
      suspended: state.suspended,
      agency: state.agency,
    });
  }
  const agedAccounts = new Set<string>();
  for (const row of aging) {
    const key = accountKey(row.source, row.accountId);
    const account = accounts.get(key);
    const stage = stageAfter.get(key) ?? null;
    if (row.balanceMinor === 0 && stage === null) continue;
    agedAccounts.add(key);
    writes.aging.push({
      run_id: runId,
      customer_key: customerKey,
      source: row.source,
      account_id: row.accountId,
      currency: row.currency,
      customer_ref: customer.customerRef,
      entity: account?.entity ?? "",
      segment: account?.segment ?? null,
      balance_minor: row.balanceMinor,
      unapplied_minor: row.unappliedMinor,
      disputed_minor: row.disputedMinor,
      buckets: JSON.stringify(row.bucketsMinor),
      overdue_minor: row.overdueMinor,
      days_past_due_max: row.daysPastDueMax,
      stage,
    });
  }
  // An account in a stage with nothing open still shows in the aging.
  for (const [key, stage] of stageAfter) {
    if (stage === null || agedAccounts.has(key)) continue;
    const account = accounts.get(key);
    if (!account) continue;
    writes.aging.push({
      run_id: runId,
      customer_key: customerKey,
      source: account.source,
      account_id: account.accountId,
      currency: account.currency,
      customer_ref: customer.customerRef,
      entity: account.entity,
      segment: account.segment,
      balance_minor: 0,
      unapplied_minor: 0,
      disputed_minor: 0,
      buckets: JSON.stringify(config.buckets.map(() => 0)),
      overdue_minor: 0,
      days_past_due_max: 0,
      stage,
    });
  }
  for (const decision of dunning.decisions) {
    writes.decisions.push({
      run_id: runId,
      customer_key: customerKey,
      source: decision.source,
      account_id: decision.accountId,
      level_before: decision.levelBefore,
      level: decision.level,
      rule: decision.rule,
      reason: decision.reason,
      inputs: JSON.stringify(decision.inputs),
    });
  }
  for (const action of dunning.actions) {
    writes.actions.push({
      run_id: runId,
      customer_key: customerKey,
      source: action.source,
      account_id: action.accountId,
      customer_ref: customer.customerRef,
      stage_before: action.stageBefore,
      stage: action.stage,
      action: action.action,
      channel: action.channel,
      effective_date: action.effectiveDate,
      currency: action.currency,
      overdue_minor: action.overdueMinor,
      days_past_due: action.daysPastDue,
      rule: action.rule,
      reason: action.reason,
      agency: action.agency,
      strategy: action.strategy,
    });
  }
  for (const placement of dunning.placements) {
    writes.placements.push({
      run_id: runId,
      customer_key: customerKey,
      agency: placement.agency,
      source: placement.source,
      account_id: placement.accountId,
      kind: placement.kind,
      currency: placement.currency,
      amount_minor: placement.amountMinor,
      oldest_due_date: placement.oldestDueDate,
      days_past_due_max: placement.daysPastDueMax,
      reason: placement.reason,
    });
  }
  for (const [index, letter] of dunning.letters.entries()) {
    const addresseeAccount =
      customer.accounts.find((account) => account.contact.name !== null) ?? customer.accounts[0];
    const totals = new Map<string, number>();
    for (const item of letter.items) totals.set(item.currency, (totals.get(item.currency) ?? 0) + item.openMinor);
    const data: LetterData = {
      letterId: letter.account ? `${businessDate}-C${customerKey}-${index + 1}` : `${businessDate}-C${customerKey}`,
      businessDate,
      customerRef: customer.customerRef,
      language: letter.language,
      // The renderer finds <stage>.<language>.hbs, so the stage's template names it.
      stage: letter.template,
      addressee: { ...addresseeAccount.contact, country: addresseeAccount.country },
      deadline: letter.deadline,
      items: letter.items.map((item) => ({
        source: item.source,
        accountId: item.accountId,
        reference: item.reference ?? item.itemId,
        documentDate: item.documentDate,
        dueDate: item.dueDate,
        currency: item.currency,
        openMinor: item.openMinor,
        daysPastDue: item.daysPastDue,
      })),
      totals: [...totals].sort().map(([currency, overdueMinor]) => ({ currency, overdueMinor })),
      waysToPay: [...config.dunning.waysToPay],
    };
    writes.letters.push({
      run_id: runId,
      customer_key: customerKey,
      letter_id: data.letterId,
      channel: letter.channel,
      template: letter.template,
      payload: JSON.stringify(data),
    });
  }
}

function allocationSignature(rows: { credit_item_id: string; debit_item_id: string; source: string; amount_minor: number; date: string; rule: string }[]): string {
  return rows
    .map((row) => [row.source, row.credit_item_id, row.debit_item_id, row.amount_minor, row.date, row.rule].join("|"))
    .sort()
    .join("\n");
}

/** Replaces a customer's allocations with a new version when the plan differs. */
async function writeAllocations(
  trx: Knex.Transaction,
  customers: { customerKey: number; planned: PlannedAllocation[] }[],
  runId: number,
): Promise<number> {
  const keys = customers.map((customer) => customer.customerKey);
  const current: Record<string, any>[] = await trx("allocations").whereIn("customer_key", keys).whereNull("superseded_run");
  const byCustomer = new Map<number, Record<string, any>[]>();
  for (const row of current) {
    const key = Number(row.customer_key);
    byCustomer.set(key, [...(byCustomer.get(key) ?? []), row]);
  }
  const inserts: Record<string, unknown>[] = [];
  const replaced: number[] = [];
  for (const { customerKey, planned } of customers) {
    const rows = planned.map((allocation) => ({
      customer_key: customerKey,
      source: allocation.source,
      credit_item_id: allocation.creditItemId,
      debit_item_id: allocation.debitItemId,
      amount_minor: allocation.amountMinor,
      currency: allocation.currency,
      date: allocation.date,
      rule: allocation.rule,
    }));
    const existing = byCustomer.get(customerKey) ?? [];
    const stored = existing.map((row) => ({
      source: row.source as string,
      credit_item_id: row.credit_item_id as string,
      debit_item_id: row.debit_item_id as string,
      amount_minor: Number(row.amount_minor),
      date: row.date as string,
      rule: row.rule as string,
    }));
    if (allocationSignature(stored) === allocationSignature(rows)) continue;
    if (existing.length > 0) replaced.push(customerKey);
    inserts.push(...rows.map((row) => ({ ...row, run_id: runId, superseded_run: null })));
  }
  for (let start = 0; start < replaced.length; start += 500) {
    await trx("allocations")
      .whereIn("customer_key", replaced.slice(start, start + 500))
      .whereNull("superseded_run")
      .update({ superseded_run: runId });
  }
  await insertRows(trx, "allocations", inserts);
  return inserts.length;
}

async function writeBatch(trx: Knex.Transaction, writes: BatchWrites, runId: number): Promise<void> {
  await upsertVersioned(
    trx,
    { table: "account_state", keyColumns: ["account_id", "source"], numbered: false },
    writes.states,
    runId,
  );
  await insertRows(trx, "account_aging", writes.aging);
  await insertRows(trx, "decisions", writes.decisions);
  await insertRows(trx, "actions", writes.actions);
  await insertRows(trx, "letters", writes.letters);
  await insertRows(trx, "placements", writes.placements);
}
