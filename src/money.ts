// Money is held as integer minor units (cents, yen, fils) in a JavaScript
// number that must stay a safe integer, with its ISO 4217 currency beside it.
// Rates are applied through bigint arithmetic and rounded once, half away
// from zero.

/** ISO 4217 minor-unit exponents that differ from 2, plus the common ones. */
const EXPONENTS: Record<string, number> = {
  BHD: 3, BIF: 0, CLF: 4, CLP: 0, DJF: 0, GNF: 0, IQD: 3, ISK: 0, JOD: 3,
  JPY: 0, KMF: 0, KRW: 0, KWD: 3, LYD: 3, OMR: 3, PYG: 0, RWF: 0, TND: 3,
  UGX: 0, UYI: 0, UYW: 4, VND: 0, VUV: 0, XAF: 0, XOF: 0, XPF: 0,
};

/** ISO 4217 alphabetic codes that dcms accepts with the default exponent 2. */
const TWO_DECIMAL = new Set(
  (
    "AED AUD BAM BGN BRL CAD CHF CNY COP CZK DKK EGP EUR GBP GEL HKD HUF IDR " +
    "ILS INR MAD MXN MYR NGN NOK NZD PEN PHP PKR PLN QAR RON RSD RUB SAR SEK " +
    "SGD THB TRY TWD UAH USD ZAR KES GHS TZS ETB DZD LKR BDT ARS"
  ).split(" "),
);

export class MoneyError extends Error {}

export function isKnownCurrency(code: string): boolean {
  return code in EXPONENTS || TWO_DECIMAL.has(code);
}

/** Returns the number of decimals of a currency, per ISO 4217. */
export function currencyExponent(code: string): number {
  const exponent = EXPONENTS[code];
  if (exponent !== undefined) return exponent;
  if (TWO_DECIMAL.has(code)) return 2;
  throw new MoneyError(`currency ${JSON.stringify(code)} is not supported`);
}

export function assertSafeMinor(value: number, what = "amount"): number {
  if (!Number.isSafeInteger(value)) {
    throw new MoneyError(`${what} ${value} is outside the safe integer range`);
  }
  return value;
}

export interface DecimalFormat {
  /** Decimal separator, "." or ",". */
  decimal?: "." | ",";
  /** Grouping separator that may appear between thousands, or none. */
  grouping?: "," | "." | " " | "'" | "";
}

const PLAIN_DECIMAL = /^([+-]?)(\d+)(?:\.(\d*))?$/;

/**
 * Parses a decimal string into minor units without going through a float.
 * Returns undefined when the text is not a decimal or has more decimals than
 * the currency allows (unless those extra digits are zeros).
 */
export function parseMinor(
  text: string,
  exponent: number,
  format: DecimalFormat = {},
): number | undefined {
  let value = text.trim();
  const decimal = format.decimal ?? ".";
  const grouping = format.grouping ?? "";
  if (grouping) {
    if (!isGroupedCorrectly(value, grouping, decimal)) return undefined;
    value = value.split(grouping).join("");
  }
  if (decimal === ",") {
    if (value.includes(".")) return undefined;
    value = value.replace(",", ".");
  }
  const match = PLAIN_DECIMAL.exec(value);
  if (!match) return undefined;
  const [, sign, whole, fraction = ""] = match;
  const significant = fraction.replace(/0+$/, "");
  if (significant.length > exponent) return undefined;
  const digits = whole + fraction.padEnd(exponent, "0").slice(0, exponent);
  const minor = Number(digits) * (sign === "-" ? -1 : 1);
  if (!Number.isSafeInteger(minor)) return undefined;
  return minor === 0 ? 0 : minor;
}

