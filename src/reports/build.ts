// Builds the month-end pack from the ledger. One pass over the customers in
// key order feeds the aging summary, the snapshot totals, the roll rates, the
// funnel, the strategy and the agency figures. Sales, journals, placements
// and allowances are read for the period as a whole. Nothing is written.

import type { Knex } from "knex";
import type { ResolvedConfig } from "../config/resolve.ts";
import { addDays } from "../dates.ts";
import { divideRounded } from "../money.ts";
import { RequestError } from "../errors.ts";
import { AgencyAccumulator, type AgencyRow } from "./agencies.ts";
import { AgingSummariser, type AgingSummary } from "./aging.ts";
import { FunctionalConverter } from "./convert.ts";
import { countbackDso, countbackMonths, standardDso, type CountbackResult, type SalesMonth } from "./dso.ts";
import { FunnelAccumulator, type FunnelRow } from "./funnel.ts";
import { accountHistories } from "./history.ts";
import {
  customerBatches,
  isAgingPruned,
  readAllowances,
  readDailySales,
  readPeriodJournal,
  readPeriodPlacements,
  type AgingRow,
} from "./ledger.ts";
import { compareText } from "./order.ts";
import { resolvePeriod, type ReportPeriod, type RunRef } from "./period.ts";
import { provisionMovement, type ProvisionMovement } from "./provision-movement.ts";
import { RollRateAccumulator, writtenOffInPeriod, type RollRateMatrix } from "./roll-rate.ts";
import { SalesBook } from "./sales.ts";
import { SnapshotTotals, type EntityTotals } from "./snapshot-totals.ts";
import { StrategyAccumulator, type StrategyRow } from "./strategies.ts";

type Db = Knex | Knex.Transaction;

export interface TrendPoint {
  businessDate: string;
  runId: number;
  bucketsMinor: number[];
  unappliedMinor: number;
  balanceMinor: number;
}

/** Aging totals per business date, summed over the entities of one functional currency. */
export interface AgingTrend {
  currency: string;
  points: TrendPoint[];
}

export interface DsoRow {
  entity: string;
  currency: string;
  /** Total balance of the closing aging, converted at the closing date's rate. */
  receivablesMinor: number;
  periodDays: number;
  /** Credit sales of the period: document dates after the opening date up to the closing date. */
  periodSalesMinor: number;
  periodDocuments: number;
  standardTenths: number | null;
  countback: CountbackResult;
  /** The calendar months the countback read, newest first. */
  months: (SalesMonth & { documents: number })[];
}

export interface DsoTrend {
  entity: string;
  currency: string;
  points: { businessDate: string; standardTenths: number | null; countbackTenths: number }[];
}

export interface CeiRow {
  entity: string;
  currency: string;
  beginningMinor: number;
  salesMinor: number;
  endingMinor: number;
  /** The first (not yet due) bucket of the closing aging. */
  endingCurrentMinor: number;
  /** In hundredths of a percent; null when the denominator is zero. */
  ceiBp: number | null;
}

export interface MonthEndReport {
  period: ReportPeriod;
  bucketLabels: string[];
  notes: string[];
  aging: AgingSummary;
  agingTrend: AgingTrend[];
  dso: DsoRow[];
  dsoTrend: DsoTrend[];
  rollRates: RollRateMatrix[];
  cei: CeiRow[];
  funnel: FunnelRow[];
  provision: ProvisionMovement;
  strategies: StrategyRow[];
  agencies: AgencyRow[];
}

function accountKey(row: { source: string; accountId: string }): string {
  return `${row.source}\u0000${row.accountId}`;
}

