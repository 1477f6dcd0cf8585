// The dunning planner case by case, with the expected stages, amounts and
// dates worked out by hand from the test ladder of test/support/builders.ts:
// reminder 10 days / 5.00, final_notice 30 / 20.00 (waits 14), suspension
// 45 / 50.00 (waits 17), agency 90 / 100.00 (waits 30); exit below 5.00 EUR.
// The business date is Tuesday 2026-03-31.

import { expect } from "chai";
import { setOff } from "../../jobs/age.ts";
import { planAllocations } from "../../jobs/allocate.ts";
import { activeHolds, planDunning, type DunningContext, type DunningPlan } from "../../jobs/dun.ts";
import type { ResolvedConfig } from "../../src/config/resolve.ts";
import type { CustomerData } from "../../src/domain.ts";
import { emptyHistory, type DunningHistory } from "../../src/dunning/history.ts";
import {
  account,
  accountState,
  BUSINESS_DATE,
  creditNote,
  customer,
  daysAgo,
  hold,
  invoice,
  payment,
  testConfig,
} from "../support/builders.ts";

function dun(data: CustomerData, config: ResolvedConfig = testConfig(), history: DunningHistory = emptyHistory(), businessDate = BUSINESS_DATE): DunningPlan {
  const context: DunningContext = { config, businessDate, staleSources: new Set(), serviceDay: (date) => date };
  const plan = planAllocations(data, businessDate);
  const bankrupt = activeHolds(data.holds, businessDate).some((entry) => entry.kind === "bankruptcy");
  return planDunning(data, setOff(data, plan, config.agingBasis, businessDate, bankrupt), context, history);
}

function decisions(plan: DunningPlan): string[] {
  return plan.decisions.map((entry) => `${entry.accountId} ${entry.levelBefore}>${entry.level} ${entry.rule}`);
}

function actions(plan: DunningPlan): string[] {
  return plan.actions.map((entry) => `${entry.accountId} ${entry.action} ${entry.channel}`);
}

