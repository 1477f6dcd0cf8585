// The dunning keys of the configuration beyond the stage ladder: segment
// rules, scoring, champion/challenger, holds, fees, late interest,
// blackout periods, metered triggers and pre-due reminders. schema.ts
// spreads these shapes into its dunning, strategy and stage objects.

import { z } from "zod";

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date written YYYY-MM-DD");
const decimalAmount = z.union([z.string(), z.number()]).transform(String);
/** A decimal such as 0.05 or -1.5, written as text or a YAML number. */
const decimalText = z.union([z.string(), z.number()]).transform(String);
/** Amounts per currency code; the key "default" applies to other currencies. */
const amountPerCurrency = z.record(z.string(), decimalAmount);
const stageName = z.string().regex(/^[a-z][a-z0-9_]*$/, "must be lower case letters, digits and _");
const channel = z.enum(["letter", "email", "sms"]);

/** A segment rule: the first rule whose conditions all hold selects the strategy. */
const segmentRuleSchema = z.strictObject({
  name: stageName,
  /** Account segments from the extract (consumer, business, government). */
  segment: z.array(z.string()).optional(),
  /** ISO 3166-1 alpha-2 countries of the account. */
  country: z.array(z.string().regex(/^[A-Z]{2}$/)).optional(),
  /** Open balance of the account, inclusive bounds per currency. */
  balance_min: amountPerCurrency.optional(),
  balance_max: amountPerCurrency.optional(),
  /** Behaviour score of the customer, inclusive bounds. */
  risk_score_min: z.number().optional(),
  risk_score_max: z.number().optional(),
  strategy: z.string().min(1),
  /** A share of the segment's customers, chosen by a hash of the customer id, gets this strategy. */
  challenger: z
    .strictObject({
      strategy: z.string().min(1),
      share: decimalText,
    })
    .optional(),
});

/** Either the rules, or the older map from account segment to strategy. */
export const segmentsSchema = z
  .union([z.array(segmentRuleSchema), z.record(z.string(), z.string())])
  .default({});

const scoringSchema = z.strictObject({
  /** Points every customer starts with. */
  base: decimalText.default("100"),
  /** Points per day of average lateness (usually negative). */
  average_days_late: decimalText.default("0"),
  /** Points per broken promise to pay. */
  broken_promises: decimalText.default("0"),
  /** Points per earlier entry into dunning. */
  times_in_dunning: decimalText.default("0"),
  /** Points per whole month since the customer's first document. */
  tenure_months: decimalText.default("0"),
  min: z.number().default(0),
  max: z.number().default(100),
});

const holdsSchema = z.strictObject({
  /** Days after the promised date before an unpaid promise counts as broken. */
  promise_grace_days: z.number().int().min(0).default(3),
  /** resume: dunning goes on where it stood; escalate: one stage higher at once. */
  broken_promise: z.enum(["resume", "escalate"]).default("resume"),
  /** Missed instalments after which an arrangement breaks and the whole balance is dunned. */
  arrangement_max_missed: z.number().int().min(1).default(2),
  /** Days after an instalment's due date before it counts as missed. */
  arrangement_grace_days: z.number().int().min(0).default(0),
});

const feesSchema = z.strictObject({
  /** The period of the cap and of the once-per-stage rule. */
  period: z.enum(["month", "quarter", "year"]).default("month"),
  /** Maximum fees per customer and period, per currency; no cap when absent. */
  cap: amountPerCurrency.optional(),
});

const interestSchema = z.strictObject({
  /** Annual rates as decimal fractions per segment rule name; "default" for the rest. */
  rates: z.record(z.string(), decimalText).default({}),
  day_count: z.enum(["actual/365", "30/360", "actual/360"]).default("actual/365"),
});

const blackoutSchema = z.strictObject({
  from: z.string(),
  to: z.string(),
  recurring: z.boolean().default(false),
  name: z.string().optional(),
  /** Entities the period applies to; every entity when absent. */
  entities: z.array(z.string()).optional(),
});

const usageSchema = z.strictObject({
  /** Usage files (CSV: account_id, unbilled_amount, currency) per source, relative to the config file. */
  files: z.record(z.string(), z.string().min(1)).default({}),
});

const preDueSchema = z.strictObject({
  days_before: z.number().int().min(1),
  /** Channels in order of fallback when the customer prefers none of them. */
  channels: z.array(channel).min(1).default(["email", "sms", "letter"]),
});

/** Keys added to the dunning section. */
export const DUNNING_KEYS = {
  /** Letters per customer across all its accounts, or one per account. */
  letters: z.enum(["per_customer", "per_account"]).default("per_customer"),
  /** Debt that places an account: its own, or the customer's in the same currency. */
  debt_scope: z.enum(["account", "customer"]).default("account"),
  /** The customer's stage, named in its letter: the highest of its accounts, or the lowest. */
  customer_stage: z.enum(["highest", "lowest"]).default("highest"),
  /** Whether an account falls back to a lower stage when its debt shrinks without curing. */
  fall_back: z.boolean().default(false),
  /** Whether a jump takes the actions of the stages it skips. */
  jump_actions: z.enum(["target", "skipped"]).default("target"),
  scoring: scoringSchema.optional(),
  holds: holdsSchema.default({
    promise_grace_days: 3,
    broken_promise: "resume",
    arrangement_max_missed: 2,
    arrangement_grace_days: 0,
  }),
  fees: feesSchema.default({ period: "month" }),
  interest: interestSchema.default({ rates: {}, day_count: "actual/365" }),
  blackouts: z.array(blackoutSchema).default([]),
  usage: usageSchema.default({ files: {} }),
  pre_due: preDueSchema.optional(),
};

/** Keys added to each strategy. */
export const STRATEGY_KEYS = {
  /** Overdue plus unbilled usage at this share of the credit limit puts the account in `stage` early. */
  credit_limit_trigger: z
    .strictObject({
      share: decimalText,
      stage: stageName,
    })
    .optional(),
};

/** Keys added to each stage. */
export const STAGE_KEYS = {
  /** Minimum share of the account's open balance that must meet the stage's days. */
  min_share: decimalText.optional(),
  /** Overdue amount below which an account in this stage is cured; the strategy's when absent. */
  exit_threshold: amountPerCurrency.optional(),
  /** Channels of the stage's notice, in order of fallback when the customer prefers none of them. */
  channels: z.array(channel).min(1).optional(),
};

/** Keys added to an action written as an object. */
export const ACTION_KEYS = {
  /** A fixed fee per currency. */
  amount: amountPerCurrency.optional(),
  /** A fee as a decimal fraction of the open overdue principal. */
  percent: decimalText.optional(),
};

export { isoDate };
export type RawSegmentRule = z.infer<typeof segmentRuleSchema>;
