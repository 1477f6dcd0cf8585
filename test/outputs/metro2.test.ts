import { expect } from "chai";
import { RequestError } from "../../src/errors.ts";
import {
  firstDelinquencyDate,
  metro2Status,
  renderMetro2,
  wholeDollars,
  type Metro2Account,
  type Metro2Header,
} from "../../src/outputs/metro2.ts";

const HEADER: Metro2Header = {
  equifaxProgramId: "EFX0001",
  experianProgramId: "EX123",
  transUnionProgramId: "TU00001",
  activityDate: "2025-03-31",
  dateCreated: "2025-03-31",
  reporterName: "Example Telecom Inc",
  reporterAddress: "100 Main Street, Springfield, IL 62701",
  reporterTelephone: "217-555-0100",
  softwareVendorName: "dcms",
  softwareVersion: "0.1",
};

/** Builds an account 45 days past due; fields a test does not set keep these defaults. */
function account(fields: Partial<Metro2Account> = {}): Metro2Account {
  return {
    identificationNumber: "TELCO12345",
    accountNumber: "MOB4711",
    portfolioType: "O",
    accountType: "4D",
    dateOpened: "2023-01-15",
    currency: "USD",
    creditLimitMinor: 50_000,
    highestCreditMinor: 123_456,
    termsDuration: "1",
    termsFrequency: "M",
    accountStatus: "71",
    paymentHistoryProfile: "10",
    currentBalanceMinor: 12_399,
    amountPastDueMinor: 4_550,
    dateAccountInformation: "2025-03-31",
    dateFirstDelinquency: "2025-02-14",
    consumer: {
      surname: "O'Connor",
      firstName: "José",
      middleName: "A",
      birthDate: "1980-07-04",
    },
    address: {
      line1: "12 Elm Street",
      line2: "Apt 4",
      city: "Boston",
      state: "MA",
      postalCode: "02110-1234",
    },
    ...fields,
  };
}

/** Returns the bytes from start to end, 1-based and inclusive, as the Metro 2 tables count. */
function at(record: string, start: number, end: number): string {
  return record.slice(start - 1, end);
}

function records(text: string): string[] {
  const lines = text.split("\n");
  expect(lines.pop()).to.equal("");
  return lines;
}

describe("metro2Status", () => {
  it("maps days past due to status codes", () => {
    const cases: Array<[number, string]> = [
      [-5, "11"],
      [0, "11"],
      [29, "11"],
      [30, "71"],
      [59, "71"],
      [60, "78"],
      [89, "78"],
      [90, "80"],
      [119, "80"],
      [120, "82"],
      [149, "82"],
      [150, "83"],
      [179, "83"],
      [180, "84"],
      [400, "84"],
    ];
    for (const [daysPastDue, expected] of cases) {
      const status = metro2Status({ daysPastDue, chargedOff: false, paid: false });
      expect(status.accountStatus, `${daysPastDue} days`).to.equal(expected);
      expect(status.paymentRating, `${daysPastDue} days`).to.equal("");
    }
  });

  it("maps charge-off and payment", () => {
    expect(metro2Status({ daysPastDue: 200, chargedOff: true, paid: false })).to.deep.equal({
      accountStatus: "97",
      paymentRating: "",
    });
    // Paid: the rating is the delinquency just before the payment.
    expect(metro2Status({ daysPastDue: 0, chargedOff: false, paid: true })).to.deep.equal({
      accountStatus: "13",
      paymentRating: "0",
    });
    expect(metro2Status({ daysPastDue: 45, chargedOff: false, paid: true })).to.deep.equal({
      accountStatus: "13",
      paymentRating: "1",
    });
    expect(metro2Status({ daysPastDue: 200, chargedOff: false, paid: true })).to.deep.equal({
      accountStatus: "13",
      paymentRating: "6",
    });
    expect(metro2Status({ daysPastDue: 300, chargedOff: true, paid: true })).to.deep.equal({
      accountStatus: "64",
      paymentRating: "",
    });
  });
});

describe("firstDelinquencyDate", () => {
  it("adds 30 days to the due date", () => {
    // 2025-01-15 + 30 days: 16 days to 31 January, 14 more into February.
    expect(firstDelinquencyDate("2025-01-15")).to.equal("2025-02-14");
    // 2024 is a leap year: 14 days to 29 February, 16 more into March.
    expect(firstDelinquencyDate("2024-02-15")).to.equal("2024-03-16");
  });
});

describe("wholeDollars", () => {
  it("truncates cents toward zero", () => {
    expect(wholeDollars(123_499)).to.equal(1234);
    expect(wholeDollars(99)).to.equal(0);
    expect(wholeDollars(100)).to.equal(1);
    expect(wholeDollars(-150)).to.equal(-1);
    // Largest safe integer of cents: 9007199254740991 / 100, truncated.
    expect(wholeDollars(Number.MAX_SAFE_INTEGER)).to.equal(90_071_992_547_409);
  });
});

