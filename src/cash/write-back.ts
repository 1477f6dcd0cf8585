// Write-back of what dcms originates. Each run lists its new items per
// source in postings/<source>.csv; billing books them under the same item
// id, so its next extract carries them. Until an extract does, the item
// is "awaiting write-back": dcms keeps it (an invoice it settled is not
// reopened because billing still shows it unpaid) and run.json reports it.

import type { Knex } from "knex";
import type { CashRun } from "./run-state.ts";

type Row = Record<string, any>;

/** Items that dcms posts itself: origin dcms, or a fee or interest charge. */
export function dcmsItems(db: Knex | Knex.Transaction): Knex.QueryBuilder {
  return db("items").where((query) => query.where("origin", "dcms").orWhereNotNull("dcms_charge"));
}

/**
 * Records which dcms items the staged extracts of loaded sources carry.
 * Call it after consolidation and before the staging tables are cleared.
 */
export async function confirmWriteBacks(trx: Knex.Transaction, run: CashRun): Promise<void> {
  const confirmed: Row[] = await trx.raw(
    `select distinct i.source, i.item_id from items i
       join stg_items s on s.source = i.source and s.item_id = i.item_id
      where i.superseded_run is null and (i.origin = 'dcms' or i.dcms_charge is not null)
        and not exists (select 1 from write_backs w where w.source = i.source and w.item_id = i.item_id)`,
  ).then(rowsOf);
  if (confirmed.length > 0) {
    await trx.batchInsert(
      "write_backs",
      confirmed.map((row) => ({ run_id: run.runId, superseded_run: null, source: row.source, item_id: row.item_id })),
      200,
    );
  }
  run.count("write_backs_confirmed", confirmed.length);
}

/** Counts, per source, dcms items of earlier runs that no extract has confirmed yet. */
export async function countAwaitingWriteBack(trx: Knex.Transaction, run: CashRun): Promise<void> {
  const rows: Row[] = await trx.raw(
    `select i.source, count(*) as n from items i
      where i.superseded_run is null and (i.origin = 'dcms' or i.dcms_charge is not null)
        and i.run_id < ?
        and not exists (select 1 from write_backs w where w.source = i.source and w.item_id = i.item_id)
      group by i.source order by i.source`,
    [run.runId],
  ).then(rowsOf);
  for (const row of rows) run.awaitingWriteBack[row.source] = Number(row.n);
}

function rowsOf(result: unknown): Row[] {
  return Array.isArray(result) ? (result as Row[]) : (result as { rows: Row[] }).rows;
}

/**
 * Closes dcms items that billing has taken over in a full snapshot: an
 * item awaiting write-back whose allocations link it only to items that the
 * source's snapshot closed, for its whole amount. Billing booked the
 * posting and settled those items in its own books, so it lists neither;
 * without this the payment would turn into unapplied credit.
 */
export async function closeTakenOverItems(trx: Knex.Transaction, run: CashRun, closedStatus: string): Promise<void> {
  const awaiting: Row[] = await trx("items as i")
    .where({ "i.origin": "dcms", "i.status": "posted" })
    .whereNull("i.superseded_run")
    .whereNotExists(trx("write_backs as w").select(trx.raw("1")).whereRaw("w.source = i.source and w.item_id = i.item_id"))
    .select("i.*");
  if (awaiting.length === 0) return;
  const key = (source: string, itemId: string) => `${source}\u0000${itemId}`;
  const ids = awaiting.map((row) => row.item_id as string);
  const links: Row[] = [];
  for (let start = 0; start < ids.length; start += 500) {
    const chunk = ids.slice(start, start + 500);
    links.push(
      ...(await trx("allocations")
        .whereNull("superseded_run")
        .andWhere((query) => query.whereIn("credit_item_id", chunk).orWhereIn("debit_item_id", chunk))),
    );
  }
  const linked = new Map<string, { amount: number; others: string[] }>();
  for (const link of links) {
    for (const [own, other] of [
      [link.credit_item_id, link.debit_item_id],
      [link.debit_item_id, link.credit_item_id],
    ] as const) {
      const entry = linked.get(key(link.source, own)) ?? { amount: 0, others: [] };
      entry.amount += Number(link.amount_minor);
      entry.others.push(key(link.source, other));
      linked.set(key(link.source, own), entry);
    }
  }
  const others = [...new Set([...linked.values()].flatMap((entry) => entry.others))];
  const closed = new Set<string>();
  for (let start = 0; start < others.length; start += 250) {
    const chunk = others.slice(start, start + 250).map((value) => value.split("\u0000"));
    const rows: Row[] = await trx("items")
      .whereNull("superseded_run")
      .where("status", closedStatus)
      .andWhere((query) => {
        for (const [source, itemId] of chunk) query.orWhere({ source, item_id: itemId });
      })
      .select("source", "item_id");
    for (const row of rows) closed.add(key(row.source, row.item_id));
  }
  const taken = awaiting.filter((row) => {
    const entry = linked.get(key(row.source, row.item_id));
    return entry !== undefined && entry.amount === Number(row.amount_minor) && entry.others.every((other) => closed.has(other));
  });
  for (const row of taken) {
    await trx("items").where({ source: row.source, item_id: row.item_id }).whereNull("superseded_run").update({ superseded_run: run.runId });
    await trx("items").insert({ ...row, version: Number(row.version) + 1, status: closedStatus, run_id: run.runId, superseded_run: null });
    await trx("write_backs").insert({ run_id: run.runId, superseded_run: null, source: row.source, item_id: row.item_id });
  }
  run.count("write_backs_taken_over", taken.length);
}
