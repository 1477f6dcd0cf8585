// The per-customer cash planner, which is pure. It decides deferred
// discounts, nets payables against debt, sets credit balances off against
// debt in the customer's other accounts and proposes the rest for refund,
// and picks the invoices of autopay accounts to collect by direct debit.
// Set-off happens only within one entity and currency, never in bankruptcy.

import type { AllocationPlan, OpenDebit } from "../../jobs/allocate.ts";
import { addDays, maxDate } from "../dates.ts";
import type { CustomerData, LedgerItem } from "../domain.ts";
import { accountKey, itemKey } from "../domain.ts";
import type { CashSettings } from "./config.ts";
import type { CashJournal } from "./journal.ts";
import { shortHash, type DcmsItem } from "./ledger.ts";
import { buildPain008, type Pain008Reject } from "../outputs/pain008.ts";

export interface Payable {
  source: string;
  payableId: string;
  accountId: string;
  currency: string;
  /** Amount still owed to the customer after earlier nettings. */
  availableMinor: number;
  date: string;
}

export interface HeldDiscount {
  source: string;
  discountId: string;
  accountId: string;
  itemId: string;
  currency: string;
  amountMinor: number;
  conditionDate: string;
}

export interface AutopayAccount {
  source: string;
  accountId: string;
  iban: string;
  mandateId: string;
  mandateDate: string;
  /** Personal data for the collection file only. */
  debtorName: string;
  stopped: boolean;
}

export interface CollectionHistory {
  source: string;
  itemId: string;
  accountId: string;
  attempt: number;
  status: string;
  reasonCode: string | null;
  mandateId: string;
}

export interface CustomerCashInputs {
  payables: Payable[];
  discounts: HeldDiscount[];
  autopay: AutopayAccount[];
  collections: CollectionHistory[];
}

export interface SetOffRecord {
  kind: "credit_transfer" | "netting" | "discount";
  entity: string;
  currency: string;
  amountMinor: number;
  creditSource: string;
  creditAccount: string;
  creditRef: string;
  debitSource: string;
  debitAccount: string;
  debitItemId: string;
  /** Index into CustomerCashPlan.journals. */
  journal: number;
}

export interface NewCollection {
  source: string;
  accountId: string;
  itemId: string;
  attempt: number;
  endToEndId: string;
  amountMinor: number;
  currency: string;
  mandateId: string;
  mandateDate: string;
  sequenceType: "FRST" | "RCUR";
  debtorName: string;
  debtorIban: string;
  paymentItemId: string;
}

export interface RefundProposal {
  source: string;
  accountId: string;
  currency: string;
  amountMinor: number;
  creditSince: string;
}

export interface CustomerCashPlan {
  /** Items dated on or before the business date, to allocate tonight. */
  items: DcmsItem[];
  /** Direct-debit payments, dated on the collection date. */
  collectionItems: DcmsItem[];
  journals: Omit<CashJournal, "journalId">[];
  setOffs: SetOffRecord[];
  discountDecisions: { source: string; discountId: string; status: "applied" | "dropped" }[];
  collections: NewCollection[];
  /** Collections left out because the account's direct-debit data is invalid. */
  collectionRejects: (Pain008Reject & { source: string; accountId: string })[];
  refunds: RefundProposal[];
}

export interface CashContext {
  cash: CashSettings;
  businessDate: string;
  bankrupt: boolean;
  /** Collection date of tonight's direct debits; null when autopay is off. */
  collectionDate: string | null;
}

/** Re-plans the allocations with the given extra items; supplied by the caller. */
export type Replan = (extra: readonly DcmsItem[]) => AllocationPlan;

export function emptyInputs(): CustomerCashInputs {
  return { payables: [], discounts: [], autopay: [], collections: [] };
}

export function toLedgerItem(item: DcmsItem): LedgerItem {
  return {
    source: item.source,
    itemId: item.itemId,
    accountId: item.accountId,
    type: item.type,
    documentDate: item.documentDate,
    dueDate: item.dueDate,
    currency: item.currency,
    amountMinor: item.amountMinor,
    appliesTo: item.appliesTo,
    disputedMinor: 0,
    reference: item.reference,
    origin: "dcms",
    remittance: item.remittance,
  };
}