describe("renderMetro2", () => {
  it("writes 426-byte records", () => {
    const file = renderMetro2(HEADER, [
      account(),
      account({ accountNumber: "MOB4712" }),
      account({ accountNumber: "MOB4713" }),
    ]);

    const lines = records(file.text);
    // Header, three base segments, trailer.
    expect(lines).to.have.length(5);
    for (const record of lines) expect(Buffer.byteLength(record, "utf8")).to.equal(426);
    expect(Buffer.byteLength(file.text, "utf8")).to.equal(5 * 427);
  });

  it("joins records without separator", () => {
    const file = renderMetro2(HEADER, [account()], { recordSeparator: "" });

    expect(file.text.length).to.equal(3 * 426);
    expect(at(file.text, 427, 430)).to.equal("0426");
    expect(at(file.text, 853, 856)).to.equal("0426");
  });

  it("places header fields", () => {
    const [header] = records(renderMetro2(HEADER, []).text);

    expect(at(header, 1, 4)).to.equal("0426");
    expect(at(header, 5, 10)).to.equal("HEADER");
    expect(at(header, 11, 12)).to.equal("  ");
    expect(at(header, 13, 22)).to.equal(" ".repeat(10));
    expect(at(header, 23, 32)).to.equal("EFX0001   ");
    expect(at(header, 33, 37)).to.equal("EX123");
    expect(at(header, 38, 47)).to.equal("TU00001   ");
    expect(at(header, 48, 55)).to.equal("03312025");
    expect(at(header, 56, 63)).to.equal("03312025");
    expect(at(header, 64, 79)).to.equal("0".repeat(16));
    expect(at(header, 80, 119)).to.equal("EXAMPLE TELECOM INC".padEnd(40));
    expect(at(header, 120, 215)).to.equal("100 MAIN STREET, SPRINGFIELD, IL 62701".padEnd(96));
    expect(at(header, 216, 225)).to.equal("2175550100");
    expect(at(header, 226, 265)).to.equal("DCMS".padEnd(40));
    expect(at(header, 266, 270)).to.equal("0.1  ");
    expect(at(header, 271, 426)).to.equal(" ".repeat(156));
  });

  it("places base segment fields", () => {
    const [, base] = records(renderMetro2(HEADER, [account()]).text);

    expect(at(base, 1, 4)).to.equal("0426");
    expect(at(base, 5, 5)).to.equal("1");
    expect(at(base, 6, 19)).to.equal("03312025000000");
    expect(at(base, 20, 20)).to.equal("0");
    expect(at(base, 21, 40)).to.equal("TELCO12345".padEnd(20));
    expect(at(base, 41, 42)).to.equal("  ");
    expect(at(base, 43, 72)).to.equal("MOB4711".padEnd(30));
    expect(at(base, 73, 73)).to.equal("O");
    expect(at(base, 74, 75)).to.equal("4D");
    expect(at(base, 76, 83)).to.equal("01152023");
    // 50000 cents = 500 dollars; 123456 cents = 1234.56, truncated to 1234.
    expect(at(base, 84, 92)).to.equal("000000500");
    expect(at(base, 93, 101)).to.equal("000001234");
    expect(at(base, 102, 104)).to.equal("001");
    expect(at(base, 105, 105)).to.equal("M");
    expect(at(base, 106, 123)).to.equal("0".repeat(18));
    expect(at(base, 124, 125)).to.equal("71");
    expect(at(base, 126, 126)).to.equal(" ");
    // Two months of history, then B for the 22 months without any.
    expect(at(base, 127, 150)).to.equal("10" + "B".repeat(22));
    expect(at(base, 151, 154)).to.equal("    ");
    // 12399 cents = 123 dollars; 4550 cents = 45 dollars.
    expect(at(base, 155, 163)).to.equal("000000123");
    expect(at(base, 164, 172)).to.equal("000000045");
    expect(at(base, 173, 181)).to.equal("000000000");
    expect(at(base, 182, 189)).to.equal("03312025");
    expect(at(base, 190, 197)).to.equal("02142025");
    expect(at(base, 198, 213)).to.equal("0".repeat(16));
    expect(at(base, 214, 231)).to.equal(" ".repeat(18));
    // Apostrophe removed and accent dropped, as Metro 2 names allow only letters and hyphens.
    expect(at(base, 232, 256)).to.equal("OCONNOR".padEnd(25));
    expect(at(base, 257, 276)).to.equal("JOSE".padEnd(20));
    expect(at(base, 277, 296)).to.equal("A".padEnd(20));
    expect(at(base, 297, 297)).to.equal(" ");
    expect(at(base, 298, 306)).to.equal("000000000");
    expect(at(base, 307, 314)).to.equal("07041980");
    expect(at(base, 315, 324)).to.equal("0000000000");
    expect(at(base, 325, 325)).to.equal("1");
    expect(at(base, 326, 329)).to.equal("    ");
    expect(at(base, 330, 361)).to.equal("12 ELM STREET".padEnd(32));
    expect(at(base, 362, 393)).to.equal("APT 4".padEnd(32));
    expect(at(base, 394, 413)).to.equal("BOSTON".padEnd(20));
    expect(at(base, 414, 415)).to.equal("MA");
    expect(at(base, 416, 424)).to.equal("021101234");
    expect(at(base, 425, 426)).to.equal("  ");
  });

  it("zero-fills a current account", () => {
    // A credit balance and the first delinquency date of a cured delinquency.
    const current = account({
      accountStatus: "11",
      amountPastDueMinor: 0,
      currentBalanceMinor: -2_500,
      dateFirstDelinquency: "2025-02-14",
    });
    const [, base] = records(renderMetro2(HEADER, [current]).text);

    expect(at(base, 155, 163)).to.equal("000000000");
    expect(at(base, 190, 197)).to.equal("00000000");
  });

  it("writes trailer totals", () => {
    const file = renderMetro2(HEADER, [
      account({ accountNumber: "A1", accountStatus: "11", amountPastDueMinor: 0 }),
      account({ accountNumber: "A2" }),
      account({ accountNumber: "A3", consumer: { surname: "Smith", firstName: "Ann" } }),
      account({ accountNumber: "A4", accountStatus: "97", originalChargeOffMinor: 80_000 }),
      account({ accountNumber: "A5", accountStatus: "13", paymentRating: "0" }),
      account({ accountNumber: "A6", currency: "EUR" }),
    ]);
    const lines = records(file.text);
    const trailer = lines[lines.length - 1];

    // Six accounts, one rejected (EUR): five base segments, seven records in all.
    expect(file.totals.baseRecords).to.equal(5);
    expect(at(trailer, 1, 4)).to.equal("0426");
    expect(at(trailer, 5, 11)).to.equal("TRAILER");
    expect(at(trailer, 12, 20)).to.equal("000000005");
    expect(at(trailer, 21, 29)).to.equal(" ".repeat(9));
    expect(at(trailer, 30, 56)).to.equal("0".repeat(27));
    expect(at(trailer, 57, 65)).to.equal("000000007");
    // Status totals: 11 once (84-92), 13 once (93-101), 71 twice (147-155), 97 once (255-263).
    expect(at(trailer, 84, 92)).to.equal("000000001");
    expect(at(trailer, 93, 101)).to.equal("000000001");
    expect(at(trailer, 147, 155)).to.equal("000000002");
    expect(at(trailer, 156, 164)).to.equal("000000000");
    expect(at(trailer, 255, 263)).to.equal("000000001");
    // Dates of birth: every accepted account except A3, so four, in all (363) and base (372).
    expect(at(trailer, 327, 362)).to.equal("0".repeat(36));
    expect(at(trailer, 363, 371)).to.equal("000000004");
    expect(at(trailer, 372, 380)).to.equal("000000004");
    expect(at(trailer, 381, 407)).to.equal("0".repeat(27));
    expect(at(trailer, 408, 426)).to.equal(" ".repeat(19));
    expect(file.rejects.map((reject) => reject.code)).to.deep.equal(["currency_not_supported"]);
  });

  it("rejects accounts with invalid fields", () => {
    const file = renderMetro2(HEADER, [
      account({ accountNumber: "B1", accountStatus: "11" }),
      account({ accountNumber: "B2", dateFirstDelinquency: undefined }),
      account({ accountNumber: "B3", accountStatus: "13" }),
      account({ accountNumber: "B4", accountStatus: "97" }),
      account({ accountNumber: "MOB-4711" }),
      account({ accountNumber: "B6", consumer: { surname: "李", firstName: "Wei" } }),
      account({
        accountNumber: "B7",
        consumer: { surname: "Smith", firstName: "Ann", birthDate: "1980-02-30" },
      }),
      account({ accountNumber: "B8", paymentHistoryProfile: "1B0" }),
      account({ accountNumber: "B9", accountStatus: "71", paymentRating: "1" }),
    ]);

    expect(file.totals.baseRecords).to.equal(0);
    expect(records(file.text)).to.have.length(2);
    const rejects = file.rejects.map((reject) => [reject.accountNumber, reject.field, reject.code]);
    expect(rejects).to.deep.equal([
      ["B1", "amountPastDueMinor", "past_due_on_current_account"],
      ["B2", "dateFirstDelinquency", "first_delinquency_date_missing"],
      ["B3", "paymentRating", "payment_rating_missing"],
      ["B4", "originalChargeOffMinor", "original_charge_off_missing"],
      ["MOB-4711", "accountNumber", "invalid_account_number"],
      ["B6", "consumer.surname", "unsupported_character"],
      ["B7", "consumer.birthDate", "invalid_date"],
      ["B8", "paymentHistoryProfile", "invalid_payment_history_profile"],
      ["B9", "paymentRating", "payment_rating_not_allowed"],
    ]);
    const messages = file.rejects.map((reject) => reject.message).join("\n");
    expect(messages).not.to.contain("李");
    expect(messages).not.to.contain("1980-02-30");
    expect(messages).not.to.contain("Smith");
  });

  it("rejects an invalid header", () => {
    const invalid = { ...HEADER, activityDate: "31.03.2025", reporterName: "" };

    expect(() => renderMetro2(invalid, [])).to.throw(RequestError, /activity date "31.03.2025"/);
    expect(() => renderMetro2(invalid, [])).to.throw(RequestError, /reporter name is required/);
  });
});
