import { expect } from "chai";
import { STANDARD_FORMAT, type ValueFormat } from "../../connectors/fields.ts";
import {
  parseAccount,
  parseAllocation,
  parseHold,
  parseItem,
  type Parsed,
} from "../../connectors/rows.ts";
import type { RawRow } from "../../connectors/fields.ts";

const origin = { source: "mobile", file: "items.csv", line: 7 };
const noDefaults = { entity: null, currency: null };

function item(fields: RawRow = {}, format: ValueFormat = STANDARD_FORMAT) {
  return parseItem(
    {
      item_id: "INV-1",
      account_id: "A-1",
      type: "invoice",
      document_date: "2026-03-01",
      due_date: "2026-03-15",
      currency: "EUR",
      amount: "120.50",
      ...fields,
    },
    origin,
    format,
  );
}

function rejectOf<T>(parsed: Parsed<T>): string {
  if ("row" in parsed) return "staged";
  return `${parsed.reject.field}:${parsed.reject.code}`;
}

function rowOf<T>(parsed: Parsed<T>): T {
  if (!("row" in parsed)) throw new Error(`rejected: ${parsed.reject.message}`);
  return parsed.row;
}

describe("row parser", () => {
  describe("items", () => {
    it("stages a valid invoice", () => {
      const row = rowOf(item({ disputed_amount: "20", tax_amount: "19.24" }));
      // 120.50 EUR is 12050 cents; 20 is 2000 cents; 19.24 is 1924 cents.
      expect(row).to.deep.equal({
        ...origin,
        itemId: "INV-1",
        accountId: "A-1",
        type: "invoice",
        status: "posted",
        documentDate: "2026-03-01",
        dueDate: "2026-03-15",
        currency: "EUR",
        amountMinor: 12050,
        appliesTo: null,
        disputedMinor: 2000,
        exchangeRate: null,
        taxMinor: 1924,
        taxCode: null,
        reference: null,
      });
    });

    it("uses the currency's exponent", () => {
      // JPY has no decimals and KWD three: 1500 yen and 12.345 dinar.
      expect(rowOf(item({ currency: "JPY", amount: "1500" })).amountMinor).to.equal(1500);
      expect(rowOf(item({ currency: "KWD", amount: "12.345" })).amountMinor).to.equal(12345);
    });

    it("rejects too many decimals", () => {
      expect(rejectOf(item({ amount: "12.345" }))).to.equal("amount:too_many_decimals");
      expect(rejectOf(item({ currency: "JPY", amount: "15.5" }))).to.equal(
        "amount:too_many_decimals",
      );
    });

    it("accepts trailing zero decimals", () => {
      // 12.3400 is 12.34 exactly: 1234 cents.
      expect(rowOf(item({ amount: "12.3400" })).amountMinor).to.equal(1234);
    });

    it("rejects a non-numeric amount", () => {
      expect(rejectOf(item({ amount: "12.3O" }))).to.equal("amount:invalid_decimal");
      expect(rejectOf(item({ amount: "1,234.50" }))).to.equal("amount:invalid_decimal");
    });

    it("rejects zero and negative amounts", () => {
      expect(rejectOf(item({ amount: "0.00" }))).to.equal("amount:amount_not_positive");
      expect(rejectOf(item({ amount: "-5.00" }))).to.equal("amount:amount_not_positive");
      expect(rejectOf(item({ type: "payment", amount: "-5.00", due_date: "" }))).to.equal(
        "amount:amount_not_positive",
      );
    });

    it("drops the minus of credits when the source signs them", () => {
      const format = { ...STANDARD_FORMAT, creditSign: "negative" as const };
      const payment = item({ type: "payment", amount: "-45.10", due_date: "" }, format);
      expect(rowOf(payment).amountMinor).to.equal(4510);
      expect(rejectOf(item({ amount: "-45.10" }, format))).to.equal("amount:amount_not_positive");
      expect(rejectOf(item({ type: "credit_note", amount: "45.10" }, format))).to.equal(
        "amount:credit_sign_missing",
      );
    });

    it("rejects impossible dates", () => {
      expect(rejectOf(item({ document_date: "2023-02-30" }))).to.equal(
        "document_date:invalid_date",
      );
      expect(rejectOf(item({ due_date: "2026-13-01" }))).to.equal("due_date:invalid_date");
      expect(rejectOf(item({ document_date: "01.03.2026" }))).to.equal(
        "document_date:invalid_date",
      );
    });

    it("accepts 29 February of a leap year", () => {
      const row = rowOf(item({ document_date: "2024-02-29", due_date: "2024-03-14" }));
      expect(row.documentDate).to.equal("2024-02-29");
    });

    it("rejects a due date before the document date", () => {
      expect(rejectOf(item({ due_date: "2026-02-28" }))).to.equal(
        "due_date:due_date_before_document_date",
      );
    });

    it("needs a due date for invoices and debit notes", () => {
      expect(rejectOf(item({ due_date: "" }))).to.equal("due_date:required_field_missing");
      expect(rejectOf(item({ type: "debit_note", due_date: "" }))).to.equal(
        "due_date:required_field_missing",
      );
    });

    it("makes a debit adjustment due on its document date", () => {
      const row = rowOf(item({ type: "debit_adjustment", due_date: " " }));
      expect(row.dueDate).to.equal("2026-03-01");
    });

    it("leaves payments without a due date", () => {
      const row = rowOf(item({ type: "payment", due_date: "", applies_to: "INV-0" }));
      expect(row.dueDate).to.equal(null);
      expect(row.appliesTo).to.equal("INV-0");
    });

    it("rejects unknown codes", () => {
      expect(rejectOf(item({ type: "bill" }))).to.equal("type:unknown_item_type");
      expect(rejectOf(item({ status: "open" }))).to.equal("status:unknown_item_status");
      expect(rejectOf(item({ currency: "EUX" }))).to.equal("currency:currency_not_supported");
    });

    it("rejects missing required fields", () => {
      for (const field of ["item_id", "account_id", "type", "document_date", "currency", "amount"]) {
        expect(rejectOf(item({ [field]: "" })), field).to.equal(
          `${field}:required_field_missing`,
        );
      }
    });

    it("rejects a dispute above the amount", () => {
      expect(rejectOf(item({ disputed_amount: "120.51" }))).to.equal(
        "disputed_amount:disputed_amount_above_amount",
      );
      expect(rejectOf(item({ disputed_amount: "-1" }))).to.equal(
        "disputed_amount:amount_negative",
      );
    });

    it("checks the exchange rate", () => {
      expect(rowOf(item({ exchange_rate: "1.08450" })).exchangeRate).to.equal("1.0845");
      expect(rejectOf(item({ exchange_rate: "0" }))).to.equal(
        "exchange_rate:invalid_exchange_rate",
      );
      expect(rejectOf(item({ exchange_rate: "abc" }))).to.equal(
        "exchange_rate:invalid_exchange_rate",
      );
    });

    it("reads integers of minor units", () => {
      const format = { ...STANDARD_FORMAT, amountsInMinor: true };
      expect(rowOf(item({ amount: "12050" }, format)).amountMinor).to.equal(12050);
      expect(rejectOf(item({ amount: "120.50" }, format))).to.equal("amount:invalid_decimal");
    });

    it("keeps personal data out of messages", () => {
      const parsed = item({ amount: "12.3O", reference: "Anna Schneider" });
      if ("row" in parsed) throw new Error("expected a reject");
      expect(parsed.reject.message).to.include('"12.3O"');
      expect(parsed.reject.message).not.to.include("Anna");
    });
  });

  describe("accounts", () => {
    const base = { account_id: "A-1", currency: "eur" };

    it("fills defaults", () => {
      const row = rowOf(parseAccount(base, origin, STANDARD_FORMAT, { entity: "DE01", currency: null }));
      expect(row.currency).to.equal("EUR");
      expect(row.status).to.equal("active");
      expect(row.entity).to.equal("DE01");
      expect(row.autopay).to.equal(false);
      expect(row.channel).to.equal(null);
    });

    it("reads optional typed fields", () => {
      const raw = {
        ...base,
        entity: "AT01",
        autopay: "TRUE",
        credit_limit: "250.00",
        mandate_date: "2025-07-01",
        country: "de",
        language: "de-AT",
        channel: "email",
      };
      const row = rowOf(parseAccount(raw, origin, STANDARD_FORMAT, { entity: "DE01", currency: null }));
      expect(row.entity).to.equal("AT01");
      expect(row.autopay).to.equal(true);
      expect(row.creditLimitMinor).to.equal(25000);
      expect(row.mandateDate).to.equal("2025-07-01");
      expect(row.country).to.equal("DE");
      expect(row.language).to.equal("de-AT");
      expect(row.channel).to.equal("email");
    });

    it("rejects bad values", () => {
      const cases: [RawRow, string][] = [
        [{ account_id: "" }, "account_id:required_field_missing"],
        [{ currency: "" }, "currency:required_field_missing"],
        [{ status: "dormant" }, "status:unknown_account_status"],
        [{ autopay: "Y" }, "autopay:invalid_boolean"],
        [{ channel: "fax" }, "channel:unknown_channel"],
        [{ country: "DEU" }, "country:invalid_country_code"],
        [{ language: "german language" }, "language:invalid_language_tag"],
        [{ mandate_date: "2025-06-31" }, "mandate_date:invalid_date"],
        [{ credit_limit: "-1" }, "credit_limit:amount_negative"],
      ];
      for (const [fields, expected] of cases) {
        const parsed = parseAccount({ ...base, ...fields }, origin, STANDARD_FORMAT, noDefaults);
        expect(rejectOf(parsed), expected).to.equal(expected);
      }
    });
  });

  describe("allocations", () => {
    const base = { item_id: "PAY-1", applies_to: "INV-1", amount: "30.00", date: "2026-03-17" };

    it("takes the currency from the row or the source", () => {
      const fromSource = parseAllocation(base, origin, STANDARD_FORMAT, { entity: null, currency: "EUR" });
      expect(rowOf(fromSource).amountMinor).to.equal(3000);
      // JPY has no decimals, so 30.00 yen is 30 minor units.
      const fromRow = parseAllocation({ ...base, currency: "JPY" }, origin, STANDARD_FORMAT, noDefaults);
      expect(rowOf(fromRow).amountMinor).to.equal(30);
    });

    it("needs a currency from somewhere", () => {
      expect(rejectOf(parseAllocation(base, origin, STANDARD_FORMAT, noDefaults))).to.equal(
        "currency:required_field_missing",
      );
    });

    it("rejects a zero amount", () => {
      const parsed = parseAllocation({ ...base, amount: "0" }, origin, STANDARD_FORMAT, {
        entity: null,
        currency: "EUR",
      });
      expect(rejectOf(parsed)).to.equal("amount:amount_not_positive");
    });
  });

  describe("holds", () => {
    const defaults = { entity: null, currency: "EUR" };
    const promise = {
      account_id: "A-1",
      kind: "promise_to_pay",
      start_date: "2026-03-25",
      end_date: "2026-04-15",
      promised_amount: "119.80",
      promised_date: "2026-04-15",
    };

    it("stages a promise to pay", () => {
      const row = rowOf(parseHold(promise, origin, STANDARD_FORMAT, defaults));
      expect(row.kind).to.equal("promise_to_pay");
      expect(row.promisedMinor).to.equal(11980);
      expect(row.promisedDate).to.equal("2026-04-15");
    });

    it("needs the promised amount and date", () => {
      const noAmount = parseHold({ ...promise, promised_amount: "" }, origin, STANDARD_FORMAT, defaults);
      expect(rejectOf(noAmount)).to.equal("promised_amount:required_field_missing");
      const noDate = parseHold({ ...promise, promised_date: "" }, origin, STANDARD_FORMAT, defaults);
      expect(rejectOf(noDate)).to.equal("promised_date:required_field_missing");
    });

    it("stages a dispute without amounts", () => {
      const raw = { account_id: "A-1", kind: "Dispute", start_date: "2026-03-01" };
      const row = rowOf(parseHold(raw, origin, STANDARD_FORMAT, noDefaults));
      expect(row.kind).to.equal("dispute");
      expect(row.endDate).to.equal(null);
      expect(row.promisedMinor).to.equal(null);
    });

    it("rejects bad holds", () => {
      const bad = parseHold({ ...promise, kind: "holiday" }, origin, STANDARD_FORMAT, defaults);
      expect(rejectOf(bad)).to.equal("kind:unknown_hold_kind");
      const reversed = parseHold({ ...promise, end_date: "2026-03-24" }, origin, STANDARD_FORMAT, defaults);
      expect(rejectOf(reversed)).to.equal("end_date:end_date_before_start_date");
    });
  });
});

describe("reject messages", function () {
  it("hide values that may be personal data", async function () {
    const { quote } = await import("../../connectors/fields.ts");
    // Codes, amounts and dates are shown; names, e-mails, phone numbers and
    // street lines that land in a code column are described by length only.
    expect(quote("EUX")).to.equal('"EUX"');
    expect(quote("24,9O")).to.equal('"24,9O"');
    expect(quote("2026-02-30")).to.equal('"2026-02-30"');
    for (const personal of ["Max Mustermann", "ERIKA.MUSTER@EXAMPLE.NET", "+491701234567", "Geheimstrasse 5"]) {
      expect(quote(personal)).to.equal(
        `(a value of ${personal.length} characters, not shown because it may be personal data)`,
      );
    }
  });
});
