// Days sales outstanding, by two methods, as tenths of a day rounded half
// away from zero:
// - standard: receivables / credit sales of the period x days of the period;
// - countback: the receivables are matched against the credit sales of the
//   latest calendar months, newest first. Each month whose sales are fully
//   covered adds its days, and the month that exhausts the receivables adds
//   the covered share of its days.
// Receivables of zero or less give 0 days. Credit sales are invoices and
// debit notes by document date.

import { addDays, daysBetween } from "../dates.ts";
import { divideRounded } from "../money.ts";

/** Calendar months before the as-of month that the countback reads at most. */
export const COUNTBACK_MONTHS_BACK = 12;

/** A calendar month of credit sales; the as-of month runs to the as-of date only. */
export interface SalesMonth {
  /** YYYY-MM. */
  month: string;
  firstDate: string;
  lastDate: string;
  days: number;
  salesMinor: number;
}

/** How the countback used one month. */
export interface CountbackStep {
  month: string;
  salesMinor: number;
  /** Receivables not yet matched when the month was reached. */
  remainingBeforeMinor: number;
  /** Days the month added, in tenths. */
  daysTenths: number;
}

export interface CountbackResult {
  daysTenths: number;
  steps: CountbackStep[];
  /** True when receivables were left after the oldest month read. */
  exhausted: boolean;
}

/** Returns the first day of a date's month. */
export function monthStart(date: string): string {
  return `${date.slice(0, 8)}01`;
}

/**
 * Lists the calendar months of the countback, newest first: the as-of month
 * from its first day to the as-of date, then COUNTBACK_MONTHS_BACK full months.
 */
export function countbackMonths(asOf: string): Omit<SalesMonth, "salesMinor">[] {
  const months: Omit<SalesMonth, "salesMinor">[] = [];
  let lastDate = asOf;
  for (let index = 0; index <= COUNTBACK_MONTHS_BACK; index++) {
    const firstDate = monthStart(lastDate);
    months.push({ month: firstDate.slice(0, 7), firstDate, lastDate, days: daysBetween(firstDate, lastDate) + 1 });
    lastDate = addDays(firstDate, -1);
  }
  return months;
}

export function countbackDso(receivablesMinor: number, months: readonly SalesMonth[]): CountbackResult {
  const steps: CountbackStep[] = [];
  if (receivablesMinor <= 0) return { daysTenths: 0, steps, exhausted: false };
  let remaining = receivablesMinor;
  let fullDays = 0;
  for (const month of months) {
    if (month.salesMinor > remaining) {
      const share = Number(divideRounded(BigInt(remaining) * BigInt(month.days) * 10n, BigInt(month.salesMinor)));
      steps.push({ month: month.month, salesMinor: month.salesMinor, remainingBeforeMinor: remaining, daysTenths: share });
      return { daysTenths: fullDays * 10 + share, steps, exhausted: false };
    }
    // A month without sales adds its days too: the receivables are older.
    steps.push({ month: month.month, salesMinor: month.salesMinor, remainingBeforeMinor: remaining, daysTenths: month.days * 10 });
    fullDays += month.days;
    remaining -= month.salesMinor;
    if (remaining === 0) return { daysTenths: fullDays * 10, steps, exhausted: false };
  }
  return { daysTenths: fullDays * 10, steps, exhausted: true };
}

/** Returns the standard DSO in tenths of a day, or null when there were no sales. */
export function standardDso(receivablesMinor: number, salesMinor: number, days: number): number | null {
  if (salesMinor <= 0) return null;
  if (receivablesMinor <= 0) return 0;
  return Number(divideRounded(BigInt(receivablesMinor) * BigInt(days) * 10n, BigInt(salesMinor)));
}
