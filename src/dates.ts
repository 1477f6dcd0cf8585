// Calendar dates are plain ISO strings (YYYY-MM-DD) or day numbers counted
// from 1970-01-01. No JavaScript Date with a time zone carries a business date.

export type IsoDate = string;

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * Returns the day number of a year, 1-based month and day; out-of-range
 * months and days roll over. Date.UTC would read years 0 to 99 as 1900 to
 * 1999, so the year is set with setUTCFullYear instead.
 */
function utcDayNumber(year: number, month: number, day: number): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  return date.getTime() / 86_400_000;
}

function daysInMonth(year: number, month: number): number {
  return utcDayNumber(year, month + 1, 1) - utcDayNumber(year, month, 1);
}

function isValidDay(year: number, month: number, day: number): boolean {
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

/** Returns the day number of a valid ISO date, or undefined. */
export function dayNumber(iso: string): number | undefined {
  const match = ISO_DATE.exec(iso);
  if (!match) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (!isValidDay(year, month, day)) return undefined;
  return utcDayNumber(year, month, day);
}

export function isIsoDate(text: string): boolean {
  return dayNumber(text) !== undefined;
}

export function fromDayNumber(days: number): IsoDate {
  return new Date(days * 86_400_000).toISOString().slice(0, 10);
}

export function toDayNumber(iso: IsoDate): number {
  const days = dayNumber(iso);
  if (days === undefined) throw new RangeError(`invalid date ${JSON.stringify(iso)}`);
  return days;
}

export function addDays(iso: IsoDate, days: number): IsoDate {
  return fromDayNumber(toDayNumber(iso) + days);
}

/** Returns later minus earlier in calendar days. */
export function daysBetween(earlier: IsoDate, later: IsoDate): number {
  return toDayNumber(later) - toDayNumber(earlier);
}

/** Returns 0 for Sunday through 6 for Saturday. */
export function weekday(iso: IsoDate): number {
  // Day 0, 1970-01-01, was a Thursday; earlier dates have negative numbers.
  return (((toDayNumber(iso) + 4) % 7) + 7) % 7;
}

export function endOfMonth(iso: IsoDate, monthsAhead = 0): IsoDate {
  const days = toDayNumber(iso);
  const date = new Date(days * 86_400_000);
  // Day 0 of the month after is the last day of the month wanted.
  const end = utcDayNumber(date.getUTCFullYear(), date.getUTCMonth() + monthsAhead + 2, 0);
  return fromDayNumber(end);
}

export function maxDate(a: IsoDate, b: IsoDate): IsoDate {
  return a >= b ? a : b;
}

/** Date layouts that extracts use, described by their tokens. */
export type DateFormat =
  | "YYYY-MM-DD"
  | "DD.MM.YYYY"
  | "DD/MM/YYYY"
  | "MM/DD/YYYY"
  | "M/D/YYYY"
  | "D.M.YYYY"
  | "YYYYMMDD";

const DATE_PATTERNS: Record<DateFormat, { regex: RegExp; order: [number, number, number] }> = {
  "YYYY-MM-DD": { regex: /^(\d{4})-(\d{2})-(\d{2})$/, order: [1, 2, 3] },
  "DD.MM.YYYY": { regex: /^(\d{2})\.(\d{2})\.(\d{4})$/, order: [3, 2, 1] },
  "D.M.YYYY": { regex: /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/, order: [3, 2, 1] },
  "DD/MM/YYYY": { regex: /^(\d{2})\/(\d{2})\/(\d{4})$/, order: [3, 2, 1] },
  "MM/DD/YYYY": { regex: /^(\d{2})\/(\d{2})\/(\d{4})$/, order: [3, 1, 2] },
  "M/D/YYYY": { regex: /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/, order: [3, 1, 2] },
  YYYYMMDD: { regex: /^(\d{4})(\d{2})(\d{2})$/, order: [1, 2, 3] },
};

export const DATE_FORMATS = Object.keys(DATE_PATTERNS) as DateFormat[];

/** Parses a date in the given layout; undefined when it is not a real day. */
export function parseDate(text: string, format: DateFormat): IsoDate | undefined {
  const pattern = DATE_PATTERNS[format];
  const match = pattern.regex.exec(text.trim());
  if (!match) return undefined;
  const [y, m, d] = pattern.order.map((index) => Number(match[index]));
  if (!isValidDay(y, m, d)) return undefined;
  const iso = `${String(y).padStart(4, "0")}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
  return iso;
}

/** Returns today's calendar date in an IANA time zone. */
export function todayIn(timeZone: string, now: Date = new Date()): IsoDate {
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).format(now);
  return parts;
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone });
    return true;
  } catch {
    return false;
  }
}

const ISO_DATE_TIME =
  /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/;

/**
 * Reduces an ISO 8601 date-time to its calendar date in an IANA time zone.
 * A date-time without an offset is already local to its sender, so its own
 * date part is returned. Returns undefined when the text is not a date-time.
 */
export function dateInTimeZone(dateTime: string, timeZone: string): IsoDate | undefined {
  const match = ISO_DATE_TIME.exec(dateTime.trim());
  if (!match || !isIsoDate(match[1])) return undefined;
  const [, date, hours, minutes, seconds, , offset] = match;
  if (Number(hours) > 24 || Number(minutes) > 59 || Number(seconds) > 60) return undefined;
  if (!offset) return date;
  const instant = new Date(dateTime.trim());
  if (Number.isNaN(instant.getTime())) return undefined;
  return todayIn(timeZone, instant);
}
