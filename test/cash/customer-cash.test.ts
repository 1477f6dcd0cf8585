import { expect } from "chai";
import { planAllocations } from "../../jobs/allocate.ts";
import { resolveCash } from "../../src/cash/config.ts";
import {
  emptyInputs,
  planCustomerCash,
  toLedgerItem,
  type CustomerCashInputs,
} from "../../src/cash/customer-cash.ts";
import type { DcmsItem } from "../../src/cash/ledger.ts";
import type { CustomerData } from "../../src/domain.ts";
import { account, BUSINESS_DATE, creditNote, customer, invoice } from "../support/builders.ts";

const cash = resolveCash({
  refunds: { min_amount: { EUR: "5.00" }, min_age_days: 30 },
} as never);

function plan(data: CustomerData, inputs: CustomerCashInputs = emptyInputs(), bankrupt = false) {
  const replan = (extra: readonly DcmsItem[]) =>
    planAllocations({ ...data, items: [...data.items, ...extra.map(toLedgerItem)] }, BUSINESS_DATE);
  return planCustomerCash(
    data,
    planAllocations(data, BUSINESS_DATE),
    inputs,
    { cash, businessDate: BUSINESS_DATE, bankrupt, collectionDate: null },
    replan,
  ).cash;
}

/** Customer with a 30.00 credit on mobile/A1 and a 20.00 invoice on cable/B1. */
function creditAndDebt(cableEntity = "DE01"): CustomerData {
  return customer({
    accounts: [account(), account({ source: "cable", accountId: "B1", entity: cableEntity })],
    items: [
      creditNote({ itemId: "C1", documentDate: "2026-02-01", amountMinor: 3_000 }),
      invoice({ itemId: "I1", source: "cable", accountId: "B1", dueDate: "2026-03-15", amountMinor: 2_000 }),
    ],
  });
}

describe("planCustomerCash", function () {
  it("settles other debt before a refund", function () {
    // 30.00 credit, 20.00 debt in cable: 20.00 moves, 10.00 is proposed.
    const result = plan(creditAndDebt());
    expect(result.items.map((item) => [item.source, item.type, item.amountMinor, item.appliesTo])).to.deep.equal([
      ["mobile", "debit_adjustment", 2_000, "C1"],
      ["cable", "credit_adjustment", 2_000, "I1"],
    ]);
    expect(result.refunds).to.deep.equal([
      { source: "mobile", accountId: "A1", currency: "EUR", amountMinor: 1_000, creditSince: "2026-02-01" },
    ]);
    expect(result.journals.map((journal) => [journal.debit, journal.credit, journal.amountMinor])).to.deep.equal([
      ["receivable", "receivable", 2_000],
    ]);
  });

  it("sets off nothing in bankruptcy", function () {
    const result = plan(creditAndDebt(), emptyInputs(), true);
    expect(result.items).to.deep.equal([]);
    expect(result.refunds.map((refund) => refund.amountMinor)).to.deep.equal([3_000]);
  });

  it("sets off nothing across entities", function () {
    const result = plan(creditAndDebt("AT01"));
    expect(result.setOffs).to.deep.equal([]);
    expect(result.refunds.map((refund) => refund.amountMinor)).to.deep.equal([3_000]);
  });

  it("proposes no refund below the minimum", function () {
    // 4.99 is below the 5.00 minimum.
    const result = plan(
      customer({ items: [creditNote({ itemId: "C1", documentDate: "2026-02-01", amountMinor: 499 })] }),
    );
    expect(result.refunds).to.deep.equal([]);
  });

  it("waits for a credit to age", function () {
    // 2026-03-15 is 16 days before the business date, under 30.
    const result = plan(
      customer({ items: [creditNote({ itemId: "C1", documentDate: "2026-03-15", amountMinor: 3_000 })] }),
    );
    expect(result.refunds).to.deep.equal([]);
  });

  it("nets only the payable's currency", function () {
    const inputs = emptyInputs();
    inputs.payables.push(
      { source: "mobile", payableId: "P-USD", accountId: "A1", currency: "USD", availableMinor: 1_000, date: "2026-03-01" },
      { source: "mobile", payableId: "P-EUR", accountId: "A1", currency: "EUR", availableMinor: 2_500, date: "2026-03-02" },
    );
    const result = plan(customer({ items: [invoice({ itemId: "I1", dueDate: "2026-03-01" })] }), inputs);
    // Only the 25.00 EUR payable meets the 100.00 EUR invoice.
    expect(result.setOffs.map((record) => [record.kind, record.creditRef, record.debitItemId, record.amountMinor])).to.deep.equal([
      ["netting", "P-EUR", "I1", 2_500],
    ]);
  });
});
