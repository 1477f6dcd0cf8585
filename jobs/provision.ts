// Pass 7, provision: the doubtful-debt allowance from the provision matrix
// (entity x segment x band) plus specific rules, on what is open after
// set-off and write-offs. Amounts convert to the entity's functional currency
// at the closing rate once per cell and currency, and the allowance is
// rounded once per cell. Only the change against the allowance last posted
// is journalled.

import type { ResolvedConfig } from "../src/config/resolve.ts";
import { bandIndex } from "../src/config/resolve.ts";
import type { CustomerData } from "../src/domain.ts";
import { accountKey } from "../src/domain.ts";
import { RequestError } from "../src/errors.ts";
import { journalLines, type JournalLine } from "../src/journal.ts";
import { applyRate, convertMinor, parseRate, type Rate } from "../src/money.ts";
import type { SetOffItem } from "./age.ts";

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

  add(customer: CustomerData, items: SetOffItem[], bankrupt: boolean): void {
    const accounts = new Map(customer.accounts.map((account) => [accountKey(account.source, account.accountId), account]));
    const provision = this.config.provision;
    for (const entry of items) {
      if (entry.remainingMinor <= 0) continue;
      const account = accounts.get(accountKey(entry.item.source, entry.item.accountId));
      if (!account) continue;
      const segment = account.segment ?? DEFAULT_SEGMENT;
      if (bankrupt) {
        this.addAmount(account.entity, segment, "specific:bankrupt", entry.item.currency, entry.remainingMinor);
        continue;
      }
      const disputed = Math.min(entry.disputedMinor, entry.remainingMinor);
      let matrixAmount = entry.remainingMinor;
      if (disputed > 0 && provision.disputedRate) {
        this.addAmount(account.entity, segment, "specific:disputed", entry.item.currency, disputed);
        matrixAmount -= disputed;
      } else if (disputed > 0 && !provision.includeDisputed) {
        matrixAmount -= disputed;
      }
      if (matrixAmount === 0) continue;
      const band = provision.bands[bandIndex(provision.bands, entry.daysPastDue)].label;
      this.addAmount(account.entity, segment, band, entry.item.currency, matrixAmount);
    }
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
    return provision.rate(entity, segment, bucket) ?? parseRate("0");
  }
}

function compareCells(config: ResolvedConfig) {
  const order = new Map(config.provision.bands.map((band, index) => [band.label, index]));
  const rank = (bucket: string) => order.get(bucket) ?? order.size;
  return (a: AllowanceCell, b: AllowanceCell) =>
    (a.entity < b.entity ? -1 : a.entity > b.entity ? 1 : 0) ||
    (a.segment < b.segment ? -1 : a.segment > b.segment ? 1 : 0) ||
    rank(a.bucket) - rank(b.bucket) ||
    (a.bucket < b.bucket ? -1 : a.bucket > b.bucket ? 1 : 0);
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
 * Journals the change of allowance per entity: an increase debits bad-debt
 * expense and credits the allowance, a decrease the reverse.
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
    const gl = config.gl.get(entity);
    if (!gl) throw new RequestError(`gl.${entity}: GL accounts are missing for entity ${entity}`);
    const description = change > 0 ? "doubtful-debt allowance increase" : "doubtful-debt allowance release";
    lines.push(
      ...journalLines(`R${runId}-${entity}-PROVISION`, entity, accountingDate, currency, [
        { accountCode: gl.badDebtExpense, amountMinor: change, enteredCurrency: currency, enteredMinor: change, rate: "1", description },
        { accountCode: gl.allowance, amountMinor: -change, enteredCurrency: currency, enteredMinor: -change, rate: "1", description },
      ]),
    );
  }
  return lines;
}
