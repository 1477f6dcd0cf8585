// The aging summary: a run's account_aging rows grouped by entity, segment,
// source and currency, with a total row per currency. Amounts stay in their
// own currency, so every total equals the sum of the run's aging rows.

import type { AgingRow } from "./ledger.ts";
import { compareText } from "./order.ts";

export interface AgingFigures {
  accounts: number;
  balanceMinor: number;
  unappliedMinor: number;
  disputedMinor: number;
  /** One amount per configured aging bucket, in configured order. */
  bucketsMinor: number[];
  overdueMinor: number;
}

export interface AgingGroup extends AgingFigures {
  entity: string;
  segment: string | null;
  source: string;
  currency: string;
}

export interface AgingSummary {
  /** Sorted by currency, entity, segment, source. */
  groups: AgingGroup[];
  /** One total per currency, sorted by currency. */
  totals: (AgingFigures & { currency: string })[];
}

export function emptyFigures(bucketCount: number): AgingFigures {
  return {
    accounts: 0,
    balanceMinor: 0,
    unappliedMinor: 0,
    disputedMinor: 0,
    bucketsMinor: new Array<number>(bucketCount).fill(0),
    overdueMinor: 0,
  };
}

export function addFigures(target: AgingFigures, source: AgingFigures | AgingRow, accounts = 1): void {
  target.accounts += "accounts" in source ? source.accounts : accounts;
  target.balanceMinor += source.balanceMinor;
  target.unappliedMinor += source.unappliedMinor;
  target.disputedMinor += source.disputedMinor;
  source.bucketsMinor.forEach((amount, index) => (target.bucketsMinor[index] += amount));
  target.overdueMinor += source.overdueMinor;
}

/** Sums aging rows into groups; rows may arrive in any order and in batches. */
export class AgingSummariser {
  private readonly groups = new Map<string, AgingGroup>();

  constructor(private readonly bucketCount: number) {}

  add(row: AgingRow): void {
    const key = [row.currency, row.entity, row.segment ?? "", row.source].join("\u0000");
    let group = this.groups.get(key);
    if (!group) {
      group = {
        entity: row.entity,
        segment: row.segment,
        source: row.source,
        currency: row.currency,
        ...emptyFigures(this.bucketCount),
      };
      this.groups.set(key, group);
    }
    addFigures(group, row);
  }

  summary(): AgingSummary {
    const groups = [...this.groups.values()].sort(
      (a, b) =>
        compareText(a.currency, b.currency) ||
        compareText(a.entity, b.entity) ||
        compareText(a.segment ?? "", b.segment ?? "") ||
        compareText(a.source, b.source),
    );
    const totals = new Map<string, AgingFigures & { currency: string }>();
    for (const group of groups) {
      let total = totals.get(group.currency);
      if (!total) {
        total = { currency: group.currency, ...emptyFigures(this.bucketCount) };
        totals.set(group.currency, total);
      }
      addFigures(total, group);
    }
    return { groups, totals: [...totals.values()] };
  }
}