describe("dunning thresholds", () => {
  it("leaves an invoice due today alone", () => {
    // Due on 03-31 itself: 0 days past due, not overdue.
    const plan = dun(customer({ items: [invoice({ itemId: "I1", dueDate: BUSINESS_DATE, amountMinor: 50_000 })] }));
    expect(plan.decisions).to.deep.equal([]);
    expect(plan.letter).to.equal(null);
  });

  describe("stage edges at 30, 31, 60 and 61 days", () => {
    // A two-stage ladder entered at 31 and 61 days, jumping.
    const config = testConfig((raw) => {
      raw.dunning.escalation = "jump";
      raw.dunning.strategies.standard.stages = [
        { name: "reminder", days_past_due: 31, min_amount: { EUR: "5.00" }, actions: ["letter"] },
        { name: "final_notice", days_past_due: 61, min_amount: { EUR: "5.00" }, actions: ["letter"] },
      ];
    });
    const cases: Array<[number, number]> = [
      [30, 0],
      [31, 1],
      [60, 1],
      [61, 2],
    ];
    for (const [days, level] of cases) {
      it(`reaches level ${level} at ${days} days`, () => {
        const plan = dun(customer({ items: [invoice({ itemId: "I1", dueDate: daysAgo(days) })] }), config);
        expect(plan.states.map((state) => state.level)).to.deep.equal(level === 0 ? [] : [level]);
      });
    }
  });

  it("never duns a paid invoice", () => {
    // 100.00 due 60 days ago, paid in full 50 days ago.
    const plan = dun(
      customer({
        items: [invoice({ itemId: "I1", dueDate: daysAgo(60) }), payment({ itemId: "P1", documentDate: daysAgo(50), appliesTo: "I1" })],
      }),
    );
    expect(plan.decisions).to.deep.equal([]);
    expect(plan.actions).to.deep.equal([]);
  });

  it("duns a partly paid invoice for its open amount", () => {
    // 100.00 due 20 days ago less 70.00 paid: 30.00 open and overdue.
    const plan = dun(
      customer({
        items: [invoice({ itemId: "I1", dueDate: daysAgo(20) }), payment({ itemId: "P1", amountMinor: 7_000, appliesTo: "I1" })],
      }),
    );
    expect(decisions(plan)).to.deep.equal(["A1 0>1 stage:reminder"]);
    expect(plan.decisions[0].inputs.overdue_minor).to.equal(3_000);
    expect(plan.letter?.items.map((item) => item.openMinor)).to.deep.equal([3_000]);
  });

  it("cures on a clearing credit note and starts later debt at the first stage", () => {
    // Night 1: in final_notice, a credit note clears the 100.00 invoice.
    const cured = dun(
      customer({
        items: [invoice({ itemId: "I1", dueDate: daysAgo(40) }), creditNote({ itemId: "CN1", appliesTo: "I1" })],
        states: [accountState({ level: 2, stage: "final_notice", since: daysAgo(5) })],
      }),
    );
    expect(decisions(cured)).to.deep.equal(["A1 2>0 cure"]);
    expect(cured.states[0]).to.include({ level: 0, stage: null });
    // Later: a new invoice 35 days overdue meets reminder and final_notice,
    // but escalation starts again from the first stage.
    const later = dun(
      customer({
        items: [invoice({ itemId: "I2", dueDate: daysAgo(35) })],
        states: [cured.states[0]],
      }),
    );
    expect(decisions(later)).to.deep.equal(["A1 0>1 stage:reminder"]);
  });

  it("requires the minimum share of the balance", () => {
    // 30.00 is 12 days overdue and 270.00 is not yet due: 30.00 / 300.00 =
    // 0.10 of the balance. A share of 0.10 is met; 0.11 is not.
    const data = customer({
      items: [
        invoice({ itemId: "I1", dueDate: daysAgo(12), amountMinor: 3_000 }),
        invoice({ itemId: "I2", dueDate: daysAgo(-10), amountMinor: 27_000 }),
      ],
    });
    const withShare = (share: string) =>
      testConfig((raw) => {
        raw.dunning.strategies.standard.stages[0].min_share = share;
      });
    expect(decisions(dun(data, withShare("0.10")))).to.deep.equal(["A1 0>1 stage:reminder"]);
    expect(decisions(dun(data, withShare("0.11")))).to.deep.equal([]);
  });
});

