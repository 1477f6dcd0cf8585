// Write-off journals, the accounting invariants, the GL mapping, the
// accounting date and the accounting configuration rules.

import { expect } from "chai";
import { ProvisionAccumulator } from "../../jobs/provision.ts";
import { setOff } from "../../jobs/age.ts";
import { planAllocations } from "../../jobs/allocate.ts";
import type { WriteOffEvent } from "../../jobs/write-off.ts";
import { accountingDate } from "../../src/accounting/accounting-date.ts";
import { readWriteOffApprovals } from "../../src/accounting/approvals.ts";
import { checkAccountingInvariants, type AccountingFigures } from "../../src/accounting/invariants.ts";
import { costCentre, glAccount } from "../../src/accounting/gl.ts";
import { writeOffJournals } from "../../src/accounting/journals.ts";
import { InvariantError, RequestError } from "../../src/errors.ts";
import { journalLines } from "../../src/journal.ts";
import { amountFormat } from "../../src/outputs/journal-xlsx.ts";
import { BUSINESS_DATE, configFrom, customer, daysAgo, hold, invoice, rawConfig, testConfig } from "../support/builders.ts";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const config = testConfig((raw) => {
  raw.gl.DE01 = {
    ...raw.gl.DE01,
    recovery_income: "485000",
    cost_centre: "1000",
    sources: {
      mobile: { receivable: "140100", cost_centre: "1100", document_types: { debit_note: { receivable: "140150" } } },
    },
  };
  raw.sources = { mobile: { kind: "standard", path: "mobile", entity: "DE01" } };
});

function event(fields: Partial<WriteOffEvent>): WriteOffEvent {
  return {
    kind: "write_off",
    entity: "DE01",
    source: "mobile",
    accountId: "A1",
    itemId: "I1",
    itemType: "invoice",
    segment: "consumer",
    currency: "EUR",
    amountMinor: 10_000,
    ...fields,
  };
}

/** Lines as "journal account debit credit entered-currency entered rate". */
function summary(lines: ReturnType<typeof writeOffJournals>["lines"]): string[] {
  return lines.map((line) =>
    [line.journalId, line.accountCode, line.debitMinor, line.creditMinor, line.enteredCurrency, line.enteredMinor, line.rate].join(" "),
  );
}

describe("writeOffJournals", () => {
  const key = "DE01\u0000EUR";

  it("uses the allowance first and expenses the shortfall", () => {
    // 100.00 EUR + 50.00 USD at 0.9250 = 46.25 EUR written off = 146.25; the
    // entity has 120.00 of allowance: Dr allowance 120.00, Dr expense
    // 26.25, Cr receivable 100.00 and 46.25.
    const result = writeOffJournals(config, 9, BUSINESS_DATE, BUSINESS_DATE, [
      event({}),
      event({ itemId: "I2", currency: "USD", amountMinor: 5_000 }),
    ], new Map([[key, 12_000]]));
    expect(summary(result.lines)).to.deep.equal([
      "R9-DE01-WRITEOFF 149000 12000 0 EUR 12000 1",
      "R9-DE01-WRITEOFF 685000 2625 0 EUR 2625 1",
      "R9-DE01-WRITEOFF 140100 0 10000 EUR -10000 1",
      "R9-DE01-WRITEOFF 140100 0 4625 USD -5000 0.925",
    ]);
    expect(result.allowanceUsed.get(key)).to.equal(12_000);
    expect(result.receivableRemoved).to.deep.equal(new Map([[key, 10_000], ["DE01\u0000USD", 5_000]]));
    expect(result.lines[2]).to.include({ costCentre: "1100", segment: "consumer" });
  });

  it("stays inside an allowance that covers the write-off", () => {
    const result = writeOffJournals(config, 9, BUSINESS_DATE, BUSINESS_DATE, [event({})], new Map([[key, 50_000]]));
    expect(summary(result.lines)).to.deep.equal([
      "R9-DE01-WRITEOFF 149000 10000 0 EUR 10000 1",
      "R9-DE01-WRITEOFF 140100 0 10000 EUR -10000 1",
    ]);
  });

  it("posts recoveries and reversals", () => {
    // A debit note selects its own receivable account 140150.
    const result = writeOffJournals(config, 9, BUSINESS_DATE, "2026-04-30", [
      event({ kind: "recovery", amountMinor: 1_500 }),
      event({ kind: "recovery", itemId: "I3", itemType: "debit_note", amountMinor: -500 }),
      event({ kind: "reversal", amountMinor: 3_000 }),
    ], new Map());
    expect(summary(result.lines)).to.deep.equal([
      "R9-DE01-WRITEOFF-REVERSAL 140100 3000 0 EUR 3000 1",
      "R9-DE01-WRITEOFF-REVERSAL 149000 0 3000 EUR -3000 1",
      "R9-DE01-RECOVERY 140100 1500 0 EUR 1500 1",
      "R9-DE01-RECOVERY 140150 0 500 EUR -500 1",
      "R9-DE01-RECOVERY 485000 0 1000 EUR -1000 1",
    ]);
    expect(result.allowanceReinstated.get(key)).to.equal(3_000);
    expect(result.lines.every((line) => line.accountingDate === "2026-04-30")).to.equal(true);
  });

  it("requires a recovery income account", () => {
    expect(() => writeOffJournals(testConfig(), 9, BUSINESS_DATE, BUSINESS_DATE, [event({ kind: "recovery" })], new Map())).to.throw(
      RequestError,
      "gl.DE01.recovery_income: no account is configured for recovery_income",
    );
  });
});

