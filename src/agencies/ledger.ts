// Ledger reads and writes of the agency pass: the open placements with the
// date they began, and the exposure a placement reports. A placement,
// recall or closure decided outside the dunning pass adds rows to
// placements, actions, decisions and account_state, written here.

import type { Knex } from "knex";
import { addDays } from "../dates.ts";
import { InvariantError } from "../errors.ts";
import { insertRows } from "../ledger/db.ts";
import { upsertVersioned } from "../ledger/versioned.ts";

type Db = Knex | Knex.Transaction;
type Row = Record<string, any>;

/** An account placed with an agency, as its current state row shows it. */
export interface OpenPlacement {
  customerKey: number;
  customerRef: string;
  source: string;
  accountId: string;
  agency: string;
  /** Business date of the placement with this agency. */
  placedOn: string;
  /** The current account_state row, all columns. */
  state: Row;
}

/**
 * Returns the runs whose rows of one-run tables (placements, remittances) count for
 * a run: the run itself and the committed runs of earlier business dates.
 * A run that the given run re-runs is left out although it is still
 * committed while the re-run works, and superseded runs are left out,
 * because a re-run keeps their rows for audit.
 */
export function effectiveRuns(db: Db, runId: number): Knex.QueryBuilder {
  return db("runs")
    .select("run_id")
    .where("run_id", runId)
    .orWhere((query) =>
      query
        .where("status", "committed")
        .whereRaw("business_date < (select business_date from runs where run_id = ?)", [runId]),
    );
}

/** Returns the business date of each account's latest placement per agency, as of a run. */
export async function placementDates(db: Db, runId: number): Promise<Map<string, string>> {
  const rows: Row[] = await db("placements as p")
    .join("runs as r", "r.run_id", "p.run_id")
    .where("p.kind", "placement")
    .whereIn("p.run_id", effectiveRuns(db, runId))
    .groupBy("p.source", "p.account_id", "p.agency")
    .select("p.source", "p.account_id", "p.agency")
    .max({ placed_on: "r.business_date" });
  return new Map(rows.map((row) => [placementKey(row.source, row.account_id, row.agency), row.placed_on]));
}

export function placementKey(source: string, accountId: string, agency: string): string {
  return `${source}\u0000${accountId}\u0000${agency}`;
}

/** Reads the accounts that are placed now, in customer key order. */
export async function openPlacements(db: Db, runId: number): Promise<OpenPlacement[]> {
  const dates = await placementDates(db, runId);
  const rows: Row[] = await db("account_state as s")
    .join("customers as c", "c.customer_key", "s.customer_key")
    .whereNull("s.superseded_run")
    .whereNotNull("s.agency")
    .orderBy(["s.customer_key", "s.source", "s.account_id"])
    .select("s.*", "c.customer_ref");
  return rows.map((row) => {
    const { customer_ref: customerRef, ...state } = row;
    const placedOn = dates.get(placementKey(row.source, row.account_id, row.agency));
    if (!placedOn) {
      throw new InvariantError(
        `account ${row.source}/${row.account_id} is with agency ${row.agency} but has no placement row`,
      );
    }
    return {
      customerKey: Number(row.customer_key),
      customerRef,
      source: row.source,
      accountId: row.account_id,
      agency: row.agency,
      placedOn,
      state,
    };
  });
}

/** The account's figures that a placement or recall reports tonight. */
export interface Exposure {
  currency: string;
  /** Overdue less its disputed part, in minor units. */
  amountMinor: number;
  daysPastDueMax: number;
  oldestDueDate: string | null;
}

/** Returns the account's exposure from this run's aging, in its own currency where it has one. */
export async function accountExposure(
  db: Db,
  runId: number,
  businessDate: string,
  source: string,
  accountId: string,
  accountCurrency: string,
): Promise<Exposure> {
  const rows: Row[] = await db("account_aging").where({ run_id: runId, source, account_id: accountId });
  const row =
    rows.find((candidate) => candidate.currency === accountCurrency) ??
    [...rows].sort((a, b) => Number(b.overdue_minor) - Number(a.overdue_minor))[0];
  if (!row) return { currency: accountCurrency, amountMinor: 0, daysPastDueMax: 0, oldestDueDate: null };
  const days = Number(row.days_past_due_max);
  return {
    currency: row.currency,
    amountMinor: Math.max(0, Number(row.overdue_minor) - Number(row.disputed_minor)),
    daysPastDueMax: days,
    oldestDueDate: days > 0 ? addDays(businessDate, -days) : null,
  };
}

/** The current version of an account: segment, country and region for the agency rules. */
export async function currentAccount(db: Db, source: string, accountId: string): Promise<Row | undefined> {
  return db("accounts").where({ source, account_id: accountId }).whereNull("superseded_run").first();
}

