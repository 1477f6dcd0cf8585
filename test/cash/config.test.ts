import { expect } from "chai";
import { allocationPolicy } from "../../jobs/allocate.ts";
import { RequestError } from "../../src/errors.ts";
import { testConfig } from "../support/builders.ts";

/** Returns the problems a configuration change raises, or [] when it loads. */
function problems(change: (raw: Record<string, any>) => void): string[] {
  try {
    testConfig(change);
    return [];
  } catch (error) {
    expect(error).to.be.instanceOf(RequestError);
    return (error as RequestError).problems;
  }
}

const bankSource = { kind: "bank", path: "bank", entity: "DE01" };

describe("cash configuration", function () {
  it("defaults to reference, then oldest due", function () {
    const config = testConfig();
    expect(config.cash.rules).to.deep.equal(["by_reference", "oldest_due"]);
    expect(config.cash.reversalAging).to.equal("due_date");
    expect(config.cash.parkingMaxDays).to.equal(30);
    expect(config.cash.refunds).to.equal(null);
    expect(config.cash.autopay).to.equal(null);
    expect(allocationPolicy(config)).to.deep.equal({
      allocateUnreferenced: true,
      byReference: true,
      kindOrder: [],
      reopenedAging: "due_date",
    });
  });

  it("turns the rules into the policy", function () {
    const config = testConfig((raw) => {
      raw.cash = { allocation: { rules: [], kind_order: ["fee", "interest", "principal"] }, reversal_aging: "reversal_date" };
    });
    expect(allocationPolicy(config)).to.deep.equal({
      allocateUnreferenced: false,
      byReference: false,
      kindOrder: ["fee", "interest", "principal"],
      reopenedAging: "reversal_date",
    });
  });

  it("resolves refund minimums per currency", function () {
    const config = testConfig((raw) => {
      raw.cash = { refunds: { min_amount: { EUR: "5.00", default: "10" }, min_age_days: 60 } };
    });
    expect(config.cash.refunds?.minAgeDays).to.equal(60);
    // 5.00 EUR is 500 cents; the default 10 is 1000 cents of USD and 10 yen.
    expect(config.cash.refunds?.minAmountMinor("EUR")).to.equal(500);
    expect(config.cash.refunds?.minAmountMinor("USD")).to.equal(1000);
    expect(config.cash.refunds?.minAmountMinor("JPY")).to.equal(10);
  });

  it("requires bank and suspense GL codes", function () {
    expect(problems((raw) => (raw.sources.bank = bankSource))).to.deep.equal([
      "gl.DE01.bank: required because bank source bank journals to it",
      "gl.DE01.suspense: required because bank source bank journals to it",
    ]);
  });

  it("accepts a complete bank source", function () {
    const config = testConfig((raw) => {
      raw.sources.bank = { ...bankSource, match: ["iban"] };
      raw.gl.DE01 = { ...raw.gl.DE01, bank: "110000", suspense: "159000" };
    });
    expect(config.sources.map((source) => source.name)).to.deep.equal(["bank"]);
    expect(config.gl.get("DE01")?.bank).to.equal("110000");
  });

  it("rejects a bank source paying an unknown source", function () {
    const found = problems((raw) => {
      raw.sources.bank = { ...bankSource, sources: ["mobile"] };
      raw.gl.DE01 = { ...raw.gl.DE01, bank: "110000", suspense: "159000" };
    });
    expect(found).to.deep.equal(["sources.bank.sources[0]: mobile is not a configured source"]);
  });

  it("checks the autopay creditor", function () {
    const found = problems((raw) => {
      raw.cash = {
        autopay: { creditor: { entity: "DE01", name: "Telco", iban: "DE89370400440532013001", creditor_id: "DE97ZZZ09999999999" } },
      };
    });
    expect(found).to.deep.equal([
      "gl.DE01.bank: required because autopay journals to it",
      "cash.autopay.creditor.iban: not a valid IBAN (ISO 13616 check digits)",
      "cash.autopay.creditor.creditor_id: DE97ZZZ09999999999 is not a valid SEPA creditor identifier",
    ]);
  });

  it("rejects a bad refund minimum", function () {
    const found = problems((raw) => {
      raw.cash = { refunds: { min_amount: { EUR: "5,00" } } };
    });
    expect(found).to.deep.equal([
      'cash.refunds.min_amount.EUR: "5,00" is not a non-negative amount with at most 2 decimals',
    ]);
  });
});
