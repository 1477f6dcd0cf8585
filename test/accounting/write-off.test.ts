// The write-off planners without a database: the rule, approvals,
// recoveries and reversals of one customer on the business date 2026-03-31.

import { expect } from "chai";
import { setOff } from "../../jobs/age.ts";
import { planAllocations } from "../../jobs/allocate.ts";
import {
  planWriteOffs,
  removeWrittenOff,
  settleWriteOffs,
  type StoredWriteOff,
  type WriteOffContext,
} from "../../jobs/write-off.ts";
import type { ResolvedConfig } from "../../src/config/resolve.ts";
import type { CustomerData } from "../../src/domain.ts";
import { accountKey } from "../../src/domain.ts";
import {
  accountState,
  BUSINESS_DATE,
  customer,
  daysAgo,
  hold,
  invoice,
  payment,
  paymentReversal,
  testConfig,
} from "../support/builders.ts";

// Rule of these tests: after 60 days placed at the last stage (agency), or
// more than 180 days past due with at most 25.00 EUR open. Automatic unless
// a test sets proposal mode.
function writeOffConfig(mode: "automatic" | "proposal" = "automatic"): ResolvedConfig {
  return testConfig((raw) => {
    raw.write_off = {
      mode,
      after_placement_days: 60,
      small_balance: { days_past_due: 180, max_amount: { EUR: "25.00" } },
    };
    raw.gl.DE01.recovery_income = "485000";
  });
}

function context(config: ResolvedConfig, fields: Partial<WriteOffContext> = {}): WriteOffContext {
  return {
    config,
    businessDate: BUSINESS_DATE,
    staleSources: new Set(),
    approvals: new Map(),
    previousProposals: [],
    ...fields,
  };
}

function plan(data: CustomerData, config: ResolvedConfig, fields: Partial<WriteOffContext> = {}, stored: StoredWriteOff[] = []) {
  const allocation = planAllocations(data, BUSINESS_DATE);
  const items = setOff(data, allocation, "due_date", BUSINESS_DATE, false);
  return planWriteOffs(data, items, data.states, stored, context(config, fields));
}

function stored(fields: Partial<StoredWriteOff> = {}): StoredWriteOff {
  return {
    source: "mobile",
    itemId: "I1",
    accountId: "A1",
    entity: "DE01",
    segment: null,
    itemType: "invoice",
    currency: "EUR",
    status: "active",
    amountMinor: 4_000,
    recoveredMinor: 0,
    writtenOffOn: daysAgo(30),
    rule: "small_balance",
    reason: "test",
    ...fields,
  };
}

