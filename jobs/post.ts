// Posting: the night's accounting (allowance, write-off and provision
// journals) after its invariants, journal lines into the ledger, the
// reversal of a superseded run's journals, and the reconciliation of the
// aging against the ledger's items.

import type { Knex } from "knex";
import { accountingDate } from "../src/accounting/accounting-date.ts";
import { glAccount } from "../src/accounting/gl.ts";
import { checkAccountingInvariants } from "../src/accounting/invariants.ts";
import { writeOffJournals } from "../src/accounting/journals.ts";
import type { ResolvedConfig } from "../src/config/resolve.ts";
import { InvariantError } from "../src/errors.ts";
import { assertBalanced, reversalLines, type JournalLine } from "../src/journal.ts";
import { insertRows } from "../src/ledger/db.ts";
import { rawRows } from "./consolidate.ts";
import { allowanceTotals, provisionJournal, writeAllowances, type AllowanceCell, type ProvisionAccumulator } from "./provision.ts";
import type { WriteOffPass } from "./write-off.ts";

export async function writeJournal(trx: Knex.Transaction, runId: number, lines: JournalLine[]): Promise<void> {
  assertBalanced(lines);
  await insertRows(
    trx,
    "journal_lines",
    lines.map((line) => ({
      run_id: runId,
      journal_id: line.journalId,
      line: line.line,
      entity: line.entity,
      accounting_date: line.accountingDate,
      account_code: line.accountCode,
      debit_minor: line.debitMinor,
      credit_minor: line.creditMinor,
      currency: line.currency,
      entered_currency: line.enteredCurrency,
      entered_minor: line.enteredMinor,
      rate: line.rate,
      description: line.description,
      reverses_run: line.reversesRun,
      cost_centre: line.costCentre ?? null,
      segment: line.segment ?? null,
    })),
  );
}

export function toJournalLine(row: Record<string, any>): JournalLine {
  return {
    journalId: row.journal_id,
    line: Number(row.line),
    entity: row.entity,
    accountingDate: row.accounting_date,
    accountCode: row.account_code,
    debitMinor: Number(row.debit_minor),
    creditMinor: Number(row.credit_minor),
    currency: row.currency,
    enteredCurrency: row.entered_currency,
    enteredMinor: Number(row.entered_minor),
    rate: row.rate,
    description: row.description,
    reversesRun: row.reverses_run === null ? null : Number(row.reverses_run),
    ...(row.cost_centre ? { costCentre: row.cost_centre } : {}),
    ...(row.segment ? { segment: row.segment } : {}),
  };
}

/** Returns lines that reverse every journal a run posted, dated on the new business date. */
export async function reverseJournals(
  trx: Knex.Transaction,
  reversedRun: number,
  runId: number,
  accountingDate: string,
): Promise<JournalLine[]> {
  // Only the run's own postings are reversed. Its reversal lines undid an
  // earlier run that stays superseded, so reversing them again would post
  // that earlier run a second time.
  const rows = await trx("journal_lines")
    .where({ run_id: reversedRun })
    .whereNull("reverses_run")
    .orderBy(["journal_id", "line"]);
  const byJournal = new Map<string, JournalLine[]>();
  for (const row of rows) {
    const line = toJournalLine(row);
    byJournal.set(line.journalId, [...(byJournal.get(line.journalId) ?? []), line]);
  }
  const lines: JournalLine[] = [];
  for (const [journalId, journal] of byJournal) {
    const reversed = reversalLines(`R${runId}-REV-${journalId}`, journal, reversedRun);
    lines.push(...reversed.map((line) => ({ ...line, accountingDate })));
  }
  return lines;
}

/**
 * Checks that the run's aging equals the ledger: per source and currency,
 * the aged balances plus what stays written off add up to debits minus
 * credits of the posted items. Written-off items stay in the ledger as the
 * billing system sent them, and leave only the aging.
 */