export async function buildMonthEndReport(db: Db, config: ResolvedConfig, from: string, asOf: string): Promise<MonthEndReport> {
  const period = await resolvePeriod(db, from, asOf);
  const { opening, closing } = period;
  const notes = periodNotes(period);
  for (const run of [opening, closing]) {
    if (await isAgingPruned(db, run.runId)) {
      throw new RequestError(
        `the aging of the run on ${run.businessDate} was deleted by dcms prune (reports.retention_days); choose dates within the retention`,
      );
    }
  }
  const converter = new FunctionalConverter(config);
  const bucketCount = config.buckets.length;
  const summariser = new AgingSummariser(bucketCount);
  const totals = new SnapshotTotals(bucketCount);
  const rolls = new RollRateAccumulator(config.buckets, converter, closing.businessDate);
  const funnel = new FunnelAccumulator(config, converter, closing.businessDate);
  const strategies = new StrategyAccumulator(converter, closing.businessDate);
  const agencies = new AgencyAccumulator(config.agencies, converter, closing.businessDate);

  for await (const batch of customerBatches(db, period.runs, closing.runId)) {
    const openingRows: AgingRow[] = [];
    const closingRows: AgingRow[] = [];
    for (const row of batch.aging) {
      totals.add(row);
      if (row.runId === opening.runId) openingRows.push(row);
      if (row.runId === closing.runId) closingRows.push(row);
    }
    const closingByKey = new Map(closingRows.map((row) => [`${accountKey(row)}\u0000${row.currency}`, row]));
    const closingByAccount = new Map<string, AgingRow[]>();
    for (const row of closingRows) {
      summariser.add(row);
      closingByAccount.set(accountKey(row), [...(closingByAccount.get(accountKey(row)) ?? []), row]);
    }
    const writtenOff = writtenOffInPeriod(batch.writeOffs, opening.runId, closing.runId);
    for (const row of openingRows) {
      const key = `${accountKey(row)}\u0000${row.currency}`;
      rolls.add(row, closingByKey.get(key), writtenOff.get(key) ?? 0);
    }
    funnel.addClosingRows(closingRows);
    for (const history of accountHistories(batch.states, opening.runId, closing.runId)) {
      const rows = closingByAccount.get(accountKey(history)) ?? [];
      funnel.addHistory(history);
      strategies.add(history, rows);
      agencies.addAccount(history, rows);
    }
  }

  const trendRuns: RunRef[] = [];
  for (const run of period.runs) {
    if (totals.has(run.runId) || !(await isAgingPruned(db, run.runId))) trendRuns.push(run);
    else notes.push(`The aging of ${run.businessDate} was deleted by dcms prune and is left out of the trend charts.`);
  }
  const totalsByRun = new Map(trendRuns.map((run) => [run.runId, totals.totals(run, converter)]));
  const sales = new SalesBook(await readDailySales(db, closing.runId, earliestSalesDate(period), closing.businessDate), converter);
  const dso = dsoRows(period, totalsByRun.get(closing.runId) ?? [], sales);
  for (const row of dso) {
    if (row.countback.exhausted) {
      notes.push(`DSO of ${row.entity}: the receivables exceed the credit sales of every month read, so the countback stops at ${row.countback.daysTenths / 10} days.`);
    }
  }
  placementNote(config, notes);

  const placements = await readPeriodPlacements(db, opening.runId, closing.runId);
  agencies.addPlacements(placements);
  const journal = await readPeriodJournal(db, opening.runId, closing.runId);
  return {
    period,
    bucketLabels: config.buckets.map((bucket) => bucket.label),
    notes,
    aging: summariser.summary(),
    agingTrend: agingTrend(trendRuns, totalsByRun),
    dso,
    dsoTrend: dsoTrend(period, trendRuns, totalsByRun, sales),
    rollRates: rolls.result(),
    cei: ceiRows(period, totals, converter, sales),
    funnel: funnel.result(),
    provision: provisionMovement(
      await readAllowances(db, opening.runId),
      await readAllowances(db, closing.runId),
      journal,
      config.gl,
    ),
    strategies: strategies.result(),
    agencies: agencies.result(),
  };
}

function periodNotes(period: ReportPeriod): string[] {
  const notes: string[] = [];
  if (period.opening.businessDate !== period.requestedFrom) {
    notes.push(`The period opens with the run of ${period.opening.businessDate}, the latest committed run on or before ${period.requestedFrom}.`);
  }
  if (period.closing.businessDate !== period.requestedAsOf) {
    notes.push(`The period closes with the run of ${period.closing.businessDate}, the latest committed run on or before ${period.requestedAsOf}.`);
  }
  notes.push(
    "Strategies are compared by the name recorded in each account's dunning state; a challenger strategy appears under its own name. Accounts that were never dunned have no strategy.",
  );
  return notes;
}

function placementNote(config: ResolvedConfig, notes: string[]): void {
  if (config.agencies.length === 0) notes.push("No agencies are configured; agency performance lists only agencies found in placements.");
}

/** Returns the earliest document date that the DSO of any business date of the period reads. */
function earliestSalesDate(period: ReportPeriod): string {
  let earliest = period.closing.businessDate;
  for (const run of period.runs) {
    const months = countbackMonths(run.businessDate);
    const oldest = addDays(months[months.length - 1].firstDate, -1);
    const window = addDays(run.businessDate, -period.days);
    for (const date of [oldest, window]) if (date < earliest) earliest = date;
  }
  return earliest;
}

function salesMonths(sales: SalesBook, entity: string, asOf: string): (SalesMonth & { documents: number })[] {
  return countbackMonths(asOf).map((month) => {
    const figure = sales.between(entity, addDays(month.firstDate, -1), month.lastDate, asOf);
    return { ...month, salesMinor: figure.salesMinor, documents: figure.documents };
  });
}

