// The choice of an agency: share-weighted hash, rules, tiers, capacity and
// the customer's agency, without a ledger.

import { expect } from "chai";
import { AgencyBook, chooseAgency, fnv1a, selectAgency, takesAccount, type PlacementRequest } from "../../src/agencies/choice.ts";
import { resolveAgencyTerms, type AgencyTerms, type RawAgency } from "../../src/agencies/config.ts";
import { testConfig } from "../support/builders.ts";

function agencies(...entries: Partial<RawAgency>[]): AgencyTerms[] {
  const raw = entries.map((entry, index) => ({
    id: `agency-${index}`,
    share: 1,
    tier: "first" as const,
    end_of_period: "recall" as const,
    commission_rate: "0",
    fixed_width: false,
    encoding: "utf-8",
    ...entry,
  }));
  return [...resolveAgencyTerms(raw, "/").values()];
}

function request(fields: Partial<PlacementRequest> & { segment?: string | null; region?: string | null } = {}): PlacementRequest {
  return {
    customerRef: fields.customerRef ?? "C1001",
    account: {
      customerKey: 1,
      source: "mobile",
      accountId: "A1",
      segment: fields.segment === undefined ? "consumer" : fields.segment,
      country: "DE",
      contact: { region: fields.region ?? null },
    },
    currency: fields.currency ?? "EUR",
    amountMinor: fields.amountMinor ?? 20_000,
    tier: fields.tier,
  };
}

const NORD_AND_SUED = agencies({ id: "inkasso-nord", share: 2 }, { id: "collect-sued", share: 1 });

describe("fnv1a", () => {
  it("hashes as FNV-1a over code points", () => {
    // The published FNV-1a 32-bit test vectors: "" and "a".
    expect(fnv1a("")).to.equal(0x811c9dc5);
    expect(fnv1a("a")).to.equal(0xe40c292c);
    expect(fnv1a("C1001")).to.equal(0xfa5d9850);
  });
});

describe("selectAgency", () => {
  it("weighs agencies by share", () => {
    // 0xfa5d9850 / 2^32 x 3 shares = 2.934, past inkasso-nord's 2 shares:
    // collect-sued. "C2001" hashes to 0x22ab02c3: 0.406 of 3, inkasso-nord.
    const book = new AgencyBook(true);
    expect(selectAgency(NORD_AND_SUED, request(), "first", book)).to.equal("collect-sued");
    expect(selectAgency(NORD_AND_SUED, request({ customerRef: "C2001" }), "first", book)).to.equal("inkasso-nord");
  });

  it("keeps the customer with its current agency", () => {
    const book = new AgencyBook(true);
    book.place("inkasso-nord", "C1001");
    expect(selectAgency(NORD_AND_SUED, request(), "first", book)).to.equal("inkasso-nord");
  });

  it("skips an agency at its maximum", () => {
    const [nord, sued] = agencies({ id: "inkasso-nord", share: 2 }, { id: "collect-sued", share: 1, max_open_placements: 1 });
    const book = new AgencyBook(true);
    book.place("collect-sued", "C9999");
    // C1001 would go to collect-sued, which holds its 1 placement.
    expect(selectAgency([nord, sued], request(), "first", book)).to.equal("inkasso-nord");
    // Without tracking (planner tests), capacity is not enforced.
    expect(selectAgency([nord, sued], request(), "first", new AgencyBook(false))).to.equal("collect-sued");
  });

  it("returns null when every agency is full", () => {
    const full = agencies({ id: "solo", max_open_placements: 1 });
    const book = new AgencyBook(true);
    book.place("solo", "C9999");
    expect(selectAgency(full, request(), "first", book)).to.equal(null);
  });

  it("chooses only agencies of the requested tier", () => {
    const tiers = agencies({ id: "first-one" }, { id: "legal-one", tier: "legal" });
    const book = new AgencyBook(true);
    expect(selectAgency(tiers, request(), "first", book)).to.equal("first-one");
    expect(selectAgency(tiers, request({ tier: "legal" }), "legal", book)).to.equal("legal-one");
    expect(selectAgency(tiers, request(), "second", book)).to.equal(null);
  });
});

describe("takesAccount", () => {
  const [rules] = agencies({
    segments: ["consumer"],
    regions: ["BY", "BW"],
    min_balance: { EUR: "100.00", default: "50" },
    max_balance: { EUR: "5000.00" },
  });

  it("takes an account inside every rule", () => {
    expect(takesAccount(rules, request({ region: "BY", amountMinor: 10_000 }))).to.equal(true);
    expect(takesAccount(rules, request({ region: "BW", amountMinor: 500_000 }))).to.equal(true);
  });

  it("rejects an account outside one rule", () => {
    expect(takesAccount(rules, request({ region: "BY", segment: "business" }))).to.equal(false);
    expect(takesAccount(rules, request({ region: "BY", segment: null }))).to.equal(false);
    expect(takesAccount(rules, request({ region: "HH" }))).to.equal(false);
    expect(takesAccount(rules, request({ region: null }))).to.equal(false);
    // The balance band is inclusive: 99.99 and 5000.01 EUR fall outside.
    expect(takesAccount(rules, request({ region: "BY", amountMinor: 9_999 }))).to.equal(false);
    expect(takesAccount(rules, request({ region: "BY", amountMinor: 500_001 }))).to.equal(false);
  });

  it("uses the default bound for other currencies", () => {
    // default: 50 -> USD 50.00 minimum, and no maximum.
    expect(takesAccount(rules, request({ region: "BY", currency: "USD", amountMinor: 4_999 }))).to.equal(false);
    expect(takesAccount(rules, request({ region: "BY", currency: "USD", amountMinor: 5_000_000 }))).to.equal(true);
  });
});

describe("chooseAgency", () => {
  it("agrees with the planner's agencies without a book", () => {
    // The planner test configuration lists inkasso-nord (2) and collect-sued (1).
    const config = testConfig();
    expect(chooseAgency({ config }, request())).to.equal("collect-sued");
  });

  it("returns null for an account no agency takes", () => {
    const config = testConfig((raw) => {
      raw.agencies = [{ id: "business-only", segments: ["business"] }];
    });
    expect(chooseAgency({ config }, request())).to.equal(null);
  });
});
