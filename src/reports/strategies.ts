// Strategy comparison: dunning outcomes per strategy name as recorded in
// account_state. A challenger strategy is recorded under its own name, so a
// champion and its challengers appear as separate rows. Accounts that were
// never dunned have no state and no strategy, and are not counted.

import type { FunctionalConverter } from "./convert.ts";
import { rateBp } from "./funnel.ts";
import type { AccountHistory } from "./history.ts";
import type { AgingRow } from "./ledger.ts";
import { compareText } from "./order.ts";

export interface StrategyRow {
  strategy: string;
  /** Accounts in a stage after the opening run. */
  accountsAtStart: number;
  /** Changes from no stage into a stage. */
  entries: number;
  /** Changes from one stage to a higher one. */
  escalations: number;
  /** Changes from a stage back to no stage. */
  cures: number;
  accountsAtEnd: number;
  /** Overdue amount at the end of the accounts in a stage, per functional currency. */
  overdueMinor: Record<string, number>;
  /** Cures over accounts at start plus entries, in hundredths of a percent. */
  cureRateBp: number | null;
}

export class StrategyAccumulator {
  private readonly rows = new Map<string, StrategyRow>();

  constructor(
    private readonly converter: FunctionalConverter,
    private readonly closingDate: string,
  ) {}

  private rowOf(strategy: string): StrategyRow {
    let row = this.rows.get(strategy);
    if (!row) {
      row = {
        strategy,
        accountsAtStart: 0,
        entries: 0,
        escalations: 0,
        cures: 0,
        accountsAtEnd: 0,
        overdueMinor: {},
        cureRateBp: null,
      };
      this.rows.set(strategy, row);
    }
    return row;
  }

  /** Adds one account's history and its closing aging rows. */
  add(history: AccountHistory, closingRows: readonly AgingRow[]): void {
    if (history.opening && history.opening.level > 0) this.rowOf(history.opening.strategy).accountsAtStart += 1;
    for (const change of history.changes) {
      const levelBefore = change.before?.level ?? 0;
      const row = this.rowOf(change.after.strategy);
      if (levelBefore === 0 && change.after.level > 0) row.entries += 1;
      else if (levelBefore > 0 && change.after.level === 0) row.cures += 1;
      else if (change.after.level > levelBefore) row.escalations += 1;
    }
    const closing = history.closing;
    if (!closing || closing.level === 0) return;
    const row = this.rowOf(closing.strategy);
    row.accountsAtEnd += 1;
    for (const aging of closingRows) {
      const currency = this.converter.functionalCurrency(aging.entity);
      const overdue = this.converter.toFunctional(aging.overdueMinor, aging.currency, aging.entity, this.closingDate);
      row.overdueMinor[currency] = (row.overdueMinor[currency] ?? 0) + overdue;
    }
  }

  result(): StrategyRow[] {
    return [...this.rows.values()]
      .map((row) => ({ ...row, cureRateBp: rateBp(row.cures, row.accountsAtStart + row.entries) }))
      .sort((a, b) => compareText(a.strategy, b.strategy));
  }
}
