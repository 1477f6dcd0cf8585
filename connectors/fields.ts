// Reads the raw text of one row's standard fields into typed values. The
// first problem found ends the row: it becomes a RowProblem that the caller
// turns into a reject. Messages may quote amounts, dates and codes, never
// free text such as names or addresses.

import { parseDate, type DateFormat, type IsoDate } from "../src/dates.ts";
import type { ItemType } from "../src/extract.ts";
import {
  currencyExponent,
  isKnownCurrency,
  parseMinor,
  type DecimalFormat,
} from "../src/money.ts";

/** Separators, date layout and sign convention of a source's values. */
export interface ValueFormat {
  decimal: "." | ",";
  /** Thousands separator, or "" when amounts carry none. */
  grouping: NonNullable<DecimalFormat["grouping"]>;
  dateFormat: DateFormat;
  /** negative: credit types come with a minus sign that is dropped. */
  creditSign: "positive" | "negative";
  /** Item types whose sign convention differs from creditSign. */
  typeSigns?: Partial<Record<ItemType, "positive" | "negative">>;
  /** Amounts are integers of minor units rather than decimals. */
  amountsInMinor: boolean;
}

/** The layout of the standard extract: 1234.50 and 2026-03-31. */
export const STANDARD_FORMAT: ValueFormat = {
  decimal: ".",
  grouping: "",
  dateFormat: "YYYY-MM-DD",
  creditSign: "positive",
  amountsInMinor: false,
};

/** Standard field name to the raw text of a row; absent or empty is no value. */
export type RawRow = Record<string, string | undefined>;

/** The reason a row is rejected, before it gets its origin. */
export class RowProblem extends Error {
  /** The fields that could be mapped before the problem, for naming the rejected row's item. */
  partialRow?: RawRow;

  constructor(
    readonly field: string,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "RowProblem";
  }
}

/**
 * Quotes a value for a reject message when it looks like an amount, a date
 * or a code. A value in the wrong column can be a name, an address, an
 * e-mail or a phone number, and rejects never show personal data, so a
 * value with blanks or an @, one starting with +, or one longer than 24
 * characters is described by its length instead.
 */
export function quote(value: string): string {
  const text = value.trim();
  if (/\s|@/.test(text) || text.startsWith("+") || text.length > 24) {
    return `(a value of ${value.length} characters, not shown because it may be personal data)`;
  }
  return JSON.stringify(value);
}

/** Widths of the ledger columns that standard text fields are stored in, in characters. */
const LEDGER_WIDTHS: Record<string, number> = {
  item_id: 100,
  account_id: 100,
  applies_to: 100,
  customer_id: 100,
  reference: 100,
  name: 200,
  segment: 64,
  entity: 64,
  email: 200,
  phone: 50,
  address_line1: 200,
  address_line2: 200,
  city: 100,
  postal_code: 20,
  region: 100,
  tax_id: 50,
  tax_code: 32,
  iban: 34,
  mandate_id: 35,
  reason: 200,
};

export class FieldReader {
  constructor(
    private readonly raw: RawRow,
    readonly format: ValueFormat,
  ) {}

  /** Returns the trimmed text of a field, or null when it is empty; rejects text longer than its ledger column. */
  text(field: string): string | null {
    const value = this.raw[field]?.trim();
    if (!value) return null;
    const limit = LEDGER_WIDTHS[field];
    if (limit !== undefined && value.length > limit) {
      throw new RowProblem(
        field,
        "value_too_long",
        `${field} has ${value.length} characters; the ledger keeps at most ${limit}, so shorten it in the billing system`,
      );
    }
    return value;
  }

  required(field: string, hint = "fill it in the billing system"): string {
    const value = this.text(field);
    if (value === null) {
      throw new RowProblem(
        field,
        "required_field_missing",
        `${field} is empty but required; ${hint}`,
      );
    }
    return value;
  }

  date(field: string): IsoDate | null {
    const text = this.text(field);
    if (text === null) return null;
    const date = parseDate(text, this.format.dateFormat);
    if (date === undefined) {
      throw new RowProblem(
        field,
        "invalid_date",
        `${field} ${quote(text)} is not a real calendar date in the layout ` +
          `${this.format.dateFormat}; correct the date or set date_format for the source`,
      );
    }
    return date;
  }