describe("checkAccountingInvariants", () => {
  const key = "DE01\u0000EUR";

  /** Allowance 30.00 -> 10.00 with a 40.00 write-off: Dr allowance 30.00, Dr expense 10.00, Cr receivable 40.00, provision +10.00. */
  function figures(change: Partial<AccountingFigures> = {}): AccountingFigures {
    const posting = { enteredCurrency: "EUR", rate: "1", description: "" };
    const lines = [
      ...journalLines("R2-DE01-WRITEOFF", "DE01", BUSINESS_DATE, "EUR", [
        { ...posting, accountCode: "149000", amountMinor: 3_000, enteredMinor: 3_000 },
        { ...posting, accountCode: "685000", amountMinor: 1_000, enteredMinor: 1_000 },
        { ...posting, accountCode: "140000", amountMinor: -4_000, enteredMinor: -4_000 },
      ]),
      ...journalLines("R2-DE01-PROVISION", "DE01", BUSINESS_DATE, "EUR", [
        { ...posting, accountCode: "685000", amountMinor: 1_000, enteredMinor: 1_000 },
        { ...posting, accountCode: "149000", amountMinor: -1_000, enteredMinor: -1_000 },
      ]),
    ];
    return {
      allowanceBefore: new Map([[key, 3_000]]),
      allowanceAfter: new Map([[key, 1_000]]),
      lines,
      allowanceAccount: () => "149000",
      writtenOff: new Map([[key, 4_000]]),
      removedFromBase: new Map([[key, 4_000]]),
      receivableRemoved: new Map([[key, 4_000]]),
      ...change,
    };
  }

  it("accepts consistent figures", () => {
    expect(() => checkAccountingInvariants(figures())).not.to.throw();
  });

  it("rejects an allowance movement the journals do not post", () => {
    // The cells total 11.00, but the journals take the account to 10.00.
    expect(() => checkAccountingInvariants(figures({ allowanceAfter: new Map([[key, 1_100]]) }))).to.throw(
      InvariantError,
      "allowance of DE01 in EUR moves by -19.00, but the journals post -20.00 to allowance account 149000",
    );
  });

  it("rejects a write-off that removes another amount", () => {
    expect(() => checkAccountingInvariants(figures({ receivableRemoved: new Map([[key, 3_999]]) }))).to.throw(
      InvariantError,
      "DE01 EUR: 40.00 written off, but 39.99 credited to receivables",
    );
    expect(() => checkAccountingInvariants(figures({ removedFromBase: new Map() }))).to.throw(
      InvariantError,
      "DE01 EUR: 40.00 written off, but 0.00 taken out of the provision base",
    );
  });

  it("rejects an unbalanced journal", () => {
    const [first, ...rest] = figures().lines;
    expect(() => checkAccountingInvariants(figures({ lines: [{ ...first, debitMinor: 3_001 }, ...rest] }))).to.throw(
      InvariantError,
      "does not balance",
    );
  });
});

