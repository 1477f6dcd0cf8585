// Picks an account's segment rule and strategy: the first rule whose
// conditions all hold, then the challenger strategy for the configured share
// of the rule's customers.

import type { Strategy } from "../config/resolve.ts";
import type { LedgerAccount } from "../domain.ts";
import type { Rate } from "../money.ts";
import type { DunningPolicy, SegmentRule } from "./policy.ts";

export interface StrategyChoice {
  /** Name of the segment rule that matched. */
  segment: string;
  strategy: Strategy;
  variant: "champion" | "challenger";
}

export interface AccountFacts {
  account: LedgerAccount;
  /** Open balance of the account in its own currency, after set-off. */
  balanceMinor: number;
  /** Behaviour score of the customer, or null when no scorecard is configured. */
  score: number | null;
}

export function ruleMatches(rule: SegmentRule, facts: AccountFacts): boolean {
  const { account, balanceMinor, score } = facts;
  if (rule.segments !== null && (account.segment === null || !rule.segments.has(account.segment))) return false;
  if (rule.countries !== null && (account.country === null || !rule.countries.has(account.country))) return false;
  const low = rule.balanceMinMinor(account.currency);
  const high = rule.balanceMaxMinor(account.currency);
  if (low !== undefined && balanceMinor < low) return false;
  if (high !== undefined && balanceMinor > high) return false;
  if (rule.riskScoreMin !== null && (score === null || score < rule.riskScoreMin)) return false;
  if (rule.riskScoreMax !== null && (score === null || score > rule.riskScoreMax)) return false;
  return true;
}

export function chooseStrategy(
  policy: DunningPolicy,
  strategies: ReadonlyMap<string, Strategy>,
  facts: AccountFacts,
): StrategyChoice {
  const rule =
    policy.segmentRules.find((candidate) => ruleMatches(candidate, facts)) ??
    policy.segmentRules[policy.segmentRules.length - 1];
  const challenger = rule.challenger && isChallenger(facts.account.customerRef, rule.challenger.share);
  const name = challenger ? rule.challenger!.strategy : rule.strategy;
  return {
    segment: rule.name,
    strategy: strategies.get(name) ?? [...strategies.values()][0],
    variant: challenger ? "challenger" : "champion",
  };
}

/**
 * Returns the customer's point in [0, 1) for the champion/challenger split:
 * FNV-1a of the customer id over 2^32. It depends on nothing but the id, so
 * a customer stays on the same side from night to night.
 */
export function challengerPoint(customerRef: string): number {
  let hash = 2166136261;
  for (const char of customerRef) {
    hash ^= char.codePointAt(0) as number;
    hash = Math.imul(hash, 16777619) >>> 0;
  }
  return hash / 2 ** 32;
}

/** Checks whether the customer falls into the challenger share of its segment. */
export function isChallenger(customerRef: string, share: Rate): boolean {
  // point < units / 10^scale, compared exactly on the 32-bit hash.
  const hash = BigInt(Math.round(challengerPoint(customerRef) * 2 ** 32));
  return hash * 10n ** BigInt(share.scale) < share.units * 2n ** 32n;
}