describe("dunning holds", () => {
  it("puts a customer whose whole overdue debt is disputed on hold", () => {
    // Two invoices, 60.00 and 40.00, 35 days past due, both disputed in full.
    const plan = dun(
      customer({
        items: [
          invoice({ itemId: "I1", dueDate: daysAgo(35), amountMinor: 6_000, disputedMinor: 6_000 }),
          invoice({ itemId: "I2", dueDate: daysAgo(35), amountMinor: 4_000, disputedMinor: 4_000 }),
        ],
      }),
    );
    expect(decisions(plan)).to.deep.equal(["A1 0>0 hold:dispute"]);
    expect(plan.decisions[0].reason).to.equal("all 100.00 EUR overdue is disputed: the customer is on hold");
    expect(plan.actions).to.deep.equal([]);
    expect(plan.letter).to.equal(null);
  });

  it("keeps a stage on hold when a dispute takes the debt below the exit", () => {
    // In reminder; the 100.00 overdue is now disputed. Not cured: on hold.
    const plan = dun(
      customer({
        items: [invoice({ itemId: "I1", dueDate: daysAgo(20), disputedMinor: 10_000 })],
        states: [accountState({ level: 1, stage: "reminder", since: daysAgo(8) })],
      }),
    );
    expect(decisions(plan)).to.deep.equal(["A1 1>1 hold:dispute"]);
    expect(plan.states).to.deep.equal([]);
  });

  describe("promise to pay", () => {
    // In reminder since 20 days ago, 100.00 due 40 days ago (final_notice
    // is met), a promise of 100.00 from 03-20 for 03-25, grace to 03-28.
    function promised(payments: Array<[string, number]>, config?: ResolvedConfig): DunningPlan {
      return dun(
        customer({
          items: [
            invoice({ itemId: "I1", dueDate: daysAgo(40) }),
            ...payments.map(([date, amountMinor], index) => payment({ itemId: `P${index}`, documentDate: date, amountMinor })),
          ],
          holds: [hold({ kind: "promise_to_pay", startDate: "2026-03-20", promisedDate: "2026-03-25", promisedMinor: 10_000 })],
          states: [accountState({ level: 1, stage: "reminder", since: daysAgo(20) })],
        }),
        config,
      );
    }

    it("cures when the promise is kept", () => {
      // 60.00 on 03-22 and 40.00 on 03-27 (within grace): 100.00 paid.
      const plan = promised([
        ["2026-03-22", 6_000],
        ["2026-03-27", 4_000],
      ]);
      expect(decisions(plan)).to.deep.equal(["A1 1>0 promise_kept"]);
      expect(plan.decisions[0].reason).to.equal(
        "promise to pay of 100.00 EUR by 2026-03-25 kept: 100.00 EUR paid since 2026-03-20",
      );
      expect(plan.states[0]).to.include({ level: 0 });
      expect(plan.outcomes.map((outcome) => outcome.kind)).to.deep.equal(["promise_kept"]);
    });

    it("resumes dunning when the promise is broken", () => {
      // Only 60.00 by 03-28: broken on 03-31; 40.00 still overdue meets
      // final_notice, and reminder began 20 days ago (>= 14).
      const plan = promised([["2026-03-22", 6_000]]);
      expect(decisions(plan)).to.deep.equal(["A1 1>1 promise_broken", "A1 1>2 stage:final_notice"]);
      expect(plan.decisions[0].reason).to.equal(
        "promise to pay of 100.00 EUR by 2026-03-25 broken: 60.00 EUR paid by 2026-03-28; dunning resumes",
      );
      expect(actions(plan)).to.deep.equal(["A1 promise_broken null", "A1 letter letter"]);
    });

    it("ignores a payment dated after the grace days", () => {
      // 100.00 paid on 03-29 is after 03-28: the promise is broken, and
      // the payment clears the debt, so the account is cured as well.
      const plan = promised([["2026-03-29", 10_000]]);
      expect(decisions(plan)).to.deep.equal(["A1 1>1 promise_broken", "A1 1>0 cure"]);
    });

    it("pauses escalation while the promise runs", () => {
      // On 03-27 the promise is pending until 03-28.
      const data = customer({
        items: [invoice({ itemId: "I1", dueDate: "2026-02-15" })],
        holds: [hold({ kind: "promise_to_pay", startDate: "2026-03-20", promisedDate: "2026-03-25", promisedMinor: 10_000 })],
        states: [accountState({ level: 1, stage: "reminder", since: "2026-03-01" })],
      });
      const plan = dun(data, testConfig(), emptyHistory(), "2026-03-27");
      expect(decisions(plan)).to.deep.equal(["A1 1>1 hold:promise_to_pay"]);
    });

    it("moves a stage higher on a broken promise when configured", () => {
      // broken_promise: escalate; in reminder for only 2 days, so without
      // the rule final_notice would wait.
      const config = testConfig((raw) => {
        raw.dunning.holds = { broken_promise: "escalate" };
      });
      const plan = dun(
        customer({
          items: [invoice({ itemId: "I1", dueDate: daysAgo(40) })],
          holds: [hold({ kind: "promise_to_pay", startDate: "2026-03-20", promisedDate: "2026-03-25", promisedMinor: 10_000 })],
          states: [accountState({ level: 1, stage: "reminder", since: daysAgo(2) })],
        }),
        config,
      );
      expect(decisions(plan)).to.deep.equal(["A1 1>1 promise_broken", "A1 1>2 stage:final_notice"]);
    });

    it("records no outcome twice", () => {
      // The broken outcome was recorded on an earlier night.
      const history = emptyHistory();
      history.outcomes.push({ source: "mobile", accountId: "A1", kind: "promise_broken", subject: "2026-03-20" });
      const plan = dun(
        customer({
          items: [invoice({ itemId: "I1", dueDate: daysAgo(40) })],
          holds: [hold({ kind: "promise_to_pay", startDate: "2026-03-20", promisedDate: "2026-03-25", promisedMinor: 10_000 })],
          states: [accountState({ level: 2, stage: "final_notice", since: daysAgo(1) })],
        }),
        testConfig(),
        history,
      );
      expect(plan.decisions).to.deep.equal([]);
      expect(plan.outcomes).to.deep.equal([]);
    });
  });

  describe("payment arrangement", () => {
    // 300.00 due 100 days ago under an arrangement from 02-01: three
    // instalments of 100.00 due 02-15, 03-01 and 03-15, grace 0 days.
    const schedule = (history: DunningHistory) => {
      for (const due of ["2026-02-15", "2026-03-01", "2026-03-15"]) {
        history.instalments.push({ source: "mobile", accountId: "A1", arrangementStart: "2026-02-01", dueDate: due, currency: "EUR", amountMinor: 10_000 });
      }
      return history;
    };
    const arranged = (payments: Array<[string, number]>, config = testConfig()) =>
      dun(
        customer({
          items: [
            invoice({ itemId: "I1", dueDate: daysAgo(100), amountMinor: 30_000 }),
            ...payments.map(([date, amountMinor], index) => payment({ itemId: `P${index}`, documentDate: date, amountMinor })),
          ],
          holds: [hold({ kind: "arrangement", startDate: "2026-02-01" })],
        }),
        config,
        schedule(emptyHistory()),
      );

    it("duns only the missed instalment", () => {
      // Paid 100.00 on 02-14 and 100.00 on 03-01: the 03-15 instalment is
      // missed, 100.00 unpaid and 16 days past due, which meets reminder.
      // The invoice's other 100.00, not yet an instalment due, is not dunned.
      // One miss is below the limit of 2.
      const plan = arranged([
        ["2026-02-14", 10_000],
        ["2026-03-01", 10_000],
      ]);
      expect(decisions(plan)).to.deep.equal(["A1 0>1 stage:reminder"]);
      expect(plan.decisions[0].inputs).to.include({ overdue_minor: 10_000, days_past_due_max: 16, arrangement_missed: 1 });
      expect(plan.letter?.items.map((item) => [item.itemId, item.openMinor])).to.deep.equal([["instalment 2026-03-15", 10_000]]);
    });

    it("holds while every instalment is paid", () => {
      // 100.00 on 02-14, 03-01 and 03-15: nothing missed, nothing dunned,
      // though the invoice itself is 100 days past due.
      const plan = arranged([
        ["2026-02-14", 10_000],
        ["2026-03-01", 10_000],
        ["2026-03-15", 10_000],
      ]);
      expect(plan.decisions).to.deep.equal([]);
    });

    it("breaks after the configured misses and duns the whole balance", () => {
      // 100.00 on 02-14 and 03-05: 200.00 was due by 03-01 and 300.00 by
      // 03-15, so both are missed: 2 misses, the limit. The whole 100.00
      // open is dunned again from the first stage.
      const plan = arranged([
        ["2026-02-14", 10_000],
        ["2026-03-05", 10_000],
      ]);
      expect(decisions(plan)).to.deep.equal(["A1 0>0 arrangement_broken", "A1 0>1 stage:reminder"]);
      expect(plan.decisions[1].inputs.overdue_minor).to.equal(10_000);
      expect(plan.outcomes).to.deep.equal([{ source: "mobile", accountId: "A1", kind: "arrangement_broken", subject: "2026-02-01" }]);
    });
  });

  it("stops everything in bankruptcy and recalls the placement", () => {
    // Placed with inkasso-nord and suspended; bankruptcy from 03-30. No
    // letter, no fee, no restoration: only the recall.
    const config = feeConfig();
    const plan = dun(
      customer({
        items: [invoice({ itemId: "I1", dueDate: daysAgo(200), amountMinor: 50_000 })],
        holds: [hold({ kind: "bankruptcy", startDate: "2026-03-30" })],
        states: [accountState({ level: 4, stage: "agency", since: daysAgo(60), suspended: true, agency: "inkasso-nord" })],
      }),
      config,
    );
    expect(decisions(plan)).to.deep.equal(["A1 4>4 hold:bankruptcy"]);
    expect(actions(plan)).to.deep.equal(["A1 recall null"]);
    expect(plan.placements.map((entry) => `${entry.kind} ${entry.agency} ${entry.reason}`)).to.deep.equal(["recall inkasso-nord bankrupt"]);
    expect(plan.charges).to.deep.equal([]);
    expect(plan.letters).to.deep.equal([]);
  });
});

