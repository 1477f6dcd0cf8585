import { expect } from "chai";
import { accountKey } from "../../src/domain.ts";
import { setOff } from "../../jobs/age.ts";
import { planAllocations } from "../../jobs/allocate.ts";
import {
  activeHolds,
  pickAgency,
  planDunning,
  type DunningContext,
  type DunningPlan,
} from "../../jobs/dun.ts";
import type { CustomerData } from "../../src/domain.ts";
import {
  account,
  accountState,
  BUSINESS_DATE,
  customer,
  daysAgo,
  hold,
  invoice,
  payment,
  testConfig,
} from "../support/builders.ts";

// The test ladder, with the days past due, minimum amount in EUR and waiting
// days of each stage: reminder 10, 5.00, 0; final_notice 30, 20.00, 14;
// suspension 45, 50.00, 17; agency 90, 100.00, 30. Exit below 5.00 EUR.
const config = testConfig();

function context(fields: Partial<DunningContext> = {}): DunningContext {
  return {
    config,
    businessDate: BUSINESS_DATE,
    staleSources: new Set(),
    serviceDay: (date) => date,
    ...fields,
  };
}

/** Runs allocation, set-off and dunning for one customer as the nightly run does. */
function dun(data: CustomerData, dunningContext = context()): DunningPlan {
  const { businessDate } = dunningContext;
  const plan = planAllocations(data, businessDate);
  const bankrupt = activeHolds(data.holds, businessDate).some((entry) => entry.kind === "bankruptcy");
  const items = setOff(data, plan, dunningContext.config.agingBasis, businessDate, bankrupt);
  return planDunning(data, items, dunningContext);
}

/** Decisions as "account level-before>level rule" strings. */
function decisions(plan: DunningPlan): string[] {
  return plan.decisions.map(
    (entry) => `${entry.accountId} ${entry.levelBefore}>${entry.level} ${entry.rule}`,
  );
}

/** Actions as "account action channel effective-date" strings. */
function actions(plan: DunningPlan): string[] {
  return plan.actions.map(
    (entry) => `${entry.accountId} ${entry.action} ${entry.channel} ${entry.effectiveDate}`,
  );
}

