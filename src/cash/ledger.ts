// Ledger reads and writes of cash application: items that dcms originates,
// new versions of versioned rows, and the candidates a bank payment may pay.

import { createHash } from "node:crypto";
import type { Knex } from "knex";
import { insertRows } from "../ledger/db.ts";
import type { ItemType } from "../extract.ts";
import { normaliseIban, remittanceCandidates, type BankPayment, type MatchCandidates } from "./bank-match.ts";

type Row = Record<string, any>;
const CHUNK = 500;

/** An item that dcms originates in a billing source's account. */
export interface DcmsItem {
  customerKey: number;
  source: string;
  itemId: string;
  accountId: string;
  type: ItemType;
  documentDate: string;
  dueDate: string;
  currency: string;
  amountMinor: number;
  appliesTo: string | null;
  reference: string | null;
  remittance: string | null;
}

/** Returns a short, stable id part for a key: the first 20 hex digits of its SHA-256, in capitals. */
export function shortHash(key: string): string {
  return createHash("sha256").update(key).digest("hex").slice(0, 20).toUpperCase();
}

export async function insertDcmsItems(trx: Knex.Transaction, runId: number, items: readonly DcmsItem[]): Promise<void> {
  await insertRows(
    trx,
    "items",
    items.map((item) => ({
      customer_key: item.customerKey,
      source: item.source,
      item_id: item.itemId,
      version: 1,
      run_id: runId,
      superseded_run: null,
      account_id: item.accountId,
      type: item.type,
      status: "posted",
      document_date: item.documentDate,
      due_date: item.dueDate,
      currency: item.currency,
      amount_minor: item.amountMinor,
      applies_to: item.appliesTo,
      disputed_minor: 0,
      exchange_rate: null,
      tax_minor: null,
      tax_code: null,
      reference: item.reference?.slice(0, 100) ?? null,
      origin: "dcms",
      remittance: item.remittance?.slice(0, 500) ?? null,
    })),
  );
}

/**
 * Writes a new version of the current row that matches `where`: the old one
 * is marked superseded by the run and a copy with the changes is inserted.
 */
export async function replaceCurrent(
  trx: Knex.Transaction,
  table: string,
  where: Row,
  changes: Row,
  runId: number,
): Promise<void> {
  const current: Row | undefined = await trx(table).where(where).whereNull("superseded_run").first();
  if (!current) return;
  await trx(table).where(where).whereNull("superseded_run").update({ superseded_run: runId });
  await trx(table).insert({ ...current, ...changes, run_id: runId, superseded_run: null });
}

/** Runs a whereIn query over values in chunks and concatenates the rows. */
export async function chunkedIn(
  values: readonly string[],
  query: (chunk: string[]) => Promise<Row[]>,
): Promise<Row[]> {
  const unique = [...new Set(values)];
  const rows: Row[] = [];
  for (let start = 0; start < unique.length; start += CHUNK) {
    rows.push(...(await query(unique.slice(start, start + CHUNK))));
  }
  return rows;
}

/**
 * Loads the accounts and items of the given billing sources and entity that
 * the payments may pay: items whose id or reference is a word of a
 * remittance, accounts whose id is one, and accounts with a debtor's IBAN.
 */
export async function loadMatchCandidates(
  trx: Knex.Transaction,
  payments: readonly BankPayment[],
  sources: readonly string[],
  entity: string,
  businessDate: string,
  reviewHolds: readonly string[],
): Promise<MatchCandidates> {
  const words = payments.flatMap((payment) => remittanceCandidates(payment.remittance));
  const ibans = payments.flatMap((payment) =>
    payment.debtorIban ? [payment.debtorIban, normaliseIban(payment.debtorIban)] : [],
  );
  const currentItems = () => trx("items").whereIn("source", sources).whereNull("superseded_run").where("status", "posted");
  const items = [
    ...(await chunkedIn(words, (chunk) => currentItems().whereIn("item_id", chunk).select("source", "account_id", "item_id", "reference"))),
    ...(await chunkedIn(words, (chunk) => currentItems().whereIn("reference", chunk).select("source", "account_id", "item_id", "reference"))),
  ];
  const currentAccounts = () => trx("accounts").whereIn("source", sources).whereNull("superseded_run").where("entity", entity);
  const accountRows = [
    ...(await chunkedIn(words, (chunk) => currentAccounts().whereIn("account_id", chunk))),
    ...(await chunkedIn(ibans, (chunk) => currentAccounts().whereIn("iban", chunk))),
    ...(await chunkedIn(
      items.map((item) => item.account_id as string),
      (chunk) => currentAccounts().whereIn("account_id", chunk),
    )),
  ];
  const unique = new Map<string, Row>();
  for (const row of accountRows) unique.set(`${row.source}\u0000${row.account_id}`, row);
  const reviewed = await accountsUnderReview(trx, [...unique.values()], businessDate, reviewHolds);
  return {
    items: items.map((row) => ({ source: row.source, accountId: row.account_id, itemId: row.item_id, reference: row.reference })),
    accounts: [...unique.values()].map((row) => ({
      customerKey: Number(row.customer_key),
      source: row.source,
      accountId: row.account_id,
      entity: row.entity,
      status: row.status,
      currency: row.currency,
      iban: row.iban,
      underReview: reviewed.has(`${row.source}\u0000${row.account_id}`),
    })),
  };
}

async function accountsUnderReview(
  trx: Knex.Transaction,
  accounts: Row[],
  businessDate: string,
  reviewHolds: readonly string[],
): Promise<Set<string>> {
  const flagged = new Set<string>();
  if (reviewHolds.length === 0 || accounts.length === 0) return flagged;
  const keys = [...new Set(accounts.map((row) => Number(row.customer_key)))].map(String);
  const holds = await chunkedIn(keys, (chunk) =>
    trx("holds")
      .whereIn("customer_key", chunk.map(Number))
      .whereNull("superseded_run")
      .whereIn("kind", reviewHolds)
      .where("start_date", "<=", businessDate)
      .andWhere((query) => query.whereNull("end_date").orWhere("end_date", ">=", businessDate)),
  );
  for (const hold of holds) flagged.add(`${hold.source}\u0000${hold.account_id}`);
  return flagged;
}
