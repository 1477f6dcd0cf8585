// Cash application around the customer passes. Before them, the intake:
// bank files become payments applied or parked, returns reverse payments,
// parked payments are tried again, billing's extracts confirm what dcms
// wrote back. Inside them, per customer: deferred discounts, netting of
// payables, credit set-off and refund proposals, autopay collections.

import type { Knex } from "knex";
import type { ResolvedConfig } from "../src/config/resolve.ts";
import { addDays, weekday } from "../src/dates.ts";
import type { CustomerData } from "../src/domain.ts";
import type { RejectRow } from "../src/extract.ts";
import { insertRows } from "../src/ledger/db.ts";
import { upsertVersioned } from "../src/ledger/versioned.ts";
import { intakeBankSource } from "../src/cash/bank-intake.ts";
import {
  emptyInputs,
  planCustomerCash,
  toLedgerItem,
  type CustomerCashInputs,
  type CustomerCashPlan,
  type NewCollection,
  type SetOffRecord,
} from "../src/cash/customer-cash.ts";
import { readCashExtracts, type CashExtracts } from "../src/cash/extracts.ts";
import { chunkedIn, insertDcmsItems, replaceCurrent, type DcmsItem } from "../src/cash/ledger.ts";
import { CashRun } from "../src/cash/run-state.ts";
import { releaseParkedPayments, reportLongParked } from "../src/cash/suspense.ts";
import { closeTakenOverItems, confirmWriteBacks, countAwaitingWriteBack } from "../src/cash/write-back.ts";
import { CLOSED_STATUS } from "./close-snapshot.ts";
import { allocationPolicy, planAllocations, type AllocationPlan } from "./allocate.ts";
import { activeHolds } from "./dun.ts";
import { writeJournal } from "./post.ts";

type Row = Record<string, any>;

export { CashRun };

/** Reads the cash extracts beside the sources' files; call it with the other extracts. */
export function readCashInputs(config: ResolvedConfig): CashExtracts {
  return readCashExtracts(config);
}

/**
 * Runs the cash intake after consolidation and before the staging tables are
 * cleared. Bank sources in staleSources (their files were rejected) are
 * skipped for the night.
 */
export async function runCashIntake(
  trx: Knex.Transaction,
  config: ResolvedConfig,
  runId: number,
  businessDate: string,
  extracts: CashExtracts,
  staleSources: ReadonlySet<string>,
  rejects: RejectRow[],
): Promise<CashRun> {
  const run = new CashRun(config, runId, businessDate);
  await confirmWriteBacks(trx, run);
  await closeTakenOverItems(trx, run, CLOSED_STATUS);
  await storeCashExtracts(trx, run, extracts, rejects);
  const bankSources = config.sources.filter((source) => source.config.kind === "bank");
  for (const source of bankSources) {
    if (staleSources.has(source.name)) continue;
    await intakeBankSource(trx, run, source);
  }
  await releaseParkedPayments(trx, run, bankSources);
  await reportLongParked(trx, run);
  await writeJournal(trx, runId, run.takeJournal());
  return run;
}

/** Values of the cash intake and passes for run.json, after the customer passes. */
export async function finishCash(
  trx: Knex.Transaction,
  run: CashRun,
): Promise<{ counts: Record<string, number>; awaitingWriteBack: Record<string, number>; warnings: string[] }> {
  await countAwaitingWriteBack(trx, run);
  const warnings = [...run.warnings];
  for (const [source, count] of Object.entries(run.awaitingWriteBack)) {
    warnings.push(`source ${source}: ${count} item(s) that dcms posted are awaiting write-back in billing`);
  }
  return {
    counts: { ...run.counts, journal_lines: run.journalLines },
    awaitingWriteBack: run.awaitingWriteBack,
    warnings,
  };
}

async function accountCustomerKeys(
  trx: Knex.Transaction,
  pairs: readonly { source: string; accountId: string }[],
): Promise<Map<string, number>> {
  const keys = new Map<string, number>();
  const rows = await chunkedIn(
    pairs.map((pair) => pair.accountId),
    (chunk) => trx("accounts").whereIn("account_id", chunk).whereNull("superseded_run").select("source", "account_id", "customer_key"),
  );
  for (const row of rows) keys.set(`${row.source}\u0000${row.account_id}`, Number(row.customer_key));
  return keys;
}