describe("planDunning", () => {
  it("reaches the first stage", () => {
    // 30.00 due 12 days ago meets reminder (10 days, 5.00) but not
    // final_notice (30 days).
    const plan = dun(customer({ items: [invoice({ itemId: "I1", dueDate: daysAgo(12), amountMinor: 3_000 })] }));
    expect(plan.decisions).to.deep.equal([
      {
        source: "mobile",
        accountId: "A1",
        levelBefore: 0,
        level: 1,
        rule: "stage:reminder",
        reason: "30.00 EUR overdue, 12 days past due at most: stage reminder reached (10 days, minimum 5.00 EUR)",
        inputs: {
          currency: "EUR",
          overdue_minor: 3_000,
          days_past_due_max: 12,
          level_reached: 1,
          holds: [],
          since: BUSINESS_DATE,
          balance_minor: 3_000,
          disputed_overdue_minor: 0,
          strategy: "standard",
          segment: "default",
          variant: "champion",
        },
      },
    ]);
    expect(actions(plan)).to.deep.equal(["A1 letter letter 2026-03-31"]);
    expect(plan.actions[0]).to.include({ stageBefore: null, stage: "reminder", overdueMinor: 3_000, daysPastDue: 12 });
    expect(plan.states).to.deep.equal([
      {
        source: "mobile",
        accountId: "A1",
        strategy: "standard",
        level: 1,
        stage: "reminder",
        since: BUSINESS_DATE,
        suspended: false,
        agency: null,
      },
    ]);
    expect(plan.placements).to.deep.equal([]);
    // Deadline: 14 days after the business date. Issued 14 days before its due date 03-19.
    expect(plan.letter).to.deep.equal({
      stage: "reminder",
      template: "reminder",
      channel: "letter",
      language: "en",
      deadline: "2026-04-14",
      items: [
        {
          source: "mobile",
          accountId: "A1",
          itemId: "I1",
          reference: null,
          documentDate: "2026-03-05",
          dueDate: "2026-03-19",
          currency: "EUR",
          openMinor: 3_000,
          daysPastDue: 12,
        },
      ],
      account: null,
    });
  });

  describe("minimum amount", () => {
    // 40 days past due meets reminder's days; the amount decides.
    const cases: Array<[number, string[]]> = [
      [499, []],
      [500, ["A1 0>1 stage:reminder"]],
    ];
    for (const [amountMinor, expected] of cases) {
      it(`plans ${expected.length} decisions for ${amountMinor} minor units`, () => {
        const plan = dun(customer({ items: [invoice({ itemId: "I1", dueDate: daysAgo(40), amountMinor })] }));
        expect(decisions(plan)).to.deep.equal(expected);
        expect(plan.letter === null).to.equal(expected.length === 0);
      });
    }
  });

  it("adds up items that meet a stage's days", () => {
    // Neither 3.00 nor 2.50 alone meets 5.00, together (5.50) they do. The
    // 40.00 due 5 days ago is too young to count toward any stage.
    const plan = dun(
      customer({
        items: [
          invoice({ itemId: "I1", dueDate: daysAgo(15), amountMinor: 300 }),
          invoice({ itemId: "I2", dueDate: daysAgo(11), amountMinor: 250 }),
          invoice({ itemId: "I3", dueDate: daysAgo(5), amountMinor: 4_000 }),
        ],
      }),
    );
    expect(decisions(plan)).to.deep.equal(["A1 0>1 stage:reminder"]);
    // Overdue counts everything past due: 3.00 + 2.50 + 40.00 = 45.50.
    expect(plan.decisions[0].inputs.overdue_minor).to.equal(4_550);
  });

  it("keeps a one-cent residual from carrying a young invoice", () => {
    // 0.01 is 200 days old; 100.00 is 12 days old. final_notice and later
    // need their amount in items at least 30 days old, so only reminder is met.
    const plan = dun(
      customer({
        items: [
          invoice({ itemId: "I1", dueDate: daysAgo(200), amountMinor: 1 }),
          invoice({ itemId: "I2", dueDate: daysAgo(12) }),
        ],
      }),
    );
    expect(plan.decisions[0].inputs.level_reached).to.equal(1);
  });

  it("moves one stage per run when the highest is met", () => {
    // 500.00 due 120 days ago meets all four stages; step escalation takes
    // the first one tonight.
    const plan = dun(customer({ items: [invoice({ itemId: "I1", dueDate: daysAgo(120), amountMinor: 50_000 })] }));
    expect(decisions(plan)).to.deep.equal(["A1 0>1 stage:reminder"]);
    expect(plan.decisions[0].inputs.level_reached).to.equal(4);
    expect(plan.states[0].level).to.equal(1);
    expect(plan.placements).to.deep.equal([]);
  });

  it("sends the reminder after three missed nights", () => {
    // The nights at 10, 11 and 12 days past due did not run. At 13 days the
    // reminder is still due because a stage is reached at or after its days.
    const plan = dun(customer({ items: [invoice({ itemId: "I1", dueDate: daysAgo(13) })] }));
    expect(decisions(plan)).to.deep.equal(["A1 0>1 stage:reminder"]);
    expect(plan.letter?.stage).to.equal("reminder");
  });

  it("plans no letter when no stage rose", () => {
    // Already in reminder since 3 days ago, and only reminder is met.
    const plan = dun(
      customer({
        items: [invoice({ itemId: "I1", dueDate: daysAgo(13) })],
        states: [accountState({ level: 1, stage: "reminder", since: daysAgo(3) })],
      }),
    );
    expect(plan.decisions).to.deep.equal([]);
    expect(plan.actions).to.deep.equal([]);
    expect(plan.states).to.deep.equal([]);
    expect(plan.letter).to.equal(null);
  });

  describe("waiting days", () => {
    // In reminder since `since`; 100.00 due 60 days ago meets stages 1 to 3.
    // final_notice waits 14 days after reminder began.
    function waitingPlan(since: string): DunningPlan {
      return dun(
        customer({
          items: [invoice({ itemId: "I1", dueDate: daysAgo(60) })],
          states: [accountState({ level: 1, stage: "reminder", since })],
        }),
      );
    }

    it("blocks escalation after 13 days", () => {
      // 2026-03-18 to 2026-03-31 = 13 days < 14.
      const plan = waitingPlan(daysAgo(13));
      expect(decisions(plan)).to.deep.equal(["A1 1>1 waiting"]);
      expect(plan.decisions[0].reason).to.equal(
        "stage final_notice is met, but reminder began on 2026-03-18 and final_notice waits 14 days",
      );
      expect(plan.actions).to.deep.equal([]);
      expect(plan.states).to.deep.equal([]);
      expect(plan.letter).to.equal(null);
    });

    it("allows escalation after 14 days", () => {
      const plan = waitingPlan(daysAgo(14));
      expect(decisions(plan)).to.deep.equal(["A1 1>2 stage:final_notice"]);
      expect(plan.states[0]).to.include({ level: 2, stage: "final_notice", since: BUSINESS_DATE });
      expect(plan.letter?.template).to.equal("final");
    });
  });

  describe("jump escalation", () => {
    const jumping = testConfig((raw) => {
      raw.dunning.escalation = "jump";
    });

    it("jumps to the highest stage met", () => {
      // 50.00 due 35 days ago meets reminder and final_notice (30 days,
      // 20.00) but not suspension (45 days).
      const plan = dun(
        customer({ items: [invoice({ itemId: "I1", dueDate: daysAgo(35), amountMinor: 5_000 })] }),
        context({ config: jumping }),
      );
      expect(decisions(plan)).to.deep.equal(["A1 0>2 stage:final_notice"]);
      expect(plan.letter?.template).to.equal("final");
    });

    it("stops below a suspension without an earlier notice", () => {
      // 100.00 due 100 days ago meets all four stages, but suspension needs
      // a written notice 17 days before it (14 notice + 3 postal days). From
      // no stage the jump ends at final_notice, the last stage before it.
      const plan = dun(
        customer({ items: [invoice({ itemId: "I1", dueDate: daysAgo(100), amountMinor: 20_000 })] }),
        context({ config: jumping }),
      );
      expect(decisions(plan)).to.deep.equal(["A1 0>2 stage:final_notice"]);
      expect(plan.decisions[0].inputs.level_reached).to.equal(4);
      expect(actions(plan)).to.deep.equal(["A1 letter letter 2026-03-31"]);
      expect(plan.states[0]).to.include({ level: 2, suspended: false, agency: null });
    });

    it("waits for the target stage's days", () => {
      // In reminder for 16 days; suspension (stage 3) waits 17.
      const data = (since: string) =>
        customer({
          items: [invoice({ itemId: "I1", dueDate: daysAgo(60) })],
          states: [accountState({ level: 1, stage: "reminder", since })],
        });
      expect(decisions(dun(data(daysAgo(16)), context({ config: jumping })))).to.deep.equal(["A1 1>1 waiting"]);
      const plan = dun(data(daysAgo(17)), context({ config: jumping }));
      expect(decisions(plan)).to.deep.equal(["A1 1>3 stage:suspension"]);
      expect(actions(plan)).to.deep.equal([
        "A1 letter letter 2026-03-31",
        "A1 suspension null 2026-03-31",
      ]);
    });
  });

  describe("cure", () => {
    // In the agency stage, suspended and placed with inkasso-nord; 100.00
    // due 120 days ago less a payment leaves `openMinor` overdue.
    function curePlan(openMinor: number): DunningPlan {
      return dun(
        customer({
          items: [
            invoice({ itemId: "I1", dueDate: daysAgo(120) }),
            payment({ itemId: "P1", amountMinor: 10_000 - openMinor, appliesTo: "I1" }),
          ],
          states: [
            accountState({
              level: 4,
              stage: "agency",
              since: daysAgo(40),
              suspended: true,
              agency: "inkasso-nord",
            }),
          ],
        }),
      );
    }

    it("resets the stage, restores service and recalls the placement", () => {
      // 4.99 left < exit threshold 5.00.
      const plan = curePlan(499);
      expect(decisions(plan)).to.deep.equal(["A1 4>0 cure"]);
      expect(plan.decisions[0].reason).to.equal(
        "dunnable overdue 4.99 EUR is below the exit threshold 5.00 EUR",
      );
      expect(actions(plan)).to.deep.equal([
        "A1 restoration null 2026-03-31",
        "A1 recall null 2026-03-31",
      ]);
      expect(plan.actions[1].agency).to.equal("inkasso-nord");
      expect(plan.actions[0]).to.include({ stageBefore: "agency", stage: null });
      expect(plan.placements).to.deep.equal([
        {
          source: "mobile",
          accountId: "A1",
          agency: "inkasso-nord",
          kind: "recall",
          currency: "EUR",
          amountMinor: 499,
          oldestDueDate: daysAgo(120),
          daysPastDueMax: 120,
          reason: "paid",
        },
      ]);
      expect(plan.states).to.deep.equal([
        {
          source: "mobile",
          accountId: "A1",
          strategy: "standard",
          level: 0,
          stage: null,
          since: BUSINESS_DATE,
          suspended: false,
          agency: null,
        },
      ]);
      expect(plan.letter).to.equal(null);
    });

    it("ends dunning without restoration after a write-off", () => {
      // The same account, but its 100.00 left dunning by a write-off: the
      // write-off pass counts it as applied, so nothing is overdue (the
      // payment covers all of it here), and the account is listed as
      // written off. The placement is recalled as written off and the
      // suspension stays.
      const data = customer({
        items: [
          invoice({ itemId: "I1", dueDate: daysAgo(120) }),
          payment({ itemId: "P1", amountMinor: 10_000, appliesTo: "I1" }),
        ],
        states: [
          accountState({ level: 4, stage: "agency", since: daysAgo(40), suspended: true, agency: "inkasso-nord" }),
        ],
      });
      const plan = dun(data, context({ writtenOffAccounts: new Set([accountKey("mobile", "A1")]) }));
      expect(decisions(plan)).to.deep.equal(["A1 4>0 written_off"]);
      expect(actions(plan)).to.deep.equal(["A1 recall null 2026-03-31"]);
      expect(plan.placements.map((placement) => placement.reason)).to.deep.equal(["written_off"]);
      expect(plan.states[0]).to.include({ level: 0, suspended: true, agency: null });
    });

    it("keeps the stage at the exit threshold", () => {
      // 5.00 left is not below 5.00; it meets only reminder, below level 4.
      const plan = curePlan(500);
      expect(plan.decisions).to.deep.equal([]);
      expect(plan.states).to.deep.equal([]);
    });

    it("cures an account with nothing open", () => {
      const plan = curePlan(0);
      expect(decisions(plan)).to.deep.equal(["A1 4>0 cure"]);
      expect(plan.placements[0].amountMinor).to.equal(0);
    });
  });

  describe("disputes", () => {
    // 100.00 due 60 days ago; the disputed part does not count toward stages.
    // Fully disputed, the account is on hold and a decision says so.
    const cases: Array<[number, string[]]> = [
      [10_000, ["A1 0>0 hold:dispute"]],
      [9_600, []],
      [9_500, ["A1 0>1 stage:reminder"]],
    ];
    for (const [disputedMinor, expected] of cases) {
      it(`plans ${expected.length} decisions with ${disputedMinor} disputed`, () => {
        // 100.00 - 96.00 = 4.00 < 5.00; 100.00 - 95.00 = 5.00 meets reminder.
        const plan = dun(
          customer({ items: [invoice({ itemId: "I1", dueDate: daysAgo(60), disputedMinor })] }),
        );
        expect(decisions(plan)).to.deep.equal(expected);
      });
    }

    it("leaves an account under a dispute hold unescalated", () => {
      const plan = dun(
        customer({
          items: [invoice({ itemId: "I1", dueDate: daysAgo(60) })],
          holds: [hold({ kind: "dispute" })],
        }),
      );
      expect(decisions(plan)).to.deep.equal(["A1 0>0 hold:dispute"]);
      expect(plan.decisions[0].reason).to.equal("all 100.00 EUR overdue is disputed: the customer is on hold");
      expect(plan.actions).to.deep.equal([]);
      expect(plan.letter).to.equal(null);
    });

    it("leaves disputed items out of the letter", () => {
      // I1 is fully disputed; I2 (30.00, 12 days) carries the reminder alone.
      const plan = dun(
        customer({
          items: [
            invoice({ itemId: "I1", dueDate: daysAgo(60), disputedMinor: 10_000 }),
            invoice({ itemId: "I2", dueDate: daysAgo(12), amountMinor: 3_000 }),
          ],
        }),
      );
      expect(plan.letter?.items.map((entry) => entry.itemId)).to.deep.equal(["I2"]);
    });
  });

  describe("promise to pay", () => {
    // 100.00 due 20 days ago meets reminder. A promise stays active until 3
    // days after its promised date.
    function promisePlan(promisedDate: string): DunningPlan {
      return dun(
        customer({
          items: [invoice({ itemId: "I1", dueDate: daysAgo(20) })],
          holds: [hold({ kind: "promise_to_pay", startDate: daysAgo(5), promisedDate, promisedMinor: 10_000 })],
        }),
      );
    }

    it("pauses escalation until the grace days end", () => {
      // Promised 03-28, grace to 03-31: still held on the business date.
      const plan = promisePlan("2026-03-28");
      expect(decisions(plan)).to.deep.equal(["A1 0>0 hold:promise_to_pay"]);
      expect(plan.decisions[0].reason).to.equal("hold promise_to_pay: escalation paused");
      expect(plan.actions).to.deep.equal([]);
      expect(plan.states).to.deep.equal([]);
      expect(plan.letter).to.equal(null);
    });

    it("resumes escalation when the promise is broken", () => {
      // Promised 03-27, grace to 03-30: broken on 03-31, flagged, and the
      // reminder follows on the same night.
      const plan = promisePlan("2026-03-27");
      expect(decisions(plan)).to.deep.equal(["A1 0>0 promise_broken", "A1 0>1 stage:reminder"]);
      expect(actions(plan)).to.deep.equal(["A1 promise_broken null 2026-03-31", "A1 letter letter 2026-03-31"]);
      expect(plan.outcomes).to.deep.equal([
        { source: "mobile", accountId: "A1", kind: "promise_broken", subject: daysAgo(5) },
      ]);
      expect(plan.letter?.stage).to.equal("reminder");
    });
  });

  it("recalls the placement in bankruptcy and plans no letter", () => {
    // mobile/A1 is placed with collect-sued and its customer is bankrupt.
    // cable/K7 meets reminder (30.00, 12 days) but is not dunned either.
    const plan = dun(
      customer({
        accounts: [account(), account({ source: "cable", accountId: "K7" })],
        items: [
          invoice({ itemId: "I1", dueDate: daysAgo(200), amountMinor: 50_000 }),
          invoice({ itemId: "K1", source: "cable", accountId: "K7", dueDate: daysAgo(12), amountMinor: 3_000 }),
        ],
        holds: [hold({ kind: "bankruptcy" })],
        states: [
          accountState({ level: 4, stage: "agency", since: daysAgo(60), suspended: true, agency: "collect-sued" }),
        ],
      }),
    );
    // Accounts in source order: cable/K7 first. K7 met reminder, which waits.
    expect(decisions(plan)).to.deep.equal(["K7 0>0 hold:bankruptcy", "A1 4>4 hold:bankruptcy"]);
    expect(plan.decisions[0].reason).to.equal("hold bankruptcy: escalation paused");
    expect(plan.decisions[1].reason).to.equal("hold bankruptcy: dunning stopped and the placement recalled");
    expect(actions(plan)).to.deep.equal(["A1 recall null 2026-03-31"]);
    expect(plan.actions[0].agency).to.equal("collect-sued");
    expect(plan.placements).to.deep.equal([
      {
        source: "mobile",
        accountId: "A1",
        agency: "collect-sued",
        kind: "recall",
        currency: "EUR",
        amountMinor: 50_000,
        oldestDueDate: daysAgo(200),
        daysPastDueMax: 200,
        reason: "bankrupt",
      },
    ]);
    expect(plan.states).to.have.length(1);
    expect(plan.states[0]).to.include({ level: 4, agency: null, suspended: true });
    expect(plan.letter).to.equal(null);
  });

  it("recalls placements of every account in bankruptcy", () => {
    // The bankruptcy is recorded on mobile/A1, but it is the customer's:
    // cable/K7's placement with inkasso-nord is recalled as well.
    const plan = dun(
      customer({
        accounts: [account(), account({ source: "cable", accountId: "K7" })],
        items: [invoice({ itemId: "K1", source: "cable", accountId: "K7", dueDate: daysAgo(150), amountMinor: 25_000 })],
        holds: [hold({ kind: "bankruptcy" })],
        states: [
          accountState({
            source: "cable",
            accountId: "K7",
            level: 4,
            stage: "agency",
            since: daysAgo(40),
            agency: "inkasso-nord",
          }),
        ],
      }),
    );
    expect(decisions(plan)).to.deep.equal(["K7 4>4 hold:bankruptcy", "A1 0>0 hold:bankruptcy"]);
    expect(plan.placements.map((entry) => `${entry.accountId} ${entry.kind} ${entry.agency} ${entry.reason}`)).to.deep.equal([
      "K7 recall inkasso-nord bankrupt",
    ]);
    expect(plan.states[0]).to.include({ accountId: "K7", level: 4, agency: null });
  });

  it("writes one letter over all accounts at the highest stage", () => {
    // mobile/A1 rises to reminder (30.00, 12 days). cable/K7, in reminder
    // for 20 days, rises to final_notice (100.00, 40 days) and prefers
    // e-mail in German. K7's bill due in 5 days is not overdue.
    const plan = dun(
      customer({
        accounts: [
          account({ language: "fr" }),
          account({ source: "cable", accountId: "K7", channel: "email", language: "de" }),
        ],
        items: [
          invoice({ itemId: "I1", dueDate: daysAgo(12), amountMinor: 3_000 }),
          invoice({ itemId: "K1", source: "cable", accountId: "K7", dueDate: daysAgo(40), reference: "RE-4711" }),
          invoice({ itemId: "K2", source: "cable", accountId: "K7", dueDate: daysAgo(-5) }),
        ],
        states: [accountState({ source: "cable", accountId: "K7", level: 1, stage: "reminder", since: daysAgo(20) })],
      }),
    );
    expect(decisions(plan)).to.deep.equal(["K7 1>2 stage:final_notice", "A1 0>1 stage:reminder"]);
    expect(plan.letter).to.deep.include({
      stage: "final_notice",
      template: "final",
      channel: "email",
      language: "de",
      deadline: "2026-04-14",
    });
    // Oldest due first: K1 (02-19), then I1 (03-19).
    expect(plan.letter?.items.map((entry) => [entry.source, entry.itemId, entry.openMinor, entry.reference])).to.deep.equal([
      ["cable", "K1", 10_000, "RE-4711"],
      ["mobile", "I1", 3_000, null],
    ]);
    expect(actions(plan)).to.deep.equal(["K7 letter email 2026-03-31", "A1 letter email 2026-03-31"]);
  });

  it("dates a suspension on the next service day", () => {
    // Saturday 2026-04-04: in final_notice since 03-18 (17 days), 100.00
    // due 50 days ago meets suspension. The calendar moves the suspension
    // past the weekend and Easter Monday to Tuesday 04-07.
    const businessDate = "2026-04-04";
    const calls: string[] = [];
    const plan = dun(
      customer({
        items: [invoice({ itemId: "I1", dueDate: daysAgo(50, businessDate) })],
        states: [accountState({ level: 2, stage: "final_notice", since: "2026-03-18" })],
      }),
      context({
        businessDate,
        serviceDay: (date, entity) => {
          calls.push(`${date} ${entity}`);
          return date === "2026-04-04" ? "2026-04-07" : date;
        },
      }),
    );
    expect(decisions(plan)).to.deep.equal(["A1 2>3 stage:suspension"]);
    // The stage lists no letter, so one is added in front: every rise is announced.
    expect(actions(plan)).to.deep.equal([
      "A1 letter letter 2026-04-04",
      "A1 suspension null 2026-04-07",
    ]);
    expect(calls).to.deep.equal(["2026-04-04 DE01"]);
    expect(plan.states[0]).to.include({ level: 3, suspended: true });
  });

  it("places the account with the customer's agency", () => {
    // In suspension for 30 days; 200.00 due 100 days ago meets agency.
    // pickAgency sends customer C1001 to collect-sued (see below).
    const plan = dun(
      customer({
        customerRef: "C1001",
        items: [invoice({ itemId: "I1", dueDate: daysAgo(100), amountMinor: 20_000 })],
        states: [accountState({ level: 3, stage: "suspension", since: daysAgo(30), suspended: true })],
      }),
    );
    expect(decisions(plan)).to.deep.equal(["A1 3>4 stage:agency"]);
    expect(actions(plan)).to.deep.equal(["A1 letter letter 2026-03-31", "A1 placement null 2026-03-31"]);
    expect(plan.actions[1].agency).to.equal("collect-sued");
    expect(plan.placements).to.deep.equal([
      {
        source: "mobile",
        accountId: "A1",
        agency: "collect-sued",
        kind: "placement",
        currency: "EUR",
        amountMinor: 20_000,
        oldestDueDate: daysAgo(100),
        daysPastDueMax: 100,
        reason: "agency",
      },
    ]);
    expect(plan.states[0]).to.include({ level: 4, agency: "collect-sued", suspended: true });
  });

  it("keeps the stage of accounts from a rejected source", () => {
    const plan = dun(
      customer({ items: [invoice({ itemId: "I1", dueDate: daysAgo(60) })] }),
      context({ staleSources: new Set(["mobile"]) }),
    );
    expect(plan.decisions).to.deep.equal([]);
    expect(plan.letter).to.equal(null);
  });
});

