import { expect } from "chai";
import { planAllocations, type AllocationPlan } from "../../jobs/allocate.ts";
import { itemKey } from "../../src/domain.ts";
import {
  account,
  BUSINESS_DATE,
  creditNote,
  customer,
  invoice,
  payment,
  paymentReversal,
  sourceAllocation,
} from "../support/builders.ts";

/** Open amount of a debit item of source mobile after the plan. */
function openOf(plan: AllocationPlan, itemId: string, source = "mobile"): number | undefined {
  return plan.debits.get(itemKey(source, itemId))?.openMinor;
}

/** Allocations as "credit>debit amount rule" strings, in planned order. */
function applied(plan: AllocationPlan): string[] {
  return plan.allocations.map(
    (entry) => `${entry.creditItemId}>${entry.debitItemId} ${entry.amountMinor} ${entry.rule}`,
  );
}

function unapplied(plan: AllocationPlan): Record<string, number> {
  return Object.fromEntries(plan.credits.map((entry) => [entry.item.itemId, entry.unappliedMinor]));
}

describe("planAllocations", () => {
  it("pays oldest due first, ties by item id", () => {
    // Due order: I2 and I3 both on 01-31 (I2 first by id), then I1 on 02-28.
    // 180.00 pays I2 100.00, I3 50.00 and leaves 30.00 on I1: open 70.00.
    const plan = planAllocations(
      customer({
        items: [
          invoice({ itemId: "I1", dueDate: "2026-02-28", amountMinor: 10_000 }),
          invoice({ itemId: "I3", dueDate: "2026-01-31", amountMinor: 5_000 }),
          invoice({ itemId: "I2", dueDate: "2026-01-31", amountMinor: 10_000 }),
          payment({ itemId: "P1", documentDate: "2026-03-20", amountMinor: 18_000 }),
        ],
      }),
      BUSINESS_DATE,
    );
    expect(applied(plan)).to.deep.equal([
      "P1>I2 10000 oldest_due",
      "P1>I3 5000 oldest_due",
      "P1>I1 3000 oldest_due",
    ]);
    expect(openOf(plan, "I1")).to.equal(7_000);
    expect(openOf(plan, "I2")).to.equal(0);
    expect(openOf(plan, "I3")).to.equal(0);
    expect(plan.credits).to.deep.equal([]);
  });

  it("dates an allocation on the later of payment and invoice", () => {
    // A prepayment of 03-01 meets an invoice issued on 03-10 (due 03-24):
    // the allocation can only take effect once the invoice exists.
    const plan = planAllocations(
      customer({
        items: [
          invoice({ itemId: "I1", dueDate: "2026-03-24" }),
          payment({ itemId: "P1", documentDate: "2026-03-01" }),
        ],
      }),
      BUSINESS_DATE,
    );
    expect(plan.allocations).to.have.length(1);
    expect(plan.allocations[0].date).to.equal("2026-03-10");
    expect(plan.allocations[0].currency).to.equal("EUR");
  });

  it("applies older credits first", () => {
    // P1 of 03-02 takes 60.00 of I1's 100.00; P2 of 03-05 takes the other
    // 40.00 and keeps 20.00 of its 60.00 unapplied.
    const plan = planAllocations(
      customer({
        items: [
          invoice({ itemId: "I1", dueDate: "2026-03-01" }),
          payment({ itemId: "P2", documentDate: "2026-03-05", amountMinor: 6_000 }),
          payment({ itemId: "P1", documentDate: "2026-03-02", amountMinor: 6_000 }),
        ],
      }),
      BUSINESS_DATE,
    );
    expect(applied(plan)).to.deep.equal(["P1>I1 6000 oldest_due", "P2>I1 4000 oldest_due"]);
    expect(unapplied(plan)).to.deep.equal({ P2: 2_000 });
  });

  it("keeps an applies_to credit's excess unapplied", () => {
    // C1 60.00 names I1 of 40.00: 40.00 applied, 20.00 left. I2 (100.00, older)
    // stays fully open because a credit that names its document is not spread.
    const plan = planAllocations(
      customer({
        items: [
          invoice({ itemId: "I1", dueDate: "2026-02-01", amountMinor: 4_000 }),
          invoice({ itemId: "I2", dueDate: "2026-01-15", amountMinor: 10_000 }),
          creditNote({ itemId: "C1", documentDate: "2026-03-05", amountMinor: 6_000, appliesTo: "I1" }),
        ],
      }),
      BUSINESS_DATE,
    );
    expect(applied(plan)).to.deep.equal(["C1>I1 4000 applies_to"]);
    expect(openOf(plan, "I1")).to.equal(0);
    expect(openOf(plan, "I2")).to.equal(10_000);
    expect(unapplied(plan)).to.deep.equal({ C1: 2_000 });
  });

  it("lets source allocations win over the rule", () => {
    // Oldest due first would pay I1 (due 01-15), but billing allocated P1 to I2.
    const plan = planAllocations(
      customer({
        items: [
          invoice({ itemId: "I1", dueDate: "2026-01-15" }),
          invoice({ itemId: "I2", dueDate: "2026-02-15" }),
          payment({ itemId: "P1", documentDate: "2026-03-01" }),
        ],
        sourceAllocations: [
          sourceAllocation({ itemId: "P1", appliesTo: "I2", amountMinor: 10_000, date: "2026-03-01" }),
        ],
      }),
      BUSINESS_DATE,
    );
    expect(applied(plan)).to.deep.equal(["P1>I2 10000 source"]);
    expect(openOf(plan, "I1")).to.equal(10_000);
    expect(openOf(plan, "I2")).to.equal(0);
  });

  it("lets source allocations win over applies_to", () => {
    // P1 names I1, but billing allocated 30.00 of it to I2; the other 70.00
    // goes to I1 as named.
    const plan = planAllocations(
      customer({
        items: [
          invoice({ itemId: "I1", dueDate: "2026-01-15" }),
          invoice({ itemId: "I2", dueDate: "2026-02-15" }),
          payment({ itemId: "P1", documentDate: "2026-03-01", appliesTo: "I1" }),
        ],
        sourceAllocations: [sourceAllocation({ itemId: "P1", appliesTo: "I2", amountMinor: 3_000 })],
      }),
      BUSINESS_DATE,
    );
    expect(applied(plan)).to.deep.equal(["P1>I2 3000 source", "P1>I1 7000 applies_to"]);
    expect(openOf(plan, "I1")).to.equal(3_000);
    expect(openOf(plan, "I2")).to.equal(7_000);
  });

  it("spreads a source allocation's remainder oldest due first", () => {
    // Billing allocated 30.00 of P1's 100.00 to I2; the other 70.00 pays the
    // older I1 (due 01-15) down to 30.00.
    const plan = planAllocations(
      customer({
        items: [
          invoice({ itemId: "I1", dueDate: "2026-01-15" }),
          invoice({ itemId: "I2", dueDate: "2026-02-15" }),
          payment({ itemId: "P1", documentDate: "2026-03-01" }),
        ],
        sourceAllocations: [sourceAllocation({ itemId: "P1", appliesTo: "I2", amountMinor: 3_000 })],
      }),
      BUSINESS_DATE,
    );
    expect(applied(plan)).to.deep.equal(["P1>I2 3000 source", "P1>I1 7000 oldest_due"]);
    expect(openOf(plan, "I1")).to.equal(3_000);
    expect(openOf(plan, "I2")).to.equal(7_000);
  });

  it("ignores source allocations dated after the business date", () => {
    // The allocation to I2 is dated 04-02, two days after the business date,
    // so tonight P1 follows the rule and pays the older I1.
    const plan = planAllocations(
      customer({
        items: [
          invoice({ itemId: "I1", dueDate: "2026-01-15" }),
          invoice({ itemId: "I2", dueDate: "2026-02-15" }),
          payment({ itemId: "P1", documentDate: "2026-03-30" }),
        ],
        sourceAllocations: [
          sourceAllocation({ itemId: "P1", appliesTo: "I2", amountMinor: 10_000, date: "2026-04-02" }),
        ],
      }),
      BUSINESS_DATE,
    );
    expect(applied(plan)).to.deep.equal(["P1>I1 10000 oldest_due"]);
    expect(openOf(plan, "I2")).to.equal(10_000);
  });

  it("caps a source allocation at the open amount", () => {
    // Billing allocated 150.00 to I1 of 100.00: 100.00 is applied and the
    // 50.00 that no open item can take remains unapplied.
    const plan = planAllocations(
      customer({
        items: [
          invoice({ itemId: "I1", dueDate: "2026-01-15" }),
          payment({ itemId: "P1", documentDate: "2026-03-01", amountMinor: 15_000 }),
        ],
        sourceAllocations: [sourceAllocation({ itemId: "P1", appliesTo: "I1", amountMinor: 15_000 })],
      }),
      BUSINESS_DATE,
    );
    expect(applied(plan)).to.deep.equal(["P1>I1 10000 source"]);
    expect(unapplied(plan)).to.deep.equal({ P1: 5_000 });
  });

  it("reopens what a reversed payment settled", () => {
    // P1 paid I1 in full; its reversal R1 of the whole 100.00 leaves P1 with
    // nothing to apply, so I1 is open again. R1 is no debt of its own.
    const plan = planAllocations(
      customer({
        items: [
          invoice({ itemId: "I1", dueDate: "2026-02-15" }),
          payment({ itemId: "P1", documentDate: "2026-02-20", appliesTo: "I1" }),
          paymentReversal({ itemId: "R1", documentDate: "2026-03-05", appliesTo: "P1" }),
        ],
      }),
      BUSINESS_DATE,
    );
    expect(plan.allocations).to.deep.equal([]);
    expect(openOf(plan, "I1")).to.equal(10_000);
    expect(openOf(plan, "R1")).to.equal(undefined);
    expect(plan.credits).to.deep.equal([]);
  });

  it("reopens the newest items on a partial reversal", () => {
    // P1 100.00 less its reversal 40.00 leaves 60.00: I1 (due 01-15, 60.00)
    // is paid and I2 (due 02-15, 40.00) is open again.
    const plan = planAllocations(
      customer({
        items: [
          invoice({ itemId: "I1", dueDate: "2026-01-15", amountMinor: 6_000 }),
          invoice({ itemId: "I2", dueDate: "2026-02-15", amountMinor: 4_000 }),
          payment({ itemId: "P1", documentDate: "2026-02-20" }),
          paymentReversal({ itemId: "R1", documentDate: "2026-03-05", amountMinor: 4_000, appliesTo: "P1" }),
        ],
      }),
      BUSINESS_DATE,
    );
    expect(applied(plan)).to.deep.equal(["P1>I1 6000 oldest_due"]);
    expect(openOf(plan, "I1")).to.equal(0);
    expect(openOf(plan, "I2")).to.equal(4_000);
  });

  it("treats a reversal of no known payment as a debt", () => {
    const plan = planAllocations(
      customer({
        items: [paymentReversal({ itemId: "R9", documentDate: "2026-03-05", amountMinor: 1_500 })],
      }),
      BUSINESS_DATE,
    );
    expect(openOf(plan, "R9")).to.equal(1_500);
  });

  it("applies nothing across accounts or currencies", () => {
    // I1 is a EUR invoice of mobile/A1. P1 is on mobile/A2 and P2 is in USD:
    // both stay unapplied and I1 stays open.
    const plan = planAllocations(
      customer({
        accounts: [account(), account({ accountId: "A2" })],
        items: [
          invoice({ itemId: "I1", dueDate: "2026-02-15" }),
          payment({ itemId: "P1", accountId: "A2", documentDate: "2026-03-01" }),
          payment({ itemId: "P2", currency: "USD", documentDate: "2026-03-02", amountMinor: 5_000 }),
        ],
      }),
      BUSINESS_DATE,
    );
    expect(plan.allocations).to.deep.equal([]);
    expect(openOf(plan, "I1")).to.equal(10_000);
    expect(unapplied(plan)).to.deep.equal({ P1: 10_000, P2: 5_000 });
  });

  it("leaves unreferenced credits unapplied when the rule is off", () => {
    const plan = planAllocations(
      customer({
        items: [
          invoice({ itemId: "I1", dueDate: "2026-02-15" }),
          payment({ itemId: "P1", documentDate: "2026-03-01", amountMinor: 4_000 }),
          creditNote({ itemId: "C1", documentDate: "2026-03-02", amountMinor: 1_000, appliesTo: "I1" }),
        ],
      }),
      BUSINESS_DATE,
      { allocateUnreferenced: false },
    );
    expect(applied(plan)).to.deep.equal(["C1>I1 1000 applies_to"]);
    expect(openOf(plan, "I1")).to.equal(9_000);
    expect(unapplied(plan)).to.deep.equal({ P1: 4_000 });
  });

  it("applies by remittance reference first", () => {
    // P1 (150.00) names INV-2002 in its remittance: I2 (due 02-15) is paid
    // first although I1 (due 01-15) is older; the other 50.00 goes to I1.
    const plan = planAllocations(
      customer({
        items: [
          invoice({ itemId: "I1", dueDate: "2026-01-15", reference: "INV-2001" }),
          invoice({ itemId: "I2", dueDate: "2026-02-15", reference: "INV-2002" }),
          payment({ itemId: "P1", documentDate: "2026-03-01", amountMinor: 15_000, remittance: "Rechnung INV-2002" }),
        ],
      }),
      BUSINESS_DATE,
    );
    expect(applied(plan)).to.deep.equal(["P1>I2 10000 by_reference", "P1>I1 5000 oldest_due"]);
    expect(openOf(plan, "I1")).to.equal(5_000);
  });

  it("matches references without separators", () => {
    // "inv 2026/0002" and "INV-2026-0002" both normalise to INV20260002.
    const plan = planAllocations(
      customer({
        items: [
          invoice({ itemId: "I1", dueDate: "2026-01-15" }),
          invoice({ itemId: "I2", dueDate: "2026-02-15", reference: "INV-2026-0002" }),
          payment({ itemId: "P1", documentDate: "2026-03-01", remittance: "paying\ninv 2026/0002" }),
        ],
      }),
      BUSINESS_DATE,
    );
    expect(applied(plan)).to.deep.equal(["P1>I2 10000 by_reference"]);
  });

  it("ignores remittance without the rule", () => {
    const plan = planAllocations(
      customer({
        items: [
          invoice({ itemId: "I1", dueDate: "2026-01-15" }),
          invoice({ itemId: "I2", dueDate: "2026-02-15", reference: "INV-2002" }),
          payment({ itemId: "P1", documentDate: "2026-03-01", remittance: "INV-2002" }),
        ],
      }),
      BUSINESS_DATE,
      { allocateUnreferenced: true, byReference: false },
    );
    expect(applied(plan)).to.deep.equal(["P1>I1 10000 oldest_due"]);
  });

  it("pays fees, then interest, then principal", () => {
    // Principal I1 is due first (01-15), but with the kind order the 30.00
    // payment pays the fee F1 (5.00) and the interest N1 (2.50) first and
    // only 22.50 of I1.
    const plan = planAllocations(
      customer({
        items: [
          invoice({ itemId: "I1", dueDate: "2026-01-15" }),
          invoice({ itemId: "F1", type: "debit_adjustment", kind: "fee", dueDate: "2026-03-01", amountMinor: 500 }),
          invoice({ itemId: "N1", type: "debit_adjustment", kind: "interest", dueDate: "2026-03-01", amountMinor: 250 }),
          payment({ itemId: "P1", documentDate: "2026-03-20", amountMinor: 3_000 }),
        ],
      }),
      BUSINESS_DATE,
      { allocateUnreferenced: true, kindOrder: ["fee", "interest", "principal"] },
    );
    expect(applied(plan)).to.deep.equal(["P1>F1 500 oldest_due", "P1>N1 250 oldest_due", "P1>I1 2250 oldest_due"]);
    expect(openOf(plan, "I1")).to.equal(7_750);
  });

  it("keeps due order without a kind order", () => {
    const plan = planAllocations(
      customer({
        items: [
          invoice({ itemId: "I1", dueDate: "2026-01-15" }),
          invoice({ itemId: "F1", type: "debit_adjustment", kind: "fee", dueDate: "2026-03-01", amountMinor: 500 }),
          payment({ itemId: "P1", documentDate: "2026-03-20", amountMinor: 3_000 }),
        ],
      }),
      BUSINESS_DATE,
    );
    expect(applied(plan)).to.deep.equal(["P1>I1 3000 oldest_due"]);
  });

  it("ages a reopened item from its due date", () => {
    const plan = planAllocations(
      customer({
        items: [
          invoice({ itemId: "I1", dueDate: "2026-02-15" }),
          payment({ itemId: "P1", documentDate: "2026-02-20", appliesTo: "I1" }),
          paymentReversal({ itemId: "R1", documentDate: "2026-03-05", appliesTo: "P1" }),
        ],
      }),
      BUSINESS_DATE,
      { allocateUnreferenced: true, reopenedAging: "due_date" },
    );
    expect(plan.debits.get(itemKey("mobile", "I1"))?.item.dueDate).to.equal("2026-02-15");
  });

  it("ages a reopened item from the reversal date", () => {
    // I1 (due 02-15) was paid by P1 and reopened by R1 on 03-05; I2 (due
    // 02-28, never paid) keeps its due date.
    const plan = planAllocations(
      customer({
        items: [
          invoice({ itemId: "I1", dueDate: "2026-02-15" }),
          invoice({ itemId: "I2", dueDate: "2026-02-28" }),
          payment({ itemId: "P1", documentDate: "2026-02-20", appliesTo: "I1" }),
          paymentReversal({ itemId: "R1", documentDate: "2026-03-05", appliesTo: "P1" }),
        ],
      }),
      BUSINESS_DATE,
      { allocateUnreferenced: true, reopenedAging: "reversal_date" },
    );
    expect(openOf(plan, "I1")).to.equal(10_000);
    expect(plan.debits.get(itemKey("mobile", "I1"))?.item.dueDate).to.equal("2026-03-05");
    expect(plan.debits.get(itemKey("mobile", "I2"))?.item.dueDate).to.equal("2026-02-28");
  });

  it("lets a set-off debit take its credit", () => {
    // The set-off debit S1 (20.00) moved part of C1 (30.00) to another
    // account, so S1 takes 20.00 of C1 before the rule. The other 10.00
    // pays I1 oldest due first.
    const plan = planAllocations(
      customer({
        items: [
          creditNote({ itemId: "C1", documentDate: "2026-01-15", amountMinor: 3_000 }),
          invoice({ itemId: "S1", type: "debit_adjustment", dueDate: "2026-03-31", amountMinor: 2_000, appliesTo: "C1" }),
          invoice({ itemId: "I1", dueDate: "2026-03-20", amountMinor: 5_000 }),
        ],
      }),
      BUSINESS_DATE,
    );
    expect(applied(plan)).to.deep.equal(["C1>S1 2000 set_off", "C1>I1 1000 oldest_due"]);
    expect(openOf(plan, "S1")).to.equal(0);
    expect(openOf(plan, "I1")).to.equal(4_000);
  });

  it("keeps an overpayment as unapplied credit", () => {
    // 120.00 against 100.00 open: 20.00 unapplied.
    const plan = planAllocations(
      customer({
        items: [
          invoice({ itemId: "I1", dueDate: "2026-02-15" }),
          payment({ itemId: "P1", documentDate: "2026-03-01", amountMinor: 12_000 }),
        ],
      }),
      BUSINESS_DATE,
    );
    expect(applied(plan)).to.deep.equal(["P1>I1 10000 oldest_due"]);
    expect(unapplied(plan)).to.deep.equal({ P1: 2_000 });
  });
});