describe("planWriteOffs", () => {
  const automatic = writeOffConfig();

  it("writes off after the placement period at the last stage", () => {
    // Agency is the last of four stages; placed 60 days ago: 60 >= 60.
    const data = customer({
      items: [invoice({ itemId: "I1", dueDate: daysAgo(150), amountMinor: 50_000 })],
      states: [accountState({ level: 4, stage: "agency", agency: "inkasso-nord", since: daysAgo(60) })],
    });
    const planned = plan(data, automatic);
    expect(planned.events.map((event) => [event.kind, event.itemId, event.amountMinor])).to.deep.equal([["write_off", "I1", 50_000]]);
    expect(planned.versions[0]).to.include({ status: "active", amountMinor: 50_000, rule: "placement", writtenOffOn: BUSINESS_DATE });
    expect(planned.versions[0].reason).to.equal(
      `at last stage agency and placed with inkasso-nord since ${daysAgo(60)}, 60 days (rule: 60)`,
    );
  });

  it("waits a day short of the placement period", () => {
    const data = customer({
      items: [invoice({ itemId: "I1", dueDate: daysAgo(150), amountMinor: 50_000 })],
      states: [accountState({ level: 4, stage: "agency", agency: "inkasso-nord", since: daysAgo(59) })],
    });
    expect(plan(data, automatic).events).to.deep.equal([]);
  });

  it("writes off a small old balance after set-off", () => {
    // 30.00 open, 181 days past due, and a 5.00 credit set off: 25.00 <= 25.00.
    const data = customer({
      items: [
        invoice({ itemId: "I1", dueDate: daysAgo(181), amountMinor: 3_000 }),
        payment({ itemId: "P1", documentDate: daysAgo(2), amountMinor: 500, appliesTo: "I9" }),
      ],
    });
    const planned = plan(data, automatic);
    expect([...planned.writtenOff]).to.deep.equal([["mobile\u0000I1", 2_500]]);
  });

  it("keeps a balance at exactly 180 days", () => {
    const data = customer({ items: [invoice({ itemId: "I1", dueDate: daysAgo(180), amountMinor: 1_000 })] });
    expect(plan(data, automatic).events).to.deep.equal([]);
  });

  it("skips accounts under a dispute hold or with disputed debt", () => {
    const old = invoice({ itemId: "I1", dueDate: daysAgo(200), amountMinor: 1_000 });
    expect(plan(customer({ items: [old], holds: [hold({ kind: "dispute" })] }), automatic).events).to.deep.equal([]);
    const disputed = { ...old, disputedMinor: 100 };
    expect(plan(customer({ items: [disputed] }), automatic).events).to.deep.equal([]);
  });

  it("proposes in proposal mode", () => {
    const data = customer({ items: [invoice({ itemId: "I1", dueDate: daysAgo(200), amountMinor: 1_000 })] });
    const planned = plan(data, writeOffConfig("proposal"));
    expect(planned.events).to.deep.equal([]);
    expect(planned.proposals).to.deep.equal([
      {
        source: "mobile",
        accountId: "A1",
        currency: "EUR",
        entity: "DE01",
        amountMinor: 1_000,
        daysPastDueMax: 200,
        rule: "small_balance",
        reason: "10.00 EUR open, at most 25.00, and 200 days past due, more than 180",
      },
    ]);
  });

  it("writes off an approved proposal up to its amount", () => {
    const config = writeOffConfig("proposal");
    const data = customer({ items: [invoice({ itemId: "I1", dueDate: daysAgo(200), amountMinor: 1_000 })] });
    const approvals = new Map([[accountKey("mobile", "A1"), "approve" as const]]);
    const proposal = { source: "mobile", accountId: "A1", currency: "EUR", entity: "DE01", daysPastDueMax: 199, rule: "small_balance", reason: "" };
    const approved = plan(data, config, { approvals, previousProposals: [{ ...proposal, amountMinor: 1_000 }] });
    expect(approved.events.map((event) => event.amountMinor)).to.deep.equal([1_000]);
    expect(approved.versions[0].rule).to.equal("approval");
    // 10.00 is open but only 9.00 was approved: proposed again.
    const grown = plan(data, config, { approvals, previousProposals: [{ ...proposal, amountMinor: 900 }] });
    expect(grown.events).to.deep.equal([]);
    expect(grown.proposals[0].reason).to.equal("approved for 9.00 EUR, but 10.00 EUR is open now; approve the new amount");
  });

  it("ignores accounts of a stale source", () => {
    const data = customer({ items: [invoice({ itemId: "I1", dueDate: daysAgo(200), amountMinor: 1_000 })] });
    expect(plan(data, automatic, { staleSources: new Set(["mobile"]) }).events).to.deep.equal([]);
  });

  it("only proposes an account whose write-off was reversed", () => {
    const data = customer({ items: [invoice({ itemId: "I1", dueDate: daysAgo(200), amountMinor: 1_000 })] });
    const planned = plan(data, automatic, {}, [stored({ status: "reversed", amountMinor: 1_000 })]);
    expect(planned.events).to.deep.equal([]);
    expect(planned.proposals).to.have.length(1);
  });
});

