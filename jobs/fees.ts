// Dunning fees and late interest: planned when an account enters a stage
// whose actions include them, posted as debit adjustments on the account
// (item ids derived from kind, stage, period and account, so a charge exists
// once per stage and period however often a night is repeated), and
// journalled as income: Dr receivable / Cr fee income or interest income.
//
// Fees never bear fees or interest: the base of a percentage fee and of
// interest is the open overdue principal, which leaves out every item dcms
// charged itself (ids starting with DCMS-) and disputed amounts.

import { createHash } from "node:crypto";
import type { ResolvedConfig, Stage } from "../src/config/resolve.ts";
import { daysBetween } from "../src/dates.ts";
import type { LedgerItem } from "../src/domain.ts";
import type { ChargeRecord, DunningHistory, InterestLine } from "../src/dunning/history.ts";
import type { DayCount, DunningPolicy } from "../src/dunning/policy.ts";
import { journalLines, type JournalLine } from "../src/journal.ts";
import { applyRate, convertMinor, divideRounded, formatMoney, type Rate } from "../src/money.ts";
import type { SetOffItem } from "./age.ts";

/** Prefix of the ids of items that dcms posts itself. */
export const CHARGE_PREFIX = "DCMS-";

export interface PlannedCharge {
  source: string;
  accountId: string;
  entity: string;
  kind: "fee" | "interest";
  stage: string;
  period: string;
  itemId: string;
  currency: string;
  amountMinor: number;
  baseMinor: number;
  /** Percentage or annual rate, empty for a fixed fee. */
  rate: string;
  detail: InterestLine[];
  reason: string;
}

type ChargeFigures = Pick<PlannedCharge, "amountMinor" | "baseMinor" | "rate" | "detail" | "reason">;

export function isCharge(item: Pick<LedgerItem, "itemId">): boolean {
  return item.itemId.startsWith(CHARGE_PREFIX);
}

/** Returns the period a date falls in: 2026-03 (month), 2026-Q1 (quarter) or 2026 (year). */
export function chargePeriod(date: string, period: DunningPolicy["fees"]["period"]): string {
  const year = date.slice(0, 4);
  if (period === "year") return year;
  if (period === "quarter") return `${year}-Q${Math.floor((Number(date.slice(5, 7)) - 1) / 3) + 1}`;
  return date.slice(0, 7);
}

/**
 * Returns the item id of a charge: readable kind, period and stage, plus a
 * hash of the account so that the id fits the 100-character column.
 */
export function chargeItemId(kind: "fee" | "interest", stage: string, period: string, source: string, accountId: string, index = 0): string {
  const hash = createHash("sha256").update(`${source}\u0000${accountId}`).digest("hex").slice(0, 16);
  const suffix = index > 0 ? `-${index + 1}` : "";
  return `${CHARGE_PREFIX}${kind === "fee" ? "FEE" : "INT"}-${period}-${stage.slice(0, 40)}${suffix}-${hash}`;
}

/** Days of interest from `from` (exclusive) to `to` (inclusive) and the year's length in days. */
export function dayCount(from: string, to: string, basis: DayCount): { days: number; yearDays: number } {
  if (basis === "30/360") {
    // 30E/360: every month has 30 days, a 31st counts as the 30th.
    const [y1, m1, d1] = from.split("-").map(Number);
    const [y2, m2, d2] = to.split("-").map(Number);
    return { days: 360 * (y2 - y1) + 30 * (m2 - m1) + (Math.min(d2, 30) - Math.min(d1, 30)), yearDays: 360 };
  }
  return { days: daysBetween(from, to), yearDays: basis === "actual/360" ? 360 : 365 };
}

/** Simple interest: base x annual rate x days / year days, rounded half away from zero once. */
export function simpleInterest(baseMinor: number, rate: Rate, days: number, yearDays: number): number {
  const numerator = BigInt(baseMinor) * rate.units * BigInt(days);
  const denominator = 10n ** BigInt(rate.scale) * BigInt(yearDays);
  return Number(divideRounded(numerator, denominator));
}

export interface ChargeInput {
  config: ResolvedConfig;
  businessDate: string;
  source: string;
  accountId: string;
  entity: string;
  currency: string;
  segment: string;
  stage: Stage;
  /** The account's open items after set-off (the dunning exposure). */
  items: SetOffItem[];
  history: DunningHistory;
  /** Fees planned tonight for other accounts of the customer, counted against the cap. */
  plannedTonight: readonly PlannedCharge[];
}

