// What cash application did in one run: counts and warnings for run.json,
// and the journal lines it has still to write.

import type { ResolvedConfig } from "../config/resolve.ts";
import type { JournalLine } from "../journal.ts";
import { cashJournalLines, type CashJournal } from "./journal.ts";

export class CashRun {
  readonly counts: Record<string, number> = {};
  readonly warnings: string[] = [];
  /** Items that dcms settled and that billing has not confirmed yet, per source. */
  readonly awaitingWriteBack: Record<string, number> = {};
  private pending: JournalLine[] = [];
  private journals = 0;

  constructor(
    readonly config: ResolvedConfig,
    readonly runId: number,
    readonly businessDate: string,
  ) {}

  count(name: string, amount = 1): void {
    if (amount === 0) return;
    this.counts[name] = (this.counts[name] ?? 0) + amount;
  }

  /** Adds a two-line journal; the id is numbered in the order events are planned. */
  journal(entry: Omit<CashJournal, "journalId" | "accountingDate"> & { accountingDate?: string }): string {
    this.journals++;
    const journalId = `R${this.runId}-CASH-${String(this.journals).padStart(6, "0")}`;
    this.pending.push(
      ...cashJournalLines(this.config, { accountingDate: this.businessDate, ...entry, journalId }),
    );
    return journalId;
  }

  /** Number of journal lines planned so far. */
  journalLines = 0;

  /** Returns the journal lines planned since the last call, for the caller to write. */
  takeJournal(): JournalLine[] {
    const lines = this.pending;
    this.pending = [];
    this.journalLines += lines.length;
    return lines;
  }
}
