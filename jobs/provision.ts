// Pass 7, provision: the doubtful-debt allowance from the provision matrix
// (entity x segment x band) plus specific rules (bankrupt, arrangement,
// disputed), on what is open after set-off and write-offs. Amounts convert
// to the entity's functional currency at the closing rate once per cell and
// currency, and the allowance is rounded once per cell. Only the change
// against the allowance last posted is journalled.

import type { Knex } from "knex";
import { costCentre, glAccount } from "../src/accounting/gl.ts";
import type { ResolvedConfig } from "../src/config/resolve.ts";
import { bandIndex } from "../src/config/resolve.ts";
import type { CustomerData } from "../src/domain.ts";
import { accountKey } from "../src/domain.ts";
import { RequestError } from "../src/errors.ts";
import { insertRows } from "../src/ledger/db.ts";
import { journalLines, type JournalLine } from "../src/journal.ts";
import { applyRate, convertMinor, parseRate, type Rate } from "../src/money.ts";
import type { SetOffItem } from "./age.ts";
import { compareCodePoints } from "../src/outputs/csv.ts";

export interface AllowanceCell {
  entity: string;
  segment: string;
  /** Band label, or specific:<rule> for a specific rule. */
  bucket: string;
  /** The entity's functional currency. */
  currency: string;
  baseMinor: number;
  rate: string;
  allowanceMinor: number;
}

const DEFAULT_SEGMENT = "default";

/** Collects provision bases customer by customer; memory grows with cells, not customers. */
export class ProvisionAccumulator {
  /** cell key -> item currency -> open amount. */
  private readonly sums = new Map<string, Map<string, number>>();

  constructor(
    private readonly config: ResolvedConfig,
    private readonly businessDate: string,
  ) {}

  /**
   * Adds one customer's open items after set-off. Specific rules come before
   * the matrix: a bankrupt customer's items, then the items of an account
   * under a payment arrangement (when provision.specific.arrangement is
   * set), then the disputed part of an item (when provision.specific.disputed
   * is set). What remains goes to the matrix band of its days past due.
   */
  add(customer: CustomerData, items: SetOffItem[], bankrupt: boolean): void {
    const accounts = new Map(customer.accounts.map((account) => [accountKey(account.source, account.accountId), account]));
    const provision = this.config.provision;
    const arrangements = provision.arrangementRate ? accountsUnderArrangement(customer, this.businessDate) : new Set<string>();
    for (const entry of items) {
      if (entry.remainingMinor <= 0) continue;
      const key = accountKey(entry.item.source, entry.item.accountId);
      const account = accounts.get(key);
      if (!account) continue;
      const segment = account.segment ?? DEFAULT_SEGMENT;
      if (bankrupt) {
        this.addAmount(account.entity, segment, "specific:bankrupt", entry.item.currency, entry.remainingMinor);
        continue;
      }
      if (arrangements.has(key)) {
        this.addAmount(account.entity, segment, "specific:arrangement", entry.item.currency, entry.remainingMinor);
        continue;
      }
      this.addOpen(account.entity, account.segment, entry.item.currency, entry.daysPastDue, entry.remainingMinor, Math.min(entry.disputedMinor, entry.remainingMinor));
    }
  }

  /**
   * Adds open debt that no specific rule for bankruptcy or arrangement
   * covers: the disputed part by the disputed rule, the rest to the matrix
   * band of its days past due. Linear in the amounts, so a sum of items with
   * the same days past due may come in one call.
   */
  addOpen(entity: string, segment: string | null, currency: string, daysPastDue: number, openMinor: number, disputedMinor: number): void {
    const provision = this.config.provision;
    const cellSegment = segment ?? DEFAULT_SEGMENT;
    let matrixAmount = openMinor;
    if (disputedMinor > 0 && provision.disputedRate) {
      this.addAmount(entity, cellSegment, "specific:disputed", currency, disputedMinor);
      matrixAmount -= disputedMinor;
    } else if (disputedMinor > 0 && !provision.includeDisputed) {
      matrixAmount -= disputedMinor;
    }
    if (matrixAmount === 0) return;
    const band = provision.bands[bandIndex(provision.bands, daysPastDue)].label;
    this.addAmount(entity, cellSegment, band, currency, matrixAmount);
  }

  private addAmount(entity: string, segment: string, bucket: string, currency: string, amount: number): void {
    const key = `${entity}\u0000${segment}\u0000${bucket}`;
    let byCurrency = this.sums.get(key);
    if (!byCurrency) {
      byCurrency = new Map();
      this.sums.set(key, byCurrency);
    }
    byCurrency.set(currency, (byCurrency.get(currency) ?? 0) + amount);
  }

