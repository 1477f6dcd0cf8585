import { expect } from "chai";
import {
  applyRate,
  convertMinor,
  currencyExponent,
  divideRounded,
  formatMinor,
  formatMoney,
  MoneyError,
  parseMinor,
  parseRate,
  sumMinor,
  type DecimalFormat,
} from "../src/money.ts";

describe("currencyExponent", () => {
  it("follows ISO 4217", () => {
    expect(currencyExponent("JPY")).to.equal(0);
    expect(currencyExponent("EUR")).to.equal(2);
    expect(currencyExponent("KWD")).to.equal(3);
    expect(currencyExponent("CLF")).to.equal(4);
  });

  it("rejects an unknown code", () => {
    expect(() => currencyExponent("XYZ")).to.throw(MoneyError, 'currency "XYZ" is not supported');
  });
});

describe("parseMinor", () => {
  const cases: Array<[string, number, DecimalFormat, number | undefined]> = [
    ["1234.50", 2, {}, 123_450],
    ["1234.5", 2, {}, 123_450],
    ["1234", 2, {}, 123_400],
    [" 12.34 ", 2, {}, 1_234],
    ["0.01", 2, {}, 1],
    ["-12.34", 2, {}, -1_234],
    ["+12.34", 2, {}, 1_234],
    ["-0.00", 2, {}, 0],
    // Extra decimals are accepted only when they are zeros.
    ["1.230", 2, {}, 123],
    ["1.234", 2, {}, undefined],
    ["0.001", 2, {}, undefined],
    ["100", 0, {}, 100],
    ["100.00", 0, {}, 100],
    ["100.5", 0, {}, undefined],
    ["1.234", 3, {}, 1_234],
    // Not decimals.
    ["", 2, {}, undefined],
    ["-", 2, {}, undefined],
    [".5", 2, {}, undefined],
    ["1e3", 2, {}, undefined],
    ["12,34", 2, {}, undefined],
    ["1,234.50", 2, {}, undefined],
    ["1 234", 2, {}, undefined],
    // Grouping and decimal comma, as the legacy sources write them.
    ["1,234.50", 2, { grouping: "," }, 123_450],
    ["1,234,567.89", 2, { grouping: "," }, 123_456_789],
    ["-1,234.50", 2, { grouping: "," }, -123_450],
    ["1234.50", 2, { grouping: "," }, 123_450],
    ["12,34.50", 2, { grouping: "," }, undefined],
    ["1234,567.00", 2, { grouping: "," }, undefined],
    [",123.00", 2, { grouping: "," }, undefined],
    ["0.5,0", 2, { grouping: "," }, undefined],
    ["1.234,50", 2, { decimal: ",", grouping: "." }, 123_450],
    ["-1.234,5", 2, { decimal: ",", grouping: "." }, -123_450],
    ["1234,5", 2, { decimal: "," }, 123_450],
    ["1.234,5", 2, { decimal: "," }, undefined],
    ["1 234,50", 2, { decimal: ",", grouping: " " }, 123_450],
    ["1'234.50", 2, { grouping: "'" }, 123_450],
    // 2^53 - 1 = 9007199254740991 is the largest safe integer.
    ["90071992547409.91", 2, {}, 9_007_199_254_740_991],
    ["90071992547409.92", 2, {}, undefined],
  ];
  for (const [text, exponent, format, expected] of cases) {
    it(`parses ${JSON.stringify(text)} with ${exponent} decimals ${JSON.stringify(format)}`, () => {
      expect(parseMinor(text, exponent, format)).to.equal(expected);
    });
  }

  it("returns 0, never -0", () => {
    expect(Object.is(parseMinor("-0.00", 2), 0)).to.equal(true);
  });
});

describe("formatMinor", () => {
  const cases: Array<[number, number, string]> = [
    [123_450, 2, "1234.50"],
    [5, 2, "0.05"],
    [-5, 2, "-0.05"],
    [0, 2, "0.00"],
    [1_234, 0, "1234"],
    [1, 3, "0.001"],
    [-123_456, 3, "-123.456"],
  ];
  for (const [minor, exponent, expected] of cases) {
    it(`formats ${minor} with ${exponent} decimals`, () => {
      expect(formatMinor(minor, exponent)).to.equal(expected);
    });
  }

  it("formats by currency", () => {
    expect(formatMoney(1_500, "JPY")).to.equal("1500");
    expect(formatMoney(1_500, "KWD")).to.equal("1.500");
  });

  it("rejects an unsafe amount", () => {
    expect(() => formatMinor(2 ** 53, 2)).to.throw(MoneyError, "outside the safe integer range");
    expect(() => formatMinor(0.5, 2)).to.throw(MoneyError);
  });
});

