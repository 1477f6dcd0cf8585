// Pass 3, allocate: applies payments and credits to open items of the same
// account and currency. Source allocations come first, then each credit's own
// applies_to, then the configured rule (oldest due first, ties by item id)
// for credits that name no document. What remains is unapplied credit.

import { DEBIT_TYPES } from "../src/extract.ts";
import type { CustomerData, LedgerItem } from "../src/domain.ts";
import { itemKey } from "../src/domain.ts";
import { maxDate } from "../src/dates.ts";

export type AllocationRule = "source" | "applies_to" | "oldest_due";

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
}

function compareDue(a: LedgerItem, b: LedgerItem): number {
  if (a.dueDate !== b.dueDate) return a.dueDate < b.dueDate ? -1 : 1;
  if (a.itemId !== b.itemId) return a.itemId < b.itemId ? -1 : 1;
  return 0;
}

function compareDocument(a: LedgerItem, b: LedgerItem): number {
  if (a.documentDate !== b.documentDate) return a.documentDate < b.documentDate ? -1 : 1;
  return a.itemId < b.itemId ? -1 : a.itemId > b.itemId ? 1 : 0;
}

/** Plans the allocations of one customer as of the business date. */
export function planAllocations(
  customer: CustomerData,
  businessDate: string,
  policy: AllocationPolicy = { allocateUnreferenced: true },
): AllocationPlan {
  const byKey = new Map(customer.items.map((item) => [itemKey(item.source, item.itemId), item]));
  const debits = new Map<string, OpenDebit>();
  const creditLeft = new Map<string, number>();
  const creditItems: LedgerItem[] = [];

  for (const item of customer.items) {
    const key = itemKey(item.source, item.itemId);
    if (item.type === "payment_reversal") {
      const reversed = item.appliesTo ? byKey.get(itemKey(item.source, item.appliesTo)) : undefined;
      // A reversal of a known payment cancels that much of the payment, so
      // whatever the payment had settled is open again and ages from its own
      // due date. A reversal that names no payment is a debt of its own.
      if (reversed && reversed.type === "payment") continue;
      debits.set(key, { item, openMinor: item.amountMinor });
    } else if (DEBIT_TYPES.has(item.type)) {
      debits.set(key, { item, openMinor: item.amountMinor });
    } else {
      creditItems.push(item);
      creditLeft.set(key, item.amountMinor);
    }
  }
  for (const item of customer.items) {
    if (item.type !== "payment_reversal" || !item.appliesTo) continue;
    const key = itemKey(item.source, item.appliesTo);
    const left = creditLeft.get(key);
    if (left !== undefined && byKey.get(key)?.type === "payment") {
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
  const sameAccountDebit = (credit: LedgerItem, targetId: string) => {
    const debit = debits.get(itemKey(credit.source, targetId));
    if (!debit) return undefined;
    if (debit.item.accountId !== credit.accountId || debit.item.currency !== credit.currency) return undefined;
    return debit;
  };

  const sourceAllocations = customer.sourceAllocations
    .filter((allocation) => allocation.date <= businessDate)
    .sort((a, b) =>
      a.date !== b.date ? (a.date < b.date ? -1 : 1) : a.appliesTo < b.appliesTo ? -1 : a.appliesTo > b.appliesTo ? 1 : 0,
    );
  const referenced = new Set<string>();
  for (const allocation of sourceAllocations) {
    const credit = byKey.get(itemKey(allocation.source, allocation.itemId));
    if (!credit || !creditLeft.has(itemKey(credit.source, credit.itemId))) continue;
    referenced.add(itemKey(credit.source, credit.itemId));
    const debit = sameAccountDebit(credit, allocation.appliesTo);
    if (debit) apply(credit, debit, allocation.amountMinor, allocation.date, "source");
  }
  for (const credit of creditItems) {
    if (!credit.appliesTo) continue;
    referenced.add(itemKey(credit.source, credit.itemId));
    const debit = sameAccountDebit(credit, credit.appliesTo);
    if (debit) apply(credit, debit, Number.MAX_SAFE_INTEGER, credit.documentDate, "applies_to");
  }
  if (policy.allocateUnreferenced) {
    const openDebits = [...debits.values()].sort((a, b) => compareDue(a.item, b.item));
    for (const credit of creditItems) {
      const key = itemKey(credit.source, credit.itemId);
      // A credit that named its document keeps any excess as unapplied credit.
      if (credit.appliesTo) continue;
      if (referenced.has(key) && (creditLeft.get(key) ?? 0) === 0) continue;
      for (const debit of openDebits) {
        if ((creditLeft.get(key) ?? 0) === 0) break;
        if (debit.openMinor === 0) continue;
        if (debit.item.accountId !== credit.accountId || debit.item.currency !== credit.currency) continue;
        apply(credit, debit, Number.MAX_SAFE_INTEGER, credit.documentDate, "oldest_due");
      }
    }
  }

  const credits = creditItems
    .map((item) => ({ item, unappliedMinor: creditLeft.get(itemKey(item.source, item.itemId)) ?? 0 }))
    .filter((credit) => credit.unappliedMinor > 0);
  return { allocations, debits, credits };
}
