import { expect } from "chai";
import { planAging, setOff, type AccountAging, type SetOffItem } from "../../jobs/age.ts";
import { planAllocations } from "../../jobs/allocate.ts";
import type { CustomerData } from "../../src/domain.ts";
import {
  account,
  BUSINESS_DATE,
  creditNote,
  customer,
  daysAgo,
  invoice,
  payment,
  paymentReversal,
  testConfig,
} from "../support/builders.ts";

const config = testConfig();
const LABELS = config.buckets.map((band) => band.label);

function age(data: CustomerData, basis: "due_date" | "document_date" = "due_date"): AccountAging[] {
  const plan = planAllocations(data, BUSINESS_DATE);
  return planAging(data, plan, config.buckets, basis, BUSINESS_DATE);
}

/** Returns the non-zero buckets of an aging row, by label. */
function bucketsOf(row: AccountAging): Record<string, number> {
  const result: Record<string, number> = {};
  row.bucketsMinor.forEach((amount, index) => {
    if (amount !== 0) result[LABELS[index]] = amount;
  });
  return result;
}

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

describe("planAging", () => {
  it("has the default buckets", () => {
    expect(LABELS).to.deep.equal([
      "current",
      "1-30",
      "31-60",
      "61-90",
      "91-120",
      "121-180",
      "181-365",
      "over-365",
    ]);
  });

  describe("bucket edges", () => {
    // Bounds are inclusive: 30 days past due is still 1-30, 31 is 31-60.
    const cases: Array<[number, string]> = [
      [-5, "current"],
      [0, "current"],
      [1, "1-30"],
      [30, "1-30"],
      [31, "31-60"],
      [60, "31-60"],
      [61, "61-90"],
      [90, "61-90"],
      [91, "91-120"],
      [120, "91-120"],
      [121, "121-180"],
      [180, "121-180"],
      [181, "181-365"],
      [365, "181-365"],
      [366, "over-365"],
      [2_000, "over-365"],
    ];
    for (const [days, label] of cases) {
      it(`puts ${days} days past due in ${label}`, () => {
        const [row] = age(customer({ items: [invoice({ itemId: "I1", dueDate: daysAgo(days) })] }));
        expect(bucketsOf(row)).to.deep.equal({ [label]: 10_000 });
        expect(row.daysPastDueMax).to.equal(Math.max(0, days));
      });
    }
  });

  it("does not count an invoice due today as overdue", () => {
    const [row] = age(customer({ items: [invoice({ itemId: "I1", dueDate: BUSINESS_DATE })] }));
    expect(bucketsOf(row)).to.deep.equal({ current: 10_000 });
    expect(row.overdueMinor).to.equal(0);
    expect(row.daysPastDueMax).to.equal(0);
    expect(row.balanceMinor).to.equal(10_000);
  });

  it("counts an invoice due yesterday as overdue", () => {
    const [row] = age(customer({ items: [invoice({ itemId: "I1", dueDate: "2026-03-30" })] }));
    expect(row.overdueMinor).to.equal(10_000);
    expect(row.daysPastDueMax).to.equal(1);
  });

  it("shows only a partly paid invoice's open amount", () => {
    // 100.00 due 45 days ago less a payment of 30.00 = 70.00 in 31-60.
    const [row] = age(
      customer({
        items: [
          invoice({ itemId: "I1", dueDate: daysAgo(45) }),
          payment({ itemId: "P1", documentDate: daysAgo(20), amountMinor: 3_000, appliesTo: "I1" }),
        ],
      }),
    );
    expect(bucketsOf(row)).to.deep.equal({ "31-60": 7_000 });
    expect(row.balanceMinor).to.equal(7_000);
    expect(row.overdueMinor).to.equal(7_000);
    expect(row.daysPastDueMax).to.equal(45);
    expect(row.unappliedMinor).to.equal(0);
  });

  it("turns an overpayment into unapplied credit", () => {
    // 80.00 paid against 50.00 owed: the invoice is settled and 30.00 is
    // credit. Buckets 0 + unapplied -30.00 = balance -30.00.
    const [row] = age(
      customer({
        items: [
          invoice({ itemId: "I1", dueDate: daysAgo(10), amountMinor: 5_000 }),
          payment({ itemId: "P1", documentDate: daysAgo(2), amountMinor: 8_000 }),
        ],
      }),
    );
    expect(bucketsOf(row)).to.deep.equal({});
    expect(row.unappliedMinor).to.equal(-3_000);
    expect(row.balanceMinor).to.equal(-3_000);
    expect(sum(row.bucketsMinor) + row.unappliedMinor).to.equal(row.balanceMinor);
    expect(row.overdueMinor).to.equal(0);
  });

  it("shows applies_to excess beside another open invoice", () => {
    // C1 60.00 settles I1 (40.00) and keeps 20.00; I2 100.00 due 75 days ago
    // stays in 61-90. Balance = 100.00 - 20.00 = 80.00.
    const [row] = age(
      customer({
        items: [
          invoice({ itemId: "I1", dueDate: daysAgo(20), amountMinor: 4_000 }),
          invoice({ itemId: "I2", dueDate: daysAgo(75) }),
          creditNote({ itemId: "C1", documentDate: daysAgo(5), amountMinor: 6_000, appliesTo: "I1" }),
        ],
      }),
    );
    expect(bucketsOf(row)).to.deep.equal({ "61-90": 10_000 });
    expect(row.unappliedMinor).to.equal(-2_000);
    expect(row.balanceMinor).to.equal(8_000);
    expect(sum(row.bucketsMinor) + row.unappliedMinor).to.equal(row.balanceMinor);
  });

  it("ages a reopened invoice from its own due date", () => {
    // I1 due 02-15 was paid on 02-20 and the payment reversed on 03-05.
    // Days past due = 13 (rest of February) + 31 (March) = 44: bucket 31-60.
    const [row] = age(
      customer({
        items: [
          invoice({ itemId: "I1", dueDate: "2026-02-15" }),
          payment({ itemId: "P1", documentDate: "2026-02-20", appliesTo: "I1" }),
          paymentReversal({ itemId: "R1", documentDate: "2026-03-05", appliesTo: "P1" }),
        ],
      }),
    );
    expect(bucketsOf(row)).to.deep.equal({ "31-60": 10_000 });
    expect(row.daysPastDueMax).to.equal(44);
    expect(row.balanceMinor).to.equal(10_000);
  });

  it("ages by document date when configured", () => {
    // Issued 03-01 and due 03-15: 30 days since the document, 16 since due.
    const data = customer({
      items: [invoice({ itemId: "I1", documentDate: "2026-03-01", dueDate: "2026-03-15" })],
    });
    expect(age(data, "document_date")[0].daysPastDueMax).to.equal(30);
    expect(age(data, "due_date")[0].daysPastDueMax).to.equal(16);
  });

  it("keeps the disputed part in the balance", () => {
    // 100.00 with 30.00 disputed: all 100.00 is aged, 30.00 is reported disputed.
    const [row] = age(
      customer({ items: [invoice({ itemId: "I1", dueDate: daysAgo(40), disputedMinor: 3_000 })] }),
    );
    expect(row.balanceMinor).to.equal(10_000);
    expect(row.disputedMinor).to.equal(3_000);
    expect(bucketsOf(row)).to.deep.equal({ "31-60": 10_000 });
  });

  it("returns a row per account and currency", () => {
    // mobile/A1 owes 100.00 EUR and 50.00 USD; mobile/A2 owes 20.00 EUR.
    const rows = age(
      customer({
        accounts: [account(), account({ accountId: "A2" })],
        items: [
          invoice({ itemId: "I1", dueDate: daysAgo(5) }),
          invoice({ itemId: "I2", dueDate: daysAgo(5), currency: "USD", amountMinor: 5_000 }),
          invoice({ itemId: "I3", accountId: "A2", dueDate: daysAgo(95), amountMinor: 2_000 }),
        ],
      }),
    );
    expect(rows.map((row) => `${row.accountId} ${row.currency} ${row.balanceMinor}`)).to.deep.equal([
      "A1 EUR 10000",
      "A1 USD 5000",
      "A2 EUR 2000",
    ]);
    expect(bucketsOf(rows[2])).to.deep.equal({ "91-120": 2_000 });
  });

  it("returns no row for a settled account", () => {
    const rows = age(
      customer({
        items: [
          invoice({ itemId: "I1", dueDate: daysAgo(5) }),
          payment({ itemId: "P1", documentDate: daysAgo(1) }),
        ],
      }),
    );
    expect(rows).to.deep.equal([]);
  });
});

