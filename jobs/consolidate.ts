// Pass 2, consolidate: cross-row checks on the staged extract (customer
// links among them), the source's reject threshold, then the upsert of
// accounts, items, allocations and holds into the ledger, keyed by (source,
// natural id). Changed rows become new versions; accounts are linked to
// customers; a full snapshot closes the open items it lacks; an incremental
// source's watermark moves on with the run.

import type { Knex } from "knex";
import type { SourceSettings } from "../src/config/resolve.ts";
import type { RejectRow, StagedAccount } from "../src/extract.ts";
import { insertRows, isPostgres } from "../src/ledger/db.ts";
import { upsertVersioned } from "../src/ledger/versioned.ts";
import { closeMissingItems } from "./close-snapshot.ts";
import { ACCOUNT_STAGING, ALLOCATION_STAGING, HOLD_STAGING, stagedRows } from "../src/ledger/staging.ts";
import { KEY_KINDS, matchKeys, normaliseTaxId, planCustomerLinks } from "./link-customers.ts";

export { snapshotRejection } from "./close-snapshot.ts";

export interface SourceConsolidation {
  source: string;
  status: "loaded" | "rejected";
  reason?: string;
  rowsRejected: number;
  accountsChanged: number;
  itemsChanged: number;
  customersCreated: number;
  /** Open items closed because the snapshot lacks them. */
  itemsClosed: number;
}

const CHUNK = 500;

interface CrossRowCheck {
  table: string;
  idColumn: string;
  field: string;
  code: string;
  message: (id: string) => string;
  sql: string;
}

/** Cross-row checks, each a query returning the staged rows it rejects. */
const CHECKS: CrossRowCheck[] = [
  {
    table: "stg_accounts",
    idColumn: "account_id",
    field: "account_id",
    code: "duplicate_account_id",
    message: (id) => `account ${id} appears earlier in the same extract; keep one row per account`,
    sql: `select s.file, s.line, s.account_id as id from stg_accounts s
      where s.source = ? and exists (select 1 from stg_accounts t
        where t.source = s.source and t.account_id = s.account_id and t.line < s.line)`,
  },
  {
    table: "stg_items",
    idColumn: "item_id",
    field: "item_id",
    code: "duplicate_item_id",
    message: (id) => `item ${id} appears earlier in the same extract; item ids must be unique`,
    sql: `select s.file, s.line, s.item_id as id from stg_items s
      where s.source = ? and exists (select 1 from stg_items t
        where t.source = s.source and t.item_id = s.item_id and t.line < s.line)`,
  },
  {
    table: "stg_items",
    idColumn: "item_id",
    field: "account_id",
    code: "account_not_found",
    message: (id) => `item ${id} names an account that is neither in the accounts extract nor in the ledger`,
    sql: `select s.file, s.line, s.item_id as id from stg_items s
      where s.source = ?
        and not exists (select 1 from stg_accounts a where a.source = s.source and a.account_id = s.account_id)
        and not exists (select 1 from accounts a where a.source = s.source and a.account_id = s.account_id
          and a.superseded_run is null)`,
  },
  {
    table: "stg_allocations",
    idColumn: "item_id",
    field: "item_id",
    code: "item_not_found",
    message: (id) => `allocation of item ${id} names an item that is neither in the extract nor in the ledger`,
    sql: `select s.file, s.line, s.item_id as id from stg_allocations s
      where s.source = ?
        and not exists (select 1 from stg_items i where i.source = s.source and i.item_id = s.item_id)
        and not exists (select 1 from items i where i.source = s.source and i.item_id = s.item_id
          and i.superseded_run is null)`,
  },
  {
    table: "stg_holds",
    idColumn: "account_id",
    field: "account_id",
    code: "account_not_found",
    message: (id) => `hold for account ${id} names an account that is neither in the extract nor in the ledger`,
    sql: `select s.file, s.line, s.account_id as id from stg_holds s
      where s.source = ?
        and not exists (select 1 from stg_accounts a where a.source = s.source and a.account_id = s.account_id)
        and not exists (select 1 from accounts a where a.source = s.source and a.account_id = s.account_id
          and a.superseded_run is null)`,
  },
];

/**
 * Runs the cross-row checks; rejected rows leave the staging tables. Accounts
 * are checked first (entity, duplicates, customer links), so that the items
 * and holds of a rejected account are rejected in turn.
 */
