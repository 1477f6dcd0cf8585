// Pass 2, consolidate: cross-row checks on the staged extract, the source's
// reject threshold, then the upsert of accounts, items, allocations and holds
// into the ledger, keyed by (source, natural id). Changed rows become new
// versions; accounts are linked to customers.

import type { Knex } from "knex";
import type { SourceSettings } from "../src/config/resolve.ts";
import type {
  RejectRow,
  StagedAccount,
  StagedAllocation,
  StagedHold,
  StagedItem,
} from "../src/extract.ts";
import { upsertVersioned } from "../src/ledger/versioned.ts";

export interface SourceConsolidation {
  source: string;
  status: "loaded" | "rejected";
  reason?: string;
  rowsRejected: number;
  accountsChanged: number;
  itemsChanged: number;
  customersCreated: number;
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

/** Runs the cross-row checks; rejected rows leave the staging tables. */
export async function checkStagedRows(
  trx: Knex.Transaction,
  source: string,
  entities: ReadonlySet<string>,
  rejects: RejectRow[],
): Promise<number> {
  let rejected = await checkEntities(trx, source, entities, rejects);
  for (const check of CHECKS) {
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
    }
    rejected += rows.length;
  }
  return rejected;
}

/** Rejects staged accounts whose entity column names an entity the configuration lacks. */
async function checkEntities(
  trx: Knex.Transaction,
  source: string,
  entities: ReadonlySet<string>,
  rejects: RejectRow[],
): Promise<number> {
  let rejected = 0;
  let lastFile = "";
  let lastLine = -1;
  for (;;) {
    const rows: { file: string; line: number; account_id: string; row: string }[] = await trx("stg_accounts")
      .select("file", "line", "account_id", "row")
      .where({ source })
      .andWhere((query) =>
        query.where("file", ">", lastFile).orWhere((same) => same.where("file", lastFile).andWhere("line", ">", lastLine)),
      )
      .orderBy([{ column: "file" }, { column: "line" }])
      .limit(CHUNK);
    if (rows.length === 0) return rejected;
    lastFile = rows[rows.length - 1].file;
    lastLine = Number(rows[rows.length - 1].line);
    for (const row of rows) {
      const entity = (JSON.parse(row.row) as StagedAccount).entity;
      if (entity === null || entities.has(entity)) continue;
      rejected++;
      rejects.push({
        source,
        file: row.file,
        line: Number(row.line),
        field: "entity",
        code: "entity_not_configured",
        message: `entity ${JSON.stringify(entity)} of account ${row.account_id} is not under entities in the configuration; add it there or correct the extract`,
      });
      await trx("stg_accounts").where({ source, file: row.file, line: row.line, account_id: row.account_id }).delete();
    }
  }
}

/** Normalises knex.raw results of SQLite (array) and PostgreSQL (result object). */
export function rawRows<T>(result: unknown): T[] {
  if (Array.isArray(result)) return result as T[];
  return (result as { rows: T[] }).rows;
}

export function customerRef(source: SourceSettings, account: StagedAccount): string {
  if (account.customerId) {
    return source.customerIdsGlobal ? account.customerId : `${source.name}:${account.customerId}`;
  }
  if (account.taxId) {
    const normalised = account.taxId.toUpperCase().replace(/[^A-Z0-9]/g, "");
    if (normalised) return `tax:${normalised}`;
  }
  return `${source.name}:account:${account.accountId}`;
}

async function stagedRows<T>(
  trx: Knex.Transaction,
  table: string,
  source: string,
  onChunk: (rows: T[]) => Promise<void>,
): Promise<void> {
  let lastFile = "";
  let lastLine = -1;
  for (;;) {
    const rows: { file: string; line: number; row: string }[] = await trx(table)
      .select("file", "line", "row")
      .where({ source })
      .andWhere((query) =>
        query.where("file", ">", lastFile).orWhere((same) => same.where("file", lastFile).andWhere("line", ">", lastLine)),
      )
      .orderBy([{ column: "file" }, { column: "line" }])
      .limit(CHUNK);
    if (rows.length === 0) return;
    const last = rows[rows.length - 1];
    lastFile = last.file;
    lastLine = Number(last.line);
    await onChunk(rows.map((row) => JSON.parse(row.row) as T));
  }
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
  for (const ref of missing) {
    await trx("customers").insert({ customer_ref: ref, run_id: runId });
  }
  if (missing.length > 0) {
    const created: { customer_ref: string; customer_key: number }[] = await trx("customers")
      .select("customer_ref", "customer_key")
      .whereIn("customer_ref", missing);
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

function itemColumns(item: StagedItem) {
  return {
    source: item.source,
    item_id: item.itemId,
    account_id: item.accountId,
    type: item.type,
    status: item.status,
    document_date: item.documentDate,
    due_date: item.dueDate ?? item.documentDate,
    currency: item.currency,
    amount_minor: item.amountMinor,
    applies_to: item.appliesTo,
    disputed_minor: item.disputedMinor,
    exchange_rate: item.exchangeRate,
    tax_minor: item.taxMinor,
    tax_code: item.taxCode,
    reference: item.reference,
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

export async function consolidateSource(
  trx: Knex.Transaction,
  source: SourceSettings,
  runId: number,
): Promise<Omit<SourceConsolidation, "status" | "rowsRejected">> {
  let accountsChanged = 0;
  let itemsChanged = 0;
  let customersCreated = 0;

  await stagedRows<StagedAccount>(trx, "stg_accounts", source.name, async (accounts) => {
    const refs = accounts.map((account) => customerRef(source, account));
    const { keys, created } = await customerKeys(trx, refs, runId);
    customersCreated += created;
    // An account keeps the customer it was first linked to; relinking is a merge.
    const existing = await accountKeys(trx, source.name, accounts.map((account) => account.accountId));
    const rows = accounts.map((account, index) => ({
      customer_key: existing.get(account.accountId) ?? (keys.get(refs[index]) as number),
      ...accountColumns(account, source.entity),
    }));
    const result = await upsertVersioned(
      trx,
      { table: "accounts", keyColumns: ["account_id", "source"], numbered: true },
      rows,
      runId,
    );
    accountsChanged += result.inserted;
  });

  await stagedRows<StagedItem>(trx, "stg_items", source.name, async (items) => {
    const keys = await accountKeys(trx, source.name, items.map((item) => item.accountId));
    const rows = items.map((item) => ({ customer_key: keys.get(item.accountId) as number, ...itemColumns(item) }));
    const result = await upsertVersioned(
      trx,
      { table: "items", keyColumns: ["item_id", "source"], numbered: true },
      rows,
      runId,
    );
    itemsChanged += result.inserted;
  });

  await stagedRows<StagedAllocation>(trx, "stg_allocations", source.name, async (allocations) => {
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

  await stagedRows<StagedHold>(trx, "stg_holds", source.name, async (holds) => {
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

  return { source: source.name, accountsChanged, itemsChanged, customersCreated };
}
