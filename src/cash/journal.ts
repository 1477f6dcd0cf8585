// Journals of what dcms originates in cash application. Each event is one
// journal of two lines in the entity's functional currency, converted at the
// closing rate of the accounting date when the entered currency differs:
//   bank payment applied at once   Dr bank      / Cr receivable
//   bank payment parked            Dr bank      / Cr suspense
//   parked payment released        Dr suspense  / Cr receivable
//   payment reversed (return)      Dr receivable / Cr bank
//   direct debit collected         Dr bank      / Cr receivable
//   credit moved to other debt     Dr receivable / Cr receivable
//   payable netted against debt    Dr payables  / Cr receivable
//   deferred discount granted      Dr discount expense / Cr receivable

import type { GlAccounts, ResolvedConfig } from "../config/resolve.ts";
import { RequestError } from "../errors.ts";
import { journalLines, type JournalLine } from "../journal.ts";
import { convertMinor } from "../money.ts";

export type GlRole = "bank" | "receivable" | "suspense" | "payables" | "discountExpense";

export interface CashJournal {
  journalId: string;
  entity: string;
  accountingDate: string;
  /** Currency of the payment or credit. */
  currency: string;
  /** Positive amount in minor units of currency. */
  amountMinor: number;
  debit: GlRole;
  credit: GlRole;
  /** Free of personal data: ids and references only. */
  description: string;
}

/** Returns the GL code of a role for an entity, or raises RequestError naming the missing key. */
export function glCode(config: ResolvedConfig, entity: string, role: GlRole): string {
  const accounts = config.gl.get(entity) as GlAccounts | undefined;
  const code = accounts?.[role];
  if (!code) {
    const key = role === "discountExpense" ? "discount_expense" : role;
    throw new RequestError(`gl.${entity}.${key} is not configured; cash application needs it to journal`);
  }
  return code;
}

/** Builds the two balanced lines of a cash journal. */
export function cashJournalLines(config: ResolvedConfig, journal: CashJournal): JournalLine[] {
  const entity = config.entities.get(journal.entity);
  if (!entity) throw new RequestError(`entity ${journal.entity} is not configured`);
  const functional = entity.functionalCurrency;
  const rate = config.closingRate(journal.accountingDate, journal.currency, functional);
  if (!rate) {
    throw new RequestError(
      `no rate from ${journal.currency} to ${functional} on or before ${journal.accountingDate}; add one under rates`,
    );
  }
  const functionalMinor = convertMinor(journal.amountMinor, journal.currency, functional, rate);
  const line = (role: GlRole, sign: 1 | -1) => ({
    accountCode: glCode(config, journal.entity, role),
    amountMinor: sign * functionalMinor,
    enteredCurrency: journal.currency,
    enteredMinor: sign * journal.amountMinor,
    rate: rate.text,
    description: journal.description.slice(0, 200),
  });
  return journalLines(journal.journalId, journal.entity, journal.accountingDate, functional, [
    line(journal.debit, 1),
    line(journal.credit, -1),
  ]);
}