describe("setOff", () => {
  /** Remaining amount per item id after set-off. */
  function remaining(data: CustomerData, bankrupt = false): Record<string, number> {
    const plan = planAllocations(data, BUSINESS_DATE);
    const items: SetOffItem[] = setOff(data, plan, "due_date", BUSINESS_DATE, bankrupt);
    return Object.fromEntries(items.map((entry) => [entry.item.itemId, entry.remainingMinor]));
  }

  const twoAccounts = [account(), account({ source: "cable", accountId: "K7" })];

  it("sets credit off across accounts of one entity and currency", () => {
    // The 120.00 paid on cable/K7 has nothing to pay there. It is set off
    // oldest first against mobile/A1: I1 (100 days, 100.00) to 0, then I2
    // (20 days, 50.00) by the remaining 20.00 to 30.00.
    const data = customer({
      accounts: twoAccounts,
      items: [
        invoice({ itemId: "I2", dueDate: daysAgo(20), amountMinor: 5_000 }),
        invoice({ itemId: "I1", dueDate: daysAgo(100) }),
        payment({ itemId: "P1", source: "cable", accountId: "K7", amountMinor: 12_000 }),
      ],
    });
    expect(remaining(data)).to.deep.equal({ I1: 0, I2: 3_000 });
  });

  it("returns the items oldest first with their days past due", () => {
    const data = customer({
      items: [
        invoice({ itemId: "I2", dueDate: daysAgo(20), amountMinor: 5_000, disputedMinor: 1_000 }),
        invoice({ itemId: "I1", dueDate: daysAgo(100) }),
      ],
    });
    const items = setOff(data, planAllocations(data, BUSINESS_DATE), "due_date", BUSINESS_DATE, false);
    expect(items.map((entry) => [entry.item.itemId, entry.daysPastDue, entry.disputedMinor])).to.deep.equal([
      ["I1", 100, 0],
      ["I2", 20, 1_000],
    ]);
    expect(items.map((entry) => entry.entity)).to.deep.equal(["DE01", "DE01"]);
  });

  it("sets nothing off across currencies", () => {
    // The credit is in USD and the debt in EUR.
    const data = customer({
      accounts: [account(), account({ source: "cable", accountId: "K7", currency: "USD" })],
      items: [
        invoice({ itemId: "I1", dueDate: daysAgo(100) }),
        payment({ itemId: "P1", source: "cable", accountId: "K7", currency: "USD" }),
      ],
    });
    expect(remaining(data)).to.deep.equal({ I1: 10_000 });
  });

  it("sets nothing off across entities", () => {
    const data = customer({
      accounts: [account(), account({ source: "cable", accountId: "K7", entity: "AT01" })],
      items: [
        invoice({ itemId: "I1", dueDate: daysAgo(100) }),
        payment({ itemId: "P1", source: "cable", accountId: "K7" }),
      ],
    });
    expect(remaining(data)).to.deep.equal({ I1: 10_000 });
  });

  it("sets nothing off for a customer in bankruptcy", () => {
    const data = customer({
      accounts: twoAccounts,
      items: [
        invoice({ itemId: "I1", dueDate: daysAgo(100) }),
        payment({ itemId: "P1", source: "cable", accountId: "K7", amountMinor: 12_000 }),
      ],
    });
    expect(remaining(data, true)).to.deep.equal({ I1: 10_000 });
  });

  it("leaves settled items out", () => {
    // I1 is paid in full on its own account, so only I2 is listed.
    const data = customer({
      items: [
        invoice({ itemId: "I1", dueDate: daysAgo(50) }),
        invoice({ itemId: "I2", dueDate: daysAgo(10) }),
        payment({ itemId: "P1", appliesTo: "I1" }),
      ],
    });
    expect(remaining(data)).to.deep.equal({ I2: 10_000 });
  });
});
