import { expect } from "chai";
import { InvariantError } from "../src/errors.ts";
import { assertBalanced, journalLines, reversalLines, type JournalLine, type Posting } from "../src/journal.ts";

function posting(accountCode: string, amountMinor: number, fields: Partial<Posting> = {}): Posting {
  return {
    accountCode,
    amountMinor,
    enteredCurrency: "EUR",
    enteredMinor: amountMinor,
    rate: "1",
    description: "write-off",
    ...fields,
  };
}

function lines(postings: Posting[], currency = "EUR", journalId = "R3-DE01-WRITEOFF"): JournalLine[] {
  return journalLines(journalId, "DE01", "2026-03-31", currency, postings);
}

describe("journalLines", () => {
  it("numbers the lines and splits debit from credit", () => {
    const result = lines([posting("149000", 12_000), posting("140000", -12_000)]);
    expect(result.map((line) => [line.line, line.accountCode, line.debitMinor, line.creditMinor])).to.deep.equal([
      [1, "149000", 12_000, 0],
      [2, "140000", 0, 12_000],
    ]);
    expect(result[0]).to.include({ journalId: "R3-DE01-WRITEOFF", entity: "DE01", accountingDate: "2026-03-31" });
  });

  it("drops zero postings", () => {
    const result = lines([posting("149000", 500), posting("693000", 0), posting("140000", -500)]);
    expect(result.map((line) => [line.line, line.accountCode])).to.deep.equal([
      [1, "149000"],
      [2, "140000"],
    ]);
  });
});

describe("assertBalanced", () => {
  it("accepts a balanced journal", () => {
    // Dr 100.00 = Cr 60.00 + Cr 40.00.
    const journal = lines([posting("149000", 10_000), posting("140000", -6_000), posting("693000", -4_000)]);
    expect(() => assertBalanced(journal)).not.to.throw();
  });

  it("accepts no lines", () => {
    expect(() => assertBalanced([])).not.to.throw();
  });

  it("rejects an unbalanced journal", () => {
    // Dr 100.00 against Cr 99.99: debits minus credits = 1.
    const journal = lines([posting("149000", 10_000), posting("140000", -9_999)]);
    expect(() => assertBalanced(journal)).to.throw(
      InvariantError,
      "journal R3-DE01-WRITEOFF of DE01 on 2026-03-31 in EUR does not balance: debits minus credits = 1",
    );
  });

  it("balances each currency on its own", () => {
    // EUR balances; USD has Dr 5.00 and nothing against it.
    const journal = [
      ...lines([posting("149000", 700), posting("140000", -700)]),
      ...lines([posting("149000", 500, { enteredCurrency: "USD" })], "USD"),
    ];
    expect(() => assertBalanced(journal)).to.throw(InvariantError, "in USD does not balance: debits minus credits = 500");
  });

  it("rejects a line with both debit and credit", () => {
    const [line, other] = lines([posting("149000", 700), posting("140000", -700)]);
    const both = { ...line, creditMinor: 700, debitMinor: 1_400 };
    expect(() => assertBalanced([both, other])).to.throw(
      InvariantError,
      "journal R3-DE01-WRITEOFF line 1: exactly one of debit and credit must be positive",
    );
  });

  it("rejects a line of zero", () => {
    const [line] = lines([posting("149000", 700)]);
    expect(() => assertBalanced([{ ...line, debitMinor: 0 }])).to.throw(InvariantError, "line 1");
  });

  it("rejects a negative debit", () => {
    const [line] = lines([posting("149000", 700)]);
    expect(() => assertBalanced([{ ...line, debitMinor: -700, creditMinor: 0 }])).to.throw(InvariantError, "line 1");
  });
});

describe("reversalLines", () => {
  it("swaps debit and credit and balances", () => {
    const original = lines([
      posting("685000", 669, { description: "doubtful-debt allowance increase" }),
      posting("149000", -669, { description: "doubtful-debt allowance increase" }),
    ], "EUR", "R7-DE01-PROVISION");
    const reversal = reversalLines("R8-DE01-REVERSAL", original, 7);
    expect(
      reversal.map((line) => [line.journalId, line.line, line.accountCode, line.debitMinor, line.creditMinor, line.enteredMinor]),
    ).to.deep.equal([
      ["R8-DE01-REVERSAL", 1, "685000", 0, 669, -669],
      ["R8-DE01-REVERSAL", 2, "149000", 669, 0, 669],
    ]);
    expect(reversal[0].reversesRun).to.equal(7);
    expect(reversal[0].description).to.equal(
      "reversal of R7-DE01-PROVISION/1: doubtful-debt allowance increase",
    );
    expect(() => assertBalanced(reversal)).not.to.throw();
  });
});