/** Stores tonight's payables (replacing each source's) and new discounts. */
async function storeCashExtracts(
  trx: Knex.Transaction,
  run: CashRun,
  extracts: CashExtracts,
  rejects: RejectRow[],
): Promise<void> {
  rejects.push(...extracts.rejects);
  const keys = await accountCustomerKeys(trx, [...extracts.payables, ...extracts.discounts]);
  const known = <T extends { source: string; accountId: string; line: number }>(row: T, file: string) => {
    if (keys.has(`${row.source}\u0000${row.accountId}`)) return true;
    rejects.push({
      source: row.source,
      file,
      line: row.line,
      field: "account_id",
      code: "account_not_found",
      message: `account ${row.accountId} is not in the ledger of source ${row.source}; correct the account id`,
    });
    return false;
  };
  for (const source of extracts.payableSources) {
    const rows = extracts.payables
      .filter((row) => row.source === source && known(row, "payables.csv"))
      .map((row) => ({
        customer_key: keys.get(`${row.source}\u0000${row.accountId}`),
        source: row.source,
        payable_id: row.payableId,
        account_id: row.accountId,
        kind: row.kind,
        currency: row.currency,
        amount_minor: row.amountMinor,
        date: row.date,
      }));
    // Payables missing from tonight's file were paid out or cancelled.
    const ids = rows.map((row) => row.payable_id);
    await trx("payables")
      .where({ source })
      .whereNull("superseded_run")
      .whereNotIn("payable_id", ids.length > 0 ? ids : [""])
      .update({ superseded_run: run.runId });
    await upsertVersioned(trx, { table: "payables", keyColumns: ["payable_id", "source"], numbered: false }, rows, run.runId);
  }
  const existing = new Set(
    (
      await chunkedIn(
        extracts.discounts.map((row) => row.discountId),
        (chunk) => trx("discounts").whereIn("discount_id", chunk).whereNull("superseded_run").select("source", "discount_id"),
      )
    ).map((row) => `${row.source}\u0000${row.discount_id}`),
  );
  const discounts = extracts.discounts
    .filter((row) => !existing.has(`${row.source}\u0000${row.discountId}`) && known(row, "discounts.csv"))
    .map((row) => ({
      customer_key: keys.get(`${row.source}\u0000${row.accountId}`),
      source: row.source,
      discount_id: row.discountId,
      run_id: run.runId,
      superseded_run: null,
      account_id: row.accountId,
      item_id: row.itemId,
      currency: row.currency,
      amount_minor: row.amountMinor,
      condition_date: row.conditionDate,
      status: "held",
      decided_date: null,
    }));
  await insertRows(trx, "discounts", discounts);
}

/** Collection date of direct debits submitted tonight: lead days ahead, moved off weekends. */
export function collectionDateFor(businessDate: string, leadDays: number): string {
  let date = addDays(businessDate, leadDays);
  while (weekday(date) === 0 || weekday(date) === 6) date = addDays(date, 1);
  return date;
}

interface BatchWrites {
  items: DcmsItem[];
  setOffs: Row[];
  collections: Row[];
  refunds: Row[];
  discounts: { source: string; discountId: string; status: string }[];
  rejects: Row[];
}

function emptyWrites(): BatchWrites {
  return { items: [], setOffs: [], collections: [], refunds: [], discounts: [], rejects: [] };
}

/** The cash steps inside the customer passes: load per batch, plan per customer, write per batch. */
export class CashPass {
  private inputs = new Map<number, CustomerCashInputs>();
  private writes: BatchWrites = emptyWrites();
  private readonly policy;
  private readonly collectionDate: string | null;

  constructor(
    private readonly run: CashRun,
    private readonly withPayables: boolean,
    private readonly withDiscounts: boolean,
  ) {
    this.policy = allocationPolicy(run.config);
    const autopay = run.config.cash.autopay;
    this.collectionDate = autopay ? collectionDateFor(run.businessDate, autopay.leadDays) : null;
  }

  static async open(trx: Knex.Transaction, run: CashRun): Promise<CashPass> {
    const any = async (table: string, where: Row = {}) =>
      Boolean(await trx(table).where(where).whereNull("superseded_run").first());
    return new CashPass(run, await any("payables"), await any("discounts", { status: "held" }));
  }

  /** Returns whether the customer has cash inputs tonight (payables, held discounts, autopay, collections). */
  hasInputs(customerKey: number): boolean {
    const inputs = this.inputs.get(customerKey);
    if (!inputs) return false;
    return inputs.payables.length + inputs.discounts.length + inputs.autopay.length + inputs.collections.length > 0;
  }