describe("glAccount", () => {
  it("prefers document type, then source, then entity", () => {
    expect(glAccount(config.accounting, "DE01", "receivable", { source: "mobile", documentType: "debit_note" })).to.equal("140150");
    expect(glAccount(config.accounting, "DE01", "receivable", { source: "mobile", documentType: "invoice" })).to.equal("140100");
    expect(glAccount(config.accounting, "DE01", "receivable", { source: "cable" })).to.equal("140000");
    expect(glAccount(config.accounting, "DE01", "allowance", { source: "mobile" })).to.equal("149000");
  });

  it("takes the source's cost centre over the entity's", () => {
    expect(costCentre(config.accounting, "DE01", "mobile")).to.equal("1100");
    expect(costCentre(config.accounting, "DE01", "cable")).to.equal("1000");
    expect(costCentre(testConfig().accounting, "DE01")).to.equal(null);
  });

  it("names the missing key", () => {
    expect(() => glAccount(config.accounting, "DE01", "suspense")).to.throw(RequestError, "gl.DE01.suspense: no account is configured");
    expect(() => glAccount(config.accounting, "AT01", "allowance")).to.throw(RequestError, "gl.AT01: GL accounts are missing");
  });
});

describe("accountingDate", () => {
  const rule = (accountingDateRule: "business_date" | "period_end", periodClosedThrough: string | null = null) => ({
    accountingDateRule,
    periodClosedThrough,
  });

  it("follows the business date or the period end", () => {
    expect(accountingDate(rule("business_date"), "2026-03-17")).to.equal("2026-03-17");
    expect(accountingDate(rule("period_end"), "2026-03-17")).to.equal("2026-03-31");
    expect(accountingDate(rule("period_end"), "2024-02-10")).to.equal("2024-02-29");
  });

  it("moves out of a closed period", () => {
    // March is closed through 03-31: a run on 03-31 posts on 04-01, or on
    // 04-30 under period_end. An open date stays.
    expect(accountingDate(rule("business_date", "2026-03-31"), "2026-03-31")).to.equal("2026-04-01");
    expect(accountingDate(rule("period_end", "2026-03-31"), "2026-03-20")).to.equal("2026-04-30");
    expect(accountingDate(rule("business_date", "2026-03-31"), "2026-04-02")).to.equal("2026-04-02");
  });
});

describe("accounting configuration", () => {
  function problems(change: (raw: Record<string, any>) => void): string[] {
    const raw = rawConfig();
    change(raw);
    try {
      configFrom(raw);
      return [];
    } catch (error) {
      return (error as RequestError).problems;
    }
  }

  it("requires a rule and a recovery account with write_off", () => {
    expect(problems((raw) => (raw.write_off = { mode: "automatic" }))).to.deep.equal([
      "gl.DE01.recovery_income: required when write_off is set, because payments for written-off items post to it",
      "write_off: set after_placement_days, small_balance or both",
    ]);
  });

  it("rejects unknown sources and amounts", () => {
    const found = problems((raw) => {
      raw.gl.DE01.sources = { cable: { receivable: "140200" } };
      raw.gl.DE01.recovery_income = "485000";
      raw.write_off = { small_balance: { days_past_due: 90, max_amount: { EUR: "1.234", XXX: "1" } } };
    });
    expect(found).to.deep.equal([
      "gl.DE01.sources.cable: cable is not one of the sources",
      'write_off.small_balance.max_amount.EUR: "1.234" is not a non-negative amount with at most 2 decimals',
      'write_off.small_balance.max_amount.XXX: XXX is not a supported currency or "default"',
    ]);
  });

  it("resolves the defaults", () => {
    const accounting = testConfig().accounting;
    expect(accounting.writeOff).to.equal(null);
    expect(accounting.accountingDateRule).to.equal("business_date");
    expect(accounting.glInterface).to.deep.equal({ createdBy: -1, sourceName: "dcms", segments: ["company", "account", "cost_centre"] });
  });
});

