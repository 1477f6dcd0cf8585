// Pass 3, allocate: applies payments and credits to open items of the same
// account and currency, in this order:
//   1. set-offs: a debit adjustment that dcms created to move a credit
//      elsewhere takes the credit it names (applies_to);
//   2. source allocations, as billing made them;
//   3. each credit's own applies_to, up to the document's open amount;
//   4. the configured rules for what is left of credits that name no
//      document: by_reference (documents whose reference or id appears in
//      the remittance text of a bank payment), then oldest_due (oldest due
//      date first, kinds of debt in the configured order, ties by item id).
// What remains is unapplied credit. A reversal of a known payment cancels
// that much of the payment, so what the payment had settled is open again.

import type { ResolvedConfig } from "../src/config/resolve.ts";
import type { DebtKind } from "../src/cash/config.ts";
import { mentions, referenceTokens } from "../src/cash/reference.ts";
import { DEBIT_TYPES } from "../src/extract.ts";
import type { CustomerData, LedgerItem } from "../src/domain.ts";
import { itemKey } from "../src/domain.ts";
import { maxDate } from "../src/dates.ts";
import { compareCodePoints } from "../src/outputs/csv.ts";

export type AllocationRule = "set_off" | "source" | "applies_to" | "by_reference" | "oldest_due";

export interface PlannedAllocation {
  source: string;
  creditItemId: string;
  debitItemId: string;
  amountMinor: number;
  currency: string;
  date: string;
  rule: AllocationRule;
}

export interface OpenDebit {
  /**
   * The debit item. When reopened items age from the reversal date, this is
   * a copy whose dueDate is the reversal date.
   */
  item: LedgerItem;
  openMinor: number;
}

export interface UnappliedCredit {
  item: LedgerItem;
  /** Positive amount of the credit that no document absorbed. */
  unappliedMinor: number;
}

export interface AllocationPlan {
  allocations: PlannedAllocation[];
  /** Debit items with their open amount (zero included), by item key. */
  debits: Map<string, OpenDebit>;
  credits: UnappliedCredit[];
}

export interface AllocationPolicy {
  /** Whether credits that name no document are applied oldest due first. */
  allocateUnreferenced: boolean;
  /** Whether remittance text that names a document applies the credit there first (default true). */
  byReference?: boolean;
  /** Kinds of debt that oldest_due pays first, in order; empty or absent: due date only. */
  kindOrder?: readonly DebtKind[];
  /** Whether an item reopened by a payment reversal ages from its due date (default) or the reversal date. */
  reopenedAging?: "due_date" | "reversal_date";
}

/** The allocation policy of a configuration's cash section. */
export function allocationPolicy(config: ResolvedConfig): AllocationPolicy {
  return {
    allocateUnreferenced: config.cash.rules.includes("oldest_due"),
    byReference: config.cash.rules.includes("by_reference"),
    kindOrder: config.cash.kindOrder,
    reopenedAging: config.cash.reversalAging,
  };
}

/** Plans the allocations of one customer as of the business date. */
export function planAllocations(
  customer: CustomerData,
  businessDate: string,
  policy: AllocationPolicy = { allocateUnreferenced: true },
): AllocationPlan {
  const plan = allocate(customer, businessDate, policy, true);
  if (policy.reopenedAging !== "reversal_date") return plan;
  return ageReopenedFromReversal(customer, businessDate, policy, plan);
}

function compareDue(a: LedgerItem, b: LedgerItem): number {
  if (a.dueDate !== b.dueDate) return a.dueDate < b.dueDate ? -1 : 1;
  if (a.itemId !== b.itemId) return a.itemId < b.itemId ? -1 : 1;
  return 0;
}

function compareDocument(a: LedgerItem, b: LedgerItem): number {
  if (a.documentDate !== b.documentDate) return a.documentDate < b.documentDate ? -1 : 1;
  return compareCodePoints(a.itemId, b.itemId);
}

