// The suspense ledger: payments parked in an earlier run are matched again
// every night, because the extract may now hold their account or the review
// may be over. A released payment is applied with its original value date
// (Dr suspense / Cr receivable). Payments parked longer than the configured
// limit are reported.

import type { Knex } from "knex";
import { addDays } from "../dates.ts";
import type { SourceSettings } from "../config/resolve.ts";
import type { BankSourceConfig } from "../config/sources.ts";
import { matchPayment, type BankPayment } from "./bank-match.ts";
import { applyBankPayment, paidSources } from "./bank-intake.ts";
import { insertDcmsItems, loadMatchCandidates, replaceCurrent, type DcmsItem } from "./ledger.ts";
import type { CashRun } from "./run-state.ts";

type Row = Record<string, any>;

function paymentOf(row: Row): BankPayment {
  return {
    source: row.source,
    entryKey: row.entry_key,
    file: row.file,
    currency: row.currency,
    amountMinor: Number(row.amount_minor),
    valueDate: row.value_date,
    remittance: row.remittance ?? "",
    debtorIban: row.debtor_iban,
    endToEndId: row.end_to_end_id,
    bankReference: row.entry_key,
  };
}

/** Matches every payment parked by an earlier run again and releases those that now match. */
export async function releaseParkedPayments(
  trx: Knex.Transaction,
  run: CashRun,
  bankSources: readonly SourceSettings[],
): Promise<void> {
  for (const source of bankSources) {
    const settings = source.config as BankSourceConfig;
    const rows: Row[] = await trx("suspense")
      .where({ source: source.name, status: "parked" })
      .whereNull("superseded_run")
      .where("run_id", "<", run.runId)
      .orderBy("entry_key");
    if (rows.length === 0) continue;
    const payments = rows.map(paymentOf);
    const candidates = await loadMatchCandidates(
      trx,
      payments,
      paidSources(run, settings),
      settings.entity,
      run.businessDate,
      run.config.cash.reviewHolds,
    );
    const items: DcmsItem[] = [];
    for (const [index, payment] of payments.entries()) {
      const result = matchPayment(payment, candidates, settings.match);
      const where = { source: source.name, entry_key: payment.entryKey };
      if (result.kind === "parked") {
        if (result.reason !== rows[index].reason) {
          await replaceCurrent(trx, "suspense", where, { reason: result.reason }, run.runId);
        }
        continue;
      }
      const item = applyBankPayment(run, payment, result.account, "suspense", rows[index].entity);
      items.push(item);
      await replaceCurrent(
        trx,
        "suspense",
        where,
        {
          status: "released",
          released_date: run.businessDate,
          customer_key: result.account.customerKey,
          item_source: item.source,
          item_id: item.itemId,
        },
        run.runId,
      );
      run.count("payments_released");
    }
    await insertDcmsItems(trx, run.runId, items);
  }
}

/** Adds a warning for payments parked longer than the limit; returns their number. */
export async function reportLongParked(trx: Knex.Transaction, run: CashRun): Promise<number> {
  const limit = run.config.cash.parkingMaxDays;
  const rows: Row[] = await trx("suspense")
    .where({ status: "parked" })
    .whereNull("superseded_run")
    .where("parked_date", "<=", addDays(run.businessDate, -limit))
    .orderBy(["source", "parked_date", "entry_key"]);
  const [total] = await trx("suspense").where({ status: "parked" }).whereNull("superseded_run").count({ n: "*" });
  run.count("parked_total", Number(total.n));
  if (rows.length > 0) {
    const listed = rows.slice(0, 10).map((row) => `${row.source} ${row.entry_key} since ${row.parked_date} (${row.reason})`);
    run.warnings.push(
      `${rows.length} payment(s) parked in suspense for ${limit} days or more; apply them by hand or correct the account data: ${listed.join("; ")}${rows.length > 10 ? "; ..." : ""}`,
    );
  }
  run.count("parked_over_limit", rows.length);
  return rows.length;
}
