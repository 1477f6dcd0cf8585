// Pass 6, write off: between dunning and provisioning. Per customer it
// 1. settles the write-offs already in the ledger: a write-off counts as
//    applied to its item after the billing system's own credits, so written-
//    off amounts leave aging, dunning and provisioning. A credit that billing
//    applies to a written-off item reduces what the write-off still covers:
//    that difference is a recovery. An item that billing no longer sends, or
//    an account that the approval file asks to reverse, gets its write-off
//    reversed and is aged again from its due dates.
// 2. applies the write-off rule to what dunning left open: an account at
//    the last stage of its strategy and placed with an agency for at least
//    after_placement_days, or an account whose oldest open item is more than
//    small_balance.days_past_due past due and whose open amount after
//    set-off is at most small_balance.max_amount. In proposal mode (and for
//    an account whose write-off was once reversed) the account is proposed;
//    an approval in the approval file writes it off on a later night.
// The planners are pure; WriteOffPass loads and writes a batch of customers.

import type { Knex } from "knex";
import { previousCommittedRun } from "../src/ledger/runs.ts";
import type { ApprovalAction, WriteOffApprovals } from "../src/accounting/approvals.ts";
import type { WriteOffRule } from "../src/accounting/config.ts";
import type { ResolvedConfig } from "../src/config/resolve.ts";
import { daysBetween } from "../src/dates.ts";
import type { AccountState, CustomerData, LedgerAccount } from "../src/domain.ts";
import { accountKey, itemKey } from "../src/domain.ts";
import { invariant } from "../src/errors.ts";
import type { ItemType } from "../src/extract.ts";
import { insertRows } from "../src/ledger/db.ts";
import { formatMoney } from "../src/money.ts";
import type { AllocationPlan, OpenDebit } from "./allocate.ts";
import { planAging, type AccountAging, type SetOffItem } from "./age.ts";

/** The current version of an item's write-off, as the ledger stores it. */
export interface StoredWriteOff {
  source: string;
  itemId: string;
  accountId: string;
  entity: string;
  segment: string | null;
  itemType: ItemType;
  /** The item's own currency. */
  currency: string;
  status: "active" | "reversed";
  /** Total written off, in minor units of the item's currency. */
  amountMinor: number;
  /** Part of amountMinor that credits on the item later recovered. */
  recoveredMinor: number;
  writtenOffOn: string;
  rule: string;
  reason: string;
}

export type WriteOffEventKind = "write_off" | "recovery" | "reversal";

/** A change that the accounting journals post, in the item's currency. */
export interface WriteOffEvent {
  kind: WriteOffEventKind;
  entity: string;
  source: string;
  accountId: string;
  itemId: string;
  itemType: ItemType;
  segment: string | null;
  currency: string;
  /**
   * write_off: receivable removed (positive). recovery: receivable
   * reinstated against recovery income (negative when a recovering credit
   * was itself reversed). reversal: receivable reinstated against the
   * allowance (positive).
   */
  amountMinor: number;
}

export interface WriteOffProposal {
  source: string;
  accountId: string;
  currency: string;
  entity: string;
  amountMinor: number;
  daysPastDueMax: number;
  rule: string;
  reason: string;
}

export interface WriteOffContext {
  config: ResolvedConfig;
  businessDate: string;
  staleSources: ReadonlySet<string>;
  approvals: ReadonlyMap<string, ApprovalAction>;
  /** Proposals of the customer from the latest committed run before tonight. */
  previousProposals: readonly WriteOffProposal[];
}

export interface SettledWriteOffs {
  /** The allocation plan with written-off amounts applied to their items. */
  plan: AllocationPlan;
  versions: StoredWriteOff[];
  events: WriteOffEvent[];
}

/**
 * Settles a customer's stored write-offs against tonight's allocations:
 * recoveries, reversals, and the plan with what stays written off applied.
 */
