// Business days for service actions and collections: weekends, public
// holidays per country and region from the date-holidays package, and
// configured blackout periods such as a winter moratorium on disconnections.
//
// date-holidays computes a holiday's start and end as instants in the
// country's own time zone, so asking it about a JavaScript Date depends on
// the machine's time zone. This module reads only the holiday's `date` text
// (YYYY-MM-DD, local to the country, the same under every TZ) and its length
// in days, and compares ISO calendar strings from there on.

import Holidays from "date-holidays";
import { addDays, isIsoDate, toDayNumber, fromDayNumber, weekday, type IsoDate } from "./dates.ts";
import { RequestError } from "./errors.ts";

export interface BlackoutPeriod {
  /** First day: YYYY-MM-DD, or MM-DD when recurring. */
  from: string;
  /** Last day, inclusive: YYYY-MM-DD, or MM-DD when recurring (may wrap past new year). */
  to: string;
  /** Repeats every year; from 12-15 to 01-15 spans the turn of the year. */
  recurring?: boolean;
  /** Label for explanations, e.g. "winter moratorium". */
  name?: string;
}

export interface CalendarSettings {
  /** ISO 3166-1 alpha-2 country code, e.g. DE. */
  country: string;
  /** Subdivision code as date-holidays names it (ISO 3166-2 without the country), e.g. BY. */
  region?: string | null;
  /** Weekend weekdays, 0 Sunday to 6 Saturday; Saturday and Sunday by default. */
  weekendDays?: readonly number[];
  blackouts?: readonly BlackoutPeriod[];
}

/** A validated calendar; build it with createCalendar. */
export interface BusinessCalendar {
  readonly country: string;
  readonly region: string | null;
  readonly weekendDays: ReadonlySet<number>;
  readonly blackouts: readonly BlackoutPeriod[];
}

/** Maximum number of days searched for the next allowed day. */
const MAX_SEARCH_DAYS = 3 * 366;

const MONTH_DAY = /^(\d{2})-(\d{2})$/;

/**
 * Validates calendar settings and returns a frozen calendar. Every problem is
 * collected into one RequestError with the key that causes it.
 */
export function createCalendar(settings: CalendarSettings): BusinessCalendar {
  const problems: string[] = [];
  const country = settings.country?.toUpperCase() ?? "";
  const region = settings.region ? settings.region.toUpperCase() : null;
  const countries = new Holidays().getCountries();
  if (!(country in countries)) {
    problems.push(`country ${JSON.stringify(settings.country)} is not a country that date-holidays knows`);
  } else if (region !== null && !(region in (new Holidays().getStates(country) ?? {}))) {
    problems.push(`region ${JSON.stringify(settings.region)} is not a subdivision of ${country} in date-holidays`);
  }
  const weekendDays = settings.weekendDays ?? [0, 6];
  for (const day of weekendDays) {
    if (!Number.isInteger(day) || day < 0 || day > 6) {
      problems.push(`weekendDays contains ${day}; use 0 (Sunday) to 6 (Saturday)`);
    }
  }
  if (new Set(weekendDays).size >= 7) {
    problems.push("weekendDays covers the whole week, which leaves no business day");
  }
  const blackouts = settings.blackouts ?? [];
  blackouts.forEach((period, index) => problems.push(...checkBlackout(period, `blackouts[${index}]`)));
  if (problems.length > 0) {
    throw new RequestError(`calendar for ${settings.country} is invalid: ${problems.join("; ")}`, problems);
  }
  return Object.freeze({
    country,
    region,
    weekendDays: new Set(weekendDays),
    blackouts: Object.freeze(blackouts.map((period) => Object.freeze({ ...period }))),
  });
}

function checkBlackout(period: BlackoutPeriod, key: string): string[] {
  if (period.recurring) {
    const valid = [period.from, period.to].every(isMonthDay);
    return valid ? [] : [`${key}: a recurring period needs from and to as MM-DD, e.g. 12-15 and 01-15`];
  }
  if (!isIsoDate(period.from) || !isIsoDate(period.to)) {
    return [`${key}: from and to must be YYYY-MM-DD dates, or set recurring: true for MM-DD`];
  }
  return period.from <= period.to ? [] : [`${key}: from ${period.from} is after to ${period.to}`];
}

function isMonthDay(text: string): boolean {
  const match = MONTH_DAY.exec(text);
  // 2024 is a leap year, so 02-29 is accepted as a recurring day.
  return match !== null && isIsoDate(`2024-${match[1]}-${match[2]}`);
}

const holidayCache = new Map<string, ReadonlySet<IsoDate>>();
const libraryCache = new Map<string, Holidays>();