  /** Rows queued for the batch so far; a change across one customer's plan means it wrote some. */
  queuedRows(): number {
    const writes = this.writes;
    return writes.items.length + writes.setOffs.length + writes.collections.length + writes.refunds.length + writes.discounts.length + writes.rejects.length;
  }

  /** Plans the customer's allocations with the configured rules. */
  allocate(customer: CustomerData): AllocationPlan {
    return planAllocations(customer, this.run.businessDate, this.policy);
  }

  async loadBatch(trx: Knex.Transaction, batch: readonly CustomerData[]): Promise<void> {
    this.inputs = new Map(batch.map((customer) => [customer.customerKey, emptyInputs()]));
    const keys = batch.map((customer) => customer.customerKey);
    const inputsOf = (row: Row) => this.inputs.get(Number(row.customer_key))!;
    if (this.withPayables) await this.loadPayables(trx, keys, inputsOf);
    if (this.withDiscounts) {
      const rows: Row[] = await trx("discounts").whereIn("customer_key", keys).whereNull("superseded_run").where({ status: "held" });
      for (const row of rows) {
        inputsOf(row).discounts.push({
          source: row.source,
          discountId: row.discount_id,
          accountId: row.account_id,
          itemId: row.item_id,
          currency: row.currency,
          amountMinor: Number(row.amount_minor),
          conditionDate: row.condition_date,
        });
      }
    }
    if (this.collectionDate) await this.loadAutopay(trx, keys, inputsOf);
  }

  private async loadPayables(trx: Knex.Transaction, keys: number[], inputsOf: (row: Row) => CustomerCashInputs) {
    const netted = new Map<string, number>();
    const setOffs: Row[] = await trx("set_offs").whereIn("customer_key", keys).where({ kind: "netting" });
    for (const row of setOffs) {
      const key = `${row.credit_source}\u0000${row.credit_ref}`;
      netted.set(key, (netted.get(key) ?? 0) + Number(row.amount_minor));
    }
    const rows: Row[] = await trx("payables").whereIn("customer_key", keys).whereNull("superseded_run");
    for (const row of rows) {
      const available = Number(row.amount_minor) - (netted.get(`${row.source}\u0000${row.payable_id}`) ?? 0);
      if (available <= 0) continue;
      inputsOf(row).payables.push({
        source: row.source,
        payableId: row.payable_id,
        accountId: row.account_id,
        currency: row.currency,
        availableMinor: available,
        date: row.date,
      });
    }
  }

  private async loadAutopay(trx: Knex.Transaction, keys: number[], inputsOf: (row: Row) => CustomerCashInputs) {
    const stops: Row[] = await trx("autopay_stops").whereIn("customer_key", keys);
    const stopped = new Set(stops.map((row) => `${row.source}\u0000${row.account_id}`));
    const accounts: Row[] = await trx("accounts")
      .whereIn("customer_key", keys)
      .whereNull("superseded_run")
      .where({ autopay: true })
      .whereNotNull("iban")
      .whereNotNull("mandate_id")
      .whereNotNull("mandate_date");
    for (const row of accounts) {
      inputsOf(row).autopay.push({
        source: row.source,
        accountId: row.account_id,
        iban: row.iban,
        mandateId: row.mandate_id,
        mandateDate: row.mandate_date,
        debtorName: row.name ?? row.account_id,
        stopped: stopped.has(`${row.source}\u0000${row.account_id}`),
      });
    }
    const collections: Row[] = await trx("collections").whereIn("customer_key", keys).whereNull("superseded_run");
    for (const row of collections) {
      inputsOf(row).collections.push({
        source: row.source,
        itemId: row.item_id,
        accountId: row.account_id,
        attempt: Number(row.attempt),
        status: row.status,
        reasonCode: row.reason_code,
        mandateId: row.mandate_id,
      });
    }
  }

  /**
   * Plans the customer's cash steps on tonight's allocation. The items it
   * creates join the customer's items, so that aging, dunning and provision
   * see them; returns the allocation plan that includes them.
   */
  plan(customer: CustomerData, allocation: AllocationPlan): AllocationPlan {
    const inputs = this.inputs.get(customer.customerKey) ?? emptyInputs();
    const businessDate = this.run.businessDate;
    const bankrupt = activeHolds(customer.holds, businessDate).some((hold) => hold.kind === "bankruptcy");
    const replan = (extra: readonly DcmsItem[]) =>
      planAllocations({ ...customer, items: [...customer.items, ...extra.map(toLedgerItem)] }, businessDate, this.policy);
    const { cash, plan } = planCustomerCash(
      customer,
      allocation,
      inputs,
      { cash: this.run.config.cash, businessDate, bankrupt, collectionDate: this.collectionDate },
      replan,
    );
    customer.items.push(...cash.items.map(toLedgerItem));
    this.record(customer, cash);
    return plan;
  }

