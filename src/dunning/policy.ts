// The resolved dunning policy beyond the stage ladder: segment rules,
// scorecard, hold settings, fees, interest, blackouts, usage files and
// pre-due reminders, with amounts and rates parsed once at load.

import path from "node:path";
import type { BlackoutPeriod } from "../calendar.ts";
import type { RawConfig } from "../config/schema.ts";
import type { Channel } from "../extract.ts";
import { currencyExponent, parseMinor, parseRate, type Rate } from "../money.ts";
import type { RawSegmentRule } from "./schema.ts";

type RawDunning = RawConfig["dunning"];
type RawStrategy = RawDunning["strategies"][string];
type RawStage = RawStrategy["stages"][number];

/** Amounts per currency in minor units; undefined for a currency without an amount. */
export type AmountLookup = (currency: string) => number | undefined;

/** A signed decimal such as -1.5 as an integer over 10^scale, for scorecard points. */
export interface SignedDecimal {
  units: bigint;
  scale: number;
  text: string;
}

export interface SegmentRule {
  name: string;
  segments: ReadonlySet<string> | null;
  countries: ReadonlySet<string> | null;
  balanceMinMinor: AmountLookup;
  balanceMaxMinor: AmountLookup;
  /** Whether the rule has any condition besides the account segment. */
  hasOtherConditions: boolean;
  riskScoreMin: number | null;
  riskScoreMax: number | null;
  strategy: string;
  challenger: { strategy: string; share: Rate } | null;
}

export interface Scorecard {
  base: SignedDecimal;
  averageDaysLate: SignedDecimal;
  brokenPromises: SignedDecimal;
  timesInDunning: SignedDecimal;
  tenureMonths: SignedDecimal;
  min: number;
  max: number;
}

export type DayCount = "actual/365" | "30/360" | "actual/360";

export interface DunningPolicy {
  letters: "per_customer" | "per_account";
  debtScope: "account" | "customer";
  customerStage: "highest" | "lowest";
  fallBack: boolean;
  jumpActions: "target" | "skipped";
  /** Rules in configured order; the last one matches every account. */
  segmentRules: readonly SegmentRule[];
  scorecard: Scorecard | null;
  holds: {
    promiseGraceDays: number;
    brokenPromise: "resume" | "escalate";
    arrangementMaxMissed: number;
    arrangementGraceDays: number;
  };
  fees: {
    period: "month" | "quarter" | "year";
    capMinor: AmountLookup;
  };
  interest: {
    /** Annual rate of a segment rule, falling back to "default". */
    rate(segment: string): Rate | undefined;
    dayCount: DayCount;
  };
  blackouts: readonly (BlackoutPeriod & { entities: readonly string[] | null })[];
  /** Usage file per source, as an absolute path. */
  usageFiles: ReadonlyMap<string, string>;
  preDue: { daysBefore: number; channels: readonly Channel[] } | null;
}

/** Parses amounts per currency; the key "default" covers every other currency. */
export function amountsByCurrency(amounts: Record<string, string> | undefined): AmountLookup {
  const cache = new Map<string, number | undefined>();
  return (currency) => {
    if (!amounts) return undefined;
    if (!cache.has(currency)) {
      const text = amounts[currency] ?? amounts.default;
      cache.set(currency, text === undefined ? undefined : parseMinor(text, currencyExponent(currency)));
    }
    return cache.get(currency);
  };
}

const SIGNED_DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;

export function parseSignedDecimal(text: string): SignedDecimal {
  const match = SIGNED_DECIMAL.exec(text.trim());
  if (!match) throw new RangeError(`${JSON.stringify(text)} is not a decimal number`);
  const fraction = match[3] ?? "";
  const units = BigInt(match[2] + fraction);
  return { units: match[1] ? -units : units, scale: fraction.length, text: text.trim() };
}

export function isSignedDecimal(text: string): boolean {
  return SIGNED_DECIMAL.test(text.trim());
}

/** Turns the older map form (account segment -> strategy) into rules. */
export function segmentRulesFrom(raw: RawDunning["segments"], strategyNames: string[]): RawSegmentRule[] {
  if (Array.isArray(raw)) return raw;
  const rules: RawSegmentRule[] = Object.entries(raw)
    .filter(([segment]) => segment !== "default")
    .map(([segment, strategy]) => ({ name: ruleName(segment), segment: [segment], strategy }));
  const fallback = raw.default ?? (strategyNames.includes("default") ? "default" : strategyNames[0]);
  rules.push({ name: "default", strategy: fallback });
  return rules;
}

function ruleName(segment: string): string {
  const name = segment.toLowerCase().replace(/[^a-z0-9_]/g, "_");
  return /^[a-z]/.test(name) ? name : `segment_${name}`;
}