export function settleWriteOffs(
  customer: CustomerData,
  allocation: AllocationPlan,
  stored: readonly StoredWriteOff[],
  context: Pick<WriteOffContext, "approvals" | "businessDate">,
): SettledWriteOffs {
  const versions: StoredWriteOff[] = [];
  const events: WriteOffEvent[] = [];
  const applied = new Map<string, number>();
  for (const row of stored) {
    if (row.status !== "active") continue;
    const key = itemKey(row.source, row.itemId);
    const debit = allocation.debits.get(key);
    const netMinor = row.amountMinor - row.recoveredMinor;
    const reverseRequested = context.approvals.get(accountKey(row.source, row.accountId)) === "reverse";
    if (reverseRequested || !debit) {
      const reason = reverseRequested
        ? "reversed at the request of the approval file; the item is open and aged again"
        : `item is no longer posted in source ${row.source}; the write-off is reversed`;
      versions.push({ ...row, status: "reversed", rule: "reversal", reason });
      if (netMinor !== 0) events.push(eventOf(row, "reversal", netMinor));
      continue;
    }
    // The write-off covers what billing's own credits left open, up to the
    // amount written off; whatever those credits now cover of it was
    // recovered.
    const appliedMinor = Math.min(row.amountMinor, debit.openMinor);
    const recoveredMinor = row.amountMinor - appliedMinor;
    const change = recoveredMinor - row.recoveredMinor;
    if (change !== 0) {
      const reason =
        change > 0
          ? `credits applied by the billing system recovered ${formatMoney(change, row.currency)} ${row.currency}`
          : `a recovering credit was reversed; ${formatMoney(-change, row.currency)} ${row.currency} is written off again`;
      versions.push({ ...row, recoveredMinor, rule: "recovery", reason });
      events.push(eventOf(row, "recovery", change));
    }
    applied.set(key, (applied.get(key) ?? 0) + appliedMinor);
  }
  return { plan: applyToPlan(allocation, applied), versions, events };
}

function eventOf(row: StoredWriteOff, kind: WriteOffEventKind, amountMinor: number): WriteOffEvent {
  return {
    kind,
    entity: row.entity,
    source: row.source,
    accountId: row.accountId,
    itemId: row.itemId,
    itemType: row.itemType,
    segment: row.segment,
    currency: row.currency,
    amountMinor,
  };
}

/** Returns a copy of the plan whose debits are reduced by the amounts written off. */
export function applyToPlan(plan: AllocationPlan, writtenOff: ReadonlyMap<string, number>): AllocationPlan {
  if (writtenOff.size === 0) return plan;
  const debits = new Map<string, OpenDebit>();
  for (const [key, debit] of plan.debits) {
    const amount = writtenOff.get(key) ?? 0;
    invariant(amount <= debit.openMinor, `write-off of ${debit.item.source}/${debit.item.itemId} exceeds its open amount`);
    debits.set(key, amount === 0 ? debit : { item: debit.item, openMinor: debit.openMinor - amount });
  }
  return { ...plan, debits };
}

export interface PlannedWriteOffs {
  versions: StoredWriteOff[];
  events: WriteOffEvent[];
  proposals: WriteOffProposal[];
  /** Item key to the amount written off tonight. */
  writtenOff: Map<string, number>;
}

/** Holds under which an account is never written off by rule: the debt is being resolved. */
const BLOCKING_HOLDS = new Set(["dispute", "promise_to_pay", "arrangement", "legal"]);

/**
 * Applies the write-off rule to a customer's open items after set-off and
 * dunning. `states` are the accounts' dunning states after tonight's pass.
 */