/** Plans a customer's cash steps on top of tonight's allocation plan. */
export function planCustomerCash(
  customer: CustomerData,
  plan: AllocationPlan,
  inputs: CustomerCashInputs,
  context: CashContext,
  replan: Replan,
): { cash: CustomerCashPlan; plan: AllocationPlan } {
  const cash: CustomerCashPlan = {
    items: [],
    collectionItems: [],
    journals: [],
    setOffs: [],
    discountDecisions: [],
    collections: [],
    collectionRejects: [],
    refunds: [],
  };
  const entityOf = new Map(customer.accounts.map((account) => [accountKey(account.source, account.accountId), account.entity]));
  const entity = (source: string, accountId: string) => entityOf.get(accountKey(source, accountId)) ?? "";

  decideDiscounts(plan, inputs.discounts, context, cash, entity);
  if (!context.bankrupt) netPayables(plan, inputs.payables, context, cash, entity);
  let current = cash.items.length > 0 ? replan(cash.items) : plan;
  if (context.cash.refunds) {
    const before = cash.items.length;
    transferCredits(current, context, cash, entity);
    if (cash.items.length > before) current = replan(cash.items);
    proposeRefunds(current, context, cash);
  }
  if (context.collectionDate && !context.bankrupt) collect(current, inputs, context, cash, entity);
  return { cash, plan: current };
}

function addCredit(
  cash: CustomerCashPlan,
  kind: SetOffRecord["kind"],
  prefix: string,
  creditRef: { source: string; accountId: string; ref: string },
  debit: OpenDebit,
  amountMinor: number,
  date: string,
  entity: string,
  journal: Omit<CashJournal, "journalId" | "entity" | "currency" | "amountMinor" | "accountingDate">,
): void {
  const item = debit.item;
  cash.items.push({
    customerKey: 0,
    source: item.source,
    itemId: `${prefix}-${shortHash(`${creditRef.source}|${creditRef.ref}|${item.source}|${item.itemId}`)}`,
    accountId: item.accountId,
    type: "credit_adjustment",
    documentDate: date,
    dueDate: date,
    currency: item.currency,
    amountMinor,
    appliesTo: item.itemId,
    reference: creditRef.ref,
    remittance: null,
  });
  cash.journals.push({ ...journal, entity, currency: item.currency, amountMinor, accountingDate: date });
  cash.setOffs.push({
    kind,
    entity,
    currency: item.currency,
    amountMinor,
    creditSource: creditRef.source,
    creditAccount: creditRef.accountId,
    creditRef: creditRef.ref,
    debitSource: item.source,
    debitAccount: item.accountId,
    debitItemId: item.itemId,
    journal: cash.journals.length - 1,
  });
  debit.openMinor -= amountMinor;
}

/**
 * Grants or drops held discounts. A discount is granted when the document,
 * counting only allocations dated on or before the condition date, had no
 * more open than the discount. It is dropped once the condition date has
 * passed without that.
 */
function decideDiscounts(
  plan: AllocationPlan,
  discounts: readonly HeldDiscount[],
  context: CashContext,
  cash: CustomerCashPlan,
  entity: (source: string, accountId: string) => string,
): void {
  for (const discount of discounts) {
    const debit = plan.debits.get(itemKey(discount.source, discount.itemId));
    if (!debit) continue;
    const paid = plan.allocations
      .filter((allocation) => allocation.source === discount.source && allocation.debitItemId === discount.itemId)
      .filter((allocation) => allocation.date <= discount.conditionDate)
      .reduce((sum, allocation) => sum + allocation.amountMinor, 0);
    const met = debit.item.amountMinor - paid <= discount.amountMinor;
    if (met) {
      const amount = Math.min(discount.amountMinor, debit.openMinor);
      if (amount > 0) {
        addCredit(
          cash,
          "discount",
          "DSC",
          { source: discount.source, accountId: discount.accountId, ref: discount.discountId },
          debit,
          amount,
          context.businessDate,
          entity(discount.source, discount.accountId),
          {
            debit: "discountExpense",
            credit: "receivable",
            description: `discount ${discount.discountId} granted on ${discount.source}/${discount.itemId}: paid by ${discount.conditionDate}`,
          },
        );
      }
      cash.discountDecisions.push({ source: discount.source, discountId: discount.discountId, status: "applied" });
    } else if (context.businessDate > discount.conditionDate) {
      cash.discountDecisions.push({ source: discount.source, discountId: discount.discountId, status: "dropped" });
    }
  }
}

