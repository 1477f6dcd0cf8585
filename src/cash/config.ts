// The `cash:` section of the configuration: allocation rules, reversal
// aging, payment parking, refunds, autopay collection. Every key has a
// default, so an operator without a cash section gets the product defaults:
// by reference, then oldest due first, reopened items aged from their due
// date, no refunds proposed, no direct debits collected.

import { z } from "zod";
import { currencyExponent, isKnownCurrency, parseMinor } from "../money.ts";
import { isValidCreditorId, isValidIban } from "../outputs/pain008.ts";

/** Kinds of debt that the allocation order can rank. */
export const DEBT_KINDS = ["fee", "interest", "principal"] as const;
export type DebtKind = (typeof DEBT_KINDS)[number];

export const ALLOCATION_RULES = ["by_reference", "oldest_due"] as const;
export type ConfiguredRule = (typeof ALLOCATION_RULES)[number];

/** Reasons why a bank payment is parked in suspense instead of applied. */
export const PARKING_REASONS = [
  "unknown_account",
  "closed_account",
  "ambiguous_reference",
  "currency_mismatch",
  "account_under_review",
] as const;
export type ParkingReason = (typeof PARKING_REASONS)[number];

const reasonCode = z.string().regex(/^[A-Z0-9]{4}$/, "must be an ISO 20022 reason code such as AM04");

const amountPerCurrency = z.record(z.string(), z.union([z.string(), z.number()]).transform(String));

const creditorSchema = z.strictObject({
  /** Entity whose accounts are collected; its receivables are credited. */
  entity: z.string().min(1),
  name: z.string().min(1),
  iban: z.string().min(1),
  bic: z.string().optional(),
  /** SEPA creditor identifier, e.g. DE98ZZZ09999999999. */
  creditor_id: z.string().min(1),
});

export const cashSchema = z.strictObject({
  allocation: z
    .strictObject({
      /**
       * Rules after source allocations and applies_to, in order. An empty
       * list leaves credits that name no document unapplied.
       */
      rules: z.array(z.enum(ALLOCATION_RULES)).default(["by_reference", "oldest_due"]),
      /** Kinds of debt paid first, e.g. [fee, interest, principal]; empty: due date only. */
      kind_order: z.array(z.enum(DEBT_KINDS)).default([]),
    })
    .prefault({}),
  /** Whether an item reopened by a payment reversal ages from its due date or the reversal date. */
  reversal_aging: z.enum(["due_date", "reversal_date"]).default("due_date"),
  parking: z
    .strictObject({
      /** Days a payment may stay parked before run.json reports it. */
      max_days: z.number().int().min(1).default(30),
      /** Hold kinds that flag an account for review; its payments are parked. */
      review_holds: z.array(z.string()).default(["fraud"]),
    })
    .prefault({}),
  refunds: z
    .strictObject({
      /** Smallest credit balance proposed for refund, per currency ("default" for the rest). */
      min_amount: amountPerCurrency.default({}),
      /** Days a credit must be old before it is proposed. */
      min_age_days: z.number().int().min(0).default(30),
    })
    .optional(),
  autopay: z
    .strictObject({
      creditor: creditorSchema,
      /** Days between the run and the collection date it submits for. */
      lead_days: z.number().int().min(0).default(1),
      /** Return reasons that collect the item again on the next collection date. */
      retry_reasons: z.array(reasonCode).default(["AM04"]),
      /** How many times a returned item is collected again. */
      max_retries: z.number().int().min(0).default(1),
      /** Return reasons that stop autopay for the account. */
      stop_reasons: z.array(reasonCode).default(["AC04", "MD01", "MS02"]),
    })
    .optional(),
});

export type RawCashConfig = z.infer<typeof cashSchema>;

export interface CashSettings {
  rules: readonly ConfiguredRule[];
  kindOrder: readonly DebtKind[];
  reversalAging: "due_date" | "reversal_date";
  parkingMaxDays: number;
  reviewHolds: readonly string[];
  refunds: {
    minAgeDays: number;
    /** Smallest refund in minor units of a currency; at least 1. */
    minAmountMinor(currency: string): number;
  } | null;
  autopay: {
    creditor: { entity: string; name: string; iban: string; bic: string | null; creditorId: string };
    leadDays: number;
    retryReasons: readonly string[];
    maxRetries: number;
    stopReasons: readonly string[];
  } | null;
}