/** Orders debits by kind of debt (when configured), then due date, then item id. */
function debitOrder(kindOrder: readonly DebtKind[]): (a: OpenDebit, b: OpenDebit) => number {
  const rank = (item: LedgerItem) => {
    const index = kindOrder.indexOf(item.kind ?? "principal");
    return index === -1 ? kindOrder.length : index;
  };
  return (a, b) => rank(a.item) - rank(b.item) || compareDue(a.item, b.item);
}

function isReversalOfPayment(item: LedgerItem, byKey: Map<string, LedgerItem>): boolean {
  if (item.type !== "payment_reversal" || !item.appliesTo) return false;
  return byKey.get(itemKey(item.source, item.appliesTo))?.type === "payment";
}

/**
 * Plans the allocations. Without applyReversals, reversals of known
 * payments are left out, which gives what the payments settled before they
 * were reversed.
 */
function allocate(
  customer: CustomerData,
  businessDate: string,
  policy: AllocationPolicy,
  applyReversals: boolean,
): AllocationPlan {
  const byKey = new Map(customer.items.map((item) => [itemKey(item.source, item.itemId), item]));
  const debits = new Map<string, OpenDebit>();
  const creditLeft = new Map<string, number>();
  const creditItems: LedgerItem[] = [];

  for (const item of customer.items) {
    const key = itemKey(item.source, item.itemId);
    if (item.type === "payment_reversal") {
      // A reversal of a known payment cancels that much of the payment. A
      // reversal that names no payment is a debt of its own.
      if (isReversalOfPayment(item, byKey)) continue;
      debits.set(key, { item, openMinor: item.amountMinor });
    } else if (DEBIT_TYPES.has(item.type)) {
      debits.set(key, { item, openMinor: item.amountMinor });
    } else {
      creditItems.push(item);
      creditLeft.set(key, item.amountMinor);
    }
  }
  if (applyReversals) {
    for (const item of customer.items) {
      if (!isReversalOfPayment(item, byKey)) continue;
      const key = itemKey(item.source, item.appliesTo as string);
      const left = creditLeft.get(key) ?? 0;
      creditLeft.set(key, Math.max(0, left - item.amountMinor));
    }
  }
  creditItems.sort(compareDocument);

  const allocations: PlannedAllocation[] = [];
  const apply = (credit: LedgerItem, debit: OpenDebit, wanted: number, date: string, rule: AllocationRule) => {
    const creditKey = itemKey(credit.source, credit.itemId);
    const amount = Math.min(wanted, debit.openMinor, creditLeft.get(creditKey) ?? 0);
    if (amount <= 0) return;
    debit.openMinor -= amount;
    creditLeft.set(creditKey, (creditLeft.get(creditKey) ?? 0) - amount);
    allocations.push({
      source: credit.source,
      creditItemId: credit.itemId,
      debitItemId: debit.item.itemId,
      amountMinor: amount,
      currency: credit.currency,
      date: maxDate(date, debit.item.documentDate),
      rule,
    });
  };
  const sameAccount = (credit: LedgerItem, debit: LedgerItem) =>
    debit.accountId === credit.accountId && debit.currency === credit.currency;
  const sameAccountDebit = (credit: LedgerItem, targetId: string) => {
    const debit = debits.get(itemKey(credit.source, targetId));
    return debit && sameAccount(credit, debit.item) ? debit : undefined;
  };

  // 1. A debit adjustment that names a credit moved that credit elsewhere.
  for (const debit of debits.values()) {
    const { item } = debit;
    if (item.type !== "debit_adjustment" || !item.appliesTo) continue;
    const credit = byKey.get(itemKey(item.source, item.appliesTo));
    if (!credit || !creditLeft.has(itemKey(credit.source, credit.itemId)) || !sameAccount(credit, item)) continue;
    apply(credit, debit, Number.MAX_SAFE_INTEGER, item.documentDate, "set_off");
  }

  // 2. Source allocations dated on or before the business date.
  const sourceAllocations = customer.sourceAllocations
    .filter((allocation) => allocation.date <= businessDate)
    .sort((a, b) =>
      compareCodePoints(a.date, b.date) || compareCodePoints(a.appliesTo, b.appliesTo),
    );
  for (const allocation of sourceAllocations) {
    const credit = byKey.get(itemKey(allocation.source, allocation.itemId));
    if (!credit || !creditLeft.has(itemKey(credit.source, credit.itemId))) continue;
    const debit = sameAccountDebit(credit, allocation.appliesTo);
    if (debit) apply(credit, debit, allocation.amountMinor, allocation.date, "source");
  }

  // 3. The credit's own applies_to.
  for (const credit of creditItems) {
    if (!credit.appliesTo) continue;
    const debit = sameAccountDebit(credit, credit.appliesTo);
    if (debit) apply(credit, debit, Number.MAX_SAFE_INTEGER, credit.documentDate, "applies_to");
  }

  // 4. The configured rules, for credits that name no document. A credit
  // that named its document keeps any excess as unapplied credit.
  const unreferenced = creditItems.filter((credit) => !credit.appliesTo);
  const openDebits = [...debits.values()].sort(debitOrder(policy.kindOrder ?? []));
  const left = (credit: LedgerItem) => creditLeft.get(itemKey(credit.source, credit.itemId)) ?? 0;
  if (policy.byReference !== false) {
    for (const credit of unreferenced) {
      const tokens = referenceTokens(credit.remittance);
      if (tokens.size === 0) continue;
      for (const debit of openDebits) {
        if (left(credit) === 0) break;
        if (debit.openMinor === 0 || !sameAccount(credit, debit.item)) continue;
        if (!mentions(tokens, debit.item.reference) && !mentions(tokens, debit.item.itemId)) continue;
        apply(credit, debit, Number.MAX_SAFE_INTEGER, credit.documentDate, "by_reference");
      }
    }
  }
  if (policy.allocateUnreferenced) {
    for (const credit of unreferenced) {
      for (const debit of openDebits) {
        if (left(credit) === 0) break;
        if (debit.openMinor === 0 || !sameAccount(credit, debit.item)) continue;
        apply(credit, debit, Number.MAX_SAFE_INTEGER, credit.documentDate, "oldest_due");
      }
    }
  }

  const credits = creditItems
    .map((item) => ({ item, unappliedMinor: left(item) }))
    .filter((credit) => credit.unappliedMinor > 0);
  return { allocations, debits, credits };
}

