// Pass 4, age: days past due and buckets per open item as of the business
// date, and per account and currency the balance, unapplied credit and
// disputed amount. The buckets hold open items before any set-off, so the
// buckets plus the unapplied credit always equal the balance.

import type { Band } from "../src/config/resolve.ts";
import { bandIndex } from "../src/config/resolve.ts";
import { toDayNumber } from "../src/dates.ts";
import type { CustomerData, LedgerItem } from "../src/domain.ts";
import { accountKey } from "../src/domain.ts";
import { invariant } from "../src/errors.ts";
import type { AllocationPlan } from "./allocate.ts";
import { compareCodePoints } from "../src/outputs/csv.ts";

export interface AccountAging {
  source: string;
  accountId: string;
  currency: string;
  balanceMinor: number;
  /** Zero or negative: credit that no document absorbed. */
  unappliedMinor: number;
  disputedMinor: number;
  bucketsMinor: number[];
  overdueMinor: number;
  daysPastDueMax: number;
}

export type AgingBasis = "due_date" | "document_date";

export function daysPastDue(item: LedgerItem, businessDay: number, basis: AgingBasis): number {
  const date = basis === "due_date" ? item.dueDate : item.documentDate;
  return businessDay - toDayNumber(date);
}

/** Ages one customer's accounts; returns a row per account and currency with anything open. */
export function planAging(
  customer: CustomerData,
  plan: AllocationPlan,
  buckets: readonly Band[],
  basis: AgingBasis,
  businessDate: string,
): AccountAging[] {
  const businessDay = toDayNumber(businessDate);
  const rows = new Map<string, AccountAging>();
  const rowFor = (source: string, accountId: string, currency: string) => {
    const key = `${accountKey(source, accountId)}\u0000${currency}`;
    let row = rows.get(key);
    if (!row) {
      row = {
        source,
        accountId,
        currency,
        balanceMinor: 0,
        unappliedMinor: 0,
        disputedMinor: 0,
        bucketsMinor: buckets.map(() => 0),
        overdueMinor: 0,
        daysPastDueMax: 0,
      };
      rows.set(key, row);
    }
    return row;
  };

  for (const { item, openMinor } of plan.debits.values()) {
    if (openMinor === 0) continue;
    const row = rowFor(item.source, item.accountId, item.currency);
    const days = daysPastDue(item, businessDay, basis);
    row.bucketsMinor[bandIndex(buckets, days)] += openMinor;
    row.balanceMinor += openMinor;
    row.disputedMinor += Math.min(item.disputedMinor, openMinor);
    if (days > 0) {
      row.overdueMinor += openMinor;
      row.daysPastDueMax = Math.max(row.daysPastDueMax, days);
    }
  }
  for (const { item, unappliedMinor } of plan.credits) {
    const row = rowFor(item.source, item.accountId, item.currency);
    row.unappliedMinor -= unappliedMinor;
    row.balanceMinor -= unappliedMinor;
  }
  const result = [...rows.values()].sort(compareAging);
  for (const row of result) {
    const bucketTotal = row.bucketsMinor.reduce((sum, amount) => sum + amount, 0);
    invariant(
      bucketTotal + row.unappliedMinor === row.balanceMinor,
      `aging of ${row.source}/${row.accountId} ${row.currency}: buckets and unapplied do not add up to the balance`,
    );
  }
  return result;
}

function compareAging(a: AccountAging, b: AccountAging): number {
  if (a.source !== b.source) return a.source < b.source ? -1 : 1;
  if (a.accountId !== b.accountId) return a.accountId < b.accountId ? -1 : 1;
  return compareCodePoints(a.currency, b.currency);
}

/** An open debit after the customer's unapplied credit was set off against it. */
export interface SetOffItem {
  item: LedgerItem;
  entity: string;
  /** Open amount before set-off. */
  openMinor: number;
  /** Open amount after set-off. */
  remainingMinor: number;
  /** Disputed part of the open amount. */
  disputedMinor: number;
  daysPastDue: number;
}

/**
 * Sets the customer's unapplied credit off against its oldest open items,
 * within one entity and currency. A customer in bankruptcy gets no set-off.
 */
export function setOff(
  customer: CustomerData,
  plan: AllocationPlan,
  basis: AgingBasis,
  businessDate: string,
  bankrupt: boolean,
): SetOffItem[] {
  const businessDay = toDayNumber(businessDate);
  const entityOf = new Map(customer.accounts.map((account) => [accountKey(account.source, account.accountId), account.entity]));
  const entity = (item: LedgerItem) => entityOf.get(accountKey(item.source, item.accountId)) as string;
  const credit = new Map<string, number>();
  if (!bankrupt) {
    for (const { item, unappliedMinor } of plan.credits) {
      const key = `${entity(item)}\u0000${item.currency}`;
      credit.set(key, (credit.get(key) ?? 0) + unappliedMinor);
    }
  }
  const items = [...plan.debits.values()]
    .filter((debit) => debit.openMinor > 0)
    .map(({ item, openMinor }) => ({
      item,
      entity: entity(item),
      openMinor,
      remainingMinor: openMinor,
      disputedMinor: Math.min(item.disputedMinor, openMinor),
      daysPastDue: daysPastDue(item, businessDay, basis),
    }))
    .sort(
      (a, b) =>
        b.daysPastDue - a.daysPastDue ||
        compareCodePoints(a.item.source, b.item.source) ||
        compareCodePoints(a.item.itemId, b.item.itemId),
    );
  for (const entry of items) {
    const key = `${entry.entity}\u0000${entry.item.currency}`;
    const available = credit.get(key) ?? 0;
    if (available === 0) continue;
    const used = Math.min(available, entry.remainingMinor);
    entry.remainingMinor -= used;
    credit.set(key, available - used);
  }
  return items;
}