/** The test ladder with a fixed fee and interest on reminder and a 10 % fee on final_notice. */
function feeConfig(change?: (raw: Record<string, any>) => void): ResolvedConfig {
  return testConfig((raw) => {
    const stages = raw.dunning.strategies.standard.stages;
    stages[0].actions = ["letter", { kind: "fee", amount: { EUR: "5.00" } }, "interest"];
    stages[1].actions = ["letter", { kind: "fee", percent: "0.10" }];
    raw.dunning.interest = { rates: { default: "0.05" } };
    raw.gl.DE01.fee_income = "481000";
    raw.gl.DE01.interest_income = "471000";
    change?.(raw);
  });
}

describe("dunning fees and interest", () => {
  it("charges a fixed fee and interest on principal only", () => {
    // 1000.00 due 59 days ago (2026-01-31) and an earlier fee of 5.00
    // (DCMS-FEE-...) 40 days past due. Interest 1000.00 x 0.05 x 59 / 365
    // = 8.082 -> 8.08; the old fee bears none.
    const plan = dun(
      customer({
        items: [
          invoice({ itemId: "I1", dueDate: "2026-01-31", amountMinor: 100_000 }),
          invoice({ itemId: "DCMS-FEE-2026-02-reminder-x", dueDate: daysAgo(40), amountMinor: 500 }),
        ],
      }),
      feeConfig(),
    );
    expect(plan.charges.map((charge) => [charge.kind, charge.amountMinor, charge.baseMinor])).to.deep.equal([
      ["fee", 500, 0],
      ["interest", 808, 100_000],
    ]);
    expect(plan.charges[1].detail).to.deep.equal([
      { itemId: "I1", from: "2026-01-31", to: BUSINESS_DATE, days: 59, baseMinor: 100_000, amountMinor: 808 },
    ]);
    expect(plan.charges[0].itemId).to.match(/^DCMS-FEE-2026-03-reminder-[0-9a-f]{16}$/);
    expect(actions(plan)).to.deep.equal(["A1 letter letter", "A1 fee null", "A1 interest null"]);
  });

  const dayCounts: Array<[string, number]> = [
    // 1000.00 x 0.05 x days / year from 01-31 to 03-31:
    ["actual/365", 808], // 59 / 365 -> 8.082
    ["actual/360", 819], // 59 / 360 -> 8.194
    ["30/360", 833], // 30E/360: 31st counts as 30th, 60 / 360 -> 8.333
  ];
  for (const [basis, expected] of dayCounts) {
    it(`counts interest days ${basis}`, () => {
      const plan = dun(
        customer({ items: [invoice({ itemId: "I1", dueDate: "2026-01-31", amountMinor: 100_000 })] }),
        feeConfig((raw) => {
          raw.dunning.interest.day_count = basis;
        }),
      );
      expect(plan.charges.find((charge) => charge.kind === "interest")?.amountMinor).to.equal(expected);
    });
  }

  it("charges no fee on a fee", () => {
    // final_notice takes 10 % of the overdue principal: 1000.00 -> 100.00.
    // The 5.00 fee and 8.08 interest items past due add nothing to the base.
    const plan = dun(
      customer({
        items: [
          invoice({ itemId: "I1", dueDate: daysAgo(59), amountMinor: 100_000 }),
          invoice({ itemId: "DCMS-FEE-2026-03-reminder-x", dueDate: daysAgo(16), amountMinor: 500 }),
          invoice({ itemId: "DCMS-INT-2026-03-reminder-x", dueDate: daysAgo(16), amountMinor: 808 }),
        ],
        states: [accountState({ level: 1, stage: "reminder", since: daysAgo(16) })],
      }),
      feeConfig(),
    );
    expect(plan.charges.map((charge) => [charge.kind, charge.stage, charge.amountMinor, charge.baseMinor])).to.deep.equal([
      ["fee", "final_notice", 10_000, 100_000],
    ]);
  });

  it("charges a stage's fee once per period", () => {
    // The reminder fee of March is in the history: a second entry into
    // reminder in March charges only interest.
    const first = dun(customer({ items: [invoice({ itemId: "I1", dueDate: daysAgo(12) })] }), feeConfig());
    const history = emptyHistory();
    history.charges.push(...first.charges.map((charge) => ({ ...charge })));
    const again = dun(customer({ items: [invoice({ itemId: "I1", dueDate: daysAgo(12) })] }), feeConfig(), history);
    expect(first.charges.map((charge) => charge.kind)).to.deep.equal(["fee", "interest"]);
    expect(again.charges).to.deep.equal([]);
    expect(again.decisions[0].inputs.charge_notes).to.deep.equal([
      "fee of stage reminder already charged in 2026-03",
      "interest of stage reminder already charged in 2026-03",
    ]);
  });

  it("caps fees per customer and period", () => {
    // Cap 8.00 a month; 6.00 already charged in March: the 5.00 fee is
    // cut to 2.00.
    const history = emptyHistory();
    history.charges.push({ source: "cable", accountId: "K7", kind: "fee", stage: "reminder", period: "2026-03", itemId: "DCMS-FEE-old", currency: "EUR", amountMinor: 600, detail: [] });
    const plan = dun(
      customer({ items: [invoice({ itemId: "I1", dueDate: daysAgo(12) })] }),
      feeConfig((raw) => {
        raw.dunning.fees = { cap: { EUR: "8.00" } };
        raw.dunning.strategies.standard.stages[0].actions = ["letter", { kind: "fee", amount: { EUR: "5.00" } }];
      }),
      history,
    );
    expect(plan.charges.map((charge) => charge.amountMinor)).to.deep.equal([200]);
    expect(plan.charges[0].reason).to.equal("fixed fee 5.00 EUR; capped at 8.00 EUR per customer in 2026-03, 6.00 already charged");
  });

  it("charges interest only from the last charged day", () => {
    // Interest to 03-01 was charged before; tonight 30 more days:
    // 1000.00 x 0.05 x 30 / 365 = 4.110 -> 4.11.
    const history = emptyHistory();
    history.charges.push({
      source: "mobile",
      accountId: "A1",
      kind: "interest",
      stage: "reminder",
      period: "2026-02",
      itemId: "DCMS-INT-feb",
      currency: "EUR",
      amountMinor: 400,
      detail: [{ itemId: "I1", from: "2026-01-31", to: "2026-03-01", days: 29, baseMinor: 100_000, amountMinor: 397 }],
    });
    const plan = dun(customer({ items: [invoice({ itemId: "I1", dueDate: "2026-01-31", amountMinor: 100_000 })] }), feeConfig(), history);
    expect(plan.charges.find((charge) => charge.kind === "interest")?.detail[0]).to.include({ from: "2026-03-01", days: 30, amountMinor: 411 });
  });
});