describe("settleWriteOffs", () => {
  const approvals = { approvals: new Map(), businessDate: BUSINESS_DATE };

  it("applies a write-off to its item", () => {
    const data = customer({ items: [invoice({ itemId: "I1", dueDate: daysAgo(200), amountMinor: 4_000 })] });
    const settled = settleWriteOffs(data, planAllocations(data, BUSINESS_DATE), [stored()], approvals);
    expect(settled.plan.debits.get("mobile\u0000I1")?.openMinor).to.equal(0);
    expect(settled.events).to.deep.equal([]);
    expect(settled.versions).to.deep.equal([]);
  });

  it("recovers what a payment on the item covers", () => {
    // 40.00 written off; billing applies a 15.00 payment: the write-off
    // covers the 25.00 left, and 15.00 is recovered.
    const data = customer({
      items: [
        invoice({ itemId: "I1", dueDate: daysAgo(200), amountMinor: 4_000 }),
        payment({ itemId: "P1", amountMinor: 1_500, appliesTo: "I1" }),
      ],
    });
    const settled = settleWriteOffs(data, planAllocations(data, BUSINESS_DATE), [stored()], approvals);
    expect(settled.events.map((event) => [event.kind, event.amountMinor])).to.deep.equal([["recovery", 1_500]]);
    expect(settled.versions[0]).to.include({ recoveredMinor: 1_500, rule: "recovery" });
    expect(settled.plan.debits.get("mobile\u0000I1")?.openMinor).to.equal(0);
  });

  it("writes off again what a reversed payment reopens", () => {
    // 15.00 was recovered; the payment bounces, so the item is 40.00 open
    // again before the write-off, which covers all of it: -15.00 recovery.
    const data = customer({
      items: [
        invoice({ itemId: "I1", dueDate: daysAgo(200), amountMinor: 4_000 }),
        payment({ itemId: "P1", amountMinor: 1_500, appliesTo: "I1" }),
        paymentReversal({ itemId: "R1", amountMinor: 1_500, appliesTo: "P1" }),
      ],
    });
    const settled = settleWriteOffs(data, planAllocations(data, BUSINESS_DATE), [stored({ recoveredMinor: 1_500 })], approvals);
    expect(settled.events.map((event) => [event.kind, event.amountMinor])).to.deep.equal([["recovery", -1_500]]);
    expect(settled.versions[0].recoveredMinor).to.equal(0);
  });

  it("reverses on request and when the item is gone", () => {
    const data = customer({ items: [invoice({ itemId: "I1", dueDate: daysAgo(200), amountMinor: 4_000 })] });
    const reverse = { approvals: new Map([[accountKey("mobile", "A1"), "reverse" as const]]), businessDate: BUSINESS_DATE };
    const requested = settleWriteOffs(data, planAllocations(data, BUSINESS_DATE), [stored({ recoveredMinor: 1_000 })], reverse);
    // Net 40.00 - 10.00 recovered = 30.00 is reinstated; the item is open in full.
    expect(requested.events.map((event) => [event.kind, event.amountMinor])).to.deep.equal([["reversal", 3_000]]);
    expect(requested.versions[0].status).to.equal("reversed");
    expect(requested.plan.debits.get("mobile\u0000I1")?.openMinor).to.equal(4_000);
    const gone = settleWriteOffs(customer({ items: [] }), planAllocations(customer({ items: [] }), BUSINESS_DATE), [stored()], approvals);
    expect(gone.events.map((event) => [event.kind, event.amountMinor])).to.deep.equal([["reversal", 4_000]]);
    expect(gone.versions[0].reason).to.equal("item is no longer posted in source mobile; the write-off is reversed");
  });
});

describe("removeWrittenOff", () => {
  it("takes the written-off amount out of what remains", () => {
    const data = customer({ items: [invoice({ itemId: "I1", dueDate: daysAgo(200), amountMinor: 4_000 })] });
    const items = setOff(data, planAllocations(data, BUSINESS_DATE), "due_date", BUSINESS_DATE, false);
    const [left] = removeWrittenOff(items, new Map([["mobile\u0000I1", 1_000]]));
    expect([left.openMinor, left.remainingMinor]).to.deep.equal([3_000, 3_000]);
    expect(() => removeWrittenOff(items, new Map([["mobile\u0000I1", 4_001]]))).to.throw("exceeds what remains open");
  });
});