  /** Converts and rates every cell; throws RequestError when a closing rate is missing. */
  cells(): AllowanceCell[] {
    const cells: AllowanceCell[] = [];
    for (const [key, byCurrency] of this.sums) {
      const [entity, segment, bucket] = key.split("\u0000");
      const functional = this.config.entities.get(entity)?.functionalCurrency as string;
      let baseMinor = 0;
      for (const [currency, amount] of [...byCurrency].sort()) {
        const rate = this.config.closingRate(this.businessDate, currency, functional);
        if (!rate) {
          throw new RequestError(
            `no closing rate from ${currency} to ${functional} on or before ${this.businessDate}; add one under rates`,
          );
        }
        baseMinor += convertMinor(amount, currency, functional, rate);
      }
      const rate = this.rateOf(entity, segment, bucket);
      cells.push({
        entity,
        segment,
        bucket,
        currency: functional,
        baseMinor,
        rate: rate.text,
        allowanceMinor: applyRate(baseMinor, rate),
      });
    }
    return cells.sort(compareCells(this.config));
  }

  private rateOf(entity: string, segment: string, bucket: string): Rate {
    const provision = this.config.provision;
    if (bucket === "specific:bankrupt") return provision.bankruptRate ?? parseRate("1");
    if (bucket === "specific:disputed") return provision.disputedRate as Rate;
    if (bucket === "specific:arrangement") return provision.arrangementRate as Rate;
    return provision.rate(entity, segment, bucket) ?? parseRate("0");
  }
}

/** Keys of the customer's accounts with a payment arrangement active on the business date. */
function accountsUnderArrangement(customer: CustomerData, businessDate: string): Set<string> {
  const keys = new Set<string>();
  for (const hold of customer.holds) {
    if (hold.kind !== "arrangement" || hold.startDate > businessDate) continue;
    if (hold.endDate !== null && hold.endDate < businessDate) continue;
    keys.add(accountKey(hold.source, hold.accountId));
  }
  return keys;
}

function compareCells(config: ResolvedConfig) {
  const order = new Map(config.provision.bands.map((band, index) => [band.label, index]));
  const rank = (bucket: string) => order.get(bucket) ?? order.size;
  return (a: AllowanceCell, b: AllowanceCell) =>
    compareCodePoints(a.entity, b.entity) ||
    compareCodePoints(a.segment, b.segment) ||
    rank(a.bucket) - rank(b.bucket) ||
    compareCodePoints(a.bucket, b.bucket);
}

/** Totals of allowance per entity and functional currency. */
export function allowanceTotals(cells: readonly Pick<AllowanceCell, "entity" | "currency" | "allowanceMinor">[]): Map<string, number> {
  const totals = new Map<string, number>();
  for (const cell of cells) {
    const key = `${cell.entity}\u0000${cell.currency}`;
    totals.set(key, (totals.get(key) ?? 0) + cell.allowanceMinor);
  }
  return totals;
}

/**
 * Journals the change of allowance per entity and functional currency: an
 * increase debits bad-debt expense and credits the allowance, a decrease the
 * reverse. `previous` is the allowance as the GL holds it before this
 * journal, so a write-off's use of the allowance is already taken off it.
 */
export function provisionJournal(
  config: ResolvedConfig,
  runId: number,
  accountingDate: string,
  previous: Map<string, number>,
  current: Map<string, number>,
): JournalLine[] {
  const keys = [...new Set([...previous.keys(), ...current.keys()])].sort();
  const lines: JournalLine[] = [];
  for (const key of keys) {
    const [entity, currency] = key.split("\u0000");
    const change = (current.get(key) ?? 0) - (previous.get(key) ?? 0);
    if (change === 0) continue;
    const expense = glAccount(config.accounting, entity, "bad_debt_expense");
    const allowance = glAccount(config.accounting, entity, "allowance");
    const dimensions = { costCentre: costCentre(config.accounting, entity) };
    const description = change > 0 ? "doubtful-debt allowance increase" : "doubtful-debt allowance release";
    const posting = { enteredCurrency: currency, rate: "1", description, ...dimensions };
    lines.push(
      ...journalLines(`R${runId}-${entity}-PROVISION`, entity, accountingDate, currency, [
        { ...posting, accountCode: expense, amountMinor: change, enteredMinor: change },
        { ...posting, accountCode: allowance, amountMinor: -change, enteredMinor: -change },
      ]),
    );
  }
  return lines;
}

/**
 * Replaces the current allowance cells with the run's cells and returns the
 * totals per entity and currency of the cells it replaced.
 */
export async function writeAllowances(
  trx: Knex.Transaction,
  runId: number,
  cells: readonly AllowanceCell[],
): Promise<Map<string, number>> {
  const previous: Record<string, any>[] = await trx("allowances").whereNull("superseded_run");
  await trx("allowances").whereNull("superseded_run").update({ superseded_run: runId });
  await insertRows(
    trx,
    "allowances",
    cells.map((cell) => ({
      entity: cell.entity,
      segment: cell.segment,
      bucket: cell.bucket,
      currency: cell.currency,
      run_id: runId,
      superseded_run: null,
      base_minor: cell.baseMinor,
      rate: cell.rate,
      allowance_minor: cell.allowanceMinor,
    })),
  );
  return allowanceTotals(
    previous.map((row) => ({ entity: row.entity, currency: row.currency, allowanceMinor: Number(row.allowance_minor) })),
  );
}
