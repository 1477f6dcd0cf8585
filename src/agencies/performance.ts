// agency_performance.csv: per agency, month of placement and currency, what
// was placed and what the agency collected on those placements, up to and
// including a run. Collections count under the month of the placement they
// belong to, so a month's liquidation rate grows as its accounts are paid.
//
//   agency, placement_month, currency, placed_count, placed_amount,
//   collected_amount, liquidation_rate, commission
//
// liquidation_rate = collected_amount / placed_amount, four decimals,
// rounded half away from zero; collected and commission are net of
// reversals.

import type { Knex } from "knex";
import { compareCodePoints, writeCsvFile, type CsvColumn } from "../outputs/csv.ts";
import { effectiveRuns } from "./ledger.ts";
import { divideRounded, formatMinor, formatMoney } from "../money.ts";

type Db = Knex | Knex.Transaction;
type Row = Record<string, any>;

export interface PerformanceRow {
  agency: string;
  /** YYYY-MM of the placements. */
  month: string;
  currency: string;
  placedCount: number;
  placedMinor: number;
  collectedMinor: number;
  commissionMinor: number;
}

export const PERFORMANCE_COLUMNS: CsvColumn<PerformanceRow>[] = [
  { name: "agency", kind: "text", value: (row) => row.agency },
  { name: "placement_month", kind: "text", value: (row) => row.month },
  { name: "currency", kind: "text", value: (row) => row.currency },
  { name: "placed_count", kind: "integer", value: (row) => row.placedCount },
  { name: "placed_amount", kind: "amount", value: (row) => formatMoney(row.placedMinor, row.currency) },
  { name: "collected_amount", kind: "amount", value: (row) => formatMoney(row.collectedMinor, row.currency) },
  { name: "liquidation_rate", kind: "rate", value: (row) => liquidationRate(row.collectedMinor, row.placedMinor) },
  { name: "commission", kind: "amount", value: (row) => formatMoney(row.commissionMinor, row.currency) },
];

/** Returns collected / placed as a decimal with four places, "0.0000" when nothing was placed. */
export function liquidationRate(collectedMinor: number, placedMinor: number): string {
  if (placedMinor === 0) return "0.0000";
  return formatMinor(Number(divideRounded(BigInt(collectedMinor) * 10_000n, BigInt(placedMinor))), 4);
}

/** Computes the performance rows of every placement made up to a run. */
export async function agencyPerformance(db: Db, runId: number): Promise<PerformanceRow[]> {
  const rows = new Map<string, PerformanceRow>();
  const entry = (agency: string, month: string, currency: string): PerformanceRow => {
    const key = `${agency}\u0000${month}\u0000${currency}`;
    let row = rows.get(key);
    if (!row) {
      row = { agency, month, currency, placedCount: 0, placedMinor: 0, collectedMinor: 0, commissionMinor: 0 };
      rows.set(key, row);
    }
    return row;
  };
  const placed: Row[] = await db("placements as p")
    .join("runs as r", "r.run_id", "p.run_id")
    .where("p.kind", "placement")
    .whereIn("p.run_id", effectiveRuns(db, runId))
    .select("p.agency", "p.currency", "p.amount_minor", "r.business_date");
  for (const row of placed) {
    const target = entry(row.agency, String(row.business_date).slice(0, 7), row.currency);
    target.placedCount++;
    target.placedMinor += Number(row.amount_minor);
  }
  const collected: Row[] = await db("agency_remittances")
    .whereIn("run_id", effectiveRuns(db, runId))
    .whereIn("kind", ["payment", "reversal"])
    .select("agency", "currency", "amount_minor", "commission_minor", "placed_on");
  for (const row of collected) {
    const target = entry(row.agency, String(row.placed_on).slice(0, 7), row.currency);
    target.collectedMinor += Number(row.amount_minor);
    target.commissionMinor += Number(row.commission_minor);
  }
  return [...rows.values()].sort(
    (a, b) =>
      compareCodePoints(a.agency, b.agency) ||
      compareCodePoints(a.month, b.month) ||
      compareCodePoints(a.currency, b.currency),
  );
}

/** Writes agency_performance.csv for a run. */
export async function writeAgencyPerformance(db: Db, runId: number, file: string): Promise<void> {
  await writeCsvFile(file, PERFORMANCE_COLUMNS, await agencyPerformance(db, runId));
}