export async function checkStagedRows(
  trx: Knex.Transaction,
  settings: SourceSettings,
  entities: ReadonlySet<string>,
  rejects: RejectRow[],
): Promise<number> {
  const source = settings.name;
  await analyzeLoaded(trx, ["stg_accounts", "stg_items", "stg_allocations", "stg_holds"]);
  const [duplicates, ...others] = CHECKS;
  let rejected = await checkEntities(trx, source, entities, rejects);
  rejected += await runCheck(trx, source, duplicates, rejects);
  rejected += await planCustomerLinks(trx, settings, rejects, (account) => customerRef(settings, account));
  for (const check of others) rejected += await runCheck(trx, source, check, rejects);
  rejected += await checkAllocationTargets(trx, source, rejects);
  return rejected;
}

/** Rejects staged allocations whose applies_to names no item of the source. */
async function checkAllocationTargets(trx: Knex.Transaction, source: string, rejects: RejectRow[]): Promise<number> {
  let rejected = 0;
  await stagedRows(trx, ALLOCATION_STAGING, source, async (allocations) => {
    const targets = [...new Set(allocations.map((allocation) => allocation.appliesTo))];
    const staged: { item_id: string }[] = await trx("stg_items").select("item_id").where({ source }).whereIn("item_id", targets);
    const stored: { item_id: string }[] = await trx("items")
      .select("item_id")
      .where({ source })
      .whereIn("item_id", targets)
      .whereNull("superseded_run");
    const known = new Set([...staged, ...stored].map((row) => row.item_id));
    for (const allocation of allocations) {
      if (known.has(allocation.appliesTo)) continue;
      rejected++;
      rejects.push({
        source,
        file: allocation.file,
        line: allocation.line,
        field: "applies_to",
        code: "item_not_found",
        message: `allocation of item ${allocation.itemId} applies to item ${allocation.appliesTo}, which is neither in the extract nor in the ledger`,
      });
      await trx("stg_allocations")
        .where({ source, file: allocation.file, line: allocation.line, item_id: allocation.itemId })
        .delete();
    }
  });
  return rejected;
}

async function runCheck(
  trx: Knex.Transaction,
  source: string,
  check: CrossRowCheck,
  rejects: RejectRow[],
): Promise<number> {
  const rows = rawRows<{ file: string; line: number; id: string }>(await trx.raw(check.sql, [source]));
  for (const row of rows) {
    rejects.push({
      source,
      file: row.file,
      line: Number(row.line),
      field: check.field,
      code: check.code,
      message: check.message(row.id),
    });
    await trx(check.table).where({ source, file: row.file, line: row.line, [check.idColumn]: row.id }).delete();
    // The item's row is in the extract, so a snapshot does not close it.
    if (check.table === "stg_items") await trx("stg_rejected_items").insert({ source, item_id: row.id });
  }
  return rows.length;
}

/** Rejects staged accounts whose entity column names an entity the configuration lacks. */
async function checkEntities(
  trx: Knex.Transaction,
  source: string,
  entities: ReadonlySet<string>,
  rejects: RejectRow[],
): Promise<number> {
  const query = trx("stg_accounts")
    .select("file", "line", "account_id", "entity")
    .where({ source })
    .whereNotNull("entity")
    .orderBy([{ column: "file" }, { column: "line" }]);
  if (entities.size > 0) query.whereNotIn("entity", [...entities]);
  const rows: { file: string; line: number; account_id: string; entity: string }[] = await query;
  for (const row of rows) {
    rejects.push({
      source,
      file: row.file,
      line: Number(row.line),
      field: "entity",
      code: "entity_not_configured",
      message: `entity ${JSON.stringify(row.entity)} of account ${row.account_id} is not under entities in the configuration; add it there or correct the extract`,
    });
    await trx("stg_accounts").where({ source, file: row.file, line: row.line, account_id: row.account_id }).delete();
  }
  return rows.length;
}

/** Normalises knex.raw results of SQLite (array) and PostgreSQL (result object). */
export function rawRows<T>(result: unknown): T[] {
  if (Array.isArray(result)) return result as T[];
  return (result as { rows: T[] }).rows;
}

/**
 * Returns the ref of the customer that a new account starts when no
 * existing customer claims it (see link-customers.ts): its customer id,
 * prefixed with the source unless the source's ids are global; else
 * tax:<normalised tax id>; else a customer of the account alone.
 */
export function customerRef(source: SourceSettings, account: StagedAccount): string {
  if (account.customerId) {
    return source.customerIdsGlobal ? account.customerId : `${source.name}:${account.customerId}`;
  }
  const taxId = normaliseTaxId(account.taxId);
  if (taxId) return `tax:${taxId}`;
  return `${source.name}:account:${account.accountId}`;
}