function compareText(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

/** Returns the open debits of the customer, oldest due first, ties by source and item id. */
function openDebits(plan: AllocationPlan): OpenDebit[] {
  return [...plan.debits.values()]
    .filter((debit) => debit.openMinor > 0)
    .sort(
      (a, b) =>
        compareText(a.item.dueDate, b.item.dueDate) ||
        compareText(a.item.source, b.item.source) ||
        compareText(a.item.itemId, b.item.itemId),
    );
}

/** Sets what the operator owes the customer off against the customer's open debt. */
function netPayables(
  plan: AllocationPlan,
  payables: readonly Payable[],
  context: CashContext,
  cash: CustomerCashPlan,
  entity: (source: string, accountId: string) => string,
): void {
  const debts = openDebits(plan);
  const ordered = [...payables].sort((a, b) => compareText(a.date, b.date) || compareText(a.payableId, b.payableId));
  for (const payable of ordered) {
    let available = payable.availableMinor;
    const payableEntity = entity(payable.source, payable.accountId);
    for (const debt of debts) {
      if (available === 0) break;
      const debtEntity = entity(debt.item.source, debt.item.accountId);
      if (debt.openMinor === 0 || debtEntity !== payableEntity || debt.item.currency !== payable.currency) continue;
      const amount = Math.min(available, debt.openMinor);
      addCredit(
        cash,
        "netting",
        "NET",
        { source: payable.source, accountId: payable.accountId, ref: payable.payableId },
        debt,
        amount,
        context.businessDate,
        debtEntity,
        {
          debit: "payables",
          credit: "receivable",
          description: `payable ${payable.source}/${payable.payableId} netted against ${debt.item.source}/${debt.item.itemId}`,
        },
      );
      available -= amount;
    }
  }
}

/** Credits old enough and large enough to refund, per account and currency. */
function refundableCredits(plan: AllocationPlan, context: CashContext) {
  const refunds = context.cash.refunds!;
  const cutoff = addDays(context.businessDate, -refunds.minAgeDays);
  const byAccount = new Map<string, { source: string; accountId: string; currency: string; totalMinor: number; since: string; credits: { item: LedgerItem; leftMinor: number }[] }>();
  for (const credit of plan.credits) {
    if (credit.item.documentDate > cutoff) continue;
    const key = `${accountKey(credit.item.source, credit.item.accountId)}\u0000${credit.item.currency}`;
    const entry = byAccount.get(key) ?? {
      source: credit.item.source,
      accountId: credit.item.accountId,
      currency: credit.item.currency,
      totalMinor: 0,
      since: credit.item.documentDate,
      credits: [],
    };
    entry.totalMinor += credit.unappliedMinor;
    entry.since = credit.item.documentDate < entry.since ? credit.item.documentDate : entry.since;
    entry.credits.push({ item: credit.item, leftMinor: credit.unappliedMinor });
    byAccount.set(key, entry);
  }
  return [...byAccount.values()].filter((entry) => entry.totalMinor >= refunds.minAmountMinor(entry.currency));
}

/**
 * Settles the customer's debt in other accounts from a refundable credit:
 * a debit adjustment on the credit's account takes the credit (allocation
 * rule set_off) and a credit adjustment on the debt's account settles it.
 */
function transferCredits(
  plan: AllocationPlan,
  context: CashContext,
  cash: CustomerCashPlan,
  entity: (source: string, accountId: string) => string,
): void {
  if (context.bankrupt) return;
  const debts = openDebits(plan);
  for (const account of refundableCredits(plan, context)) {
    const creditEntity = entity(account.source, account.accountId);
    for (const credit of account.credits) {
      for (const debt of debts) {
        if (credit.leftMinor === 0) break;
        const other = debt.item.source !== account.source || debt.item.accountId !== account.accountId;
        if (!other || debt.openMinor === 0 || debt.item.currency !== account.currency) continue;
        if (entity(debt.item.source, debt.item.accountId) !== creditEntity) continue;
        const amount = Math.min(credit.leftMinor, debt.openMinor);
        const pair = shortHash(`${credit.item.source}|${credit.item.itemId}|${debt.item.source}|${debt.item.itemId}`);
        cash.items.push({
          customerKey: 0,
          source: credit.item.source,
          itemId: `SOD-${pair}`,
          accountId: credit.item.accountId,
          type: "debit_adjustment",
          documentDate: context.businessDate,
          dueDate: context.businessDate,
          currency: account.currency,
          amountMinor: amount,
          appliesTo: credit.item.itemId,
          reference: `${debt.item.source}/${debt.item.itemId}`,
          remittance: null,
        });
        addCredit(
          cash,
          "credit_transfer",
          "SOC",
          { source: credit.item.source, accountId: credit.item.accountId, ref: credit.item.itemId },
          debt,
          amount,
          context.businessDate,
          creditEntity,
          {
            debit: "receivable",
            credit: "receivable",
            description: `credit ${credit.item.source}/${credit.item.itemId} set off against ${debt.item.source}/${debt.item.itemId}`,
          },
        );
        credit.leftMinor -= amount;
      }
    }
  }
}

function proposeRefunds(plan: AllocationPlan, context: CashContext, cash: CustomerCashPlan): void {
  for (const account of refundableCredits(plan, context)) {
    cash.refunds.push({
      source: account.source,
      accountId: account.accountId,
      currency: account.currency,
      amountMinor: account.totalMinor,
      creditSince: account.since,
    });
  }
}

const COLLECTED_TYPES = new Set(["invoice", "debit_note", "debit_adjustment"]);

/**
 * Collects the open, undisputed debits of autopay accounts due on or before
 * the collection date (and not before the mandate was signed) that have no
 * collection under way. A returned collection is tried again only for a
 * retry reason, at most max_retries times.
 */
function collect(
  plan: AllocationPlan,
  inputs: CustomerCashInputs,
  context: CashContext,
  cash: CustomerCashPlan,
  entity: (source: string, accountId: string) => string,
): void {
  const autopay = context.cash.autopay!;
  const collectionDate = context.collectionDate!;
  for (const account of inputs.autopay) {
    if (account.stopped || entity(account.source, account.accountId) !== autopay.creditor.entity) continue;
    const history = inputs.collections.filter(
      (row) => row.source === account.source && row.accountId === account.accountId,
    );
    const mandateUsed = history.some((row) => row.mandateId === account.mandateId);
    for (const debit of openDebits(plan)) {
      const item = debit.item;
      if (item.source !== account.source || item.accountId !== account.accountId) continue;
      if (!COLLECTED_TYPES.has(item.type) || item.currency !== "EUR") continue;
      if (item.dueDate > collectionDate || item.dueDate < account.mandateDate) continue;
      const amount = debit.openMinor - Math.min(item.disputedMinor, debit.openMinor);
      if (amount <= 0) continue;
      const attempts = history.filter((row) => row.itemId === item.itemId).sort((a, b) => a.attempt - b.attempt);
      const last = attempts[attempts.length - 1];
      if (last) {
        const retry = last.status === "returned" && last.reasonCode !== null && autopay.retryReasons.includes(last.reasonCode);
        if (!retry || last.attempt > autopay.maxRetries) continue;
      }
      const attempt = (last?.attempt ?? 0) + 1;
      const hash = shortHash(`${item.source}|${item.itemId}|${attempt}`);
      const paymentItemId = `DD-${hash}`;
      const collection: NewCollection = {
        source: item.source,
        accountId: item.accountId,
        itemId: item.itemId,
        attempt,
        endToEndId: `DCMS-${attempt}-${hash.slice(0, 16)}`,
        amountMinor: amount,
        currency: item.currency,
        mandateId: account.mandateId,
        mandateDate: account.mandateDate,
        sequenceType: mandateUsed || cash.collections.some((row) => row.mandateId === account.mandateId) ? "RCUR" : "FRST",
        debtorName: account.debtorName,
        debtorIban: account.iban,
        paymentItemId,
      };
      const rejects = checkCollection(collection, autopay.creditor, collectionDate);
      if (rejects.length > 0) {
        cash.collectionRejects.push(...rejects.map((reject) => ({ ...reject, source: item.source, accountId: item.accountId })));
        continue;
      }
      cash.collections.push(collection);
      cash.collectionItems.push({
        customerKey: 0,
        source: item.source,
        itemId: paymentItemId,
        accountId: item.accountId,
        type: "payment",
        documentDate: maxDate(collectionDate, item.documentDate),
        dueDate: collectionDate,
        currency: item.currency,
        amountMinor: amount,
        appliesTo: item.itemId,
        reference: `DCMS-${attempt}-${hash.slice(0, 16)}`,
        remittance: item.reference ?? item.itemId,
      });
      cash.journals.push({
        entity: autopay.creditor.entity,
        currency: item.currency,
        amountMinor: amount,
        accountingDate: collectionDate,
        debit: "bank",
        credit: "receivable",
        description: `direct debit of ${item.source}/${item.itemId} on ${collectionDate}, attempt ${attempt}`,
      });
    }
  }
}

/** Checks one collection as the collection file will: IBAN, mandate, amount. */
function checkCollection(
  collection: NewCollection,
  creditor: NonNullable<CashSettings["autopay"]>["creditor"],
  collectionDate: string,
): Pain008Reject[] {
  return buildPain008({
    messageId: "CHECK",
    creationDateTime: `${collectionDate}T00:00:00`,
    collectionDate,
    creditor: { name: creditor.name, iban: creditor.iban, bic: creditor.bic, creditorId: creditor.creditorId },
    transactions: [
      {
        endToEndId: collection.endToEndId,
        amountMinor: collection.amountMinor,
        currency: collection.currency,
        mandateId: collection.mandateId,
        mandateDate: collection.mandateDate,
        sequenceType: collection.sequenceType,
        debtorName: collection.debtorName,
        debtorIban: collection.debtorIban,
      },
    ],
  }).rejects;
}
