// The journals of write-offs, recoveries and write-off reversals, per entity
// in its functional currency. Amounts are summed per source, receivable
// account, segment and item currency, then converted once per such group at
// the closing rate of the business date.
//
//   write-off   Dr allowance (up to the allowance the entity holds)
//               Dr bad-debt expense (the shortfall beyond it)
//               Cr receivable
//   recovery    Dr receivable      Cr bad-debt recovery income
//   reversal    Dr receivable      Cr allowance
//
// A recovery is a credit that the billing system applied to a written-off
// item: billing already posted Dr cash / Cr receivable for it, so dcms
// reinstates the receivable it wrote off and recognises the income, and the
// receivable nets to zero. A reversal reinstates the receivable against the
// allowance, and the night's provision then brings the allowance to what the
// matrix requires.

import type { ResolvedConfig } from "../config/resolve.ts";
import { RequestError } from "../errors.ts";
import { journalLines, type JournalLine, type Posting } from "../journal.ts";
import { convertMinor, formatMoney } from "../money.ts";
import { costCentre, glAccount } from "./gl.ts";
import type { WriteOffEvent, WriteOffEventKind } from "../../jobs/write-off.ts";

interface Group {
  entity: string;
  source: string;
  receivable: string;
  segment: string | null;
  currency: string;
  amountMinor: number;
}

/** Sums events of one kind per entity, source, receivable account, segment and currency. */
function groupEvents(config: ResolvedConfig, events: readonly WriteOffEvent[], kind: WriteOffEventKind): Map<string, Group[]> {
  const groups = new Map<string, Group>();
  for (const event of events) {
    if (event.kind !== kind) continue;
    const receivable = glAccount(config.accounting, event.entity, "receivable", {
      source: event.source,
      documentType: event.itemType,
    });
    const key = [event.entity, event.source, receivable, event.segment ?? "", event.currency].join("\u0000");
    const group = groups.get(key) ?? { entity: event.entity, source: event.source, receivable, segment: event.segment, currency: event.currency, amountMinor: 0 };
    group.amountMinor += event.amountMinor;
    groups.set(key, group);
  }
  const byEntity = new Map<string, Group[]>();
  for (const key of [...groups.keys()].sort()) {
    const group = groups.get(key)!;
    if (group.amountMinor === 0) continue;
    byEntity.set(group.entity, [...(byEntity.get(group.entity) ?? []), group]);
  }
  return byEntity;
}

interface ReceivableLines {
  postings: Posting[];
  /** Sum of the functional amounts, receivable side, signed as posted. */
  totalMinor: number;
}

/** Receivable postings of an entity's groups; `sign` +1 debits the receivable, -1 credits it. */
function receivablePostings(
  config: ResolvedConfig,
  businessDate: string,
  entity: string,
  groups: readonly Group[],
  sign: 1 | -1,
  description: string,
): ReceivableLines {
  const functional = functionalCurrency(config, entity);
  const postings: Posting[] = [];
  let totalMinor = 0;
  for (const group of groups) {
    const rate = config.closingRate(businessDate, group.currency, functional);
    if (!rate) {
      throw new RequestError(
        `no closing rate from ${group.currency} to ${functional} on or before ${businessDate}; add one under rates`,
      );
    }
    const entered = sign * group.amountMinor;
    const accounted = convertMinor(entered, group.currency, functional, rate);
    totalMinor += accounted;
    postings.push({
      accountCode: group.receivable,
      amountMinor: accounted,
      enteredCurrency: group.currency,
      enteredMinor: entered,
      rate: rate.text,
      description,
      costCentre: costCentre(config.accounting, entity, group.source),
      segment: group.segment,
    });
  }
  return { postings, totalMinor };
}

function functionalCurrency(config: ResolvedConfig, entity: string): string {
  const found = config.entities.get(entity);
  if (!found) throw new RequestError(`entity ${entity} is not configured under entities`);
  return found.functionalCurrency;
}

