// A booking that the bank reports both in a statement (camt.053) and in a
// notification (camt.054) is counted once, matched by its bank reference.

import type { BankEntry } from "./camt.ts";

/**
 * Returns the deduplication key of an entry: the account and the bank
 * reference, `<accountId>|<bankReference>`. The bank reference is the
 * AcctSvcrRef of the Ntry, which the account servicer keeps the same in every
 * message about the booking. Without one it is derived from the Ntry's
 * booking date, value date, direction, currency and amount. A split batch
 * appends the transaction's own AcctSvcrRef, or `#` and its position.
 */
export function bankEntryKey(entry: BankEntry): string {
  return `${entry.accountId}|${entry.bankReference}`;
}

/** Key of the whole Ntry, shared by all transactions of a split batch. */
function bookingKey(entry: BankEntry): string {
  return `${entry.accountId}|${entry.entryReference}`;
}

export interface DuplicateConflict {
  key: string;
  kept: BankEntry;
  other: BankEntry;
}

export interface DeduplicationResult {
  /** Entries to apply, in input order. */
  entries: BankEntry[];
  /** Entries already counted through another file. */
  duplicates: BankEntry[];
  /** Duplicates whose amount, currency or direction differ from the entry kept. */
  conflicts: DuplicateConflict[];
}

/**
 * Removes entries that another file already reported. Two equal payments on
 * one day may share a derived key, so entries of one file never collapse
 * into each other. Per key, the file with the most entries is kept; ties
 * prefer booked over pending entries, then camt.053 over camt.054, then the
 * earlier file. When one file splits a batch booking into its transactions
 * and another reports only the total, the split transactions are kept.
 */
export function deduplicateBankEntries(entries: readonly BankEntry[]): DeduplicationResult {
  const splitBookings = new Set(
    entries.filter((entry) => entry.transactionIndex > 0).map(bookingKey),
  );
  const byKey = new Map<string, Map<string, BankEntry[]>>();
  const duplicates = new Set<BankEntry>();
  for (const entry of entries) {
    if (entry.transactionIndex === 0 && splitBookings.has(bookingKey(entry))) {
      duplicates.add(entry);
      continue;
    }
    const key = bankEntryKey(entry);
    const perFile = byKey.get(key) ?? new Map<string, BankEntry[]>();
    byKey.set(key, perFile);
    const fileKey = `${entry.file}|${entry.messageId}`;
    const group = perFile.get(fileKey);
    if (group) group.push(entry);
    else perFile.set(fileKey, [entry]);
  }
  const kept = new Set<BankEntry>();
  const conflicts: DuplicateConflict[] = [];
  for (const [key, perFile] of byKey) {
    const groups = [...perFile.values()];
    const chosen = groups.reduce((best, group) => (isBetter(group, best) ? group : best));
    for (const entry of chosen) kept.add(entry);
    for (const group of groups) {
      if (group === chosen) continue;
      for (const other of group) {
        duplicates.add(other);
        if (!sameMoney(chosen[0], other)) conflicts.push({ key, kept: chosen[0], other });
      }
    }
  }
  return {
    entries: entries.filter((entry) => kept.has(entry)),
    duplicates: entries.filter((entry) => duplicates.has(entry)),
    conflicts,
  };
}

function isBetter(candidate: BankEntry[], best: BankEntry[]): boolean {
  if (candidate.length !== best.length) return candidate.length > best.length;
  const candidateBooked = candidate.every((entry) => entry.status === "booked");
  const bestBooked = best.every((entry) => entry.status === "booked");
  if (candidateBooked !== bestBooked) return candidateBooked;
  // Earlier files win ties, so only a statement replaces a notification here.
  return candidate[0].messageType === "camt.053" && best[0].messageType === "camt.054";
}

function sameMoney(a: BankEntry, b: BankEntry): boolean {
  return a.amountMinor === b.amountMinor && a.currency === b.currency && a.creditDebit === b.creditDebit;
}