export function resolveCash(raw: RawCashConfig | undefined): CashSettings {
  const cash = cashSchema.parse(raw ?? {});
  const refunds = cash.refunds;
  const autopay = cash.autopay;
  return {
    rules: cash.allocation.rules,
    kindOrder: cash.allocation.kind_order,
    reversalAging: cash.reversal_aging,
    parkingMaxDays: cash.parking.max_days,
    reviewHolds: cash.parking.review_holds,
    refunds: refunds
      ? { minAgeDays: refunds.min_age_days, minAmountMinor: amountLookup(refunds.min_amount) }
      : null,
    autopay: autopay
      ? {
          creditor: {
            entity: autopay.creditor.entity,
            name: autopay.creditor.name,
            iban: autopay.creditor.iban,
            bic: autopay.creditor.bic ?? null,
            creditorId: autopay.creditor.creditor_id,
          },
          leadDays: autopay.lead_days,
          retryReasons: autopay.retry_reasons,
          maxRetries: autopay.max_retries,
          stopReasons: autopay.stop_reasons,
        }
      : null,
  };
}

function amountLookup(amounts: Record<string, string>): (currency: string) => number {
  return (currency) => {
    const text = amounts[currency] ?? amounts.default;
    const parsed = text === undefined ? undefined : parseMinor(text, currencyExponent(currency));
    return Math.max(1, parsed ?? 1);
  };
}

/** Cross-key rules of the cash section; returns every problem with its key path. */
export function checkCashRules(
  cash: RawCashConfig | undefined,
  entityIds: ReadonlySet<string>,
  sources: Record<string, { kind: string; sources?: string[]; entity?: string }>,
  gl: Record<string, { bank?: string; suspense?: string }>,
): string[] {
  const problems: string[] = [];
  const requireGl = (entity: string, role: "bank" | "suspense", user: string) => {
    if (entityIds.has(entity) && !gl[entity]?.[role]) {
      problems.push(`gl.${entity}.${role}: required because ${user} journals to it`);
    }
  };
  for (const [name, source] of Object.entries(sources)) {
    if (source.kind !== "bank") continue;
    requireGl(source.entity ?? "", "bank", `bank source ${name}`);
    requireGl(source.entity ?? "", "suspense", `bank source ${name}`);
    for (const [index, paid] of (source.sources ?? []).entries()) {
      const target = sources[paid];
      if (!target) problems.push(`sources.${name}.sources[${index}]: ${paid} is not a configured source`);
      else if (target.kind === "bank") {
        problems.push(`sources.${name}.sources[${index}]: ${paid} is a bank source; name billing sources`);
      }
    }
  }
  if (!cash) return problems;
  const rules = cash.allocation?.rules ?? [];
  if (new Set(rules).size !== rules.length) problems.push("cash.allocation.rules: a rule is listed twice");
  const kinds = cash.allocation?.kind_order ?? [];
  if (new Set(kinds).size !== kinds.length) problems.push("cash.allocation.kind_order: a kind is listed twice");
  for (const [currency, text] of Object.entries(cash.refunds?.min_amount ?? {})) {
    const key = `cash.refunds.min_amount.${currency}`;
    if (currency !== "default" && !isKnownCurrency(currency)) {
      problems.push(`${key}: ${currency} is not a supported currency or "default"`);
      continue;
    }
    const exponent = currency === "default" ? 3 : currencyExponent(currency);
    const minor = parseMinor(text, exponent);
    if (minor === undefined || minor < 0) {
      problems.push(`${key}: ${JSON.stringify(text)} is not a non-negative amount with at most ${exponent} decimals`);
    }
  }
  const creditor = cash.autopay?.creditor;
  if (creditor) {
    if (!entityIds.has(creditor.entity)) {
      problems.push(`cash.autopay.creditor.entity: ${creditor.entity} is not one of the entities`);
    }
    requireGl(creditor.entity, "bank", "autopay");
    if (!isValidIban(creditor.iban)) {
      problems.push("cash.autopay.creditor.iban: not a valid IBAN (ISO 13616 check digits)");
    }
    if (!isValidCreditorId(creditor.creditor_id)) {
      problems.push(`cash.autopay.creditor.creditor_id: ${creditor.creditor_id} is not a valid SEPA creditor identifier`);
    }
  }
  return problems;
}