function counterPosting(config: ResolvedConfig, entity: string, accountCode: string, amountMinor: number, description: string): Posting {
  const currency = functionalCurrency(config, entity);
  return {
    accountCode,
    amountMinor,
    enteredCurrency: currency,
    enteredMinor: amountMinor,
    rate: "1",
    description,
    costCentre: costCentre(config.accounting, entity),
  };
}

export interface WriteOffJournals {
  lines: JournalLine[];
  /** Per entity and functional currency: the allowance the write-offs used. */
  allowanceUsed: Map<string, number>;
  /** Per entity and functional currency: the allowance that reversals reinstated. */
  allowanceReinstated: Map<string, number>;
  /** Per entity and item currency: receivable credited by write-off journals, in the item's currency. */
  receivableRemoved: Map<string, number>;
}

/**
 * Builds the night's write-off, recovery and reversal journals. `allowance`
 * is the allowance per entity and functional currency before tonight.
 * Reversals add to it, write-offs use it up to its balance, and the rest of
 * a write-off goes to bad-debt expense.
 */
export function writeOffJournals(
  config: ResolvedConfig,
  runId: number,
  businessDate: string,
  accountingDate: string,
  events: readonly WriteOffEvent[],
  allowance: ReadonlyMap<string, number>,
): WriteOffJournals {
  const result: WriteOffJournals = {
    lines: [],
    allowanceUsed: new Map(),
    allowanceReinstated: new Map(),
    receivableRemoved: new Map(),
  };
  const reversals = groupEvents(config, events, "reversal");
  const writeOffs = groupEvents(config, events, "write_off");
  const recoveries = groupEvents(config, events, "recovery");
  const entities = [...new Set([...reversals.keys(), ...writeOffs.keys(), ...recoveries.keys()])].sort();
  for (const entity of entities) {
    const currency = functionalCurrency(config, entity);
    const key = `${entity}\u0000${currency}`;
    let available = allowance.get(key) ?? 0;
    const journal = (kind: string, postings: Posting[]) =>
      result.lines.push(...journalLines(`R${runId}-${entity}-${kind}`, entity, accountingDate, currency, postings));

    const reversed = reversals.get(entity);
    if (reversed) {
      const description = "write-off reversed: receivable reinstated";
      const debit = receivablePostings(config, businessDate, entity, reversed, 1, description);
      const code = glAccount(config.accounting, entity, "allowance");
      journal("WRITEOFF-REVERSAL", [...debit.postings, counterPosting(config, entity, code, -debit.totalMinor, description)]);
      result.allowanceReinstated.set(key, debit.totalMinor);
      available += debit.totalMinor;
    }

    const written = writeOffs.get(entity);
    if (written) {
      const credit = receivablePostings(config, businessDate, entity, written, -1, "written off");
      const totalMinor = -credit.totalMinor;
      const usedMinor = Math.min(totalMinor, Math.max(0, available));
      const shortfallMinor = totalMinor - usedMinor;
      journal("WRITEOFF", [
        counterPosting(config, entity, glAccount(config.accounting, entity, "allowance"), usedMinor, "written off against the allowance"),
        counterPosting(
          config,
          entity,
          glAccount(config.accounting, entity, "bad_debt_expense"),
          shortfallMinor,
          `written off beyond the allowance of ${formatMoney(Math.max(0, available), currency)} ${currency}`,
        ),
        ...credit.postings,
      ]);
      result.allowanceUsed.set(key, usedMinor);
      for (const group of written) {
        const removedKey = `${entity}\u0000${group.currency}`;
        result.receivableRemoved.set(removedKey, (result.receivableRemoved.get(removedKey) ?? 0) + group.amountMinor);
      }
    }

    const recovered = recoveries.get(entity);
    if (recovered) {
      const description = "written-off receivable recovered";
      const debit = receivablePostings(config, businessDate, entity, recovered, 1, description);
      const code = glAccount(config.accounting, entity, "recovery_income");
      journal("RECOVERY", [...debit.postings, counterPosting(config, entity, code, -debit.totalMinor, description)]);
    }
  }
  return result;
}