export async function checkReconciliation(trx: Knex.Transaction, runId: number, businessDate: string): Promise<void> {
  const ledger = rawRows<{ source: string; currency: string; balance: number | string }>(
    await trx.raw(
      `select source, currency,
         sum(case when type in ('invoice', 'debit_note', 'debit_adjustment', 'payment_reversal')
             then amount_minor else -amount_minor end) as balance
       from items
       where superseded_run is null and status = 'posted' and document_date <= ?
       group by source, currency`,
      [businessDate],
    ),
  );
  const aged = rawRows<{ source: string; currency: string; balance: number | string }>(
    await trx.raw(
      `select source, currency, sum(balance_minor) as balance from account_aging
       where run_id = ? group by source, currency`,
      [runId],
    ),
  );
  const writtenOff = rawRows<{ source: string; currency: string; amount: number | string }>(
    await trx.raw(
      `select source, currency, sum(amount_minor - recovered_minor) as amount from write_offs
       where superseded_run is null and status = 'active' group by source, currency`,
    ),
  );
  const agedBalance = new Map(aged.map((row) => [`${row.source}/${row.currency}`, Number(row.balance)]));
  for (const row of writtenOff) {
    const key = `${row.source}/${row.currency}`;
    agedBalance.set(key, (agedBalance.get(key) ?? 0) + Number(row.amount));
  }
  for (const row of ledger) {
    const key = `${row.source}/${row.currency}`;
    const expected = Number(row.balance);
    const actual = agedBalance.get(key) ?? 0;
    if (expected !== actual) {
      throw new InvariantError(
        `aging of ${key} plus what is written off totals ${actual} minor units but the ledger holds ${expected}`,
      );
    }
    agedBalance.delete(key);
  }
  for (const [key, actual] of agedBalance) {
    if (actual !== 0) throw new InvariantError(`aging of ${key} totals ${actual} minor units but the ledger holds none`);
  }
}

export interface PostedAccounting {
  cells: AllowanceCell[];
  /** The run's own journal lines, without a re-run's reversal lines. */
  lines: JournalLine[];
}

/**
 * Posts the night's accounting: the allowance cells, the write-off,
 * recovery and reversal journals, and the provision journal for the change
 * of allowance that remains. Checks the invariants, then writes the
 * journals together with a re-run's reversal lines.
 */
export async function postAccounting(
  trx: Knex.Transaction,
  config: ResolvedConfig,
  runId: number,
  businessDate: string,
  provision: ProvisionAccumulator,
  writeOff: WriteOffPass | null,
  reversal: readonly JournalLine[],
): Promise<PostedAccounting> {
  const date = accountingDate(config.accounting, businessDate);
  const cells = provision.cells();
  const before = await writeAllowances(trx, runId, cells);
  const after = allowanceTotals(cells);
  const writeOffs = writeOffJournals(config, runId, businessDate, date, writeOff?.events ?? [], before);
  // The allowance balance in the GL once reversals reinstated and write-offs
  // used their part. The provision journal moves it the rest of the way to
  // the matrix's figure.
  const glAllowance = new Map(before);
  for (const [key, amount] of writeOffs.allowanceReinstated) glAllowance.set(key, (glAllowance.get(key) ?? 0) + amount);
  for (const [key, amount] of writeOffs.allowanceUsed) glAllowance.set(key, (glAllowance.get(key) ?? 0) - amount);
  const lines = [...writeOffs.lines, ...provisionJournal(config, runId, date, glAllowance, after)];
  checkAccountingInvariants({
    allowanceBefore: before,
    allowanceAfter: after,
    lines,
    allowanceAccount: (entity) => glAccount(config.accounting, entity, "allowance"),
    writtenOff: writeOff?.writtenOffTotals ?? new Map(),
    removedFromBase: writeOff?.removedTotals ?? new Map(),
    receivableRemoved: writeOffs.receivableRemoved,
  });
  await writeJournal(trx, runId, [...reversal, ...lines]);
  return { cells, lines };
}
