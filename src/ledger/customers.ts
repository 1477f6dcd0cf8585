// Reads customers in key order, a batch at a time, with everything the
// planners need. Memory is bounded by the batch, not by the ledger.

import type { Knex } from "knex";
import type { AccountState, CustomerData, Hold, LedgerAccount, LedgerItem, SourceAllocation } from "../domain.ts";
import { accountKey } from "../domain.ts";

export const CUSTOMER_BATCH = 500;

type Db = Knex | Knex.Transaction;

/**
 * Yields batches of customers with keys above the last one read: every
 * customer, or with queuedOnly those listed in stg_review.
 */
export async function* customerBatches(
  db: Db,
  businessDate: string,
  batchSize = CUSTOMER_BATCH,
  queuedOnly = false,
): AsyncGenerator<CustomerData[]> {
  let lastKey = 0;
  for (;;) {
    const query = db("customers as c")
      .select("c.customer_key", "c.customer_ref")
      .where("c.customer_key", ">", lastKey)
      .orderBy("c.customer_key")
      .limit(batchSize);
    if (queuedOnly) query.join("stg_review as r", "r.customer_key", "c.customer_key");
    const rows: { customer_key: number; customer_ref: string }[] = await query;
    if (rows.length === 0) return;
    lastKey = Number(rows[rows.length - 1].customer_key);
    yield await loadCustomers(db, rows, businessDate);
  }
}

export async function loadCustomers(
  db: Db,
  customers: { customer_key: number; customer_ref: string }[],
  businessDate: string,
): Promise<CustomerData[]> {
  const keys = customers.map((row) => Number(row.customer_key));
  const byKey = new Map<number, CustomerData>();
  for (const row of customers) {
    byKey.set(Number(row.customer_key), {
      customerKey: Number(row.customer_key),
      customerRef: row.customer_ref,
      accounts: [],
      items: [],
      sourceAllocations: [],
      holds: [],
      states: new Map(),
    });
  }
  const current = (table: string) => db(table).whereIn("customer_key", keys).whereNull("superseded_run");

  for (const row of await current("accounts").orderBy(["source", "account_id"])) {
    const customer = byKey.get(Number(row.customer_key)) as CustomerData;
    customer.accounts.push(toAccount(row, customer.customerRef));
  }
  const items = await current("items")
    .where("status", "posted")
    .where("document_date", "<=", businessDate)
    .orderBy(["source", "item_id"]);
  for (const row of items) byKey.get(Number(row.customer_key))?.items.push(toItem(row));
  for (const row of await current("source_allocations").orderBy(["source", "item_id", "applies_to"])) {
    byKey.get(Number(row.customer_key))?.sourceAllocations.push(toSourceAllocation(row));
  }
  for (const row of await current("holds").orderBy(["source", "account_id", "kind", "start_date"])) {
    byKey.get(Number(row.customer_key))?.holds.push(toHold(row));
  }
  for (const row of await current("account_state")) {
    const state = toState(row);
    byKey.get(Number(row.customer_key))?.states.set(accountKey(state.source, state.accountId), state);
  }
  return [...byKey.values()];
}

type Row = Record<string, any>;

function toAccount(row: Row, customerRef: string): LedgerAccount {
  return {
    customerKey: Number(row.customer_key),
    customerRef,
    source: row.source,
    accountId: row.account_id,
    customerId: row.customer_id,
    entity: row.entity,
    segment: row.segment,
    status: row.status,
    currency: row.currency,
    language: row.language,
    country: row.country,
    channel: row.channel,
    autopay: Boolean(row.autopay),
    contact: {
      name: row.name,
      addressLine1: row.address_line1,
      addressLine2: row.address_line2,
      postalCode: row.postal_code,
      city: row.city,
      region: row.region,
    },
  };
}

function toItem(row: Row): LedgerItem {
  return {
    source: row.source,
    itemId: row.item_id,
    accountId: row.account_id,
    type: row.type,
    documentDate: row.document_date,
    dueDate: row.due_date,
    currency: row.currency,
    amountMinor: Number(row.amount_minor),
    appliesTo: row.applies_to,
    disputedMinor: Number(row.disputed_minor),
    reference: row.reference,
    kind: row.dcms_charge ?? null,
    origin: row.origin ?? null,
    remittance: row.remittance ?? null,
  };
}

function toSourceAllocation(row: Row): SourceAllocation {
  return {
    source: row.source,
    itemId: row.item_id,
    appliesTo: row.applies_to,
    amountMinor: Number(row.amount_minor),
    date: row.date,
  };
}

function toHold(row: Row): Hold {
  return {
    source: row.source,
    accountId: row.account_id,
    kind: row.kind,
    startDate: row.start_date,
    endDate: row.end_date,
    promisedMinor: row.promised_minor === null ? null : Number(row.promised_minor),
    promisedDate: row.promised_date,
  };
}

function toState(row: Row): AccountState {
  return {
    source: row.source,
    accountId: row.account_id,
    strategy: row.strategy,
    level: Number(row.level),
    stage: row.stage,
    since: row.since,
    suspended: Boolean(row.suspended),
    agency: row.agency,
  };
}