/**
 * Ages what a payment reversal reopened from the reversal date: a debit
 * whose open amount is larger than it would be without the reversals gets
 * the latest date of the reversals that reopened it as its aging due date.
 */
function ageReopenedFromReversal(
  customer: CustomerData,
  businessDate: string,
  policy: AllocationPolicy,
  plan: AllocationPlan,
): AllocationPlan {
  const byKey = new Map(customer.items.map((item) => [itemKey(item.source, item.itemId), item]));
  const reversals = customer.items.filter((item) => isReversalOfPayment(item, byKey));
  if (reversals.length === 0) return plan;
  const before = allocate(customer, businessDate, policy, false);
  const reversalDate = new Map<string, string>();
  for (const reversal of reversals) {
    for (const allocation of before.allocations) {
      if (allocation.source !== reversal.source || allocation.creditItemId !== reversal.appliesTo) continue;
      const key = itemKey(allocation.source, allocation.debitItemId);
      reversalDate.set(key, maxDate(reversalDate.get(key) ?? reversal.documentDate, reversal.documentDate));
    }
  }
  for (const [key, debit] of plan.debits) {
    const settledBefore = before.debits.get(key)?.openMinor ?? debit.openMinor;
    const date = reversalDate.get(key);
    if (debit.openMinor <= settledBefore || date === undefined) continue;
    debit.item = { ...debit.item, dueDate: maxDate(debit.item.dueDate, date) };
  }
  return plan;
}
