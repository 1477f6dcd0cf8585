// Aging totals per run and entity in the entity's functional currency: the
// bars of the aging trend, the receivables of DSO and the beginning and
// ending receivables of the collection effectiveness index. Amounts are
// summed per currency first and converted once per bucket at the closing
// rate of the run's business date, so a bar's parts add up to its balance.

import type { FunctionalConverter } from "./convert.ts";
import type { AgingRow } from "./ledger.ts";
import { compareText } from "./order.ts";
import type { RunRef } from "./period.ts";

export interface EntityTotals {
  entity: string;
  /** The entity's functional currency. */
  currency: string;
  bucketsMinor: number[];
  unappliedMinor: number;
  /** The buckets plus the unapplied credit. */
  balanceMinor: number;
}

interface NativeSums {
  bucketsMinor: number[];
  unappliedMinor: number;
}

export class SnapshotTotals {
  /** run id -> entity -> item currency -> sums. */
  private readonly sums = new Map<number, Map<string, Map<string, NativeSums>>>();

  constructor(private readonly bucketCount: number) {}

  add(row: AgingRow): void {
    let byEntity = this.sums.get(row.runId);
    if (!byEntity) {
      byEntity = new Map();
      this.sums.set(row.runId, byEntity);
    }
    let byCurrency = byEntity.get(row.entity);
    if (!byCurrency) {
      byCurrency = new Map();
      byEntity.set(row.entity, byCurrency);
    }
    let sums = byCurrency.get(row.currency);
    if (!sums) {
      sums = { bucketsMinor: new Array<number>(this.bucketCount).fill(0), unappliedMinor: 0 };
      byCurrency.set(row.currency, sums);
    }
    row.bucketsMinor.forEach((amount, index) => (sums.bucketsMinor[index] += amount));
    sums.unappliedMinor += row.unappliedMinor;
  }

  /** Returns whether any aging row of the run was added. */
  has(runId: number): boolean {
    return this.sums.has(runId);
  }

  /** Returns the totals of one run per entity, sorted by entity. */
  totals(run: RunRef, converter: FunctionalConverter): EntityTotals[] {
    const byEntity = this.sums.get(run.runId) ?? new Map<string, Map<string, NativeSums>>();
    const result: EntityTotals[] = [];
    for (const [entity, byCurrency] of [...byEntity].sort(([a], [b]) => compareText(a, b))) {
      const totals: EntityTotals = {
        entity,
        currency: converter.functionalCurrency(entity),
        bucketsMinor: new Array<number>(this.bucketCount).fill(0),
        unappliedMinor: 0,
        balanceMinor: 0,
      };
      for (const [currency, sums] of [...byCurrency].sort(([a], [b]) => compareText(a, b))) {
        const convert = (minor: number) => converter.toFunctional(minor, currency, entity, run.businessDate);
        sums.bucketsMinor.forEach((amount, index) => (totals.bucketsMinor[index] += convert(amount)));
        totals.unappliedMinor += convert(sums.unappliedMinor);
      }
      totals.balanceMinor = totals.bucketsMinor.reduce((sum, amount) => sum + amount, totals.unappliedMinor);
      result.push(totals);
    }
    return result;
  }
}