export function planWriteOffs(
  customer: CustomerData,
  setOffItems: readonly SetOffItem[],
  states: ReadonlyMap<string, AccountState>,
  stored: readonly StoredWriteOff[],
  context: WriteOffContext,
): PlannedWriteOffs {
  const result: PlannedWriteOffs = { versions: [], events: [], proposals: [], writtenOff: new Map() };
  const policy = context.config.accounting.writeOff;
  if (!policy) return result;
  const storedByItem = new Map(stored.map((row) => [itemKey(row.source, row.itemId), row]));
  const reversedBefore = new Set(
    stored.filter((row) => row.status === "reversed").map((row) => accountKey(row.source, row.accountId)),
  );
  const blocked = blockedAccounts(customer, context.businessDate);
  const accounts = [...customer.accounts].sort((a, b) =>
    a.source !== b.source ? (a.source < b.source ? -1 : 1) : a.accountId < b.accountId ? -1 : a.accountId > b.accountId ? 1 : 0,
  );
  for (const account of accounts) {
    const key = accountKey(account.source, account.accountId);
    if (context.staleSources.has(account.source) || blocked.has(key)) continue;
    const open = setOffItems.filter(
      (entry) => entry.item.source === account.source && entry.item.accountId === account.accountId && entry.remainingMinor > 0,
    );
    for (const currency of [...new Set(open.map((entry) => entry.item.currency))].sort()) {
      const entries = open.filter((entry) => entry.item.currency === currency);
      // Disputed debt is settled by resolving the dispute, not written off.
      if (entries.some((entry) => entry.disputedMinor > 0)) continue;
      const amountMinor = entries.reduce((sum, entry) => sum + entry.remainingMinor, 0);
      const daysPastDueMax = Math.max(...entries.map((entry) => entry.daysPastDue));
      const decision = decide(account, currency, amountMinor, daysPastDueMax, states.get(key), context, reversedBefore.has(key));
      if (!decision) continue;
      if (decision.kind === "propose") {
        result.proposals.push({
          source: account.source,
          accountId: account.accountId,
          currency,
          entity: account.entity,
          amountMinor,
          daysPastDueMax,
          rule: decision.rule,
          reason: decision.reason,
        });
        continue;
      }
      for (const entry of entries) {
        const written = writeOffItem(account, entry, storedByItem.get(itemKey(entry.item.source, entry.item.itemId)), decision, context.businessDate);
        result.versions.push(written.version);
        result.events.push(written.event);
        result.writtenOff.set(itemKey(entry.item.source, entry.item.itemId), entry.remainingMinor);
      }
    }
  }
  return result;
}

type Decision = { kind: "write_off" | "propose"; rule: WriteOffRule | "approval"; reason: string };

function decide(
  account: LedgerAccount,
  currency: string,
  amountMinor: number,
  daysPastDueMax: number,
  state: AccountState | undefined,
  context: WriteOffContext,
  reversedBefore: boolean,
): Decision | null {
  const policy = context.config.accounting.writeOff!;
  const amount = `${formatMoney(amountMinor, currency)} ${currency}`;
  const approved = context.approvals.get(accountKey(account.source, account.accountId)) === "approve";
  const proposal = context.previousProposals.find(
    (entry) => entry.source === account.source && entry.accountId === account.accountId && entry.currency === currency,
  );
  if (approved && proposal) {
    if (amountMinor <= proposal.amountMinor) {
      return { kind: "write_off", rule: "approval", reason: `approved proposal (${proposal.rule}) of ${formatMoney(proposal.amountMinor, currency)} ${currency}; ${amount} open` };
    }
    return {
      kind: "propose",
      rule: proposal.rule as WriteOffRule,
      reason: `approved for ${formatMoney(proposal.amountMinor, currency)} ${currency}, but ${amount} is open now; approve the new amount`,
    };
  }
  const met = ruleMet(account, currency, amountMinor, daysPastDueMax, state, context);
  if (!met) return null;
  if (policy.mode === "automatic" && !reversedBefore) return { kind: "write_off", ...met };
  const reason = reversedBefore ? `${met.reason}; proposed because an earlier write-off of the account was reversed` : met.reason;
  return { kind: "propose", rule: met.rule, reason };
}

