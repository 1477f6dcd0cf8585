// A bank source's night: every booked entry of its files that no earlier
// run has seen becomes a payment applied to an account, a payment parked in
// suspense, a reversal of a payment that dcms applied or collected, or is
// recorded as ignored. Entries are keyed by bankEntryKey, so a statement
// loaded twice, or an entry in both a camt.053 and a camt.054, counts once.

import path from "node:path";
import type { Knex } from "knex";
import { bankEntryKey, deduplicateBankEntries } from "../../connectors/bank/dedup.ts";
import type { BankEntry } from "../../connectors/bank/camt.ts";
import type { PaymentStatusReport } from "../../connectors/bank/pain002.ts";
import { readBankFolder } from "../../connectors/bank/source.ts";
import type { SourceSettings } from "../config/resolve.ts";
import type { BankSourceConfig } from "../config/sources.ts";
import { insertRows } from "../ledger/db.ts";
import { matchPayment, type BankPayment, type CandidateAccount } from "./bank-match.ts";
import { insertDcmsItems, loadMatchCandidates, shortHash, type DcmsItem } from "./ledger.ts";
import { reverseCollection, reverseBankPayment } from "./returns.ts";
import type { CashRun } from "./run-state.ts";

type Row = Record<string, any>;

/** Billing sources whose accounts a bank source pays. */
export function paidSources(run: CashRun, settings: BankSourceConfig): string[] {
  return (
    settings.sources ??
    run.config.sources.filter((source) => source.config.kind !== "bank").map((source) => source.name)
  );
}

/** Item id of the payment a bank entry becomes; stable across runs. */
export function bankPaymentItemId(bankSource: string, entryKey: string): string {
  return `BNK-${shortHash(`${bankSource}|${entryKey}`)}`;
}

export function paymentOf(source: string, entryKey: string, entry: BankEntry, businessDate: string): BankPayment {
  return {
    source,
    entryKey,
    file: entry.file,
    currency: entry.currency,
    amountMinor: entry.amountMinor,
    valueDate: entry.valueDate ?? entry.bookingDate ?? businessDate,
    remittance: [...entry.creditorReferences, ...entry.remittanceLines].join("\n"),
    debtorIban: entry.debtorIban,
    endToEndId: entry.endToEndId,
    bankReference: entry.bankReference,
  };
}

/** Gives repeated keys within one night a suffix, so that equal payments of one file stay apart. */
function keyEntries(source: string, entries: readonly BankEntry[]): { key: string; entry: BankEntry }[] {
  const uses = new Map<string, number>();
  return entries.map((entry) => {
    const base = bankEntryKey(entry);
    const use = (uses.get(base) ?? 0) + 1;
    uses.set(base, use);
    return { key: use === 1 ? base : `${base}~${use}`, entry };
  });
}

async function seenKeys(trx: Knex.Transaction, source: string, keys: string[]): Promise<Set<string>> {
  const seen = new Set<string>();
  for (let start = 0; start < keys.length; start += 500) {
    const rows: Row[] = await trx("bank_entries")
      .where({ source })
      .whereIn("entry_key", keys.slice(start, start + 500))
      .select("entry_key");
    for (const row of rows) seen.add(row.entry_key);
  }
  return seen;
}

/** Entries that bring money in: booked credits that reverse nothing. */
function isPayment(entry: BankEntry): boolean {
  return entry.creditDebit === "credit" && !entry.reversal;
}

/** Debits that take back an earlier payment: returned direct debits, chargebacks, reversals. */
function isReturn(entry: BankEntry): boolean {
  return entry.creditDebit === "debit" && (entry.returnReasonCode !== null || entry.reversal);
}