describe("parseRate", () => {
  it("keeps the decimal exactly", () => {
    expect(parseRate("1.0845")).to.deep.equal({ units: 10_845n, scale: 4, text: "1.0845" });
    expect(parseRate("0.9200")).to.deep.equal({ units: 9_200n, scale: 4, text: "0.92" });
  });

  it("reads a YAML number as the decimal written", () => {
    expect(parseRate(0.016)).to.deep.equal({ units: 16n, scale: 3, text: "0.016" });
    expect(parseRate(1e-7).text).to.equal("0.0000001");
    expect(parseRate(2).text).to.equal("2");
  });

  it("rejects negative and malformed rates", () => {
    expect(() => parseRate("-1")).to.throw(MoneyError);
    expect(() => parseRate("1,5")).to.throw(MoneyError);
    expect(() => parseRate(Number.NaN)).to.throw(MoneyError);
  });
});

describe("divideRounded", () => {
  // Half away from zero: 0.5 -> 1, -0.5 -> -1, 1.5 -> 2, 2.5 -> 3.
  const cases: Array<[bigint, bigint, bigint]> = [
    [5n, 10n, 1n],
    [-5n, 10n, -1n],
    [5n, -10n, -1n],
    [15n, 10n, 2n],
    [25n, 10n, 3n],
    [-25n, 10n, -3n],
    [14n, 10n, 1n],
    [-14n, 10n, -1n],
    [0n, 7n, 0n],
  ];
  for (const [numerator, denominator, expected] of cases) {
    it(`rounds ${numerator}/${denominator} to ${expected}`, () => {
      expect(divideRounded(numerator, denominator)).to.equal(expected);
    });
  }

  it("rejects division by zero", () => {
    expect(() => divideRounded(1n, 0n)).to.throw(MoneyError, "division by zero");
  });
});

describe("applyRate", () => {
  it("rounds half away from zero once", () => {
    // 25 x 0.02 = 0.5 -> 1; -25 x 0.02 = -0.5 -> -1; 3 x 0.5 = 1.5 -> 2.
    expect(applyRate(25, parseRate("0.02"))).to.equal(1);
    expect(applyRate(-25, parseRate("0.02"))).to.equal(-1);
    expect(applyRate(3, parseRate("0.5"))).to.equal(2);
    expect(applyRate(-3, parseRate("0.5"))).to.equal(-2);
    // 2525 x 0.02 = 50.5 -> 51; 2524 x 0.02 = 50.48 -> 50.
    expect(applyRate(2_525, parseRate("0.02"))).to.equal(51);
    expect(applyRate(2_524, parseRate("0.02"))).to.equal(50);
  });
});

describe("convertMinor", () => {
  it("converts JPY to EUR across exponents", () => {
    // 1000 JPY x 0.0061 = 6.10 EUR = 610 cents.
    expect(convertMinor(1_000, "JPY", "EUR", parseRate("0.0061"))).to.equal(610);
    // 1 JPY x 0.0065 = 0.0065 EUR = 0.65 cents -> 1 cent; -1 JPY -> -1 cent.
    expect(convertMinor(1, "JPY", "EUR", parseRate("0.0065"))).to.equal(1);
    expect(convertMinor(-1, "JPY", "EUR", parseRate("0.0065"))).to.equal(-1);
  });

  it("converts EUR to JPY across exponents", () => {
    // 10.00 EUR x 163.45 = 1634.5 JPY -> 1635; -10.00 EUR -> -1635.
    expect(convertMinor(1_000, "EUR", "JPY", parseRate("163.45"))).to.equal(1_635);
    expect(convertMinor(-1_000, "EUR", "JPY", parseRate("163.45"))).to.equal(-1_635);
    // 10.00 EUR x 163.44 = 1634.4 JPY -> 1634.
    expect(convertMinor(1_000, "EUR", "JPY", parseRate("163.44"))).to.equal(1_634);
  });

  it("converts EUR to KWD", () => {
    // 100.00 EUR x 0.3315 = 33.150 KWD = 33150 fils.
    expect(convertMinor(10_000, "EUR", "KWD", parseRate("0.3315"))).to.equal(33_150);
  });

  it("converts USD to EUR at the same exponent", () => {
    // 100.20 USD x 0.925 = 92.685 EUR -> 92.69.
    expect(convertMinor(10_020, "USD", "EUR", parseRate("0.925"))).to.equal(9_269);
  });
});

describe("sumMinor", () => {
  it("adds minor units", () => {
    expect(sumMinor([100, -30, 5])).to.equal(75);
    expect(sumMinor([])).to.equal(0);
  });

  it("rejects a sum beyond the safe range", () => {
    expect(() => sumMinor([Number.MAX_SAFE_INTEGER, 1])).to.throw(MoneyError);
  });
});
