// The invariants a run's accounting must meet before its journals are
// written. A broken one throws InvariantError: the run fails with exit
// status 1 and its transaction, so the ledger, is rolled back.

import { InvariantError } from "../errors.ts";
import { assertBalanced, type JournalLine } from "../journal.ts";
import { formatMoney } from "../money.ts";

export interface AccountingFigures {
  /** Allowance per entity and functional currency before the run ("entity\0currency"). */
  allowanceBefore: ReadonlyMap<string, number>;
  /** Allowance per entity and functional currency after the run. */
  allowanceAfter: ReadonlyMap<string, number>;
  /** The run's own journal lines; a re-run's reversal lines are checked apart. */
  lines: readonly JournalLine[];
  /** The allowance account code of an entity. */
  allowanceAccount(entity: string): string;
  /** Per entity and item currency: the amounts written off, from the write-off rows. */
  writtenOff: ReadonlyMap<string, number>;
  /** Per entity and item currency: what the write-offs took out of the provision base. */
  removedFromBase: ReadonlyMap<string, number>;
  /** Per entity and item currency: receivable credited by the write-off journals. */
  receivableRemoved: ReadonlyMap<string, number>;
}

/**
 * Checks that every journal balances per entity, date and currency, and
 * that the allowance account moves by exactly the change of the allowance.
 * Also checks that the amount written off equals both the receivable the
 * journals remove and the amount taken out of the provision base.
 */
export function checkAccountingInvariants(figures: AccountingFigures): void {
  assertBalanced(figures.lines);
  checkAllowanceMovement(figures);
  checkSameTotals("written off", figures.writtenOff, "credited to receivables", figures.receivableRemoved);
  checkSameTotals("written off", figures.writtenOff, "taken out of the provision base", figures.removedFromBase);
}

function checkAllowanceMovement(figures: AccountingFigures): void {
  const keys = new Set([...figures.allowanceBefore.keys(), ...figures.allowanceAfter.keys()]);
  for (const line of figures.lines) keys.add(`${line.entity}\u0000${line.currency}`);
  for (const key of [...keys].sort()) {
    const [entity, currency] = key.split("\u0000");
    const expected = (figures.allowanceAfter.get(key) ?? 0) - (figures.allowanceBefore.get(key) ?? 0);
    const account = figures.allowanceAccount(entity);
    let posted = 0;
    for (const line of figures.lines) {
      if (line.entity === entity && line.currency === currency && line.accountCode === account) {
        posted += line.creditMinor - line.debitMinor;
      }
    }
    if (posted !== expected) {
      throw new InvariantError(
        `allowance of ${entity} in ${currency} moves by ${formatMoney(expected, currency)}, ` +
          `but the journals post ${formatMoney(posted, currency)} to allowance account ${account}`,
      );
    }
  }
}

function checkSameTotals(
  leftName: string,
  left: ReadonlyMap<string, number>,
  rightName: string,
  right: ReadonlyMap<string, number>,
): void {
  const keys = [...new Set([...left.keys(), ...right.keys()])].sort();
  for (const key of keys) {
    const a = left.get(key) ?? 0;
    const b = right.get(key) ?? 0;
    if (a !== b) {
      const [entity, currency] = key.split("\u0000");
      throw new InvariantError(
        `${entity} ${currency}: ${formatMoney(a, currency)} ${leftName}, but ${formatMoney(b, currency)} ${rightName}`,
      );
    }
  }
}