describe("dunning segments and triggers", () => {
  const segmented = testConfig((raw) => {
    const standard = raw.dunning.strategies.standard;
    raw.dunning.strategies.soft = {
      exit_threshold: { EUR: "5.00" },
      stages: [{ name: "reminder", days_past_due: 20, min_amount: { EUR: "5.00" }, actions: ["letter"] }],
    };
    raw.dunning.strategies.standard = standard;
    raw.dunning.segments = [
      { name: "large_business", segment: ["business"], balance_min: { EUR: "1000.00" }, strategy: "soft" },
      { name: "everyone", strategy: "standard", challenger: { strategy: "soft", share: "0.5" } },
    ];
  });

  it("picks the first matching rule", () => {
    // Business with 1000.00 open: large_business (soft, 20 days), so 12 days
    // past due is not yet a stage. With 999.99 the rule does not match.
    const data = (amountMinor: number) =>
      customer({
        customerRef: "C1001",
        accounts: [account({ segment: "business" })],
        items: [invoice({ itemId: "I1", dueDate: daysAgo(12), amountMinor })],
      });
    expect(dun(data(100_000), segmented).decisions).to.deep.equal([]);
    const smaller = dun(data(99_999), segmented);
    expect(decisions(smaller)).to.deep.equal(["A1 0>1 stage:reminder"]);
    expect(smaller.decisions[0].inputs).to.include({ segment: "everyone", strategy: "standard", variant: "champion" });
  });

  it("splits champion and challenger by the customer id", () => {
    // FNV-1a over 2^32: C1001 -> 0.978, not below the share 0.5: champion.
    // C2001 -> 0.135: challenger. The same id gives the same side every night.
    const side = (customerRef: string, businessDate: string) =>
      dun(
        customer({ customerRef, items: [invoice({ itemId: "I1", dueDate: addDaysTo(businessDate, -25) })] }),
        segmented,
        emptyHistory(),
        businessDate,
      ).decisions[0].inputs.variant;
    expect(side("C1001", "2026-03-30")).to.equal("champion");
    expect(side("C1001", "2026-03-31")).to.equal("champion");
    expect(side("C2001", "2026-03-30")).to.equal("challenger");
    expect(side("C2001", "2026-03-31")).to.equal("challenger");
  });

  it("selects the strategy by behaviour score", () => {
    // Scorecard 100 - 2 x average days late. One invoice paid 30 days late
    // and one open 40 days: average 35 -> score 30. Rule risk 0..49 picks
    // soft (20 days), so 12 days past due is not a stage there.
    const config = testConfig((raw) => {
      raw.dunning.strategies.soft = {
        stages: [{ name: "reminder", days_past_due: 45, min_amount: { EUR: "5.00" }, actions: ["letter"] }],
      };
      raw.dunning.scoring = { base: 100, average_days_late: "-2" };
      raw.dunning.segments = [
        { name: "risky", risk_score_max: 49, strategy: "soft" },
        { name: "default", strategy: "standard" },
      ];
    });
    const plan = dun(
      customer({
        items: [
          invoice({ itemId: "I0", dueDate: daysAgo(100) }),
          payment({ itemId: "P0", documentDate: daysAgo(70), appliesTo: "I0" }),
          invoice({ itemId: "I1", dueDate: daysAgo(40) }),
        ],
      }),
      config,
    );
    expect(plan.decisions).to.deep.equal([]);
    const reachable = dun(customer({ items: [invoice({ itemId: "I1", dueDate: daysAgo(12) })] }), config);
    // Only the open 12 days: score 100 - 24 = 76, the default rule.
    expect(reachable.decisions[0].inputs).to.include({ score: 76, segment: "default" });
  });

  it("enters the trigger stage early on a credit limit", () => {
    // Limit 100.00, trigger at 0.8 -> 80.00. 30.00 overdue (12 days) plus
    // 55.00 unbilled = 85.00: final_notice early, no suspension.
    const config = testConfig((raw) => {
      raw.dunning.strategies.standard.credit_limit_trigger = { share: "0.8", stage: "final_notice" };
      raw.dunning.escalation = "jump";
    });
    const history = emptyHistory();
    history.creditLimits.set("mobile\u0000A1", 10_000);
    history.usage.set("mobile\u0000A1", { currency: "EUR", unbilledMinor: 5_500 });
    const plan = dun(customer({ items: [invoice({ itemId: "I1", dueDate: daysAgo(12), amountMinor: 3_000 })] }), config, history);
    expect(decisions(plan)).to.deep.equal(["A1 0>2 stage:final_notice"]);
    expect(plan.decisions[0].inputs).to.include({ unbilled_minor: 5_500, credit_trigger_minor: 8_000, credit_limit_triggered: true });
    history.usage.set("mobile\u0000A1", { currency: "EUR", unbilledMinor: 4_999 });
    expect(decisions(dun(customer({ items: [invoice({ itemId: "I1", dueDate: daysAgo(12), amountMinor: 3_000 })] }), config, history))).to.deep.equal([
      "A1 0>1 stage:reminder",
    ]);
  });
});