function ruleMet(
  account: LedgerAccount,
  currency: string,
  amountMinor: number,
  daysPastDueMax: number,
  state: AccountState | undefined,
  context: WriteOffContext,
): { rule: WriteOffRule; reason: string } | null {
  const policy = context.config.accounting.writeOff!;
  if (policy.afterPlacementDays !== null && state && state.level > 0 && state.agency) {
    const strategy = context.config.dunning.strategies.get(state.strategy);
    const lastLevel = strategy?.stages.length ?? Number.POSITIVE_INFINITY;
    const days = daysBetween(state.since, context.businessDate);
    if (state.level >= lastLevel && days >= policy.afterPlacementDays) {
      return {
        rule: "placement",
        reason: `at last stage ${state.stage} and placed with ${state.agency} since ${state.since}, ${days} days (rule: ${policy.afterPlacementDays})`,
      };
    }
  }
  const small = policy.smallBalance;
  const maxMinor = small?.maxAmountMinor(currency);
  if (small && maxMinor !== undefined && daysPastDueMax > small.daysPastDue && amountMinor <= maxMinor) {
    return {
      rule: "small_balance",
      reason: `${formatMoney(amountMinor, currency)} ${currency} open, at most ${formatMoney(maxMinor, currency)}, and ${daysPastDueMax} days past due, more than ${small.daysPastDue}`,
    };
  }
  return null;
}

function writeOffItem(
  account: LedgerAccount,
  entry: SetOffItem,
  current: StoredWriteOff | undefined,
  decision: Decision,
  businessDate: string,
): { version: StoredWriteOff; event: WriteOffEvent } {
  const amount = entry.remainingMinor;
  const base: StoredWriteOff =
    current && current.status === "active"
      ? { ...current, amountMinor: current.amountMinor + amount }
      : {
          source: entry.item.source,
          itemId: entry.item.itemId,
          accountId: entry.item.accountId,
          entity: account.entity,
          segment: account.segment,
          itemType: entry.item.type,
          currency: entry.item.currency,
          status: "active",
          amountMinor: amount,
          recoveredMinor: 0,
          writtenOffOn: businessDate,
          rule: decision.rule,
          reason: decision.reason,
        };
  const version = { ...base, rule: decision.rule, reason: decision.reason };
  return { version, event: eventOf(version, "write_off", amount) };
}

function blockedAccounts(customer: CustomerData, businessDate: string): Set<string> {
  const blocked = new Set<string>();
  for (const hold of customer.holds) {
    if (!BLOCKING_HOLDS.has(hold.kind) || hold.startDate > businessDate) continue;
    if (hold.endDate !== null && hold.endDate < businessDate) continue;
    blocked.add(accountKey(hold.source, hold.accountId));
  }
  return blocked;
}

/** Returns the set-off items with tonight's write-offs taken out of their remaining amount. */
export function removeWrittenOff(setOffItems: readonly SetOffItem[], writtenOff: ReadonlyMap<string, number>): SetOffItem[] {
  if (writtenOff.size === 0) return [...setOffItems];
  return setOffItems.map((entry) => {
    const amount = writtenOff.get(itemKey(entry.item.source, entry.item.itemId)) ?? 0;
    if (amount === 0) return entry;
    invariant(amount <= entry.remainingMinor, `write-off of ${entry.item.source}/${entry.item.itemId} exceeds what remains open`);
    return { ...entry, openMinor: entry.openMinor - amount, remainingMinor: entry.remainingMinor - amount };
  });
}

/** Totals per entity and item currency, the unit the invariants compare in. */
export type CurrencyTotals = Map<string, number>;

function addTotal(totals: CurrencyTotals, entity: string, currency: string, amount: number): void {
  const key = `${entity}\u0000${currency}`;
  totals.set(key, (totals.get(key) ?? 0) + amount);
}

/**
 * Runs the write-off pass for the batches of the customer passes, keeps the
 * night's events for the journals, and the totals the invariants check.
 */
export class WriteOffPass {
  readonly events: WriteOffEvent[] = [];
  /** Written off tonight per entity and item currency, from the versions written. */
  readonly writtenOffTotals: CurrencyTotals = new Map();
  /** Taken out of the provision base tonight, per entity and item currency. */
  readonly removedTotals: CurrencyTotals = new Map();
  proposalCount = 0;
  private stored = new Map<number, StoredWriteOff[]>();
  private proposals = new Map<number, WriteOffProposal[]>();
  private versions: { customerKey: number; row: StoredWriteOff }[] = [];
  private proposalRows: Record<string, unknown>[] = [];

