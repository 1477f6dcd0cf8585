// Formatting of amounts and dates in a letter's language. The rules are
// spelled out here rather than taken from Intl, so that a letter reads the
// same on every machine whatever its locale data.

import { toDayNumber, type IsoDate } from "../../dates.ts";
import { currencyExponent, formatMinor } from "../../money.ts";

export interface LanguageConvention {
  decimalSeparator: string;
  /** Separator between groups of three digits, or "" for none. */
  groupSeparator: string;
  /** Whether the currency code precedes the amount ("EUR 12.50"). */
  currencyFirst: boolean;
  formatDate: (date: IsoDate) => string;
}

const ENGLISH_MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];

// A no-break space keeps an amount and its currency code on one line.
const NO_BREAK_SPACE = "\u00a0";

function dateParts(date: IsoDate): { year: string; month: string; day: string } {
  toDayNumber(date); // throws RangeError for anything but a real calendar day
  return { year: date.slice(0, 4), month: date.slice(5, 7), day: date.slice(8, 10) };
}

const CONVENTIONS: Record<string, LanguageConvention> = {
  en: {
    decimalSeparator: ".",
    groupSeparator: ",",
    currencyFirst: true,
    formatDate: (date) => {
      const { year, month, day } = dateParts(date);
      return `${Number(day)} ${ENGLISH_MONTHS[Number(month) - 1]} ${year}`;
    },
  },
  de: {
    decimalSeparator: ",",
    groupSeparator: ".",
    currencyFirst: false,
    formatDate: (date) => {
      const { year, month, day } = dateParts(date);
      return `${day}.${month}.${year}`;
    },
  },
};

/** Used for languages without a convention above: ISO dates and plain decimals. */
const NEUTRAL: LanguageConvention = {
  decimalSeparator: ".",
  groupSeparator: "",
  currencyFirst: false,
  formatDate: (date) => {
    dateParts(date);
    return date;
  },
};

/** Returns the convention of a BCP 47 tag's primary language ("de-AT" uses "de"). */
export function languageConvention(language: string): LanguageConvention {
  const primary = language.toLowerCase().split("-")[0];
  return CONVENTIONS[primary] ?? NEUTRAL;
}

/** Formats minor units with the currency's decimals and code: "1.234,50 EUR" in German. */
export function formatLetterAmount(minor: number, currency: string, language: string): string {
  const convention = languageConvention(language);
  const plain = formatMinor(minor, currencyExponent(currency));
  const negative = plain.startsWith("-");
  const [whole, fraction] = plain.replace(/^-/, "").split(".");
  const grouped = groupThousands(whole, convention.groupSeparator);
  const number =
    (negative ? "-" : "") +
    grouped +
    (fraction === undefined ? "" : convention.decimalSeparator + fraction);
  return convention.currencyFirst
    ? currency + NO_BREAK_SPACE + number
    : number + NO_BREAK_SPACE + currency;
}

function groupThousands(digits: string, separator: string): string {
  if (!separator) return digits;
  const groups: string[] = [];
  for (let end = digits.length; end > 0; end -= 3) {
    groups.unshift(digits.slice(Math.max(0, end - 3), end));
  }
  return groups.join(separator);
}

/** Formats a calendar date the way the language writes it: "31.03.2026" in German. */
export function formatLetterDate(date: IsoDate, language: string): string {
  return languageConvention(language).formatDate(date);
}