describe("dunning notices", () => {
  it("writes a letter per account when configured", () => {
    const config = testConfig((raw) => {
      raw.dunning.letters = "per_account";
    });
    const plan = dun(
      customer({
        accounts: [account(), account({ source: "cable", accountId: "K7" })],
        items: [
          invoice({ itemId: "I1", dueDate: daysAgo(12) }),
          invoice({ itemId: "K1", source: "cable", accountId: "K7", dueDate: daysAgo(15) }),
        ],
      }),
      config,
    );
    expect(plan.letters.map((letter) => [letter.account?.accountId, letter.items.map((item) => item.itemId)])).to.deep.equal([
      ["K7", ["K1"]],
      ["A1", ["I1"]],
    ]);
  });

  it("follows the channel preference with a fallback", () => {
    // The stage offers e-mail then letter: an SMS preference falls back to e-mail.
    const config = testConfig((raw) => {
      raw.dunning.strategies.standard.stages[0].channels = ["email", "letter"];
    });
    const letterFor = (channel: "sms" | "letter") =>
      dun(customer({ accounts: [account({ channel })], items: [invoice({ itemId: "I1", dueDate: daysAgo(12) })] }), config).letter?.channel;
    expect(letterFor("sms")).to.equal("email");
    expect(letterFor("letter")).to.equal("letter");
  });

  it("moves the letter deadline to a business day", () => {
    // 03-31 + 14 = Tuesday 04-14: a business day. With 12 days, Sunday
    // 04-12 moves to Monday 04-13.
    const config = testConfig((raw) => {
      raw.dunning.deadline_days = 12;
    });
    const plan = dun(customer({ items: [invoice({ itemId: "I1", dueDate: daysAgo(12) })] }), config);
    expect(plan.letter?.deadline).to.equal("2026-04-13");
  });

  it("reminds customers without autopay before the due date", () => {
    // Three days before: an invoice due 04-03 is reminded, one due 04-04
    // is not yet; an autopay account gets nothing.
    const config = testConfig((raw) => {
      raw.dunning.pre_due = { days_before: 3, channels: ["sms", "email"] };
    });
    const data = (autopay: boolean) =>
      customer({
        accounts: [account({ autopay })],
        items: [invoice({ itemId: "I1", dueDate: "2026-04-03" }), invoice({ itemId: "I2", dueDate: "2026-04-04" })],
      });
    const plan = dun(data(false), config);
    expect(actions(plan)).to.deep.equal(["A1 pre_due_reminder sms"]);
    expect(plan.outcomes).to.deep.equal([{ source: "mobile", accountId: "A1", kind: "pre_due", subject: "I1" }]);
    expect(dun(data(true), config).actions).to.deep.equal([]);
    const history = emptyHistory();
    history.outcomes.push(...plan.outcomes);
    expect(dun(data(false), config, history).actions).to.deep.equal([]);
  });
});

function addDaysTo(date: string, days: number): string {
  return daysAgo(-days, date);
}
