// Calendars of the dunning pass: the configured blackout periods of an
// entity (a winter moratorium on disconnections, say), and the business day
// that a letter's payment deadline falls on.

import { nextBusinessDay, type BlackoutPeriod, type BusinessCalendar } from "../calendar.ts";
import type { ResolvedConfig } from "../config/resolve.ts";
import { addDays, weekday } from "../dates.ts";

/** The blackout periods that apply to an entity's service actions. */
export function blackoutsFor(config: ResolvedConfig, entity: string): BlackoutPeriod[] {
  return config.dunning.policy.blackouts
    .filter((period) => period.entities === null || period.entities.includes(entity))
    .map(({ from, to, recurring, name }) => ({ from, to, recurring, name }));
}

/**
 * Returns the date itself when it is a business day of the calendar, else
 * the next one; without a calendar (an entity without a country) the next
 * weekday.
 */
export function businessDayOf(calendar: BusinessCalendar | undefined, date: string): string {
  if (calendar) return nextBusinessDay(date, calendar);
  let day = date;
  while (weekday(day) === 0 || weekday(day) === 6) day = addDays(day, 1);
  return day;
}
