// Behaviour scoring: a transparent scorecard over the customer's payment
// history that the segment rules use to pick a strategy.
//
// score = base + average_days_late x points + broken_promises x points
//       + times_in_dunning x points + tenure_months x points,
// rounded half away from zero once and clamped to [min, max].

import { daysBetween } from "../src/dates.ts";
import type { CustomerData } from "../src/domain.ts";
import { itemKey } from "../src/domain.ts";
import { divideRounded } from "../src/money.ts";
import type { Scorecard, SignedDecimal } from "../src/dunning/policy.ts";
import { planAllocations } from "./allocate.ts";

export interface ScoreFeatures {
  /** Mean days between due date and settlement (or the business date while open), rounded. */
  averageDaysLate: number;
  brokenPromises: number;
  timesInDunning: number;
  /** Whole months since the customer's first document. */
  tenureMonths: number;
}

export interface BehaviourScore {
  score: number;
  features: ScoreFeatures;
}

/** Counts from the ledger that the customer's items do not show. */
export interface ScoreHistory {
  brokenPromises: number;
  timesInDunning: number;
}

/**
 * Computes the payment-history features: lateness over every debit that is
 * settled or overdue (a paid item counts the days from its due date to the
 * last allocation that settled it, never less than 0), and tenure from the
 * oldest document date.
 */
export function scoreFeatures(customer: CustomerData, history: ScoreHistory, businessDate: string): ScoreFeatures {
  const plan = planAllocations(customer, businessDate);
  const settledOn = new Map<string, string>();
  for (const allocation of plan.allocations) {
    const key = itemKey(allocation.source, allocation.debitItemId);
    const previous = settledOn.get(key);
    if (previous === undefined || allocation.date > previous) settledOn.set(key, allocation.date);
  }
  let lateDays = 0;
  let counted = 0;
  for (const [key, debit] of plan.debits) {
    const due = debit.item.dueDate;
    if (debit.openMinor === 0) {
      const paid = settledOn.get(key);
      if (paid === undefined) continue;
      lateDays += Math.max(0, daysBetween(due, paid));
      counted++;
    } else if (due < businessDate) {
      lateDays += daysBetween(due, businessDate);
      counted++;
    }
  }
  const averageDaysLate = counted === 0 ? 0 : Number(divideRounded(BigInt(lateDays), BigInt(counted)));
  let first: string | null = null;
  for (const item of customer.items) if (first === null || item.documentDate < first) first = item.documentDate;
  return {
    averageDaysLate,
    brokenPromises: history.brokenPromises,
    timesInDunning: history.timesInDunning,
    tenureMonths: first === null ? 0 : wholeMonths(first, businessDate),
  };
}

function wholeMonths(from: string, to: string): number {
  const [fromYear, fromMonth, fromDay] = from.split("-").map(Number);
  const [toYear, toMonth, toDay] = to.split("-").map(Number);
  const months = (toYear - fromYear) * 12 + (toMonth - fromMonth) - (toDay < fromDay ? 1 : 0);
  return Math.max(0, months);
}

/** Applies the scorecard to the features: exact decimals, one rounding, then the clamp. */
export function scoreOf(card: Scorecard, features: ScoreFeatures): number {
  const terms: Array<[SignedDecimal, number]> = [
    [card.averageDaysLate, features.averageDaysLate],
    [card.brokenPromises, features.brokenPromises],
    [card.timesInDunning, features.timesInDunning],
    [card.tenureMonths, features.tenureMonths],
  ];
  const scale = Math.max(card.base.scale, ...terms.map(([points]) => points.scale));
  const at = (value: SignedDecimal) => value.units * 10n ** BigInt(scale - value.scale);
  let total = at(card.base);
  for (const [points, count] of terms) total += at(points) * BigInt(count);
  const score = Number(divideRounded(total, 10n ** BigInt(scale)));
  return Math.min(card.max, Math.max(card.min, score));
}

export function behaviourScore(
  card: Scorecard,
  customer: CustomerData,
  history: ScoreHistory,
  businessDate: string,
): BehaviourScore {
  const features = scoreFeatures(customer, history, businessDate);
  return { score: scoreOf(card, features), features };
}