export function resolveDunningPolicy(raw: RawDunning, baseDir: string): DunningPolicy {
  const rules = segmentRulesFrom(raw.segments, Object.keys(raw.strategies)).map(resolveRule);
  const last = rules[rules.length - 1];
  if (!last || !isCatchAll(last)) {
    // Accounts that no rule matches fall to the first strategy, named "default".
    rules.push(resolveRule({ name: "default", strategy: Object.keys(raw.strategies)[0] }));
  }
  const interestRates = new Map(Object.entries(raw.interest.rates).map(([key, text]) => [key, parseRate(text)]));
  return {
    letters: raw.letters,
    debtScope: raw.debt_scope,
    customerStage: raw.customer_stage,
    fallBack: raw.fall_back,
    jumpActions: raw.jump_actions,
    segmentRules: rules,
    scorecard: raw.scoring ? resolveScorecard(raw.scoring) : null,
    holds: {
      promiseGraceDays: raw.holds.promise_grace_days,
      brokenPromise: raw.holds.broken_promise,
      arrangementMaxMissed: raw.holds.arrangement_max_missed,
      arrangementGraceDays: raw.holds.arrangement_grace_days,
    },
    fees: { period: raw.fees.period, capMinor: amountsByCurrency(raw.fees.cap) },
    interest: {
      rate: (segment) => interestRates.get(segment) ?? interestRates.get("default"),
      dayCount: raw.interest.day_count,
    },
    blackouts: raw.blackouts.map((period) => ({
      from: period.from,
      to: period.to,
      recurring: period.recurring,
      name: period.name,
      entities: period.entities ?? null,
    })),
    usageFiles: new Map(Object.entries(raw.usage.files).map(([source, file]) => [source, path.resolve(baseDir, file)])),
    preDue: raw.pre_due ? { daysBefore: raw.pre_due.days_before, channels: raw.pre_due.channels } : null,
  };
}

function isCatchAll(rule: SegmentRule): boolean {
  return rule.segments === null && !rule.hasOtherConditions;
}

function resolveRule(raw: RawSegmentRule): SegmentRule {
  return {
    name: raw.name,
    segments: raw.segment ? new Set(raw.segment) : null,
    countries: raw.country ? new Set(raw.country) : null,
    balanceMinMinor: amountsByCurrency(raw.balance_min),
    balanceMaxMinor: amountsByCurrency(raw.balance_max),
    hasOtherConditions:
      raw.country !== undefined ||
      raw.balance_min !== undefined ||
      raw.balance_max !== undefined ||
      raw.risk_score_min !== undefined ||
      raw.risk_score_max !== undefined,
    riskScoreMin: raw.risk_score_min ?? null,
    riskScoreMax: raw.risk_score_max ?? null,
    strategy: raw.strategy,
    challenger: raw.challenger
      ? { strategy: raw.challenger.strategy, share: parseRate(raw.challenger.share) }
      : null,
  };
}

function resolveScorecard(raw: NonNullable<RawDunning["scoring"]>): Scorecard {
  return {
    base: parseSignedDecimal(raw.base),
    averageDaysLate: parseSignedDecimal(raw.average_days_late),
    brokenPromises: parseSignedDecimal(raw.broken_promises),
    timesInDunning: parseSignedDecimal(raw.times_in_dunning),
    tenureMonths: parseSignedDecimal(raw.tenure_months),
    min: raw.min,
    max: raw.max,
  };
}

/** The fields that resolve.ts adds to each stage beyond the first cut. */
export function stageExtras(raw: RawStage, strategyExit: Record<string, string>) {
  const exit = amountsByCurrency(raw.exit_threshold ?? strategyExit);
  return {
    minShare: raw.min_share === undefined ? null : parseRate(raw.min_share),
    /** Overdue amount below which an account in this stage is cured; at least 1. */
    exitThresholdMinor: (currency: string) => Math.max(1, exit(currency) ?? 0),
    channels: (raw.channels ?? ["letter", "email"]) as Channel[],
  };
}

/** The fields that resolve.ts adds to a fee action; other actions get none. */
export function actionExtras(raw: RawStage["actions"][number]): { feeMinor?: AmountLookup; percent?: Rate | null } {
  if (typeof raw === "string" || raw.kind !== "fee") return {};
  return {
    feeMinor: amountsByCurrency(raw.amount),
    percent: raw.percent === undefined ? null : parseRate(raw.percent),
  };
}

/** The level of the credit-limit trigger's stage, or null without a trigger. */
export function creditLimitTrigger(raw: RawStrategy): { share: Rate; level: number } | null {
  const trigger = raw.credit_limit_trigger;
  if (!trigger) return null;
  const index = raw.stages.findIndex((stage) => stage.name === trigger.stage);
  return { share: parseRate(trigger.share), level: index + 1 };
}

/**
 * Returns the strategy of the first rule that an account of a segment meets
 * when only its segment is known; rules with other conditions are skipped.
 */
export function strategyNameForSegment(policy: DunningPolicy, segment: string | null): string {
  for (const rule of policy.segmentRules) {
    if (rule.hasOtherConditions) continue;
    if (rule.segments === null || (segment !== null && rule.segments.has(segment))) return rule.strategy;
  }
  return policy.segmentRules[policy.segmentRules.length - 1].strategy;
}
