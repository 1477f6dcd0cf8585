// The YAML configuration's schema. Keys are snake_case as operators write
// them; load.ts turns a parsed file into the frozen ResolvedConfig that
// passes receive.

import { z } from "zod";
import { DATE_FORMATS, isIsoDate } from "../dates.ts";
import { sourceSchema } from "./sources.ts";
import { accountingConfigKeys, glAccountingKeys } from "../accounting/config.ts";
import { cashSchema } from "../cash/config.ts";
import { agencyTermsKeys, bureauSchema } from "../agencies/config.ts";
import { deliverySchema } from "../delivery/config.ts";
import { ACTION_KEYS, DUNNING_KEYS, segmentsSchema, STAGE_KEYS, STRATEGY_KEYS } from "../dunning/schema.ts";

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date written YYYY-MM-DD")
  .refine(isIsoDate, "is not a real calendar date");

const currencyCode = z.string().regex(/^[A-Z]{3}$/, "must be an ISO 4217 code such as EUR");

/** A decimal amount in major units, written as text or a YAML number. */
const decimalAmount = z.union([z.string(), z.number()]).transform(String);

/** A decimal fraction such as 0.016, written as text or a YAML number. */
const decimalRate = z.union([z.string(), z.number()]);

/** Amounts per currency code; the key "default" applies to other currencies. */
const amountPerCurrency = z.record(z.string(), decimalAmount);

const entitySchema = z.strictObject({
  functional_currency: currencyCode,
  name: z.string().optional(),
  /** Country for the public-holiday calendar of service actions. */
  country: z.string().regex(/^[A-Z]{2}$/).optional(),
  region: z.string().optional(),
});

const rateSchema = z.strictObject({
  date: isoDate,
  from: currencyCode,
  to: currencyCode,
  rate: decimalRate,
});

const bucketSchema = z.strictObject({
  label: z.string().min(1),
  /** Inclusive upper bound in days past due; absent on the open-ended last bucket. */
  max_days: z.number().int().optional(),
});

export const ACTION_KINDS = [
  "letter",
  "email",
  "sms",
  "call_list",
  "suspension",
  "placement",
  "write_off_proposal",
  "restoration",
  "recall",
  "fee",
  "interest",
] as const;

const actionSchema = z.union([
  z.enum(ACTION_KINDS),
  z.strictObject({
    kind: z.enum(ACTION_KINDS),
    template: z.string().optional(),
    ...ACTION_KEYS,
  }),
]);

const stageSchema = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9_]*$/, "must be lower case letters, digits and _"),
  days_past_due: z.number().int().min(1),
  min_amount: amountPerCurrency.default({}),
  wait_days: z.number().int().min(0).default(0),
  actions: z.array(actionSchema).default([]),
  template: z.string().optional(),
  ...STAGE_KEYS,
});

const strategySchema = z.strictObject({
  stages: z.array(stageSchema).min(1),
  /** The account leaves dunning when its dunnable overdue amount falls below this. */
  exit_threshold: amountPerCurrency.default({}),
  ...STRATEGY_KEYS,
});

const dunningSchema = z.strictObject({
  escalation: z.enum(["step", "jump"]).default("step"),
  /** Statutory notice before a service action, in calendar days. */
  notice_days: z.number().int().min(0).default(14),
  /** Days a letter takes to reach the customer. */
  postal_days: z.number().int().min(0).default(3),
  /** Days after the business date that letters give as the new payment deadline. */
  deadline_days: z.number().int().min(1).default(14),
  /**
   * Segment rules, first match wins; or a map from account segment to
   * strategy name, where "default" catches accounts without a listed segment.
   */
  segments: segmentsSchema,
  strategies: z.record(z.string(), strategySchema),
  default_language: z.string().default("en"),
  ways_to_pay: z.array(z.string()).default([]),
  ...DUNNING_KEYS,
});

const bandRates = z.record(z.string(), decimalRate);

const provisionSchema = z.strictObject({
  /** Bands for the matrix; the aging buckets when absent. */
  bands: z.array(bucketSchema).optional(),
  /** Entity -> segment ("default" for the rest) -> band label -> rate. */
  matrix: z.record(z.string(), z.record(z.string(), bandRates)),
  specific: z
    .strictObject({
      bankrupt: decimalRate.optional(),
      disputed: decimalRate.optional(),
      /** Accounts with an active payment arrangement (hold kind arrangement). */
      arrangement: decimalRate.optional(),
    })
    .default({}),
  /** Whether disputed debt counts in the matrix base (true by default). */
  include_disputed: z.boolean().default(true),
});

const glAccountsSchema = z.strictObject({
  receivable: z.string().min(1),
  allowance: z.string().min(1),
  bad_debt_expense: z.string().min(1),
  suspense: z.string().min(1).optional(),
  recovery_income: z.string().min(1).optional(),
  fee_income: z.string().min(1).optional(),
  interest_income: z.string().min(1).optional(),
  exchange_difference: z.string().min(1).optional(),
  /** Bank (clearing) account that bank payments and direct debits are booked to. */
  bank: z.string().min(1).optional(),
  /** Amounts the operator owes customers (deposits, commissions), debited by netting. */
  payables: z.string().min(1).optional(),
  /** Expense debited when a deferred discount is granted. */
  discount_expense: z.string().min(1).optional(),
  ...glAccountingKeys,
  /** What agencies collected and owe the operator; debited by agency remittances. */
  agency_receivable: z.string().min(1).optional(),
  commission_expense: z.string().min(1).optional(),
  /** Commission owed to agencies. */
  agency_payable: z.string().min(1).optional(),
});

const agencySchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9_-]+$/, "must be letters, digits, _ or -"),
  name: z.string().optional(),
  /** Relative weight in the distribution of new placements. */
  share: z.number().positive().default(1),
  ...agencyTermsKeys,
});

export const configSchema = z.strictObject({
  business_time_zone: z.string().default("UTC"),
  /** SQLite file (relative to the config file) or a postgres:// URL. */
  ledger: z.string().min(1),
  output_folder: z.string().default("out"),
  entities: z.record(z.string(), entitySchema),
  rates: z.array(rateSchema).default([]),
  sources: z.record(z.string(), sourceSchema),
  aging: z
    .strictObject({
      basis: z.enum(["due_date", "document_date"]).default("due_date"),
      buckets: z.array(bucketSchema).min(2).optional(),
    })
    .default({ basis: "due_date" }),
  dunning: dunningSchema,
  provision: provisionSchema,
  gl: z.record(z.string(), glAccountsSchema),
  agencies: z.array(agencySchema).default([]),
  ...accountingConfigKeys,
  bureau: bureauSchema.optional(),
  delivery: deliverySchema.optional(),
  cash: cashSchema.optional(),
  reports: z
    .strictObject({
      /** Days of per-run aging snapshots that `dcms prune` keeps; all are kept when absent. */
      retention_days: z.number().int().min(1).optional(),
    })
    .default({}),
});

/** Labels of the default aging buckets, in order. */
export const DEFAULT_BUCKET_LABELS = [
  "current",
  "1-30",
  "31-60",
  "61-90",
  "91-120",
  "121-180",
  "181-365",
  "over-365",
];

export type RawConfig = z.infer<typeof configSchema>;
export { DATE_FORMATS };
