// The accounting date that a run's journals carry.

import { addDays, endOfMonth } from "../dates.ts";
import type { AccountingConfig } from "./config.ts";

/**
 * Returns the accounting date of a run's journals: the business date, or the
 * last day of its month (the open period) under the period_end rule. A date
 * on or before period_closed_through moves to the first open day, or to the
 * end of the first open month under period_end, because a closed period
 * takes no more postings.
 */
export function accountingDate(
  config: Pick<AccountingConfig, "accountingDateRule" | "periodClosedThrough">,
  businessDate: string,
): string {
  let date = config.accountingDateRule === "period_end" ? endOfMonth(businessDate) : businessDate;
  const closed = config.periodClosedThrough;
  if (closed !== null && date <= closed) {
    const firstOpenDay = addDays(closed, 1);
    date = config.accountingDateRule === "period_end" ? endOfMonth(firstOpenDay) : firstOpenDay;
  }
  return date;
}