  requiredDate(field: string): IsoDate {
    this.required(field);
    return this.date(field) as IsoDate;
  }

  currency(field: string, hint?: string): string {
    const code = this.required(field, hint).toUpperCase();
    if (!isKnownCurrency(code)) {
      throw new RowProblem(
        field,
        "currency_not_supported",
        `${field} ${quote(code)} is not a supported ISO 4217 currency code; ` +
          "use a code such as EUR or USD",
      );
    }
    return code;
  }

  /** Reads a signed amount in minor units of the currency, or null when empty. */
  signedAmount(field: string, currency: string): number | null {
    const text = this.text(field);
    if (text === null) return null;
    const exponent = currencyExponent(currency);
    const minor = this.format.amountsInMinor
      ? parseInteger(text)
      : parseMinor(text, exponent, {
          decimal: this.format.decimal,
          grouping: this.format.grouping,
        });
    if (minor !== undefined) return minor;
    if (!this.format.amountsInMinor && hasExtraDecimals(text, exponent, this.format)) {
      throw new RowProblem(
        field,
        "too_many_decimals",
        `${field} ${quote(text)} has more than ${exponent} decimals, ` +
          `the number that ${currency} allows; round it in the billing system`,
      );
    }
    throw new RowProblem(field, "invalid_decimal", this.invalidDecimal(field, text));
  }

  /** Reads an amount that must not be below zero, or null when empty. */
  nonNegativeAmount(field: string, currency: string): number | null {
    const minor = this.signedAmount(field, currency);
    if (minor !== null && minor < 0) {
      throw new RowProblem(
        field,
        "amount_negative",
        `${field} must not be negative; write it without a minus sign`,
      );
    }
    return minor;
  }

  /** Reads a required amount that must be greater than zero. */
  positiveAmount(field: string, currency: string): number {
    this.required(field);
    const minor = this.signedAmount(field, currency) as number;
    if (minor <= 0) {
      throw new RowProblem(
        field,
        "amount_not_positive",
        `${field} must be greater than zero; the row type gives the direction`,
      );
    }
    return minor;
  }

  oneOf<T extends string>(
    field: string,
    allowed: readonly T[],
    code: string,
    fallback: T,
  ): T {
    const text = this.text(field);
    if (text === null) return fallback;
    const value = text.toLowerCase();
    if (!(allowed as readonly string[]).includes(value)) {
      throw new RowProblem(
        field,
        code,
        `${field} ${quote(text)} is not one of ${allowed.join(", ")}; ` +
          "map the billing system's code to one of them",
      );
    }
    return value as T;
  }

  private invalidDecimal(field: string, text: string): string {
    if (this.format.amountsInMinor) {
      return `${field} ${quote(text)} is not a whole number of minor units; ` +
        "correct the query or set amounts: decimal";
    }
    const grouping = this.format.grouping
      ? `"${this.format.grouping}" between thousands`
      : "no thousands separator";
    return `${field} ${quote(text)} is not a decimal number with ` +
      `"${this.format.decimal}" as decimal separator and ${grouping}; ` +
      "correct the amount or set decimal and grouping for the source";
  }
}

function parseInteger(text: string): number | undefined {
  if (!/^[+-]?\d+$/.test(text)) return undefined;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : undefined;
}

/** Tells a well-formed decimal with too many decimals from text that is no decimal. */
function hasExtraDecimals(
  text: string,
  exponent: number,
  format: ValueFormat,
): boolean {
  const separator = text.lastIndexOf(format.decimal);
  if (separator < 0) return false;
  const fraction = text.slice(separator + 1);
  if (!/^\d+$/.test(fraction)) return false;
  const shortened = text.slice(0, separator + 1) + fraction.slice(0, exponent);
  const decimalFormat = { decimal: format.decimal, grouping: format.grouping };
  return parseMinor(shortened.replace(/[.,]$/, ""), exponent, decimalFormat) !== undefined;
}