  private constructor(
    private readonly config: ResolvedConfig,
    private readonly runId: number,
    private readonly businessDate: string,
    private readonly staleSources: ReadonlySet<string>,
    private readonly approvals: WriteOffApprovals,
    private readonly previousRun: number | null,
  ) {}

  static async open(
    trx: Knex.Transaction,
    config: ResolvedConfig,
    runId: number,
    businessDate: string,
    staleSources: ReadonlySet<string>,
    approvals: WriteOffApprovals,
  ): Promise<WriteOffPass> {
    const previous = await previousCommittedRun(trx, businessDate);
    return new WriteOffPass(config, runId, businessDate, staleSources, approvals, previous ? Number(previous.run_id) : null);
  }

  /** Loads the stored write-offs and the previous night's proposals of a batch. */
  async loadBatch(trx: Knex.Transaction, customers: readonly CustomerData[]): Promise<void> {
    const keys = customers.map((customer) => customer.customerKey);
    this.stored = new Map();
    this.proposals = new Map();
    for (let start = 0; start < keys.length; start += 500) {
      const slice = keys.slice(start, start + 500);
      const rows: Record<string, any>[] = await trx("write_offs")
        .whereIn("customer_key", slice)
        .whereNull("superseded_run")
        .orderBy(["source", "item_id"]);
      for (const row of rows) push(this.stored, Number(row.customer_key), toStoredWriteOff(row));
      if (this.previousRun === null) continue;
      const proposals: Record<string, any>[] = await trx("write_off_proposals")
        .where({ run_id: this.previousRun })
        .whereIn("customer_key", slice);
      for (const row of proposals) push(this.proposals, Number(row.customer_key), toProposal(row));
    }
  }

  /** Returns whether the customer has write-offs or proposals from an earlier night. */
  hasHistory(customerKey: number): boolean {
    return (this.stored.get(customerKey)?.length ?? 0) + (this.proposals.get(customerKey)?.length ?? 0) > 0;
  }

  /** Rows and events queued so far; a change across one customer's plan means it wrote some. */
  queuedRows(): number {
    return this.versions.length + this.proposalRows.length + this.events.length;
  }

  /** Accounts of a customer with an active write-off, as accountKey values. */
  writtenOffAccounts(customer: CustomerData): Set<string> {
    const stored = this.stored.get(customer.customerKey) ?? [];
    return new Set(stored.filter((row) => row.status === "active").map((row) => accountKey(row.source, row.accountId)));
  }

  /** Step 1, before aging: returns the allocation plan with stored write-offs applied. */
  settle(customer: CustomerData, allocation: AllocationPlan): AllocationPlan {
    const stored = this.stored.get(customer.customerKey) ?? [];
    if (stored.length === 0) return allocation;
    const settled = settleWriteOffs(customer, allocation, stored, { approvals: this.approvals.actions, businessDate: this.businessDate });
    this.keep(customer.customerKey, settled.versions, settled.events);
    // Later steps see the settled rows, so a reversed account is not written off again tonight.
    const changed = new Map(settled.versions.map((row) => [itemKey(row.source, row.itemId), row]));
    this.stored.set(customer.customerKey, stored.map((row) => changed.get(itemKey(row.source, row.itemId)) ?? row));
    return settled.plan;
  }