function isGroupedCorrectly(
  value: string,
  grouping: string,
  decimal: string,
): boolean {
  if (!value.includes(grouping)) return true;
  const body = value.replace(/^[+-]/, "");
  const [whole, fraction = ""] = body.split(decimal);
  // Grouping separates thousands only: "0.5,0" is not 0.50.
  if (fraction.includes(grouping)) return false;
  const groups = whole.split(grouping);
  if (groups[0].length < 1 || groups[0].length > 3) return false;
  return groups.slice(1).every((group) => /^\d{3}$/.test(group));
}

/** Formats minor units as a plain decimal string: 123450, 2 -> "1234.50". */
export function formatMinor(minor: number, exponent: number): string {
  assertSafeMinor(minor);
  const negative = minor < 0;
  const digits = String(Math.abs(minor)).padStart(exponent + 1, "0");
  const whole = digits.slice(0, digits.length - exponent);
  const fraction = exponent > 0 ? "." + digits.slice(-exponent) : "";
  return (negative ? "-" : "") + whole + fraction;
}

export function formatMoney(minor: number, currency: string): string {
  return formatMinor(minor, currencyExponent(currency));
}

/** An exact decimal rate such as 0.016 or 1.0845, as integer over 10^scale. */
export interface Rate {
  units: bigint;
  scale: number;
  text: string;
}

const RATE_TEXT = /^(\d+)(?:\.(\d+))?$/;

export function parseRate(text: string | number): Rate {
  const raw = typeof text === "number" ? numberToPlainText(text) : text.trim();
  const match = RATE_TEXT.exec(raw);
  if (!match) throw new MoneyError(`rate ${JSON.stringify(text)} is not a non-negative decimal`);
  const fraction = match[2] ?? "";
  return {
    units: BigInt(match[1] + fraction),
    scale: fraction.length,
    text: normaliseRateText(match[1], fraction),
  };
}

function numberToPlainText(value: number): string {
  if (!Number.isFinite(value)) throw new MoneyError(`rate ${value} is not finite`);
  // Config files carry rates such as 0.016 as YAML numbers. The shortest
  // round-trip representation of a double is the decimal the author typed.
  const text = String(value);
  if (/e/i.test(text)) return value.toFixed(20).replace(/0+$/, "");
  return text;
}

function normaliseRateText(whole: string, fraction: string): string {
  const trimmedWhole = whole.replace(/^0+(?=\d)/, "");
  const trimmedFraction = fraction.replace(/0+$/, "");
  return trimmedFraction ? `${trimmedWhole}.${trimmedFraction}` : trimmedWhole;
}

/** Divides and rounds half away from zero. */
export function divideRounded(numerator: bigint, denominator: bigint): bigint {
  if (denominator === 0n) throw new MoneyError("division by zero");
  const negative = numerator < 0n !== denominator < 0n;
  const n = numerator < 0n ? -numerator : numerator;
  const d = denominator < 0n ? -denominator : denominator;
  const quotient = (n * 2n + d) / (d * 2n);
  return negative ? -quotient : quotient;
}

/** Multiplies minor units by a rate, rounding once, half away from zero. */
export function applyRate(minor: number, rate: Rate): number {
  const product = BigInt(minor) * rate.units;
  const result = divideRounded(product, 10n ** BigInt(rate.scale));
  return assertSafeMinor(Number(result), "rated amount");
}

/**
 * Converts an amount between currencies of different exponents at a rate,
 * rounding once, half away from zero.
 */
export function convertMinor(
  minor: number,
  fromCurrency: string,
  toCurrency: string,
  rate: Rate,
): number {
  const shift = currencyExponent(toCurrency) - currencyExponent(fromCurrency);
  let numerator = BigInt(minor) * rate.units;
  let denominator = 10n ** BigInt(rate.scale);
  if (shift > 0) numerator *= 10n ** BigInt(shift);
  if (shift < 0) denominator *= 10n ** BigInt(-shift);
  return assertSafeMinor(Number(divideRounded(numerator, denominator)), "converted amount");
}

export function sumMinor(values: Iterable<number>): number {
  let total = 0;
  for (const value of values) total += value;
  return assertSafeMinor(total, "sum");
}