/** Returns the customer keys of customer refs, creating customers that are new. */
async function customerKeys(
  trx: Knex.Transaction,
  refs: string[],
  runId: number,
): Promise<{ keys: Map<string, number>; created: number }> {
  const unique = [...new Set(refs)];
  const keys = new Map<string, number>();
  const found: { customer_ref: string; customer_key: number }[] = await trx("customers")
    .select("customer_ref", "customer_key")
    .whereIn("customer_ref", unique);
  for (const row of found) keys.set(row.customer_ref, Number(row.customer_key));
  const missing = unique.filter((ref) => !keys.has(ref)).sort();
  // Customer keys are handed out in ref order within the chunk.
  await insertRows(trx, "customers", missing.map((ref) => ({ customer_ref: ref, run_id: runId })));
  for (let start = 0; start < missing.length; start += CHUNK) {
    const created: { customer_ref: string; customer_key: number }[] = await trx("customers")
      .select("customer_ref", "customer_key")
      .whereIn("customer_ref", missing.slice(start, start + CHUNK));
    for (const row of created) keys.set(row.customer_ref, Number(row.customer_key));
  }
  return { keys, created: missing.length };
}

function accountColumns(account: StagedAccount, entity: string) {
  return {
    source: account.source,
    account_id: account.accountId,
    customer_id: account.customerId,
    entity: account.entity ?? entity,
    segment: account.segment,
    status: account.status,
    currency: account.currency,
    name: account.name,
    country: account.country,
    language: account.language,
    email: account.email,
    phone: account.phone,
    address_line1: account.addressLine1,
    address_line2: account.addressLine2,
    city: account.city,
    postal_code: account.postalCode,
    region: account.region,
    tax_id: account.taxId,
    autopay: account.autopay,
    iban: account.iban,
    mandate_id: account.mandateId,
    mandate_date: account.mandateDate,
    credit_limit_minor: account.creditLimitMinor,
    channel: account.channel,
  };
}

/** Returns the customer keys of accounts of a source that are in the ledger. */
async function accountKeys(
  trx: Knex.Transaction,
  source: string,
  accountIds: string[],
): Promise<Map<string, number>> {
  const keys = new Map<string, number>();
  const unique = [...new Set(accountIds)];
  for (let start = 0; start < unique.length; start += CHUNK) {
    const rows: { account_id: string; customer_key: number }[] = await trx("accounts")
      .select("account_id", "customer_key")
      .where({ source })
      .whereIn("account_id", unique.slice(start, start + CHUNK))
      .whereNull("superseded_run");
    for (const row of rows) keys.set(row.account_id, Number(row.customer_key));
  }
  return keys;
}

interface PlannedLink {
  account_id: string;
  customer_key: number | null;
  customer_ref: string | null;
  rule: string;
  matched_source: string | null;
  matched_account_id: string | null;
}

/**
 * Upserts a chunk of staged accounts: existing accounts keep their customer
 * (relinking is a merge), new ones join the customer planned for them, and
 * every account's match keys are stored for the accounts that come later.
 */
async function consolidateAccounts(
  trx: Knex.Transaction,
  source: SourceSettings,
  accounts: StagedAccount[],
  runId: number,
): Promise<{ changed: number; created: number }> {
  const ids = accounts.map((account) => account.accountId);
  const existing = await accountKeys(trx, source.name, ids);
  const planned = new Map<string, PlannedLink>();
  for (let start = 0; start < ids.length; start += CHUNK) {
    const links: PlannedLink[] = await trx("stg_links")
      .where({ source: source.name })
      .whereIn("account_id", ids.slice(start, start + CHUNK));
    for (const link of links) planned.set(link.account_id, link);
  }
  const newRefs = [...planned.values()].flatMap((link) => (link.customer_key === null ? [link.customer_ref as string] : []));
  const { keys, created } = await customerKeys(trx, newRefs, runId);
  const keyOf = (account: StagedAccount): number => {
    const kept = existing.get(account.accountId);
    if (kept !== undefined) return kept;
    const link = planned.get(account.accountId);
    if (!link) throw new Error(`account ${account.accountId} of source ${source.name} has no planned customer`);
    return link.customer_key === null ? (keys.get(link.customer_ref as string) as number) : Number(link.customer_key);
  };
  const rows = accounts.map((account) => ({ customer_key: keyOf(account), ...accountColumns(account, source.entity) }));
  const result = await upsertVersioned(
    trx,
    { table: "accounts", keyColumns: ["account_id", "source"], numbered: true },
    rows,
    runId,
  );
  await upsertVersioned(
    trx,
    { table: "account_match_keys", keyColumns: ["account_id", "source", "kind"], numbered: false },
    accounts.flatMap((account, index) => {
      const values = new Map(matchKeys(source, account).map((key) => [key.kind, key.value]));
      return KEY_KINDS.map((kind) => ({
        customer_key: rows[index].customer_key,
        source: source.name,
        account_id: account.accountId,
        kind,
        value: values.get(kind) ?? null,
      }));
    }),
    runId,
  );
  await recordLinks(trx, source.name, accounts, planned, keyOf, runId);
  return { changed: result.inserted, created };
}

