// The period of a month-end pack: the committed run that opens it, the one
// that closes it, and the committed runs in between whose aging snapshots
// the trend charts use. Reports read committed runs only.

import type { Knex } from "knex";
import { addDays, daysBetween } from "../dates.ts";
import { RequestError } from "../errors.ts";

type Db = Knex | Knex.Transaction;

/** A committed run and its business date. */
export interface RunRef {
  runId: number;
  businessDate: string;
}

export interface ReportPeriod {
  /** The business dates requested with --from and --as-of. */
  requestedFrom: string;
  requestedAsOf: string;
  /** The latest committed run on or before the requested start. */
  opening: RunRef;
  /** The latest committed run on or before the requested end. */
  closing: RunRef;
  /** Committed runs from the opening run to the closing run, both included, by date. */
  runs: RunRef[];
  /** Calendar days from the opening business date to the closing one. */
  days: number;
}

/** Returns the default start of a month-end pack: the last day of the month before. */
export function defaultFrom(asOf: string): string {
  return addDays(`${asOf.slice(0, 8)}01`, -1);
}

async function committedRunOnOrBefore(db: Db, date: string): Promise<RunRef | undefined> {
  const row = await db("runs")
    .where({ status: "committed" })
    .andWhere("business_date", "<=", date)
    .orderBy("business_date", "desc")
    .orderBy("run_id", "desc")
    .first("run_id", "business_date");
  return row ? { runId: Number(row.run_id), businessDate: row.business_date } : undefined;
}

/** Finds the runs of a period; throws RequestError when it has no opening or closing run. */
export async function resolvePeriod(db: Db, from: string, asOf: string): Promise<ReportPeriod> {
  if (from >= asOf) {
    throw new RequestError(`--from ${from} must be before --as-of ${asOf}`);
  }
  const closing = await committedRunOnOrBefore(db, asOf);
  if (!closing) {
    throw new RequestError(`no committed run on or before ${asOf}; run dcms run for that date first`);
  }
  const opening = await committedRunOnOrBefore(db, from);
  if (!opening) {
    throw new RequestError(
      `no committed run on or before ${from} opens the period; pass --from with a business date that has a committed run`,
    );
  }
  if (opening.runId === closing.runId) {
    throw new RequestError(
      `the period from ${from} to ${asOf} holds no committed run after ${opening.businessDate}; choose a later --as-of`,
    );
  }
  const rows = await db("runs")
    .where({ status: "committed" })
    .andWhere("business_date", ">=", opening.businessDate)
    .andWhere("business_date", "<=", closing.businessDate)
    .orderBy("business_date")
    .orderBy("run_id")
    .select("run_id", "business_date");
  return {
    requestedFrom: from,
    requestedAsOf: asOf,
    opening,
    closing,
    runs: rows.map((row) => ({ runId: Number(row.run_id), businessDate: row.business_date })),
    days: daysBetween(opening.businessDate, closing.businessDate),
  };
}