function holidaysLibrary(calendar: BusinessCalendar): Holidays {
  const key = `${calendar.country}/${calendar.region ?? ""}`;
  let library = libraryCache.get(key);
  if (!library) {
    library = calendar.region
      ? new Holidays(calendar.country, calendar.region, { types: ["public"] })
      : new Holidays(calendar.country, { types: ["public"] });
    libraryCache.set(key, library);
  }
  return library;
}

/**
 * Returns the public holidays of a year (bank, school, optional and
 * observance days excluded), cached per country, region and year. A holiday
 * that lasts several days counts on each of them, and one that starts in
 * December of the previous year counts on its January days.
 */
export function publicHolidays(year: number, calendar: BusinessCalendar): ReadonlySet<IsoDate> {
  const key = `${calendar.country}/${calendar.region ?? ""}/${year}`;
  const cached = holidayCache.get(key);
  if (cached) return cached;
  const library = holidaysLibrary(calendar);
  const days = new Set<IsoDate>();
  for (const holiday of [...library.getHolidays(year - 1), ...library.getHolidays(year)]) {
    if (holiday.type !== "public") continue;
    const first = holiday.date.slice(0, 10);
    // The length in whole days; rounding absorbs a daylight-saving change.
    const length = Math.max(1, Math.round((holiday.end.getTime() - holiday.start.getTime()) / 86_400_000));
    for (let offset = 0; offset < length; offset += 1) {
      const day = addDays(first, offset);
      if (day.startsWith(`${year}-`)) days.add(day);
    }
  }
  const result: ReadonlySet<IsoDate> = days;
  holidayCache.set(key, result);
  return result;
}

export function isPublicHoliday(date: IsoDate, calendar: BusinessCalendar): boolean {
  const day = checkedDate(date);
  return publicHolidays(Number(day.slice(0, 4)), calendar).has(day);
}

export function isWeekend(date: IsoDate, calendar: BusinessCalendar): boolean {
  return calendar.weekendDays.has(weekday(checkedDate(date)));
}

/** Checks that the date is neither a weekend day nor a public holiday. */
export function isBusinessDay(date: IsoDate, calendar: BusinessCalendar): boolean {
  return !isWeekend(date, calendar) && !isPublicHoliday(date, calendar);
}

/** Returns the first blackout period that contains the date, or undefined. */
export function blackoutOn(date: IsoDate, calendar: BusinessCalendar): BlackoutPeriod | undefined {
  const monthDay = checkedDate(date).slice(5);
  return calendar.blackouts.find((period) => {
    if (!period.recurring) return period.from <= date && date <= period.to;
    if (period.from <= period.to) return period.from <= monthDay && monthDay <= period.to;
    return monthDay >= period.from || monthDay <= period.to;
  });
}

/** Checks that the date is a business day outside every blackout period. */
export function isAllowedDay(date: IsoDate, calendar: BusinessCalendar): boolean {
  return isBusinessDay(date, calendar) && blackoutOn(date, calendar) === undefined;
}

/** Returns the date itself when it is a business day, else the next one. */
export function nextBusinessDay(date: IsoDate, calendar: BusinessCalendar): IsoDate {
  return searchForward(date, calendar, isBusinessDay);
}

/** Returns the date itself when it is an allowed day, else the next one. */
export function nextAllowedDay(date: IsoDate, calendar: BusinessCalendar): IsoDate {
  return searchForward(date, calendar, isAllowedDay);
}

/**
 * Moves a number of business days from a date, not counting the date itself:
 * Thursday plus one is Friday, or Monday when Friday is a holiday. Zero
 * returns the date unchanged and a negative number moves backwards.
 */
export function addBusinessDays(date: IsoDate, days: number, calendar: BusinessCalendar): IsoDate {
  if (!Number.isInteger(days)) throw new RangeError(`business days ${days} is not an integer`);
  const step = days < 0 ? -1 : 1;
  let day = toDayNumber(checkedDate(date));
  let remaining = Math.abs(days);
  while (remaining > 0) {
    day += step;
    if (isBusinessDay(fromDayNumber(day), calendar)) remaining -= 1;
  }
  return fromDayNumber(day);
}

function searchForward(
  date: IsoDate,
  calendar: BusinessCalendar,
  accept: (day: IsoDate, calendar: BusinessCalendar) => boolean,
): IsoDate {
  const start = toDayNumber(checkedDate(date));
  for (let offset = 0; offset <= MAX_SEARCH_DAYS; offset += 1) {
    const day = fromDayNumber(start + offset);
    if (accept(day, calendar)) return day;
  }
  throw new RequestError(
    `calendar ${calendar.country}: no allowed day within ${MAX_SEARCH_DAYS} days after ${date}; ` +
      "check the weekend days and blackout periods",
  );
}

function checkedDate(date: IsoDate): IsoDate {
  if (!isIsoDate(date)) throw new RangeError(`invalid date ${JSON.stringify(date)}`);
  return date;
}