/** Overdue principal items: open after set-off, not disputed, not a charge. */
function principal(items: SetOffItem[], currency: string): { entry: SetOffItem; baseMinor: number }[] {
  return items
    .filter((entry) => entry.item.currency === currency && entry.daysPastDue > 0 && !isCharge(entry.item))
    .map((entry) => ({ entry, baseMinor: Math.max(0, entry.remainingMinor - entry.disputedMinor) }))
    .filter((line) => line.baseMinor > 0);
}

/** Plans the fees and interest of a stage the account enters tonight. */
export function planStageCharges(input: ChargeInput): { charges: PlannedCharge[]; notes: string[] } {
  const charges: PlannedCharge[] = [];
  const notes: string[] = [];
  const { stage, currency } = input;
  const policy = input.config.dunning.policy;
  const period = chargePeriod(input.businessDate, policy.fees.period);
  const charged = (kind: "fee" | "interest", itemId: string) =>
    input.history.charges.some((charge) => charge.itemId === itemId && charge.kind === kind);
  const base = (kind: "fee" | "interest", index: number) => ({
    source: input.source,
    accountId: input.accountId,
    entity: input.entity,
    kind,
    stage: stage.name,
    period,
    itemId: chargeItemId(kind, stage.name, period, input.source, input.accountId, index),
    currency,
  });

  let feeIndex = 0;
  for (const action of stage.actions) {
    if (action.kind === "fee") {
      const fields = base("fee", feeIndex++);
      if (charged("fee", fields.itemId)) {
        notes.push(`fee of stage ${stage.name} already charged in ${period}`);
        continue;
      }
      const fee = feeAmount(action, input);
      const capped = capFee(fee.amountMinor, input, period);
      if (capped.note) notes.push(capped.note);
      if (capped.amountMinor <= 0) continue;
      charges.push({ ...fields, amountMinor: capped.amountMinor, baseMinor: fee.baseMinor, rate: fee.rate, detail: [], reason: fee.reason + (capped.note ? `; ${capped.note}` : "") });
    } else if (action.kind === "interest") {
      const fields = base("interest", 0);
      if (charged("interest", fields.itemId)) {
        notes.push(`interest of stage ${stage.name} already charged in ${period}`);
        continue;
      }
      const interest = interestCharge(input);
      if (interest === null) continue;
      charges.push({ ...fields, ...interest });
    }
  }
  return { charges, notes };
}

function feeAmount(action: Stage["actions"][number], input: ChargeInput) {
  const fixed = action.feeMinor?.(input.currency);
  if (!action.percent) {
    const amountMinor = fixed ?? 0;
    return { amountMinor, baseMinor: 0, rate: "", reason: `fixed fee ${formatMoney(amountMinor, input.currency)} ${input.currency}` };
  }
  const baseMinor = principal(input.items, input.currency).reduce((sum, line) => sum + line.baseMinor, 0);
  const amountMinor = applyRate(baseMinor, action.percent);
  return {
    amountMinor,
    baseMinor,
    rate: action.percent.text,
    reason: `fee ${action.percent.text} of overdue principal ${formatMoney(baseMinor, input.currency)} ${input.currency}`,
  };
}

/** Reduces a fee to what the customer's cap for the period leaves. */
function capFee(amountMinor: number, input: ChargeInput, period: string): { amountMinor: number; note: string | null } {
  const cap = input.config.dunning.policy.fees.capMinor(input.currency);
  if (cap === undefined) return { amountMinor, note: null };
  const feesSoFar = (charges: readonly Pick<ChargeRecord, "kind" | "period" | "currency" | "amountMinor">[]) =>
    charges
      .filter((charge) => charge.kind === "fee" && charge.period === period && charge.currency === input.currency)
      .reduce((sum, charge) => sum + charge.amountMinor, 0);
  const used = feesSoFar(input.history.charges) + feesSoFar(input.plannedTonight);
  const left = Math.max(0, cap - used);
  if (amountMinor <= left) return { amountMinor, note: null };
  const capText = `${formatMoney(cap, input.currency)} ${input.currency}`;
  return { amountMinor: left, note: `capped at ${capText} per customer in ${period}, ${formatMoney(used, input.currency)} already charged` };
}

/**
 * Interest on each overdue principal item from its due date, or from the
 * last day an earlier charge covered, to the business date.
 */
