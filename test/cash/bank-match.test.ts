import { expect } from "chai";
import {
  matchPayment,
  remittanceCandidates,
  type BankPayment,
  type CandidateAccount,
  type MatchCandidates,
} from "../../src/cash/bank-match.ts";

function payment(fields: Partial<BankPayment> = {}): BankPayment {
  return {
    source: "bank",
    entryKey: "DE89370400440532013000|REF-1",
    file: "statement.xml",
    currency: "EUR",
    amountMinor: 5_000,
    valueDate: "2026-04-07",
    remittance: "",
    debtorIban: null,
    endToEndId: null,
    bankReference: "REF-1",
    ...fields,
  };
}

function account(fields: Partial<CandidateAccount> = {}): CandidateAccount {
  return {
    customerKey: 1,
    source: "mobile",
    accountId: "M1",
    entity: "DE01",
    status: "active",
    currency: "EUR",
    iban: null,
    underReview: false,
    ...fields,
  };
}

const BOTH = ["reference", "iban"] as const;

describe("matchPayment", function () {
  const candidates: MatchCandidates = {
    items: [
      { source: "mobile", accountId: "M1", itemId: "I-100", reference: "INV-2026-0100" },
      { source: "cable", accountId: "X9", itemId: "R-7", reference: "INV-2026-0200" },
    ],
    accounts: [
      account(),
      account({ accountId: "M1000" }),
      account({ source: "cable", accountId: "X9", iban: "DE02 1203 0000 0000 2020 51" }),
      account({ accountId: "M2", status: "closed", iban: "DE75512108001245126199" }),
      account({ accountId: "M3", currency: "USD", iban: "NL91ABNA0417164300" }),
      account({ accountId: "M4", underReview: true, iban: "FR1420041010050500013M02606" }),
    ],
  };

  it("matches an invoice reference", function () {
    const result = matchPayment(payment({ remittance: "Invoice inv-2026-0100" }), candidates, BOTH);
    expect(result).to.deep.include({ kind: "matched", rule: "reference" });
    expect(result.account?.accountId).to.equal("M1");
  });

  it("matches an account id", function () {
    const result = matchPayment(payment({ remittance: "Kundennummer M1000" }), candidates, BOTH);
    expect(result).to.deep.include({ kind: "matched", rule: "reference" });
    expect(result.account?.accountId).to.equal("M1000");
  });

  it("ignores ids under three characters", function () {
    // X9 has two characters only, too short to count as a reference.
    const result = matchPayment(payment({ remittance: "Kundennummer X9" }), candidates, BOTH);
    expect(result).to.deep.equal({ kind: "parked", reason: "unknown_account", account: null });
  });

  it("falls back to the IBAN", function () {
    const result = matchPayment(payment({ debtorIban: "DE02120300000000202051" }), candidates, BOTH);
    expect(result).to.deep.include({ kind: "matched", rule: "iban" });
    expect(result.account?.accountId).to.equal("X9");
  });

  it("skips rules not configured", function () {
    const result = matchPayment(payment({ debtorIban: "DE02120300000000202051" }), candidates, ["reference"]);
    expect(result).to.deep.equal({ kind: "parked", reason: "unknown_account", account: null });
  });

  it("parks references to two accounts", function () {
    const result = matchPayment(payment({ remittance: "INV-2026-0100, INV-2026-0200" }), candidates, BOTH);
    expect(result).to.deep.equal({ kind: "parked", reason: "ambiguous_reference", account: null });
  });

  it("parks for a closed account", function () {
    const result = matchPayment(payment({ debtorIban: "DE75512108001245126199" }), candidates, BOTH);
    expect(result).to.deep.include({ kind: "parked", reason: "closed_account" });
  });

  it("parks for another currency", function () {
    const result = matchPayment(payment({ debtorIban: "NL91ABNA0417164300" }), candidates, BOTH);
    expect(result).to.deep.include({ kind: "parked", reason: "currency_mismatch" });
  });

  it("parks for an account under review", function () {
    const result = matchPayment(payment({ debtorIban: "FR1420041010050500013M02606" }), candidates, BOTH);
    expect(result).to.deep.include({ kind: "parked", reason: "account_under_review" });
  });
});

describe("remittanceCandidates", function () {
  it("lists lines and words", function () {
    expect(remittanceCandidates("RF18 5390 0754\nInvoice INV-7, no. 12")).to.deep.equal([
      "RF18 5390 0754",
      "RF18",
      "5390",
      "0754",
      "Invoice INV-7, no. 12",
      "Invoice",
      "INVOICE",
      "INV-7",
    ]);
  });
});