/** Writes a customer_links row for every account linked in this run. */
async function recordLinks(
  trx: Knex.Transaction,
  source: string,
  accounts: StagedAccount[],
  planned: Map<string, PlannedLink>,
  keyOf: (account: StagedAccount) => number,
  runId: number,
): Promise<void> {
  const linked = accounts.filter((account) => planned.has(account.accountId));
  if (linked.length === 0) return;
  const customerKeysLinked = [...new Set(linked.map(keyOf))];
  const refs = new Map<number, string>();
  for (let start = 0; start < customerKeysLinked.length; start += CHUNK) {
    const rows: { customer_key: number; customer_ref: string }[] = await trx("customers")
      .select("customer_key", "customer_ref")
      .whereIn("customer_key", customerKeysLinked.slice(start, start + CHUNK));
    for (const row of rows) refs.set(Number(row.customer_key), row.customer_ref);
  }
  await insertRows(
    trx,
    "customer_links",
    linked.map((account) => {
      const link = planned.get(account.accountId) as PlannedLink;
      const customerKey = keyOf(account);
      return {
        run_id: runId,
        customer_key: customerKey,
        source,
        account_id: account.accountId,
        customer_ref: refs.get(customerKey) ?? "",
        rule: link.rule,
        matched_source: link.matched_source,
        matched_account_id: link.matched_account_id,
      };
    }),
  );
}

export async function consolidateSource(
  trx: Knex.Transaction,
  source: SourceSettings,
  runId: number,
): Promise<Omit<SourceConsolidation, "status" | "rowsRejected">> {
  let accountsChanged = 0;
  let customersCreated = 0;

  await stagedRows(trx, ACCOUNT_STAGING, source.name, async (accounts) => {
    const result = await consolidateAccounts(trx, source, accounts, runId);
    accountsChanged += result.changed;
    customersCreated += result.created;
  });

  await analyzeLoaded(trx, ["accounts", "items"]);
  const itemsChanged = await consolidateItems(trx, source.name, runId);

  await stagedRows(trx, ALLOCATION_STAGING, source.name, async (allocations) => {
    const itemAccounts: { item_id: string; customer_key: number }[] = await trx("items")
      .select("item_id", "customer_key")
      .where({ source: source.name })
      .whereIn("item_id", [...new Set(allocations.map((allocation) => allocation.itemId))])
      .whereNull("superseded_run");
    const keys = new Map(itemAccounts.map((row) => [row.item_id, Number(row.customer_key)]));
    const rows = allocations.map((allocation) => ({
      customer_key: keys.get(allocation.itemId) as number,
      source: allocation.source,
      item_id: allocation.itemId,
      applies_to: allocation.appliesTo,
      amount_minor: allocation.amountMinor,
      date: allocation.date,
    }));
    await upsertVersioned(
      trx,
      { table: "source_allocations", keyColumns: ["item_id", "source", "applies_to"], numbered: false },
      rows,
      runId,
    );
  });

  await stagedRows(trx, HOLD_STAGING, source.name, async (holds) => {
    const keys = await accountKeys(trx, source.name, holds.map((hold) => hold.accountId));
    const rows = holds.map((hold) => ({
      customer_key: keys.get(hold.accountId) as number,
      source: hold.source,
      account_id: hold.accountId,
      kind: hold.kind,
      start_date: hold.startDate,
      end_date: hold.endDate,
      reason: hold.reason,
      promised_minor: hold.promisedMinor,
      promised_date: hold.promisedDate,
      origin: "extract",
    }));
    await upsertVersioned(
      trx,
      { table: "holds", keyColumns: ["account_id", "source", "kind", "start_date"], numbered: false },
      rows,
      runId,
    );
  });

  const itemsClosed = await closeMissingItems(trx, source, runId);
  const watermarks: { query: string; watermark: string }[] = await trx("stg_watermarks")
    .select("query", "watermark")
    .where({ source: source.name });
  await insertRows(
    trx,
    "source_watermarks",
    watermarks.map((row) => ({ run_id: runId, source: source.name, ...row })),
  );

  return { source: source.name, accountsChanged, itemsChanged, customersCreated, itemsClosed };
}

