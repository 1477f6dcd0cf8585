// What the dunning planner needs about a customer beyond its items, holds
// and stages: charges and one-time outcomes of earlier runs, arrangement
// instalments, unbilled usage and credit limits. The ledger loader in
// ledger.ts fills it per batch; planner tests build it by hand.

import { accountKey } from "../domain.ts";

/** Interest on one principal item over one interval. */
export interface InterestLine {
  itemId: string;
  /** Day after which interest runs (the due date, or the end of the last charge). */
  from: string;
  /** Last day of interest, the business date of the charge. */
  to: string;
  days: number;
  baseMinor: number;
  amountMinor: number;
}

export interface ChargeRecord {
  source: string;
  accountId: string;
  kind: "fee" | "interest";
  stage: string;
  period: string;
  itemId: string;
  currency: string;
  amountMinor: number;
  detail: InterestLine[];
}

export type OutcomeKind = "promise_kept" | "promise_broken" | "arrangement_broken" | "pre_due";

export interface OutcomeRecord {
  source: string;
  accountId: string;
  kind: OutcomeKind;
  /** The hold's start date, or the item id of a pre-due reminder. */
  subject: string;
}

export interface Instalment {
  source: string;
  accountId: string;
  /** start_date of the arrangement hold. */
  arrangementStart: string;
  dueDate: string;
  currency: string;
  amountMinor: number;
}

export interface DunningHistory {
  charges: ChargeRecord[];
  outcomes: OutcomeRecord[];
  instalments: Instalment[];
  /** Unbilled usage by account key. */
  usage: Map<string, { currency: string; unbilledMinor: number }>;
  /** Credit limit in the account's currency by account key. */
  creditLimits: Map<string, number>;
  /** How often an account of the customer entered dunning from no stage before tonight. */
  timesInDunning: number;
}

export function emptyHistory(): DunningHistory {
  return { charges: [], outcomes: [], instalments: [], usage: new Map(), creditLimits: new Map(), timesInDunning: 0 };
}

export function hasOutcome(history: DunningHistory, source: string, accountId: string, kind: OutcomeKind, subject: string): boolean {
  return history.outcomes.some(
    (outcome) =>
      outcome.source === source && outcome.accountId === accountId && outcome.kind === kind && outcome.subject === subject,
  );
}

export function usageOf(history: DunningHistory, source: string, accountId: string) {
  return history.usage.get(accountKey(source, accountId));
}
