// The roll-rate matrix between the opening and the closing run. An account
// and currency is placed in the bucket of its largest days past due on each
// date (the current bucket when nothing is overdue). For every account with
// a positive opening balance S and a closing balance E (0 when the closing
// run has no row for it):
// - the part still open, min(S, max(E, 0)), goes to the closing bucket;
//   when the account was overdue at the opening and has nothing overdue at
//   the closing, that part is "cured" instead;
// - the rest, S minus the part still open, was written off up to the amount
//   written off in the period, and "paid" otherwise (payments, credit notes
//   and set-off of unapplied credit all lower the balance).
// Growth of a balance above S is new debt and not part of the matrix.
// Amounts are converted into the entity's functional currency at the
// closing rate of the closing date, so exchange-rate movements do not roll.

import { bandIndex, type Band } from "../config/resolve.ts";
import type { FunctionalConverter } from "./convert.ts";
import type { AgingRow, WriteOffVersion } from "./ledger.ts";
import { compareText } from "./order.ts";

export const ROLL_OUTCOMES = ["paid", "cured", "written off"] as const;

export interface RollRateRow {
  /** The opening bucket's label. */
  bucket: string;
  accounts: number;
  openingMinor: number;
  /** Amount per column: one per bucket, then paid, cured and written off. */
  toMinor: number[];
  /** Share per column in hundredths of a percent; a row with an opening amount sums to 10000. */
  sharesBp: number[];
}

export interface RollRateMatrix {
  entity: string;
  currency: string;
  /** Bucket labels followed by ROLL_OUTCOMES. */
  columns: string[];
  rows: RollRateRow[];
  /** Accounts left out because their opening balance was zero or a credit. */
  accountsWithoutDebit: number;
}

/**
 * Splits 10000 hundredths of a percent over amounts in proportion, by the
 * largest remainder, so that the shares always add up to exactly 100 %.
 */
export function sharesOf(amounts: readonly number[]): number[] {
  const total = amounts.reduce((sum, amount) => sum + amount, 0);
  if (total <= 0) return amounts.map(() => 0);
  const exact = amounts.map((amount) => BigInt(amount) * 10000n);
  const shares = exact.map((value) => Number(value / BigInt(total)));
  const remainders = exact.map((value, index) => ({ index, remainder: value % BigInt(total) }));
  let missing = 10000 - shares.reduce((sum, share) => sum + share, 0);
  // Largest remainder first; equal remainders in column order.
  remainders.sort((a, b) => {
    if (a.remainder !== b.remainder) return a.remainder > b.remainder ? -1 : 1;
    return a.index - b.index;
  });
  for (const { index } of remainders) {
    if (missing === 0) break;
    shares[index] += 1;
    missing -= 1;
  }
  return shares;
}

/**
 * Returns the amount written off in the period per account and currency,
 * keyed by source, account id and currency joined by NUL. Per item, it is
 * the net amount written off after the closing run less the net amount
 * after the opening run, where a reversed write-off counts as zero.
 * Recoveries and reversals of earlier write-offs do not count.
 */
export function writtenOffInPeriod(
  versions: readonly WriteOffVersion[],
  openingRunId: number,
  closingRunId: number,
): Map<string, number> {
  const netAfter = (item: WriteOffVersion[], runId: number) => {
    const version = item.find((entry) => entry.runId <= runId && (entry.supersededRun === null || entry.supersededRun > runId));
    return version?.active ? version.netMinor : 0;
  };
  const byItem = new Map<string, WriteOffVersion[]>();
  for (const version of versions) {
    const key = [version.source, version.accountId, version.currency, version.itemId].join("\u0000");
    byItem.set(key, [...(byItem.get(key) ?? []), version]);
  }
  const byAccount = new Map<string, number>();
  for (const [key, item] of byItem) {
    const change = netAfter(item, closingRunId) - netAfter(item, openingRunId);
    if (change <= 0) continue;
    const account = key.slice(0, key.lastIndexOf("\u0000"));
    byAccount.set(account, (byAccount.get(account) ?? 0) + change);
  }
  return byAccount;
}

export class RollRateAccumulator {
  private readonly matrices = new Map<string, { rows: RollRateRow[]; accountsWithoutDebit: number }>();
  private readonly columns: string[];

  constructor(
    private readonly buckets: readonly Band[],
    private readonly converter: FunctionalConverter,
    private readonly closingDate: string,
  ) {
    this.columns = [...buckets.map((bucket) => bucket.label), ...ROLL_OUTCOMES];
  }

  /** Adds one account and currency: its opening row, its closing row and what was written off. */
  add(opening: AgingRow, closing: AgingRow | undefined, writtenOffMinor = 0): void {
    const matrix = this.matrixOf(opening.entity);
    if (opening.balanceMinor <= 0) {
      matrix.accountsWithoutDebit += 1;
      return;
    }
    const convert = (minor: number) => this.converter.toFunctional(minor, opening.currency, opening.entity, this.closingDate);
    const openingMinor = convert(opening.balanceMinor);
    const closingMinor = closing ? closing.balanceMinor : 0;
    const stillOpen = convert(Math.min(opening.balanceMinor, Math.max(closingMinor, 0)));
    const reduced = openingMinor - stillOpen;
    const writtenOff = Math.min(convert(writtenOffMinor), reduced);

    const row = matrix.rows[bandIndex(this.buckets, opening.daysPastDueMax)];
    row.accounts += 1;
    row.openingMinor += openingMinor;
    const outcome = (name: (typeof ROLL_OUTCOMES)[number]) => this.buckets.length + ROLL_OUTCOMES.indexOf(name);
    if (stillOpen > 0 && closing) {
      const cured = opening.daysPastDueMax > 0 && closing.daysPastDueMax === 0;
      const column = cured ? outcome("cured") : bandIndex(this.buckets, closing.daysPastDueMax);
      row.toMinor[column] += stillOpen;
    }
    row.toMinor[outcome("written off")] += writtenOff;
    row.toMinor[outcome("paid")] += reduced - writtenOff;
  }

  private matrixOf(entity: string) {
    let matrix = this.matrices.get(entity);
    if (!matrix) {
      matrix = {
        rows: this.buckets.map((bucket) => ({
          bucket: bucket.label,
          accounts: 0,
          openingMinor: 0,
          toMinor: this.columns.map(() => 0),
          sharesBp: this.columns.map(() => 0),
        })),
        accountsWithoutDebit: 0,
      };
      this.matrices.set(entity, matrix);
    }
    return matrix;
  }

  result(): RollRateMatrix[] {
    return [...this.matrices]
      .sort(([a], [b]) => compareText(a, b))
      .map(([entity, matrix]) => ({
        entity,
        currency: this.converter.functionalCurrency(entity),
        columns: this.columns,
        rows: matrix.rows.map((row) => ({ ...row, sharesBp: sharesOf(row.toMinor) })),
        accountsWithoutDebit: matrix.accountsWithoutDebit,
      }));
  }
}
