// What the customer receives: the channel of a notice (the customer's
// preference when the stage offers it, else the stage's first channel),
// the letter items, and pre-due reminders for customers without autopay.

import type { SetOffItem } from "../../jobs/age.ts";
import { addDays, daysBetween } from "../dates.ts";
import type { LedgerAccount } from "../domain.ts";
import type { Channel } from "../extract.ts";
import { dunnableMinor } from "./exposure.ts";
import { hasOutcome, type DunningHistory } from "./history.ts";

export interface LetterItem {
  source: string;
  accountId: string;
  itemId: string;
  reference: string | null;
  documentDate: string;
  dueDate: string;
  currency: string;
  openMinor: number;
  daysPastDue: number;
}

/** Picks the customer's preferred channel when offered, else the first one offered. */
export function chooseChannel(preferred: Channel | null, offered: readonly Channel[]): Channel {
  if (preferred !== null && offered.includes(preferred)) return preferred;
  return offered[0] ?? "letter";
}

/** The dunnable overdue items of an exposure, as a letter lists them. */
export function letterItems(items: readonly SetOffItem[]): LetterItem[] {
  return items
    .filter((entry) => entry.daysPastDue > 0 && dunnableMinor(entry) > 0)
    .map((entry) => ({
      source: entry.item.source,
      accountId: entry.item.accountId,
      itemId: entry.item.itemId,
      reference: entry.item.reference,
      documentDate: entry.item.documentDate,
      dueDate: entry.item.dueDate,
      currency: entry.item.currency,
      openMinor: dunnableMinor(entry),
      daysPastDue: entry.daysPastDue,
    }));
}

export function sortLetterItems(items: LetterItem[]): LetterItem[] {
  const text = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return items.sort(
    (a, b) => text(a.dueDate, b.dueDate) || text(a.source, b.source) || text(a.itemId, b.itemId),
  );
}

export interface PreDueReminder {
  channel: Channel;
  /** Items falling due within the reminder window, not reminded before. */
  items: SetOffItem[];
  firstDueDate: string;
}

/**
 * Finds the account's items that fall due within `daysBefore` days after
 * the business date and were not reminded of on an earlier night. A night
 * that did not run is caught up on the next, as long as the item is not due yet.
 */
export function preDueReminder(
  account: LedgerAccount,
  items: readonly SetOffItem[],
  history: DunningHistory,
  businessDate: string,
  settings: { daysBefore: number; channels: readonly Channel[] },
  isCharge: (itemId: string) => boolean,
): PreDueReminder | null {
  if (account.autopay) return null;
  const last = addDays(businessDate, settings.daysBefore);
  const due = items.filter(
    (entry) =>
      entry.item.source === account.source &&
      entry.item.accountId === account.accountId &&
      entry.item.dueDate > businessDate &&
      entry.item.dueDate <= last &&
      dunnableMinor(entry) > 0 &&
      !isCharge(entry.item.itemId) &&
      !hasOutcome(history, account.source, account.accountId, "pre_due", entry.item.itemId),
  );
  if (due.length === 0) return null;
  const firstDueDate = due.map((entry) => entry.item.dueDate).sort()[0];
  return { channel: chooseChannel(account.channel, settings.channels), items: due, firstDueDate };
}

export function daysUntil(businessDate: string, dueDate: string): number {
  return daysBetween(businessDate, dueDate);
}
