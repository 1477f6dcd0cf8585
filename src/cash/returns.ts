// Returns and rejections: a direct debit that the bank rejected (pain.002)
// or returned (camt.054 with a return reason), and a bank payment taken back
// (chargeback, returned transfer), become a payment_reversal of the payment
// that dcms booked. The reversed payment no longer settles what it paid, so
// those items are open again and age from their own due dates.

import type { Knex } from "knex";
import type { BankEntry } from "../../connectors/bank/camt.ts";
import { maxDate } from "../dates.ts";
import { insertRows } from "../ledger/db.ts";
import { insertDcmsItems, replaceCurrent } from "./ledger.ts";
import type { CashRun } from "./run-state.ts";

type Row = Record<string, any>;

export interface ReversalItem {
  source: string;
  itemId: string;
}

async function accountEntity(trx: Knex.Transaction, source: string, accountId: string): Promise<string> {
  const account = await trx("accounts").where({ source, account_id: accountId }).whereNull("superseded_run").first();
  return account.entity as string;
}

/** Books a reversal of a payment item and its journal Dr receivable / Cr bank (or suspense). */
async function bookReversal(
  trx: Knex.Transaction,
  run: CashRun,
  payment: Row,
  amountMinor: number,
  date: string,
  entity: string,
  description: string,
): Promise<ReversalItem> {
  const itemId = `RV-${payment.item_id}`.slice(0, 100);
  const amount = Math.min(amountMinor, Number(payment.amount_minor));
  // Dated no earlier than the payment, so that the reversal never shows
  // before the payment it cancels and reads as a debt of its own.
  const documentDate = maxDate(date, payment.document_date);
  await insertDcmsItems(trx, run.runId, [
    {
      customerKey: Number(payment.customer_key),
      source: payment.source,
      itemId,
      accountId: payment.account_id,
      type: "payment_reversal",
      documentDate,
      dueDate: documentDate,
      currency: payment.currency,
      amountMinor: amount,
      appliesTo: payment.item_id,
      reference: payment.reference,
      remittance: null,
    },
  ]);
  run.journal({
    entity,
    currency: payment.currency,
    amountMinor: amount,
    debit: "receivable",
    credit: "bank",
    description: `${description}: ${itemId} reverses ${payment.item_id} of ${payment.source}/${payment.account_id}`,
  });
  return { source: payment.source, itemId };
}

/**
 * Reverses the collection with an end-to-end id, once: a rejection
 * (pain.002) or return (camt.054). A stop reason ends autopay for the
 * account. Returns null when no collection has that id.
 */
export async function reverseCollection(
  trx: Knex.Transaction,
  run: CashRun,
  endToEndId: string | null,
  amountMinor: number | null,
  date: string,
  reasonCode: string | null,
): Promise<ReversalItem | null> {
  if (!endToEndId) return null;
  const collection: Row | undefined = await trx("collections")
    .where({ end_to_end_id: endToEndId })
    .whereNull("superseded_run")
    .first();
  if (!collection) return null;
  const itemId = `RV-${collection.payment_item_id}`.slice(0, 100);
  if (collection.status !== "submitted") return { source: collection.source, itemId };
  const payment: Row = await trx("items")
    .where({ source: collection.source, item_id: collection.payment_item_id })
    .whereNull("superseded_run")
    .first();
  const entity = await accountEntity(trx, collection.source, collection.account_id);
  const reversal = await bookReversal(
    trx,
    run,
    payment,
    amountMinor ?? Number(collection.amount_minor),
    maxDate(date, collection.collection_date),
    entity,
    `direct debit ${endToEndId} returned (${reasonCode ?? "no reason"})`,
  );
  await replaceCurrent(
    trx,
    "collections",
    { end_to_end_id: endToEndId },
    { status: "returned", reason_code: reasonCode },
    run.runId,
  );
  const autopay = run.config.cash.autopay;
  if (reasonCode && autopay?.stopReasons.includes(reasonCode)) {
    await insertRows(trx, "autopay_stops", [
      {
        run_id: run.runId,
        superseded_run: null,
        customer_key: collection.customer_key,
        source: collection.source,
        account_id: collection.account_id,
        reason_code: reasonCode,
        date: run.businessDate,
      },
    ]);
    run.count("autopay_stopped");
  }
  return reversal;
}

/**
 * Reverses a bank payment that an earlier entry with the same end-to-end
 * id brought in: the applied payment item gets a reversal, a parked one
 * leaves suspense (Dr suspense / Cr bank). Returns null when none matches.
 */
export async function reverseBankPayment(
  trx: Knex.Transaction,
  run: CashRun,
  bankSource: string,
  entity: string,
  entry: BankEntry,
): Promise<ReversalItem | null> {
  if (!entry.endToEndId) return null;
  const original: Row | undefined = await trx("bank_entries")
    .where({ source: bankSource, end_to_end_id: entry.endToEndId, credit_debit: "credit" })
    .whereIn("outcome", ["payment", "parked"])
    .orderBy("run_id", "desc")
    .first();
  if (!original) return null;
  let itemSource = original.item_source as string | null;
  let itemId = original.item_id as string | null;
  if (original.outcome === "parked") {
    const parked: Row | undefined = await trx("suspense")
      .where({ source: bankSource, entry_key: original.entry_key })
      .whereNull("superseded_run")
      .first();
    if (!parked) return null;
    if (parked.status === "parked") {
      await replaceCurrent(
        trx,
        "suspense",
        { source: bankSource, entry_key: original.entry_key },
        { status: "returned", released_date: run.businessDate },
        run.runId,
      );
      run.journal({
        entity,
        currency: parked.currency,
        amountMinor: Math.min(entry.amountMinor, Number(parked.amount_minor)),
        debit: "suspense",
        credit: "bank",
        description: `parked bank payment ${original.entry_key} returned by the bank`.slice(0, 200),
      });
      return { source: bankSource, itemId: original.entry_key };
    }
    itemSource = parked.item_source;
    itemId = parked.item_id;
  }
  if (!itemSource || !itemId) return null;
  const payment: Row | undefined = await trx("items")
    .where({ source: itemSource, item_id: itemId })
    .whereNull("superseded_run")
    .first();
  if (!payment) return null;
  return bookReversal(
    trx,
    run,
    payment,
    entry.amountMinor,
    entry.bookingDate ?? run.businessDate,
    entity,
    `bank payment returned (${entry.returnReasonCode ?? "reversal"})`,
  );
}