describe("pickAgency", () => {
  const agencies = config.agencies;

  it("returns null without agencies", () => {
    expect(pickAgency([], "C1001")).to.equal(null);
  });

  it("returns the only agency", () => {
    expect(pickAgency([{ id: "solo", name: "solo", share: 1 }], "C1001")).to.equal("solo");
  });

  it("weighs agencies by share", () => {
    // FNV-1a of "C1001" is 0xfa5d9850 = 4200437840; 4200437840 / 2^32 x 3
    // shares = 2.934, past inkasso-nord's 2 shares: collect-sued. "C2001"
    // hashes to 0x22ab02c3 = 581632707, which is 0.406 of 3: inkasso-nord.
    expect(pickAgency(agencies, "C1001")).to.equal("collect-sued");
    expect(pickAgency(agencies, "C2001")).to.equal("inkasso-nord");
  });
});

describe("activeHolds", () => {
  // A hold from 03-01 to 03-31; a promise for 03-20 that lasts to 03-23.
  const cases: Array<[string, string, boolean]> = [
    ["dispute", "2026-02-28", false],
    ["dispute", "2026-03-01", true],
    ["dispute", "2026-03-31", true],
    ["dispute", "2026-04-01", false],
    ["promise_to_pay", "2026-03-23", true],
    ["promise_to_pay", "2026-03-24", false],
  ];
  for (const [kind, businessDate, active] of cases) {
    it(`${active ? "keeps" : "drops"} a ${kind} hold on ${businessDate}`, () => {
      const entry = hold({
        kind: kind as "dispute" | "promise_to_pay",
        startDate: "2026-03-01",
        endDate: "2026-03-31",
        promisedDate: kind === "promise_to_pay" ? "2026-03-20" : null,
      });
      expect(activeHolds([entry], businessDate)).to.have.length(active ? 1 : 0);
    });
  }
});