function interestCharge(input: ChargeInput): ChargeFigures | null {
  const policy = input.config.dunning.policy;
  const rate = policy.interest.rate(input.segment);
  if (!rate || rate.units === 0n) return null;
  const coveredTo = new Map<string, string>();
  for (const charge of input.history.charges) {
    if (charge.kind !== "interest" || charge.source !== input.source || charge.accountId !== input.accountId) continue;
    for (const line of charge.detail) {
      const previous = coveredTo.get(line.itemId);
      if (previous === undefined || line.to > previous) coveredTo.set(line.itemId, line.to);
    }
  }
  const detail: InterestLine[] = [];
  for (const { entry, baseMinor } of principal(input.items, input.currency)) {
    const covered = coveredTo.get(entry.item.itemId);
    const from = covered !== undefined && covered > entry.item.dueDate ? covered : entry.item.dueDate;
    const { days, yearDays } = dayCount(from, input.businessDate, policy.interest.dayCount);
    if (days <= 0) continue;
    const amountMinor = simpleInterest(baseMinor, rate, days, yearDays);
    if (amountMinor > 0) detail.push({ itemId: entry.item.itemId, from, to: input.businessDate, days, baseMinor, amountMinor });
  }
  if (detail.length === 0) return null;
  const amountMinor = detail.reduce((sum, line) => sum + line.amountMinor, 0);
  const baseMinor = detail.reduce((sum, line) => sum + line.baseMinor, 0);
  return {
    amountMinor,
    baseMinor,
    rate: rate.text,
    detail,
    reason: `interest ${rate.text} a year (${policy.interest.dayCount}) on overdue principal ${formatMoney(baseMinor, input.currency)} ${input.currency}`,
  };
}

/** Returns the ledger item that posts a charge: a debit adjustment due on the business date. */
export function chargeItem(charge: PlannedCharge, businessDate: string): LedgerItem {
  return {
    source: charge.source,
    itemId: charge.itemId,
    accountId: charge.accountId,
    type: "debit_adjustment",
    documentDate: businessDate,
    dueDate: businessDate,
    currency: charge.currency,
    amountMinor: charge.amountMinor,
    appliesTo: null,
    disputedMinor: 0,
    reference: charge.itemId,
  };
}

/**
 * Builds the income journals of a run's charges: per entity, kind and
 * currency one journal, Dr receivable / Cr fee income or interest income,
 * in the entity's functional currency at the closing rate of the business date.
 */
export function chargeJournal(
  config: ResolvedConfig,
  runId: number,
  businessDate: string,
  charges: readonly Pick<PlannedCharge, "entity" | "kind" | "currency" | "amountMinor">[],
  accountingDate = businessDate,
): JournalLine[] {
  const totals = new Map<string, { entity: string; kind: "fee" | "interest"; currency: string; amountMinor: number; count: number }>();
  for (const charge of charges) {
    const key = `${charge.entity}\u0000${charge.kind}\u0000${charge.currency}`;
    const total = totals.get(key) ?? { entity: charge.entity, kind: charge.kind, currency: charge.currency, amountMinor: 0, count: 0 };
    total.amountMinor += charge.amountMinor;
    total.count++;
    totals.set(key, total);
  }
  const lines: JournalLine[] = [];
  for (const total of [...totals.values()].sort(compareTotals)) {
    const entity = config.entities.get(total.entity);
    const gl = config.gl.get(total.entity);
    if (!entity || !gl) throw new Error(`charges of entity ${total.entity} cannot be journalled: the entity has no GL accounts`);
    const functional = entity.functionalCurrency;
    const rate = config.closingRate(businessDate, total.currency, functional);
    if (!rate) {
      throw new Error(`no closing rate from ${total.currency} to ${functional} on ${businessDate}; add one under rates`);
    }
    const accounted = convertMinor(total.amountMinor, total.currency, functional, rate);
    const income = total.kind === "fee" ? gl.feeIncome : gl.interestIncome;
    if (!income) throw new Error(`gl.${total.entity}.${total.kind === "fee" ? "fee_income" : "interest_income"} is missing`);
    const label = total.kind === "fee" ? "dunning fees" : "late interest";
    const description = `${label}: ${total.count} charge${total.count === 1 ? "" : "s"} in ${total.currency}`;
    const journalId = `R${runId}-${total.entity}-${total.kind === "fee" ? "FEES" : "INTEREST"}-${total.currency}`;
    lines.push(
      ...journalLines(journalId, total.entity, accountingDate, functional, [
        { accountCode: gl.receivable, amountMinor: accounted, enteredCurrency: total.currency, enteredMinor: total.amountMinor, rate: rate.text, description },
        { accountCode: income, amountMinor: -accounted, enteredCurrency: total.currency, enteredMinor: -total.amountMinor, rate: rate.text, description },
      ]),
    );
  }
  return lines;
}

function compareTotals(a: { entity: string; kind: string; currency: string }, b: { entity: string; kind: string; currency: string }): number {
  const left = `${a.entity}\u0000${a.kind}\u0000${a.currency}`;
  const right = `${b.entity}\u0000${b.kind}\u0000${b.currency}`;
  return left < right ? -1 : left > right ? 1 : 0;
}