  /** Queues the rows of a customer's cash plan and plans its journals. */
  private record(customer: CustomerData, cash: CustomerCashPlan): void {
    const customerKey = customer.customerKey;
    this.writes.items.push(...[...cash.items, ...cash.collectionItems].map((item) => ({ ...item, customerKey })));
    const journalIds = cash.journals.map((journal) => this.run.journal(journal));
    for (const record of cash.setOffs) {
      this.writes.setOffs.push(setOffRow(this.run, customerKey, record, journalIds[record.journal]));
      this.run.count(`set_offs_${record.kind}`);
    }
    for (const collection of cash.collections) {
      this.writes.collections.push(collectionRow(this.run, customerKey, collection, this.collectionDate!));
    }
    this.run.count("collections_submitted", cash.collections.length);
    for (const reject of cash.collectionRejects) {
      this.writes.rejects.push({
        run_id: this.run.runId,
        source: reject.source,
        file: "autopay/pain008.xml",
        line: 0,
        field: reject.field,
        code: reject.code,
        message: `account ${reject.accountId}: ${reject.message}`,
      });
    }
    for (const refund of cash.refunds) {
      this.writes.refunds.push({
        run_id: this.run.runId,
        customer_key: customerKey,
        customer_ref: customer.customerRef,
        source: refund.source,
        account_id: refund.accountId,
        currency: refund.currency,
        amount_minor: refund.amountMinor,
        credit_since: refund.creditSince,
      });
    }
    this.run.count("refund_proposals", cash.refunds.length);
    for (const decision of cash.discountDecisions) {
      this.writes.discounts.push(decision);
      this.run.count(`discounts_${decision.status}`);
    }
  }

  async writeBatch(trx: Knex.Transaction): Promise<void> {
    const writes = this.writes;
    this.writes = emptyWrites();
    await insertDcmsItems(trx, this.run.runId, writes.items);
    await insertRows(trx, "set_offs", writes.setOffs);
    await insertRows(trx, "collections", writes.collections);
    await insertRows(trx, "refund_proposals", writes.refunds);
    await insertRows(trx, "rejects", writes.rejects);
    for (const decision of writes.discounts) {
      await replaceCurrent(
        trx,
        "discounts",
        { source: decision.source, discount_id: decision.discountId },
        { status: decision.status, decided_date: this.run.businessDate },
        this.run.runId,
      );
    }
    await writeJournal(trx, this.run.runId, this.run.takeJournal());
  }
}

function setOffRow(run: CashRun, customerKey: number, record: SetOffRecord, journalId: string): Row {
  return {
    run_id: run.runId,
    superseded_run: null,
    customer_key: customerKey,
    kind: record.kind,
    entity: record.entity,
    currency: record.currency,
    amount_minor: record.amountMinor,
    date: run.businessDate,
    credit_source: record.creditSource,
    credit_account: record.creditAccount,
    credit_ref: record.creditRef,
    debit_source: record.debitSource,
    debit_account: record.debitAccount,
    debit_item_id: record.debitItemId,
    journal_id: journalId,
  };
}

function collectionRow(run: CashRun, customerKey: number, collection: NewCollection, collectionDate: string): Row {
  return {
    customer_key: customerKey,
    source: collection.source,
    account_id: collection.accountId,
    item_id: collection.itemId,
    attempt: collection.attempt,
    run_id: run.runId,
    superseded_run: null,
    end_to_end_id: collection.endToEndId,
    message_id: collectionMessageId(collectionDate, run.runId),
    collection_date: collectionDate,
    amount_minor: collection.amountMinor,
    currency: collection.currency,
    mandate_id: collection.mandateId,
    mandate_date: collection.mandateDate,
    sequence_type: collection.sequenceType,
    debtor_name: collection.debtorName,
    debtor_iban: collection.debtorIban,
    payment_item_id: collection.paymentItemId,
    status: "submitted",
    reason_code: null,
  };
}

/** Message id of a run's collection file: at most 30 characters of the SEPA set. */
export function collectionMessageId(collectionDate: string, runId: number): string {
  return `DCMS-${collectionDate.replaceAll("-", "")}-R${runId}`;
}
