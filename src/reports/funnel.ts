// The stage funnel and the cure rate per stage. Account counts come from the
// dunning states. They are the accounts in each stage after the opening run,
// the entries into and exits from the stage by the runs of the period, and
// the accounts in it after the closing run, so that for every stage
//   at start + entries - exits = at end. Customers and amounts at the end come from the closing
// aging: a customer counts once, in the highest stage of its accounts, and
// an account's balance and overdue amount count in its own stage.
// The cure rate of a stage is the number of exits from it by cure (the
// account went back to no stage) over the accounts in it at the start plus
// the entries into it during the period.

import type { ResolvedConfig } from "../config/resolve.ts";
import type { FunctionalConverter } from "./convert.ts";
import { stageOf, type AccountHistory } from "./history.ts";
import type { AgingRow } from "./ledger.ts";
import { compareText } from "./order.ts";

export interface FunnelRow {
  stage: string;
  /** The stage's level in its strategy; stages unknown to the configuration come last. */
  level: number;
  accountsAtStart: number;
  entries: number;
  exitsEscalated: number;
  exitsCured: number;
  /** Exits to a lower stage or to another strategy's stage. */
  exitsOther: number;
  accountsAtEnd: number;
  customersAtEnd: number;
  /** Balance of the stage's accounts at the end, per functional currency. */
  balanceMinor: Record<string, number>;
  /** Overdue amount of the stage's accounts at the end, per functional currency. */
  overdueMinor: Record<string, number>;
  /** Cures over accounts at start plus entries, in hundredths of a percent; null without any. */
  cureRateBp: number | null;
}

const UNKNOWN_LEVEL = Number.MAX_SAFE_INTEGER;

/** Returns each configured stage name with the lowest level it has in any strategy. */
export function stageLevels(config: ResolvedConfig): Map<string, number> {
  const levels = new Map<string, number>();
  for (const strategy of config.dunning.strategies.values()) {
    for (const stage of strategy.stages) {
      levels.set(stage.name, Math.min(levels.get(stage.name) ?? stage.level, stage.level));
    }
  }
  return levels;
}

/** Returns a rate in hundredths of a percent, rounded half up, or null when the base is zero. */
export function rateBp(count: number, base: number): number | null {
  if (base <= 0) return null;
  return Math.floor((count * 20000 + base) / (base * 2));
}

function addTo(amounts: Record<string, number>, currency: string, minor: number): void {
  amounts[currency] = (amounts[currency] ?? 0) + minor;
}

export class FunnelAccumulator {
  private readonly rows = new Map<string, FunnelRow>();
  private readonly levels: Map<string, number>;

  constructor(
    config: ResolvedConfig,
    private readonly converter: FunctionalConverter,
    private readonly closingDate: string,
  ) {
    this.levels = stageLevels(config);
    for (const stage of this.levels.keys()) this.rowOf(stage);
  }

  private rowOf(stage: string): FunnelRow {
    let row = this.rows.get(stage);
    if (!row) {
      row = {
        stage,
        level: this.levels.get(stage) ?? UNKNOWN_LEVEL,
        accountsAtStart: 0,
        entries: 0,
        exitsEscalated: 0,
        exitsCured: 0,
        exitsOther: 0,
        accountsAtEnd: 0,
        customersAtEnd: 0,
        balanceMinor: {},
        overdueMinor: {},
        cureRateBp: null,
      };
      this.rows.set(stage, row);
    }
    return row;
  }

  addHistory(history: AccountHistory): void {
    const atStart = stageOf(history.opening);
    if (atStart) this.rowOf(atStart).accountsAtStart += 1;
    const atEnd = stageOf(history.closing);
    if (atEnd) this.rowOf(atEnd).accountsAtEnd += 1;
    for (const change of history.changes) {
      const before = stageOf(change.before);
      const after = stageOf(change.after);
      if (before === after) continue;
      if (after) this.rowOf(after).entries += 1;
      if (!before) continue;
      const row = this.rowOf(before);
      if (!after) row.exitsCured += 1;
      else if (change.after.level > (change.before?.level ?? 0)) row.exitsEscalated += 1;
      else row.exitsOther += 1;
    }
  }

  /** Adds the closing aging rows of one batch of whole customers. */
  addClosingRows(rows: readonly AgingRow[]): void {
    const highest = new Map<string, string>();
    for (const row of rows) {
      if (!row.stage) continue;
      const stageRow = this.rowOf(row.stage);
      const currency = this.converter.functionalCurrency(row.entity);
      const convert = (minor: number) => this.converter.toFunctional(minor, row.currency, row.entity, this.closingDate);
      addTo(stageRow.balanceMinor, currency, convert(row.balanceMinor));
      addTo(stageRow.overdueMinor, currency, convert(row.overdueMinor));
      const current = highest.get(row.customerRef);
      if (!current || this.rowOf(row.stage).level > this.rowOf(current).level) highest.set(row.customerRef, row.stage);
    }
    for (const stage of highest.values()) this.rowOf(stage).customersAtEnd += 1;
  }

  result(): FunnelRow[] {
    return [...this.rows.values()]
      .map((row) => ({ ...row, cureRateBp: rateBp(row.exitsCured, row.accountsAtStart + row.entries) }))
      .sort((a, b) => a.level - b.level || compareText(a.stage, b.stage));
  }
}
