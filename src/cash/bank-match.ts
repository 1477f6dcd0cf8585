// Finds the account that a bank payment pays, or the reason to park it.
// Pure: the candidates come from the ledger, loaded by the caller.

import type { BankMatchRule } from "./bank-source.ts";
import type { ParkingReason } from "./config.ts";
import { mentions, referenceTokens } from "./reference.ts";

/** A payment from a bank file, or one waiting in suspense. */
export interface BankPayment {
  /** The bank source. */
  source: string;
  entryKey: string;
  file: string;
  currency: string;
  amountMinor: number;
  valueDate: string;
  /** Creditor references, then unstructured lines, one per line. */
  remittance: string;
  debtorIban: string | null;
  endToEndId: string | null;
  /** The bank's reference of the entry, for descriptions. */
  bankReference: string;
}

export interface CandidateAccount {
  customerKey: number;
  source: string;
  accountId: string;
  entity: string;
  status: string;
  currency: string;
  iban: string | null;
  /** Whether a hold that flags the account for review is active. */
  underReview: boolean;
}

/** An item of a candidate account, with the reference printed for the customer. */
export interface CandidateItem {
  source: string;
  accountId: string;
  itemId: string;
  reference: string | null;
}

export interface MatchCandidates {
  items: readonly CandidateItem[];
  accounts: readonly CandidateAccount[];
}

export type MatchResult =
  | { kind: "matched"; account: CandidateAccount; rule: BankMatchRule }
  | { kind: "parked"; reason: ParkingReason; account: CandidateAccount | null };

/** Removes spaces and capitalises, as IBANs are compared. */
export function normaliseIban(iban: string): string {
  return iban.replace(/\s+/g, "").toUpperCase();
}

/**
 * Returns the raw words and lines of remittance text that may equal an item
 * id, a reference or an account id, for the ledger lookup; the match itself
 * compares normalised forms.
 */
export function remittanceCandidates(remittance: string): string[] {
  const values = new Set<string>();
  for (const line of remittance.split("\n")) {
    const trimmed = line.trim();
    if (trimmed) values.add(trimmed);
    for (const word of trimmed.split(/[\s,;]+/)) {
      const bare = word.replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, "");
      if (bare.length >= 3) {
        values.add(bare);
        values.add(bare.toUpperCase());
      }
    }
  }
  return [...values];
}

const accountKeyOf = (source: string, accountId: string) => `${source}\u0000${accountId}`;

/**
 * Matches a payment to one account by the rules in order. Reference: the
 * remittance names an item (by reference or id) or an account id. IBAN: the
 * debtor's IBAN is the account's. Several accounts for one rule park the
 * payment as ambiguous; a matched account that is closed, in another
 * currency or under review parks it too.
 */
export function matchPayment(
  payment: BankPayment,
  candidates: MatchCandidates,
  rules: readonly BankMatchRule[],
): MatchResult {
  const accounts = new Map(candidates.accounts.map((account) => [accountKeyOf(account.source, account.accountId), account]));
  for (const rule of rules) {
    const found = rule === "reference" ? byReference(payment, candidates, accounts) : byIban(payment, candidates);
    if (found.length > 1) return { kind: "parked", reason: "ambiguous_reference", account: null };
    if (found.length === 1) return checkAccount(found[0], payment, rule);
  }
  return { kind: "parked", reason: "unknown_account", account: null };
}

function byReference(
  payment: BankPayment,
  candidates: MatchCandidates,
  accounts: Map<string, CandidateAccount>,
): CandidateAccount[] {
  const tokens = referenceTokens(payment.remittance);
  if (tokens.size === 0) return [];
  const found = new Map<string, CandidateAccount>();
  for (const item of candidates.items) {
    if (!mentions(tokens, item.reference) && !mentions(tokens, item.itemId)) continue;
    const account = accounts.get(accountKeyOf(item.source, item.accountId));
    if (account) found.set(accountKeyOf(account.source, account.accountId), account);
  }
  for (const account of candidates.accounts) {
    if (mentions(tokens, account.accountId)) found.set(accountKeyOf(account.source, account.accountId), account);
  }
  return [...found.values()];
}

function byIban(payment: BankPayment, candidates: MatchCandidates): CandidateAccount[] {
  if (!payment.debtorIban) return [];
  const iban = normaliseIban(payment.debtorIban);
  return candidates.accounts.filter((account) => account.iban !== null && normaliseIban(account.iban) === iban);
}

function checkAccount(account: CandidateAccount, payment: BankPayment, rule: BankMatchRule): MatchResult {
  if (account.status === "closed") return { kind: "parked", reason: "closed_account", account };
  if (account.currency !== payment.currency) return { kind: "parked", reason: "currency_mismatch", account };
  if (account.underReview) return { kind: "parked", reason: "account_under_review", account };
  return { kind: "matched", account, rule };
}