function dsoRows(period: ReportPeriod, closingTotals: EntityTotals[], sales: SalesBook): DsoRow[] {
  const closingDate = period.closing.businessDate;
  return closingTotals.map((totals) => {
    const periodSales = sales.between(totals.entity, period.opening.businessDate, closingDate, closingDate);
    const months = salesMonths(sales, totals.entity, closingDate);
    return {
      entity: totals.entity,
      currency: totals.currency,
      receivablesMinor: totals.balanceMinor,
      periodDays: period.days,
      periodSalesMinor: periodSales.salesMinor,
      periodDocuments: periodSales.documents,
      standardTenths: standardDso(totals.balanceMinor, periodSales.salesMinor, period.days),
      countback: countbackDso(totals.balanceMinor, months),
      months,
    };
  });
}

function dsoTrend(
  period: ReportPeriod,
  runs: readonly RunRef[],
  totalsByRun: Map<number, EntityTotals[]>,
  sales: SalesBook,
): DsoTrend[] {
  const trends = new Map<string, DsoTrend>();
  for (const run of runs) {
    for (const totals of totalsByRun.get(run.runId) ?? []) {
      let trend = trends.get(totals.entity);
      if (!trend) {
        trend = { entity: totals.entity, currency: totals.currency, points: [] };
        trends.set(totals.entity, trend);
      }
      const window = sales.between(totals.entity, addDays(run.businessDate, -period.days), run.businessDate, run.businessDate);
      trend.points.push({
        businessDate: run.businessDate,
        standardTenths: standardDso(totals.balanceMinor, window.salesMinor, period.days),
        countbackTenths: countbackDso(totals.balanceMinor, salesMonths(sales, totals.entity, run.businessDate)).daysTenths,
      });
    }
  }
  return [...trends.values()].sort((a, b) => compareText(a.entity, b.entity));
}

function agingTrend(runs: readonly RunRef[], totalsByRun: Map<number, EntityTotals[]>): AgingTrend[] {
  const trends = new Map<string, AgingTrend>();
  for (const run of runs) {
    const byCurrency = new Map<string, TrendPoint>();
    for (const totals of totalsByRun.get(run.runId) ?? []) {
      let point = byCurrency.get(totals.currency);
      if (!point) {
        point = {
          businessDate: run.businessDate,
          runId: run.runId,
          bucketsMinor: totals.bucketsMinor.map(() => 0),
          unappliedMinor: 0,
          balanceMinor: 0,
        };
        byCurrency.set(totals.currency, point);
      }
      totals.bucketsMinor.forEach((amount, index) => (point.bucketsMinor[index] += amount));
      point.unappliedMinor += totals.unappliedMinor;
      point.balanceMinor += totals.balanceMinor;
    }
    for (const [currency, point] of byCurrency) {
      let trend = trends.get(currency);
      if (!trend) {
        trend = { currency, points: [] };
        trends.set(currency, trend);
      }
      trend.points.push(point);
    }
  }
  return [...trends.values()].sort((a, b) => compareText(a.currency, b.currency));
}

/**
 * Computes the collection effectiveness index per entity:
 * (beginning receivables + credit sales - ending total receivables) /
 * (beginning receivables + credit sales - ending current receivables) x 100.
 * Every amount is converted at the closing date's rate, the beginning
 * receivables too, so exchange-rate movements do not count as collection.
 */
function ceiRows(period: ReportPeriod, totals: SnapshotTotals, converter: FunctionalConverter, sales: SalesBook): CeiRow[] {
  const closingDate = period.closing.businessDate;
  const atClosingRate = (run: RunRef) =>
    new Map(totals.totals({ runId: run.runId, businessDate: closingDate }, converter).map((entry) => [entry.entity, entry]));
  const beginning = atClosingRate(period.opening);
  const ending = atClosingRate(period.closing);
  const entities = [...new Set([...beginning.keys(), ...ending.keys()])].sort(compareText);
  return entities.map((entity) => {
    const start = beginning.get(entity);
    const end = ending.get(entity);
    const beginningMinor = start ? start.balanceMinor : 0;
    const salesMinor = sales.between(entity, period.opening.businessDate, closingDate, closingDate).salesMinor;
    const endingMinor = end ? end.balanceMinor : 0;
    const endingCurrentMinor = end ? end.bucketsMinor[0] : 0;
    const collectible = beginningMinor + salesMinor - endingCurrentMinor;
    return {
      entity,
      currency: converter.functionalCurrency(entity),
      beginningMinor,
      salesMinor,
      endingMinor,
      endingCurrentMinor,
      ceiBp: percentBp(beginningMinor + salesMinor - endingMinor, collectible),
    };
  });
}

/** Returns numerator / denominator in hundredths of a percent, or null when the denominator is not positive. */
export function percentBp(numerator: number, denominator: number): number | null {
  if (denominator <= 0) return null;
  return Number(divideRounded(BigInt(numerator) * 10000n, BigInt(denominator)));
}
