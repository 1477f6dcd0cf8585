// Holds and their effects on dunning: which holds are active on a business
// date, whether a promise to pay was kept or broken, and which instalments
// of a payment arrangement were missed.

import type { SetOffItem } from "../../jobs/age.ts";
import { addDays, daysBetween } from "../dates.ts";
import type { Hold, LedgerItem } from "../domain.ts";
import { hasOutcome, type DunningHistory, type Instalment } from "./history.ts";
import { compareCodePoints } from "../outputs/csv.ts";

/** Holds that stop escalation while active. Disputes only remove their amount. */
export const PAUSING_HOLDS = new Set(["promise_to_pay", "arrangement", "bankruptcy", "deceased", "fraud", "legal", "exemption"]);
/** Holds of the whole customer that stop letters, fees and placements at once. */
export const SILENCING_HOLDS = new Set(["bankruptcy", "deceased"]);

/** The last day a hold is active: a promise ends at its promised date plus the grace days. */
export function holdLastDay(hold: Hold, promiseGraceDays: number): string | null {
  if (hold.kind === "promise_to_pay" && hold.promisedDate) {
    const promiseEnd = addDays(hold.promisedDate, promiseGraceDays);
    return hold.endDate === null || promiseEnd < hold.endDate ? promiseEnd : hold.endDate;
  }
  return hold.endDate;
}

export function activeHolds(holds: readonly Hold[], businessDate: string, promiseGraceDays = 3): Hold[] {
  return holds.filter((hold) => {
    if (hold.startDate > businessDate) return false;
    const last = holdLastDay(hold, promiseGraceDays);
    return last === null || last >= businessDate;
  });
}

/** Payments of an account dated from `from` to `to`, both inclusive. */
export function paymentsBetween(items: readonly LedgerItem[], source: string, accountId: string, from: string, to: string): number {
  let total = 0;
  for (const item of items) {
    if (item.type !== "payment" || item.source !== source || item.accountId !== accountId) continue;
    if (item.documentDate >= from && item.documentDate <= to) total += item.amountMinor;
  }
  return total;
}

export type PromiseStatus =
  | { kind: "pending"; hold: Hold; paidMinor: number; lastDay: string }
  | { kind: "kept"; hold: Hold; paidMinor: number; lastDay: string }
  | { kind: "broken"; hold: Hold; paidMinor: number; lastDay: string };

/**
 * Evaluates the account's promises to pay that have no recorded outcome yet.
 * A promise is kept once the payments dated from its start to its promised
 * date plus grace reach the promised amount; it is broken when that day has
 * passed without them. A promise ended (hold end) before its promised date
 * was withdrawn and is neither.
 */
export function evaluatePromises(
  holds: readonly Hold[],
  items: readonly LedgerItem[],
  history: DunningHistory,
  source: string,
  accountId: string,
  businessDate: string,
  graceDays: number,
): PromiseStatus[] {
  const statuses: PromiseStatus[] = [];
  for (const hold of holds) {
    if (hold.kind !== "promise_to_pay" || hold.source !== source || hold.accountId !== accountId) continue;
    if (hold.startDate > businessDate || hold.promisedDate === null || hold.promisedMinor === null) continue;
    if (hasOutcome(history, source, accountId, "promise_kept", hold.startDate)) continue;
    if (hasOutcome(history, source, accountId, "promise_broken", hold.startDate)) continue;
    if (hold.endDate !== null && hold.endDate < hold.promisedDate && hold.endDate < businessDate) continue;
    const lastDay = addDays(hold.promisedDate, graceDays);
    const windowEnd = businessDate < lastDay ? businessDate : lastDay;
    const paidMinor = paymentsBetween(items, source, accountId, hold.startDate, windowEnd);
    const kind = paidMinor >= hold.promisedMinor ? "kept" : businessDate > lastDay ? "broken" : "pending";
    statuses.push({ kind, hold, paidMinor, lastDay });
  }
  return statuses;
}

export type ArrangementStatus =
  /** An arrangement without instalments: a plain pause until its end date. */
  | { kind: "pause"; hold: Hold }
  | { kind: "active"; hold: Hold; missed: SetOffItem[]; missedCount: number; scheduleMinor: number }
  | { kind: "broken"; hold: Hold; missedCount: number };

/**
 * Evaluates the account's active arrangement. An instalment is missed when
 * the payments dated from the arrangement's start to its due date plus
 * grace do not cover it and every instalment before it. The unpaid part of
 * instalments past their grace becomes the account's only dunnable debt; at
 * `maxMissed` misses the arrangement breaks.
 */
export function evaluateArrangement(
  hold: Hold,
  items: readonly LedgerItem[],
  history: DunningHistory,
  businessDate: string,
  graceDays: number,
  maxMissed: number,
): ArrangementStatus | null {
  if (hasOutcome(history, hold.source, hold.accountId, "arrangement_broken", hold.startDate)) return null;
  const schedule = history.instalments
    .filter(
      (entry) =>
        entry.source === hold.source && entry.accountId === hold.accountId && entry.arrangementStart === hold.startDate,
    )
    .sort((a, b) => compareCodePoints(a.dueDate, b.dueDate));
  if (schedule.length === 0) return { kind: "pause", hold };

  const paidBy = (day: string) =>
    paymentsBetween(items, hold.source, hold.accountId, hold.startDate, day < businessDate ? day : businessDate);
  let dueSoFar = 0;
  let missedCount = 0;
  const pastGrace: Instalment[] = [];
  for (const instalment of schedule) {
    dueSoFar += instalment.amountMinor;
    const lastDay = addDays(instalment.dueDate, graceDays);
    if (lastDay >= businessDate) continue;
    pastGrace.push(instalment);
    if (paidBy(lastDay) < dueSoFar) missedCount++;
  }
  if (missedCount >= maxMissed) return { kind: "broken", hold, missedCount };

  // Payments settle instalments oldest first; what stays unpaid is dunned.
  let paid = paidBy(businessDate);
  const missed: SetOffItem[] = [];
  for (const instalment of pastGrace) {
    const covered = Math.min(paid, instalment.amountMinor);
    paid -= covered;
    const unpaid = instalment.amountMinor - covered;
    if (unpaid === 0) continue;
    missed.push(instalmentItem(instalment, unpaid, businessDate));
  }
  const scheduleMinor = schedule.reduce((sum, entry) => sum + entry.amountMinor, 0);
  return { kind: "active", hold, missed, missedCount, scheduleMinor };
}

function instalmentItem(instalment: Instalment, unpaidMinor: number, businessDate: string): SetOffItem {
  return {
    item: {
      source: instalment.source,
      itemId: `instalment ${instalment.dueDate}`,
      accountId: instalment.accountId,
      type: "debit_adjustment",
      documentDate: instalment.arrangementStart,
      dueDate: instalment.dueDate,
      currency: instalment.currency,
      amountMinor: instalment.amountMinor,
      appliesTo: null,
      disputedMinor: 0,
      reference: `instalment ${instalment.dueDate}`,
    },
    entity: "",
    openMinor: unpaidMinor,
    remainingMinor: unpaidMinor,
    disputedMinor: 0,
    daysPastDue: daysBetween(instalment.dueDate, businessDate),
  };
}
