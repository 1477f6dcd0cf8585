import { expect } from "chai";
import { setOff, type SetOffItem } from "../../jobs/age.ts";
import { planAllocations } from "../../jobs/allocate.ts";
import { allowanceTotals, ProvisionAccumulator, provisionJournal } from "../../jobs/provision.ts";
import type { ResolvedConfig } from "../../src/config/resolve.ts";
import type { CustomerData } from "../../src/domain.ts";
import { RequestError } from "../../src/errors.ts";
import { assertBalanced } from "../../src/journal.ts";
import {
  account,
  BUSINESS_DATE,
  customer,
  daysAgo,
  invoice,
  payment,
  testConfig,
} from "../support/builders.ts";

// Matrix of the test configuration (entity DE01, functional currency EUR):
// default segment current 0.5 %, 1-30 2 %, 31-60 5 %; business segment
// current 0.2 %, 1-30 1 %, 31-60 3 %. USD to EUR closes at 0.9200 from
// 2026-03-01 and at 0.9250 from 2026-03-31.
const config = testConfig();

function setOffItems(data: CustomerData, bankrupt = false): SetOffItem[] {
  const plan = planAllocations(data, BUSINESS_DATE);
  return setOff(data, plan, config.agingBasis, BUSINESS_DATE, bankrupt);
}

function provision(
  data: CustomerData,
  options: { bankrupt?: boolean; config?: ResolvedConfig; date?: string } = {},
) {
  const accumulator = new ProvisionAccumulator(options.config ?? config, options.date ?? BUSINESS_DATE);
  accumulator.add(data, setOffItems(data, options.bankrupt), options.bankrupt ?? false);
  return accumulator.cells();
}

/** Cells as "segment bucket base rate allowance" strings. */
function cellsOf(data: CustomerData, options: Parameters<typeof provision>[1] = {}): string[] {
  return provision(data, options).map(
    (cell) => `${cell.segment} ${cell.bucket} ${cell.baseMinor} ${cell.rate} ${cell.allowanceMinor}`,
  );
}

