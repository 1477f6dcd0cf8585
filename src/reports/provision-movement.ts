// The movement of the doubtful-debt allowance over the period, per entity
// and functional currency: the allowance after the opening run, the lines of
// the period's journals on the allowance account, and the allowance after
// the closing run. A line on the allowance account is classified by its
// journal. In a journal that also has a line on the bad-debt expense
// account, a credit is a charge and a debit a release. In any other journal,
// a debit uses the allowance for write-offs and a credit is another
// movement. So
//   closing = opening + charge - release - write-offs used + other
// and the difference column shows any gap, which must be zero.

import type { GlAccounts } from "../config/resolve.ts";
import type { AllowanceCell, PeriodJournalLine } from "./ledger.ts";
import { compareText } from "./order.ts";

export type AllowanceMovement = "charge" | "release" | "write-off used" | "other";

export interface ClassifiedLine extends PeriodJournalLine {
  movement: AllowanceMovement;
}

export interface ProvisionMovementRow {
  entity: string;
  currency: string;
  openingMinor: number;
  chargeMinor: number;
  releaseMinor: number;
  writeOffsUsedMinor: number;
  otherMinor: number;
  closingMinor: number;
  /** closing - (opening + charge - release - write-offs used + other); zero when the journals tie. */
  differenceMinor: number;
}

export interface ProvisionMovement {
  rows: ProvisionMovementRow[];
  /** Every line of the period on an allowance account, in journal order. */
  lines: ClassifiedLine[];
  /** Every journal line of the period, in run, journal and line order. */
  journal: PeriodJournalLine[];
}

/** Classifies the period's lines on each entity's allowance account. */
export function classifyAllowanceLines(
  lines: readonly PeriodJournalLine[],
  gl: ReadonlyMap<string, GlAccounts>,
): ClassifiedLine[] {
  const expenseJournals = new Set<string>();
  for (const line of lines) {
    if (line.accountCode === gl.get(line.entity)?.badDebtExpense) expenseJournals.add(line.journalId);
  }
  const classified: ClassifiedLine[] = [];
  for (const line of lines) {
    if (line.accountCode !== gl.get(line.entity)?.allowance) continue;
    const debit = line.debitMinor > 0;
    const movement: AllowanceMovement = expenseJournals.has(line.journalId)
      ? debit
        ? "release"
        : "charge"
      : debit
        ? "write-off used"
        : "other";
    classified.push({ ...line, movement });
  }
  return classified;
}

export function provisionMovement(
  opening: readonly AllowanceCell[],
  closing: readonly AllowanceCell[],
  lines: readonly PeriodJournalLine[],
  gl: ReadonlyMap<string, GlAccounts>,
): ProvisionMovement {
  const rows = new Map<string, ProvisionMovementRow>();
  const rowOf = (entity: string, currency: string) => {
    const key = `${entity}\u0000${currency}`;
    let row = rows.get(key);
    if (!row) {
      row = {
        entity,
        currency,
        openingMinor: 0,
        chargeMinor: 0,
        releaseMinor: 0,
        writeOffsUsedMinor: 0,
        otherMinor: 0,
        closingMinor: 0,
        differenceMinor: 0,
      };
      rows.set(key, row);
    }
    return row;
  };
  for (const cell of opening) rowOf(cell.entity, cell.currency).openingMinor += cell.allowanceMinor;
  for (const cell of closing) rowOf(cell.entity, cell.currency).closingMinor += cell.allowanceMinor;
  const classified = classifyAllowanceLines(lines, gl);
  for (const line of classified) {
    const row = rowOf(line.entity, line.currency);
    const amount = line.creditMinor - line.debitMinor;
    if (line.movement === "charge") row.chargeMinor += amount;
    else if (line.movement === "release") row.releaseMinor -= amount;
    else if (line.movement === "write-off used") row.writeOffsUsedMinor -= amount;
    else row.otherMinor += amount;
  }
  for (const row of rows.values()) {
    const expected = row.openingMinor + row.chargeMinor - row.releaseMinor - row.writeOffsUsedMinor + row.otherMinor;
    row.differenceMinor = row.closingMinor - expected;
  }
  const sorted = [...rows.values()].sort((a, b) => compareText(a.entity, b.entity) || compareText(a.currency, b.currency));
  return { rows: sorted, lines: classified, journal: [...lines] };
}
