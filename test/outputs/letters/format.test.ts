import { expect } from "chai";

import {
  formatLetterAmount,
  formatLetterDate,
} from "../../../src/outputs/letters/format.ts";

const NBSP = "\u00a0";

describe("formatLetterAmount", function () {
  it("writes German amounts", function () {
    // 123456 cents = 1234.56. German groups with "." and uses a decimal comma.
    expect(formatLetterAmount(123456, "EUR", "de")).to.equal(`1.234,56${NBSP}EUR`);
    expect(formatLetterAmount(-5, "EUR", "de-AT")).to.equal(`-0,05${NBSP}EUR`);
    expect(formatLetterAmount(1234567, "JPY", "de")).to.equal(`1.234.567${NBSP}JPY`);
  });

  it("writes English amounts", function () {
    // KWD has three decimals: 1234567 fils = 1234.567 dinars.
    expect(formatLetterAmount(123456, "EUR", "en")).to.equal(`EUR${NBSP}1,234.56`);
    expect(formatLetterAmount(1234567, "KWD", "en-GB")).to.equal(`KWD${NBSP}1,234.567`);
    expect(formatLetterAmount(99, "USD", "en")).to.equal(`USD${NBSP}0.99`);
    expect(formatLetterAmount(100000000, "EUR", "en")).to.equal(`EUR${NBSP}1,000,000.00`);
  });

  it("writes plain decimals otherwise", function () {
    expect(formatLetterAmount(123456, "EUR", "fr")).to.equal(`1234.56${NBSP}EUR`);
  });
});

describe("formatLetterDate", function () {
  it("writes each language's layout", function () {
    expect(formatLetterDate("2026-03-31", "de")).to.equal("31.03.2026");
    expect(formatLetterDate("2026-03-01", "en")).to.equal("1 March 2026");
    expect(formatLetterDate("2026-12-09", "en-US")).to.equal("9 December 2026");
    expect(formatLetterDate("2026-03-31", "fr")).to.equal("2026-03-31");
  });

  it("rejects a day that does not exist", function () {
    expect(() => formatLetterDate("2026-02-30", "de")).to.throw(RangeError);
  });
});