describe("ProvisionAccumulator", () => {
  it("rounds the allowance once per cell", () => {
    // 1-30: 12.12 + 13.13 = 25.25; 2 % = 0.505, rounded half away to 0.51.
    // Rounding per item would give 0.24 + 0.26 = 0.50.
    // current: 21.00 not yet due; 0.5 % = 0.105, rounded to 0.11.
    const cells = provision(
      customer({
        items: [
          invoice({ itemId: "I1", dueDate: daysAgo(5), amountMinor: 1_212 }),
          invoice({ itemId: "I2", dueDate: daysAgo(20), amountMinor: 1_313 }),
          invoice({ itemId: "I3", dueDate: daysAgo(-10), amountMinor: 2_100 }),
        ],
      }),
    );
    expect(cells).to.deep.equal([
      {
        entity: "DE01",
        segment: "default",
        bucket: "current",
        currency: "EUR",
        baseMinor: 2_100,
        rate: "0.005",
        allowanceMinor: 11,
      },
      {
        entity: "DE01",
        segment: "default",
        bucket: "1-30",
        currency: "EUR",
        baseMinor: 2_525,
        rate: "0.02",
        allowanceMinor: 51,
      },
    ]);
  });

  it("provisions what is open after set-off", () => {
    // 100.00 due 40 days ago less 30.00 of credit on another account of the
    // customer: base 70.00 in 31-60, 5 % = 3.50.
    const data = customer({
      accounts: [account(), account({ source: "cable", accountId: "K7" })],
      items: [
        invoice({ itemId: "I1", dueDate: daysAgo(40) }),
        payment({ itemId: "P1", source: "cable", accountId: "K7", amountMinor: 3_000 }),
      ],
    });
    expect(cellsOf(data)).to.deep.equal(["default 31-60 7000 0.05 350"]);
  });

  it("converts foreign currency at the closing rate", () => {
    // USD 100.20 x 0.925 = EUR 92.685, rounded half away to 92.69, plus
    // EUR 41.01 = 133.70 in 31-60; 5 % = 6.685, rounded to 6.69.
    const data = customer({
      accounts: [account(), account({ accountId: "A2", currency: "USD" })],
      items: [
        invoice({ itemId: "I1", accountId: "A2", currency: "USD", dueDate: daysAgo(40), amountMinor: 10_020 }),
        invoice({ itemId: "I2", dueDate: daysAgo(45), amountMinor: 4_101 }),
      ],
    });
    expect(cellsOf(data)).to.deep.equal(["default 31-60 13370 0.05 669"]);
    // On 03-30 the 0.9200 rate of 03-01 applies: USD 100.20 x 0.92 = 92.184,
    // rounded to 92.18; + 41.01 = 133.19; 5 % = 6.6595, rounded to 6.66.
    expect(cellsOf(data, { date: "2026-03-30" })).to.deep.equal(["default 31-60 13319 0.05 666"]);
  });

  it("rejects a currency without a closing rate", () => {
    const data = customer({
      accounts: [account({ currency: "JPY" })],
      items: [invoice({ itemId: "I1", currency: "JPY", dueDate: daysAgo(40), amountMinor: 5_000 })],
    });
    expect(() => provision(data)).to.throw(
      RequestError,
      "no closing rate from JPY to EUR on or before 2026-03-31; add one under rates",
    );
  });

  it("uses the rates of the account's segment", () => {
    // 50.50 in 1-30: business 1 % = 0.505 -> 0.51; consumer has no row of
    // its own and takes the default 2 % = 1.01.
    const data = customer({
      accounts: [account({ segment: "business" }), account({ accountId: "A2", segment: "consumer" })],
      items: [
        invoice({ itemId: "I1", dueDate: daysAgo(15), amountMinor: 5_050 }),
        invoice({ itemId: "I2", accountId: "A2", dueDate: daysAgo(15), amountMinor: 5_050 }),
      ],
    });
    expect(cellsOf(data)).to.deep.equal(["business 1-30 5050 0.01 51", "consumer 1-30 5050 0.02 101"]);
  });

  it("provisions a bankrupt customer at 100 %", () => {
    // 100.00 due 10 days ago and 50.00 not yet due; the 20.00 credit on
    // cable/K7 is not set off in bankruptcy. Base 150.00, allowance 150.00.
    const data = customer({
      accounts: [account(), account({ source: "cable", accountId: "K7" })],
      items: [
        invoice({ itemId: "I1", dueDate: daysAgo(10) }),
        invoice({ itemId: "I2", dueDate: daysAgo(-5), amountMinor: 5_000 }),
        payment({ itemId: "P1", source: "cable", accountId: "K7", amountMinor: 2_000 }),
      ],
    });
    expect(cellsOf(data, { bankrupt: true })).to.deep.equal(["default specific:bankrupt 15000 1 15000"]);
  });

  describe("disputed debt", () => {
    // 100.00 due 40 days ago with 30.00 disputed.
    const data = customer({
      items: [invoice({ itemId: "I1", dueDate: daysAgo(40), disputedMinor: 3_000 })],
    });

    it("counts in the matrix by default", () => {
      // 100.00 x 5 % = 5.00.
      expect(cellsOf(data)).to.deep.equal(["default 31-60 10000 0.05 500"]);
    });

    it("goes to its own rate when one is set", () => {
      // 70.00 x 5 % = 3.50 in the matrix; 30.00 x 50 % = 15.00 specific.
      const disputedRate = testConfig((raw) => {
        raw.provision.specific.disputed = "0.5";
      });
      expect(cellsOf(data, { config: disputedRate })).to.deep.equal([
        "default 31-60 7000 0.05 350",
        "default specific:disputed 3000 0.5 1500",
      ]);
    });

    it("stays out when include_disputed is false", () => {
      const excluded = testConfig((raw) => {
        raw.provision.include_disputed = false;
      });
      expect(cellsOf(data, { config: excluded })).to.deep.equal(["default 31-60 7000 0.05 350"]);
    });
  });

  it("adds customers into the same cells", () => {
    // Two customers with 12.25 each in 1-30: base 24.50 x 2 % = 0.49.
    const accumulator = new ProvisionAccumulator(config, BUSINESS_DATE);
    for (const customerRef of ["C1001", "C1002"]) {
      const data = customer({
        customerRef,
        items: [invoice({ itemId: "I1", dueDate: daysAgo(15), amountMinor: 1_225 })],
      });
      accumulator.add(data, setOffItems(data), false);
    }
    const cells = accumulator.cells();
    expect(cells.map((cell) => [cell.bucket, cell.baseMinor, cell.allowanceMinor])).to.deep.equal([
      ["1-30", 2_450, 49],
    ]);
    expect(allowanceTotals(cells)).to.deep.equal(new Map([["DE01\u0000EUR", 49]]));
  });
});