/** A placement, recall or closure that the agency pass decided. */
export interface AgencyEvent {
  kind: "placement" | "recall" | "closure";
  placement: OpenPlacement | { customerKey: number; customerRef: string; source: string; accountId: string; state: Row };
  agency: string;
  exposure: Exposure;
  /** placements.reason: end_of_period, closed:<code>, next_tier:<tier>, waited:<tier>. */
  reason: string;
  /** decisions.rule and actions.rule, such as agency:end_of_period. */
  rule: string;
  /** A sentence for actions.reason and decisions.reason. */
  explanation: string;
}

/**
 * Writes the events of the agency pass: one placements row, one actions row
 * and one decisions row each, and the account_state versions with the new
 * agency (null after a recall or closure). Events of one account are applied
 * in the order given.
 */
export async function writeAgencyEvents(
  trx: Knex.Transaction,
  runId: number,
  businessDate: string,
  events: readonly AgencyEvent[],
): Promise<void> {
  if (events.length === 0) return;
  const placements: Row[] = [];
  const actions: Row[] = [];
  const decisions: Row[] = [];
  const states = new Map<string, Row>();
  for (const event of events) {
    const { placement, exposure } = event;
    const key = `${placement.source}\u0000${placement.accountId}`;
    const before = states.get(key) ?? placement.state;
    const { run_id: _run, superseded_run: _superseded, ...columns } = before;
    const after = { ...columns, agency: event.kind === "placement" ? event.agency : null };
    states.set(key, after);
    placements.push({
      run_id: runId,
      customer_key: placement.customerKey,
      agency: event.agency,
      source: placement.source,
      account_id: placement.accountId,
      kind: event.kind,
      currency: exposure.currency,
      amount_minor: exposure.amountMinor,
      oldest_due_date: exposure.oldestDueDate,
      days_past_due_max: exposure.daysPastDueMax,
      reason: event.reason,
    });
    actions.push({
      run_id: runId,
      customer_key: placement.customerKey,
      source: placement.source,
      account_id: placement.accountId,
      customer_ref: placement.customerRef,
      stage_before: before.stage ?? null,
      stage: before.stage ?? null,
      action: event.kind,
      channel: null,
      effective_date: businessDate,
      currency: exposure.currency,
      overdue_minor: exposure.amountMinor,
      days_past_due: exposure.daysPastDueMax,
      rule: event.rule,
      reason: event.explanation,
      agency: event.agency,
    });
    decisions.push({
      run_id: runId,
      customer_key: placement.customerKey,
      source: placement.source,
      account_id: placement.accountId,
      level_before: Number(before.level),
      level: Number(before.level),
      rule: event.rule,
      reason: event.explanation,
      inputs: JSON.stringify({
        agency: event.agency,
        currency: exposure.currency,
        amount_minor: exposure.amountMinor,
        days_past_due_max: exposure.daysPastDueMax,
      }),
    });
  }
  await insertRows(trx, "placements", placements);
  await insertRows(trx, "actions", actions);
  await insertRows(trx, "decisions", decisions);
  await upsertVersioned(
    trx,
    { table: "account_state", keyColumns: ["account_id", "source"], numbered: false },
    [...states.values()],
    runId,
  );
}

/**
 * Checks that no account is with two agencies at once: per account and
 * agency, placements minus recalls and closures is 0 or 1, at most one
 * agency per account has an open placement, and it is the agency of the
 * account's current state. Throws InvariantError naming the first account
 * that breaks the rule.
 */
export async function checkOneAgencyPerAccount(trx: Db, runId: number): Promise<void> {
  const balances: Row[] = await trx("placements")
    .whereIn("run_id", effectiveRuns(trx, runId))
    .groupBy("source", "account_id", "agency")
    .select("source", "account_id", "agency")
    .select(trx.raw("sum(case when kind = 'placement' then 1 else -1 end) as open_count"));
  const openByAccount = new Map<string, string[]>();
  for (const row of balances) {
    const count = Number(row.open_count);
    const account = `${row.source}/${row.account_id}`;
    if (count !== 0 && count !== 1) {
      throw new InvariantError(
        `account ${account} has ${count} open placements with agency ${row.agency}; placements and recalls must alternate`,
      );
    }
    if (count === 1) openByAccount.set(account, [...(openByAccount.get(account) ?? []), row.agency]);
  }
  for (const [account, agencies] of openByAccount) {
    if (agencies.length > 1) {
      throw new InvariantError(`account ${account} is placed with ${agencies.sort().join(" and ")} at once`);
    }
  }
  const states: Row[] = await trx("account_state").whereNull("superseded_run").whereNotNull("agency").select("source", "account_id", "agency");
  const stateAgencies = new Map(states.map((row) => [`${row.source}/${row.account_id}`, row.agency as string]));
  for (const [account, [agency]] of openByAccount) {
    if (stateAgencies.get(account) !== agency) {
      throw new InvariantError(
        `account ${account} has an open placement with ${agency}, but its state names ${stateAgencies.get(account) ?? "no agency"}`,
      );
    }
    stateAgencies.delete(account);
  }
  for (const [account, agency] of stateAgencies) {
    throw new InvariantError(`account ${account} is with agency ${agency} in its state, but no placement is open`);
  }
}