describe("readWriteOffApprovals", () => {
  let folder: string;

  before(() => {
    folder = mkdtempSync(path.join(tmpdir(), "dcms-approvals-"));
  });

  after(() => {
    rmSync(folder, { recursive: true, force: true });
  });

  const policy = (file: string) => ({ mode: "proposal" as const, approvalFile: file, afterPlacementDays: 1, smallBalance: null });

  it("reads approvals and reversals", () => {
    const file = path.join(folder, "ok.csv");
    writeFileSync(file, "source,account_id,action\nmobile,A1,\nmobile,A2,reverse\n");
    const approvals = readWriteOffApprovals(policy(file));
    expect([...approvals.actions]).to.deep.equal([
      ["mobile\u0000A1", "approve"],
      ["mobile\u0000A2", "reverse"],
    ]);
    expect(approvals.checksum).to.have.length(64);
  });

  it("treats a missing file as no approvals", () => {
    expect(readWriteOffApprovals(policy(path.join(folder, "none.csv"))).actions.size).to.equal(0);
  });

  it("lists every invalid line", () => {
    const file = path.join(folder, "bad.csv");
    writeFileSync(file, "source,account_id,action\nmobile,,\nmobile,A1,delete\nmobile,A2,approve\nmobile,A2,reverse\n");
    try {
      readWriteOffApprovals(policy(file));
      expect.fail("expected a RequestError");
    } catch (error) {
      expect((error as RequestError).problems).to.deep.equal([
        "line 2: source and account_id are required",
        'line 3, column action: "delete" is not approve or reverse',
        "line 5: account mobile/A2 is listed both to approve and to reverse",
      ]);
    }
  });
});

describe("arrangement provision rule", () => {
  it("provisions an account under arrangement at its own rate", () => {
    // 100.00 at 45 days past due under an arrangement: 100.00 x 20 % =
    // 20.00 in specific:arrangement instead of 5.00 in 31-60.
    const arranged = testConfig((raw) => (raw.provision.specific.arrangement = "0.2"));
    const data = customer({
      items: [invoice({ itemId: "I1", dueDate: daysAgo(45), amountMinor: 10_000 })],
      holds: [hold({ kind: "arrangement" })],
    });
    const accumulator = new ProvisionAccumulator(arranged, BUSINESS_DATE);
    accumulator.add(data, setOff(data, planAllocations(data, BUSINESS_DATE), "due_date", BUSINESS_DATE, false), false);
    expect(accumulator.cells().map((cell) => [cell.bucket, cell.baseMinor, cell.rate, cell.allowanceMinor])).to.deep.equal([
      ["specific:arrangement", 10_000, "0.2", 2_000],
    ]);
  });

  it("leaves an ended arrangement in the matrix", () => {
    const arranged = testConfig((raw) => (raw.provision.specific.arrangement = "0.2"));
    const data = customer({
      items: [invoice({ itemId: "I1", dueDate: daysAgo(45), amountMinor: 10_000 })],
      holds: [hold({ kind: "arrangement", endDate: daysAgo(1) })],
    });
    const accumulator = new ProvisionAccumulator(arranged, BUSINESS_DATE);
    accumulator.add(data, setOff(data, planAllocations(data, BUSINESS_DATE), "due_date", BUSINESS_DATE, false), false);
    expect(accumulator.cells().map((cell) => [cell.bucket, cell.allowanceMinor])).to.deep.equal([["31-60", 500]]);
  });
});

describe("amountFormat", () => {
  it("shows the currency's decimals", () => {
    expect(amountFormat("EUR")).to.equal("#,##0.00");
    expect(amountFormat("JPY")).to.equal("#,##0");
    expect(amountFormat("KWD")).to.equal("#,##0.000");
  });
});
