// An account's dunning exposure per currency: the dunnable overdue amount
// (open after set-off, less its disputed part), its oldest due date, the
// open balance, and the highest stage whose thresholds it meets.

import type { SetOffItem } from "../../jobs/age.ts";
import type { Strategy } from "../config/resolve.ts";

export interface CurrencyExposure {
  currency: string;
  items: SetOffItem[];
  /** Dunnable amount of the items past due. */
  overdueMinor: number;
  /** Disputed amount of the items past due. */
  disputedOverdueMinor: number;
  /** Open amount after set-off of every item, due or not, disputed or not. */
  balanceMinor: number;
  daysPastDueMax: number;
  oldestDueDate: string | null;
}

export function dunnableMinor(entry: SetOffItem): number {
  return Math.max(0, entry.remainingMinor - entry.disputedMinor);
}

/** Groups items by currency, in currency order. */
export function exposures(items: readonly SetOffItem[]): CurrencyExposure[] {
  const byCurrency = new Map<string, CurrencyExposure>();
  for (const entry of items) {
    const currency = entry.item.currency;
    let exposure = byCurrency.get(currency);
    if (!exposure) {
      exposure = emptyExposure(currency);
      byCurrency.set(currency, exposure);
    }
    exposure.items.push(entry);
    exposure.balanceMinor += entry.remainingMinor;
    if (entry.daysPastDue <= 0) continue;
    exposure.disputedOverdueMinor += Math.min(entry.disputedMinor, entry.remainingMinor);
    const amount = dunnableMinor(entry);
    if (amount === 0) continue;
    exposure.overdueMinor += amount;
    exposure.daysPastDueMax = Math.max(exposure.daysPastDueMax, entry.daysPastDue);
    if (exposure.oldestDueDate === null || entry.item.dueDate < exposure.oldestDueDate) {
      exposure.oldestDueDate = entry.item.dueDate;
    }
  }
  return [...byCurrency.values()].sort((a, b) => (a.currency < b.currency ? -1 : 1));
}

export function emptyExposure(currency: string): CurrencyExposure {
  return {
    currency,
    items: [],
    overdueMinor: 0,
    disputedOverdueMinor: 0,
    balanceMinor: 0,
    daysPastDueMax: 0,
    oldestDueDate: null,
  };
}

/**
 * Returns the highest stage level whose thresholds the exposure meets: the
 * dunnable items at least the stage's days past due reach its minimum
 * amount, and, when the stage sets one, its minimum share of the balance.
 * With `ignoreDisputes` the disputed parts count too, to tell whether a
 * dispute is what holds the account back.
 */
export function reachedLevel(strategy: Strategy, exposure: CurrencyExposure, ignoreDisputes = false): number {
  let level = 0;
  for (const stage of strategy.stages) {
    let due = 0;
    for (const entry of exposure.items) {
      if (entry.daysPastDue < stage.daysPastDue) continue;
      due += ignoreDisputes ? entry.remainingMinor : dunnableMinor(entry);
    }
    if (due < stage.minAmountMinor(exposure.currency)) continue;
    if (stage.minShare !== null) {
      // due / balance >= units / 10^scale, compared in integers.
      const share = stage.minShare;
      if (exposure.balanceMinor <= 0) continue;
      if (BigInt(due) * 10n ** BigInt(share.scale) < share.units * BigInt(exposure.balanceMinor)) continue;
    }
    level = stage.level;
  }
  return level;
}
