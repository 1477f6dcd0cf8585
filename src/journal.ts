// Journal lines and the invariant that every journal balances per entity,
// accounting date and currency before anything is written.

import { InvariantError } from "./errors.ts";

export interface JournalLine {
  journalId: string;
  line: number;
  entity: string;
  accountingDate: string;
  accountCode: string;
  /** Functional-currency amounts; exactly one of debit and credit is non-zero. */
  debitMinor: number;
  creditMinor: number;
  currency: string;
  enteredCurrency: string;
  /** Signed amount in the entered currency, debit positive. */
  enteredMinor: number;
  rate: string;
  description: string;
  reversesRun: number | null;
  /** Cost centre dimension; absent or null when the line has none. */
  costCentre?: string | null;
  /** Customer segment dimension; absent or null on lines that sum over segments. */
  segment?: string | null;
}

export interface Posting {
  accountCode: string;
  /** Signed functional amount, debit positive. */
  amountMinor: number;
  enteredCurrency: string;
  enteredMinor: number;
  rate: string;
  description: string;
  costCentre?: string | null;
  segment?: string | null;
}

/** Builds the numbered lines of one journal from signed postings, dropping zero postings. */
export function journalLines(
  journalId: string,
  entity: string,
  accountingDate: string,
  currency: string,
  postings: Posting[],
): JournalLine[] {
  return postings
    .filter((posting) => posting.amountMinor !== 0)
    .map((posting, index) => ({
      journalId,
      line: index + 1,
      entity,
      accountingDate,
      accountCode: posting.accountCode,
      debitMinor: posting.amountMinor > 0 ? posting.amountMinor : 0,
      creditMinor: posting.amountMinor < 0 ? -posting.amountMinor : 0,
      currency,
      enteredCurrency: posting.enteredCurrency,
      enteredMinor: posting.enteredMinor,
      rate: posting.rate,
      description: posting.description,
      reversesRun: null,
      // Dimensions are set only when present, so lines without them compare
      // equal to lines built before dimensions existed.
      ...(posting.costCentre ? { costCentre: posting.costCentre } : {}),
      ...(posting.segment ? { segment: posting.segment } : {}),
    }));
}

/** Returns lines that undo the given ones: debit and credit swapped. */
export function reversalLines(journalId: string, lines: JournalLine[], reversedRun: number): JournalLine[] {
  return lines.map((line, index) => ({
    ...line,
    journalId,
    line: index + 1,
    debitMinor: line.creditMinor,
    creditMinor: line.debitMinor,
    enteredMinor: -line.enteredMinor,
    description: `reversal of ${line.journalId}/${line.line}: ${line.description}`.slice(0, 200),
    reversesRun: reversedRun,
  }));
}

/** Throws when a line is malformed or a journal does not balance per entity, date and currency. */
export function assertBalanced(lines: readonly JournalLine[]): void {
  const totals = new Map<string, number>();
  for (const line of lines) {
    const oneSided = (line.debitMinor > 0) !== (line.creditMinor > 0);
    if (!oneSided || line.debitMinor < 0 || line.creditMinor < 0) {
      throw new InvariantError(
        `journal ${line.journalId} line ${line.line}: exactly one of debit and credit must be positive`,
      );
    }
    const key = `${line.journalId}\u0000${line.entity}\u0000${line.accountingDate}\u0000${line.currency}`;
    totals.set(key, (totals.get(key) ?? 0) + line.debitMinor - line.creditMinor);
  }
  for (const [key, total] of totals) {
    if (total !== 0) {
      const [journalId, entity, date, currency] = key.split("\u0000");
      throw new InvariantError(
        `journal ${journalId} of ${entity} on ${date} in ${currency} does not balance: debits minus credits = ${total}`,
      );
    }
  }
}