describe("provisionJournal", () => {
  const key = "DE01\u0000EUR";

  function journal(previous: number | undefined, current: number | undefined) {
    const before = new Map(previous === undefined ? [] : [[key, previous]]);
    const after = new Map(current === undefined ? [] : [[key, current]]);
    return provisionJournal(config, 7, BUSINESS_DATE, before, after);
  }

  /** Lines as "account debit credit entered" strings. */
  function postings(previous: number | undefined, current: number | undefined): string[] {
    return journal(previous, current).map(
      (line) => `${line.accountCode} ${line.debitMinor} ${line.creditMinor} ${line.enteredMinor}`,
    );
  }

  it("journals an increase as expense against allowance", () => {
    // 10.00 before, 16.69 now: Dr bad-debt expense 6.69, Cr allowance 6.69.
    const lines = journal(1_000, 1_669);
    expect(lines).to.deep.equal([
      {
        journalId: "R7-DE01-PROVISION",
        line: 1,
        entity: "DE01",
        accountingDate: BUSINESS_DATE,
        accountCode: "685000",
        debitMinor: 669,
        creditMinor: 0,
        currency: "EUR",
        enteredCurrency: "EUR",
        enteredMinor: 669,
        rate: "1",
        description: "doubtful-debt allowance increase",
        reversesRun: null,
      },
      {
        journalId: "R7-DE01-PROVISION",
        line: 2,
        entity: "DE01",
        accountingDate: BUSINESS_DATE,
        accountCode: "149000",
        debitMinor: 0,
        creditMinor: 669,
        currency: "EUR",
        enteredCurrency: "EUR",
        enteredMinor: -669,
        rate: "1",
        description: "doubtful-debt allowance increase",
        reversesRun: null,
      },
    ]);
    expect(() => assertBalanced(lines)).not.to.throw();
  });

  it("journals a decrease the other way", () => {
    // 10.00 before, 4.00 now: Dr allowance 6.00, Cr bad-debt expense 6.00.
    expect(postings(1_000, 400)).to.deep.equal(["685000 0 600 -600", "149000 600 0 600"]);
    expect(journal(1_000, 400)[0].description).to.equal("doubtful-debt allowance release");
    expect(() => assertBalanced(journal(1_000, 400))).not.to.throw();
  });

  it("journals a first allowance and a full release", () => {
    expect(postings(undefined, 51)).to.deep.equal(["685000 51 0 51", "149000 0 51 -51"]);
    expect(postings(51, undefined)).to.deep.equal(["685000 0 51 -51", "149000 51 0 51"]);
  });

  it("journals nothing when the allowance is unchanged", () => {
    expect(journal(1_000, 1_000)).to.deep.equal([]);
  });

  it("rejects an entity without GL accounts", () => {
    const current = new Map([["AT01\u0000EUR", 100]]);
    expect(() => provisionJournal(config, 7, BUSINESS_DATE, new Map(), current)).to.throw(
      RequestError,
      "gl.AT01: GL accounts are missing for entity AT01",
    );
  });
});