/** Reads, matches and records one bank source's files. */
export async function intakeBankSource(trx: Knex.Transaction, run: CashRun, source: SourceSettings): Promise<void> {
  const settings = source.config as BankSourceConfig;
  const folder = path.resolve(run.config.baseDir, settings.path);
  const files = await readBankFolder(folder, {
    source: source.name,
    timeZone: settings.time_zone ?? run.config.timeZone,
  });
  const booked = files.camt.flatMap((file) => file.entries).filter((entry) => entry.status === "booked");
  const { entries, duplicates, conflicts } = deduplicateBankEntries(booked);
  run.count("bank_entries_duplicate", duplicates.length);
  for (const conflict of conflicts) {
    run.warnings.push(
      `source ${source.name}: bank entry ${conflict.key} has different amounts in ${conflict.kept.file} and ${conflict.other.file}; the entry of ${conflict.kept.file} was used`,
    );
  }
  const keyed = keyEntries(source.name, entries);
  const seen = await seenKeys(trx, source.name, keyed.map((entry) => entry.key));
  const fresh = keyed.filter((entry) => !seen.has(entry.key));
  run.count("bank_entries_seen_before", keyed.length - fresh.length);
  run.count("bank_entries_new", fresh.length);

  const recorded: Row[] = [];
  const items: DcmsItem[] = [];
  const record = (key: string, entry: BankEntry, outcome: string, item?: { source: string; itemId: string }) =>
    recorded.push({
      run_id: run.runId,
      superseded_run: null,
      source: source.name,
      entry_key: key,
      file: entry.file,
      credit_debit: entry.creditDebit,
      amount_minor: entry.amountMinor,
      currency: entry.currency,
      booking_date: entry.bookingDate,
      value_date: entry.valueDate,
      end_to_end_id: entry.endToEndId,
      outcome,
      item_source: item?.source ?? null,
      item_id: item?.itemId ?? null,
    });

  const payments = fresh.filter(({ entry }) => isPayment(entry));
  const paymentRows = payments.map(({ key, entry }) => paymentOf(source.name, key, entry, run.businessDate));
  const candidates = await loadMatchCandidates(
    trx,
    paymentRows,
    paidSources(run, settings),
    settings.entity,
    run.businessDate,
    run.config.cash.reviewHolds,
  );
  const parked: Row[] = [];
  payments.forEach(({ key, entry }, index) => {
    const payment = paymentRows[index];
    const result = matchPayment(payment, candidates, settings.match);
    if (result.kind === "matched") {
      const item = applyBankPayment(run, payment, result.account, "bank", settings.entity);
      items.push(item);
      record(key, entry, "payment", { source: item.source, itemId: item.itemId });
      run.count(`payments_matched_by_${result.rule}`);
    } else {
      parked.push(suspenseRow(run, payment, settings.entity, result.reason, result.account, entry));
      record(key, entry, "parked");
      run.count("payments_parked");
      run.journal({
        entity: settings.entity,
        currency: payment.currency,
        amountMinor: payment.amountMinor,
        debit: "bank",
        credit: "suspense",
        description: `bank payment ${payment.bankReference} parked: ${result.reason}`,
      });
    }
  });
  await insertDcmsItems(trx, run.runId, items);
  await insertRows(trx, "suspense", parked);

  for (const { key, entry } of fresh) {
    if (isPayment(entry)) continue;
    if (!isReturn(entry)) {
      record(key, entry, "ignored");
      run.count("bank_entries_ignored");
      continue;
    }
    const reversal =
      (await reverseCollection(trx, run, entry.endToEndId, entry.amountMinor, entry.bookingDate ?? run.businessDate, entry.returnReasonCode)) ??
      (await reverseBankPayment(trx, run, source.name, settings.entity, entry));
    if (reversal) {
      record(key, entry, "return", reversal);
      run.count("payments_returned");
    } else {
      record(key, entry, "ignored");
      run.count("returns_not_matched");
      run.warnings.push(
        `source ${source.name}: ${entry.file} returns a payment (${entry.bankReference}) that dcms did not apply or collect; book it by hand`,
      );
    }
  }
  await applyStatusReports(trx, run, source.name, files.statusReports, recorded);
  await insertRows(trx, "bank_entries", recorded);
}

/** Plans the payment item of a bank payment and its journal; the caller inserts the item. */
export function applyBankPayment(
  run: CashRun,
  payment: BankPayment,
  account: CandidateAccount,
  from: "bank" | "suspense",
  entity: string,
): DcmsItem {
  const item: DcmsItem = {
    customerKey: account.customerKey,
    source: account.source,
    itemId: bankPaymentItemId(payment.source, payment.entryKey),
    accountId: account.accountId,
    type: "payment",
    documentDate: payment.valueDate,
    dueDate: payment.valueDate,
    currency: payment.currency,
    amountMinor: payment.amountMinor,
    appliesTo: null,
    reference: payment.bankReference,
    remittance: payment.remittance || null,
  };
  run.journal({
    entity,
    currency: payment.currency,
    amountMinor: payment.amountMinor,
    debit: from,
    credit: "receivable",
    description: `bank payment ${payment.bankReference} applied to ${account.source}/${account.accountId} as ${item.itemId}`,
  });
  return item;
}

function suspenseRow(
  run: CashRun,
  payment: BankPayment,
  entity: string,
  reason: string,
  account: CandidateAccount | null,
  entry: BankEntry,
): Row {
  return {
    customer_key: account?.customerKey ?? 0,
    source: payment.source,
    entry_key: payment.entryKey,
    run_id: run.runId,
    superseded_run: null,
    status: "parked",
    reason,
    entity,
    currency: payment.currency,
    amount_minor: payment.amountMinor,
    value_date: payment.valueDate,
    parked_date: run.businessDate,
    released_date: null,
    item_source: null,
    item_id: null,
    end_to_end_id: payment.endToEndId,
    remittance: payment.remittance.slice(0, 500) || null,
    debtor_iban: entry.debtorIban,
    file: payment.file.slice(0, 200),
  };
}

/** Rejected transactions of pain.002 reports reverse the collections they name. */
async function applyStatusReports(
  trx: Knex.Transaction,
  run: CashRun,
  source: string,
  reports: readonly PaymentStatusReport[],
  recorded: Row[],
): Promise<void> {
  for (const report of reports) {
    for (const transaction of report.transactions) {
      if (transaction.status !== "RJCT" || !transaction.originalEndToEndId) continue;
      const key = `pain002|${report.messageId}|${transaction.originalEndToEndId}`;
      const already = await trx("bank_entries").where({ source, entry_key: key }).first();
      if (already || recorded.some((row) => row.entry_key === key)) continue;
      const reversal = await reverseCollection(
        trx,
        run,
        transaction.originalEndToEndId,
        transaction.amountMinor,
        run.businessDate,
        transaction.reasonCode,
      );
      recorded.push({
        run_id: run.runId,
        superseded_run: null,
        source,
        entry_key: key,
        file: report.file,
        credit_debit: "debit",
        amount_minor: transaction.amountMinor ?? 0,
        currency: transaction.currency ?? "EUR",
        booking_date: null,
        value_date: null,
        end_to_end_id: transaction.originalEndToEndId,
        outcome: reversal ? "rejection" : "ignored",
        item_source: reversal?.source ?? null,
        item_id: reversal?.itemId ?? null,
      });
      run.count(reversal ? "collections_rejected" : "rejections_not_matched");
    }
  }
}