/**
 * Ledger columns of an item and what fills them from a staged item (s) and
 * the current version of its account (a). A staged item without a due date
 * is due on its document date.
 */
const ITEM_VALUES: readonly (readonly [column: string, staged: string])[] = [
  ["customer_key", "a.customer_key"],
  ["source", "s.source"],
  ["item_id", "s.item_id"],
  ["account_id", "s.account_id"],
  ["type", "s.type"],
  ["status", "s.status"],
  ["document_date", "s.document_date"],
  ["due_date", "coalesce(s.due_date, s.document_date)"],
  ["currency", "s.currency"],
  ["amount_minor", "s.amount_minor"],
  ["applies_to", "s.applies_to"],
  ["disputed_minor", "s.disputed_minor"],
  ["exchange_rate", "s.exchange_rate"],
  ["tax_minor", "s.tax_minor"],
  ["tax_code", "s.tax_code"],
  ["reference", "s.reference"],
];

/** Staged items of one source (s) with the current version of their account (a). */
const STAGED_ITEMS = `stg_items s
  left join accounts a on a.source = s.source and a.account_id = s.account_id and a.superseded_run is null`;

/**
 * Writes the staged items of a source into the ledger set-based, with the
 * rules of upsertVersioned: an item equal to its current version in every
 * column it is staged with stays as it is. First the run supersedes the
 * current version of every changed item. Then every staged item without a
 * current version gets one, numbered one above the version it replaces.
 * Duplicate item ids were rejected by the cross-row checks, so each item id
 * is staged once. Returns the number of versions written.
 */
async function consolidateItems(trx: Knex.Transaction, source: string, runId: number): Promise<number> {
  const columns = ITEM_VALUES.map(([column]) => column).join(", ");
  const values = ITEM_VALUES.map(([, staged]) => staged).join(", ");
  const known: unknown[] = await trx("items").select("item_id").where({ source }).limit(1);
  if (known.length === 0) {
    // A source's first load: every item is new and starts at version 1.
    // Looking items up row by row here would also make PostgreSQL scan the
    // rows that this very statement inserts, once for every staged row.
    const written = await trx.raw(
      `insert into items (${columns}, version, run_id)
        select ${values}, 1, cast(? as bigint) from ${STAGED_ITEMS}
        where s.source = ? order by s.file, s.line`,
      [runId, source],
    );
    return affectedRows(written);
  }
  const same = ITEM_VALUES.map(([column, staged]) => `items.${column} is not distinct from ${staged}`).join(" and ");
  await trx.raw(
    `update items set superseded_run = ?
      where source = ? and superseded_run is null
        and exists (select 1 from ${STAGED_ITEMS}
          where s.source = items.source and s.item_id = items.item_id and not (${same}))`,
    [runId, source],
  );
  const written = await trx.raw(
    `insert into items (${columns}, version, run_id)
      select ${values},
        coalesce((select max(p.version) from items p
          where p.source = s.source and p.item_id = s.item_id and p.superseded_run = ?), 0) + 1,
        cast(? as bigint)
      from ${STAGED_ITEMS}
      where s.source = ?
        and not exists (select 1 from items i
          where i.source = s.source and i.item_id = s.item_id and i.superseded_run is null)
      order by s.file, s.line`,
    [runId, runId, source],
  );
  return affectedRows(written);
}

/**
 * Refreshes PostgreSQL's statistics of tables that this run has filled.
 * Autovacuum cannot see the rows of an open transaction, so the planner
 * took a table just loaded for nearly empty and joined it with nested loops
 * over every row, which took 10 s for 33,000 staged items on PostgreSQL 15.
 * ANALYZE inside the transaction counts the transaction's own rows. SQLite
 * plans from its indexes alone and needs none of this.
 */
async function analyzeLoaded(trx: Knex.Transaction, tables: readonly string[]): Promise<void> {
  if (!isPostgres(trx)) return;
  await trx.raw(`analyze ${tables.join(", ")}`);
}

/** Returns how many rows an INSERT, UPDATE or DELETE through knex.raw changed, on SQLite and PostgreSQL. */
function affectedRows(result: unknown): number {
  const { changes, rowCount } = result as { changes?: number; rowCount?: number | null };
  return Number(changes ?? rowCount ?? 0);
}