  /**
   * Step 2, after dunning: writes off or proposes by the rule. Returns the
   * set-off items without what was written off, and the aging again when
   * something was, so that tonight's aging already leaves it out.
   */
  plan(
    customer: CustomerData,
    settled: AllocationPlan,
    setOffItems: SetOffItem[],
    changedStates: readonly AccountState[],
  ): { setOffItems: SetOffItem[]; aging: AccountAging[] | null } {
    if (!this.config.accounting.writeOff) return { setOffItems, aging: null };
    const states = new Map(customer.states);
    for (const state of changedStates) states.set(accountKey(state.source, state.accountId), state);
    const planned = planWriteOffs(customer, setOffItems, states, this.stored.get(customer.customerKey) ?? [], {
      config: this.config,
      businessDate: this.businessDate,
      staleSources: this.staleSources,
      approvals: this.approvals.actions,
      previousProposals: this.proposals.get(customer.customerKey) ?? [],
    });
    this.keep(customer.customerKey, planned.versions, planned.events);
    for (const proposal of planned.proposals) {
      this.proposalRows.push({ run_id: this.runId, customer_key: customer.customerKey, customer_ref: customer.customerRef, ...proposalRow(proposal) });
    }
    this.proposalCount += planned.proposals.length;
    if (planned.writtenOff.size === 0) return { setOffItems, aging: null };
    const remaining = removeWrittenOff(setOffItems, planned.writtenOff);
    for (const entry of setOffItems) {
      const amount = planned.writtenOff.get(itemKey(entry.item.source, entry.item.itemId)) ?? 0;
      if (amount !== 0) addTotal(this.removedTotals, entry.entity, entry.item.currency, amount);
    }
    const config = this.config;
    const aging = planAging(customer, applyToPlan(settled, planned.writtenOff), config.buckets, config.agingBasis, this.businessDate);
    return { setOffItems: remaining, aging };
  }

  private keep(customerKey: number, versions: StoredWriteOff[], events: WriteOffEvent[]): void {
    for (const row of versions) this.versions.push({ customerKey, row });
    for (const event of events) {
      this.events.push(event);
      if (event.kind === "write_off") addTotal(this.writtenOffTotals, event.entity, event.currency, event.amountMinor);
    }
  }

  /** Writes the batch's new write-off versions and proposals. */
  async writeBatch(trx: Knex.Transaction): Promise<void> {
    // A row settled and then written off again in one night keeps its last version.
    const latest = new Map<string, { customerKey: number; row: StoredWriteOff }>();
    for (const entry of this.versions) latest.set(itemKey(entry.row.source, entry.row.itemId), entry);
    for (const { row } of latest.values()) {
      await trx("write_offs")
        .where({ source: row.source, item_id: row.itemId })
        .whereNull("superseded_run")
        .update({ superseded_run: this.runId });
    }
    await insertRows(
      trx,
      "write_offs",
      [...latest.values()].map(({ customerKey, row }) => ({ customer_key: customerKey, run_id: this.runId, superseded_run: null, ...writeOffRow(row) })),
    );
    await insertRows(trx, "write_off_proposals", this.proposalRows);
    this.versions = [];
    this.proposalRows = [];
  }
}

function push<T>(map: Map<number, T[]>, key: number, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function writeOffRow(row: StoredWriteOff): Record<string, unknown> {
  return {
    source: row.source,
    item_id: row.itemId,
    account_id: row.accountId,
    entity: row.entity,
    segment: row.segment,
    item_type: row.itemType,
    currency: row.currency,
    status: row.status,
    amount_minor: row.amountMinor,
    recovered_minor: row.recoveredMinor,
    written_off_on: row.writtenOffOn,
    rule: row.rule,
    reason: row.reason,
  };
}

function toStoredWriteOff(row: Record<string, any>): StoredWriteOff {
  return {
    source: row.source,
    itemId: row.item_id,
    accountId: row.account_id,
    entity: row.entity,
    segment: row.segment,
    itemType: row.item_type,
    currency: row.currency,
    status: row.status,
    amountMinor: Number(row.amount_minor),
    recoveredMinor: Number(row.recovered_minor),
    writtenOffOn: row.written_off_on,
    rule: row.rule,
    reason: row.reason,
  };
}

function proposalRow(proposal: WriteOffProposal): Record<string, unknown> {
  return {
    source: proposal.source,
    account_id: proposal.accountId,
    currency: proposal.currency,
    entity: proposal.entity,
    amount_minor: proposal.amountMinor,
    days_past_due_max: proposal.daysPastDueMax,
    rule: proposal.rule,
    reason: proposal.reason,
  };
}

function toProposal(row: Record<string, any>): WriteOffProposal {
  return {
    source: row.source,
    accountId: row.account_id,
    currency: row.currency,
    entity: row.entity,
    amountMinor: Number(row.amount_minor),
    daysPastDueMax: Number(row.days_past_due_max),
    rule: row.rule,
    reason: row.reason,
  };
}
