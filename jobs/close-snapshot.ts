// Full snapshots: a source in snapshot mode lists every open item each
// night, so an open item of the source that its new extract lacks has been
// settled or removed in billing. Such an item gets a new version with the
// status closed, which counts nowhere (aging, dunning and provision read
// posted items only), and an item_closures row with the reason. An item
// whose row is in the extract but was rejected is not missing.

import type { Knex } from "knex";
import type { SourceSettings } from "../src/config/resolve.ts";
import { maxCloseShare, sourceMode } from "../src/config/sources.ts";
import { insertRows } from "../src/ledger/db.ts";
import { upsertVersioned } from "../src/ledger/versioned.ts";

/** Ledger status of an item that a full snapshot no longer lists. */
export const CLOSED_STATUS = "closed";

export const CLOSURE_REASON = "missing from snapshot";

const CHUNK = 500;

/**
 * Columns that mark items dcms itself posted (fees, interest, bank and agency
 * payments). Billing never lists them, so a snapshot does not close them.
 */
const DCMS_ITEM_COLUMNS = ["origin", "dcms_charge"];

/**
 * Returns a builder of the current posted items of a source that came from
 * its extracts. (A query builder is awaitable, so it cannot be the value of
 * a promise without running.)
 */
async function openExtractedItems(trx: Knex.Transaction, source: string): Promise<() => Knex.QueryBuilder> {
  const dcmsColumns: string[] = [];
  for (const column of DCMS_ITEM_COLUMNS) {
    if (await trx.schema.hasColumn("items", column)) dcmsColumns.push(column);
  }
  return () => {
    const query = trx("items as i").where({ "i.source": source, "i.status": "posted" }).whereNull("i.superseded_run");
    for (const column of dcmsColumns) query.whereNull(`i.${column}`);
    return query;
  };
}

/** Narrows a query on items as i to those the staged extract of the source lacks. */
function missingFromExtract(query: Knex.QueryBuilder, trx: Knex.Transaction): Knex.QueryBuilder {
  return query
    .whereNotExists(
      trx("stg_items as s").select(trx.raw("1")).whereRaw("s.source = i.source and s.item_id = i.item_id"),
    )
    .whereNotExists(
      trx("stg_rejected_items as r").select(trx.raw("1")).whereRaw("r.source = i.source and r.item_id = i.item_id"),
    );
}

/**
 * Returns why a snapshot must be rejected as probably truncated: it would
 * close more than max_close_share of the source's open items. Null when the
 * source is no snapshot or the share is within bounds.
 */
export async function snapshotRejection(trx: Knex.Transaction, source: SourceSettings): Promise<string | null> {
  if (sourceMode(source.config) !== "snapshot") return null;
  const openItems = await openExtractedItems(trx, source.name);
  const [open] = await openItems().count({ n: "*" });
  const openCount = Number(open.n);
  if (openCount === 0) return null;
  const [missing] = await missingFromExtract(openItems(), trx).count({ n: "*" });
  const missingCount = Number(missing.n);
  const limit = maxCloseShare(source.config);
  if (missingCount <= limit * openCount) return null;
  return (
    `the snapshot lacks ${missingCount} of the source's ${openCount} open items, more than ` +
    `max_close_share ${limit}; the extract is probably truncated, so it was not loaded`
  );
}

/** Closes the open items of a snapshot source that its extract lacks; returns how many. */
export async function closeMissingItems(trx: Knex.Transaction, source: SourceSettings, runId: number): Promise<number> {
  if (sourceMode(source.config) !== "snapshot") return 0;
  const openItems = await openExtractedItems(trx, source.name);
  let closed = 0;
  let lastId = "";
  for (;;) {
    const query = missingFromExtract(openItems(), trx)
      .select("i.*")
      .where("i.item_id", ">", lastId)
      .orderBy("i.item_id")
      .limit(CHUNK);
    const rows: Record<string, unknown>[] = await query;
    if (rows.length === 0) return closed;
    lastId = rows[rows.length - 1].item_id as string;
    const versions = rows.map((row) => {
      const { version: _version, run_id: _run, superseded_run: _superseded, ...columns } = row;
      return { ...columns, status: CLOSED_STATUS };
    });
    await upsertVersioned(trx, { table: "items", keyColumns: ["item_id", "source"], numbered: true }, versions, runId);
    await insertRows(
      trx,
      "item_closures",
      rows.map((row) => ({
        run_id: runId,
        customer_key: row.customer_key,
        source: source.name,
        item_id: row.item_id,
        version: Number(row.version) + 1,
        reason: CLOSURE_REASON,
      })),
    );
    closed += rows.length;
  }
}
