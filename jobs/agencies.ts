// The agency pass, in two steps around the customer passes.
//
// Before them, loadRemittances reads the agencies' new remittance files.
// Payments and reversals become items of the placed account, so that
// allocation, aging and dunning see them tonight, and commission is
// computed at the agency's rate. Closures and status codes are recorded.
//
// After them, settleAgencies finishes what dunning cannot see from one
// customer: a recall that dunning gave the reason paid becomes disputed when
// a dispute caused it; an agency's closure ends its placement; a placement
// older than its agency's period is recalled (end_of_period) and, where the
// agency says next_tier, placed again in the next tier; accounts that found
// no agency with room wait and are placed when room frees up. It ends by
// checking that no account is with two agencies at once.

import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import type { Knex } from "knex";
import { activeHolds } from "./dun.ts";
import { writeJournal } from "./post.ts";
import { accountingDate } from "../src/accounting/accounting-date.ts";
import type { AgencyBook, PlacementRequest } from "../src/agencies/choice.ts";
import { reloadAgencyBook, selectAgency } from "../src/agencies/choice.ts";
import { nextTier, type AgencyTerms, type AgencyTier } from "../src/agencies/config.ts";
import { remittanceJournal, type RemittanceTotal } from "../src/agencies/journal.ts";
import {
  accountExposure,
  checkOneAgencyPerAccount,
  effectiveRuns,
  currentAccount,
  openPlacements,
  placementDates,
  placementKey,
  writeAgencyEvents,
  type AgencyEvent,
  type OpenPlacement,
} from "../src/agencies/ledger.ts";
import { parseRemittance, type RemittanceLine } from "../src/agencies/remittance.ts";
import type { ResolvedConfig } from "../src/config/resolve.ts";
import { daysBetween } from "../src/dates.ts";
import type { Hold } from "../src/domain.ts";
import type { RejectRow } from "../src/extract.ts";
import type { JournalLine } from "../src/journal.ts";
import { insertRows } from "../src/ledger/db.ts";
import type { Logger } from "../src/log.ts";
import { applyRate } from "../src/money.ts";

type Row = Record<string, any>;

/** Holds that stop escalation also keep an account from being placed. */
const BLOCKING_HOLDS = new Set(["dispute", "promise_to_pay", "arrangement", "bankruptcy", "deceased", "fraud", "legal", "exemption"]);
const CUSTOMER_HOLDS = new Set(["bankruptcy", "deceased"]);

export interface AgencyClosure {
  agency: string;
  source: string;
  accountId: string;
  statusCode: string | null;
}

export interface LoadedRemittances {
  totals: RemittanceTotal[];
  closures: AgencyClosure[];
  counts: { files: number; lines: number; payments: number; reversals: number; closures: number; statuses: number; rejected: number };
}

/**
 * Returns a checksum of every remittance file waiting in the agencies'
 * folders, or "" when no agency has a remittance folder, so that a night
 * repeated with a new remittance file counts as changed input.
 */
export async function remittanceInputChecksum(config: ResolvedConfig): Promise<string> {
  const hash = createHash("sha256");
  let folders = 0;
  for (const agency of config.agencyTerms.values()) {
    if (!agency.remittanceFolder) continue;
    folders++;
    for (const file of await remittanceFiles(agency.remittanceFolder)) {
      const content = await readFile(path.join(agency.remittanceFolder, file));
      hash.update(`${agency.id}/${file}:${createHash("sha256").update(content).digest("hex")}\n`);
    }
  }
  return folders === 0 ? "" : hash.digest("hex");
}

async function remittanceFiles(folder: string): Promise<string[]> {
  if (!existsSync(folder)) return [];
  const entries = await readdir(folder, { withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.toLowerCase().endsWith(".csv") && !entry.name.startsWith("."))
    .map((entry) => entry.name)
    .sort();
}

/** Loads the remittance files that no earlier run loaded. */
export async function loadRemittances(
  trx: Knex.Transaction,
  config: ResolvedConfig,
  runId: number,
  businessDate: string,
  rejects: RejectRow[],
  log: Logger,
): Promise<LoadedRemittances> {
  const loaded: LoadedRemittances = {
    totals: [],
    closures: [],
    counts: { files: 0, lines: 0, payments: 0, reversals: 0, closures: 0, statuses: 0, rejected: 0 },
  };
  const totals = new Map<string, RemittanceTotal>();
  for (const agency of config.agencyTerms.values()) {
    if (!agency.remittanceFolder) continue;
    for (const file of await remittanceFiles(agency.remittanceFolder)) {
      const content = await readFile(path.join(agency.remittanceFolder, file));
      const checksum = createHash("sha256").update(content).digest("hex");
      const earlier: Row | undefined = await trx("agency_files")
        .whereIn("run_id", effectiveRuns(trx, runId))
        .where({ agency: agency.id, file })
        .first();
      if (earlier) {
        if (earlier.checksum !== checksum) {
          rejects.push({
            source: `agency:${agency.id}`, file, line: 0, field: "", code: "remittance_file_changed",
            message: `${file} was loaded in run ${earlier.run_id} and has changed since; ask the agency to send corrections in a new file`,
          });
          loaded.counts.rejected++;
        }
        continue;
      }
      const parsed = parseRemittance(content.toString("utf8"), agency.id, file);
      const context: LineContext = { trx, config, agency, runId, businessDate, rejects, loaded, totals };
      const before = rejects.length;
      rejects.push(...parsed.rejects);
      for (const line of parsed.lines) await loadLine(context, line);
      const rejected = rejects.length - before;
      loaded.counts.files++;
      loaded.counts.lines += parsed.rowsRead;
      loaded.counts.rejected += rejected;
      await trx("agency_files").insert({
        run_id: runId, agency: agency.id, file, checksum, rows_read: parsed.rowsRead, rows_rejected: rejected,
      });
      log.info("remittance file loaded", { agency: agency.id, file, rows: parsed.rowsRead, rejected });
    }
  }
  loaded.totals = [...totals.values()];
  return loaded;
}

interface LineContext {
  trx: Knex.Transaction;
  config: ResolvedConfig;
  agency: AgencyTerms;
  runId: number;
  businessDate: string;
  rejects: RejectRow[];
  loaded: LoadedRemittances;
  totals: Map<string, RemittanceTotal>;
}

async function loadLine(context: LineContext, line: RemittanceLine): Promise<void> {
  const { trx, agency, runId, businessDate } = context;
  const reject = (field: string, code: string, message: string): void => {
    context.rejects.push({ source: `agency:${agency.id}`, file: line.file, line: line.line, field, code, message });
  };

  const account: Row | undefined = await currentAccount(trx, line.source, line.accountId);
  if (!account) {
    return reject("account_id", "account_not_found", `account ${line.source}/${line.accountId} is not in the ledger; check source and account_id`);
  }
  const placed: Row | undefined = await trx("placements as p")
    .join("runs as r", "r.run_id", "p.run_id")
    .where({ "p.source": line.source, "p.account_id": line.accountId, "p.agency": agency.id, "p.kind": "placement" })
    .whereIn("p.run_id", effectiveRuns(trx, runId))
    .max({ placed_on: "r.business_date" })
    .first();
  if (!placed?.placed_on) {
    return reject("account_id", "account_not_placed_with_agency", `account ${line.source}/${line.accountId} was never placed with agency ${agency.id}`);
  }
  if (line.date > businessDate) {
    return reject("date", "date_after_business_date", `date ${line.date} is after the business date ${businessDate}; the line is loaded by the run of that date`);
  }
  const loaded = () => trx("agency_remittances").whereIn("run_id", effectiveRuns(trx, runId));
  const duplicate = await loaded().where({ agency: agency.id, remittance_id: line.remittanceId }).first();
  if (duplicate) {
    return reject("remittance_id", "duplicate_remittance_id", `remittance id ${line.remittanceId} was loaded in run ${duplicate.run_id}; each line needs its own id`);
  }
  if (line.currency !== null && line.currency !== account.currency) {
    return reject("currency", "currency_differs_from_account", `currency ${line.currency} differs from the account's currency ${account.currency}`);
  }

  let amountMinor = 0;
  let commissionMinor = 0;
  let itemId: string | null = null;
  if (line.recordType === "payment") {
    amountMinor = line.amountMinor;
    commissionMinor = applyRate(amountMinor, agency.commissionRate);
    itemId = agencyItemId(agency.id, line.remittanceId);
    await insertItem(trx, runId, account, line, itemId, "payment", null);
    context.loaded.counts.payments++;
  } else if (line.recordType === "reversal") {
    const payment: Row | undefined = await loaded()
      .where({ agency: agency.id, remittance_id: line.reverses, kind: "payment" })
      .first();
    if (!payment || payment.source !== line.source || payment.account_id !== line.accountId) {
      return reject("reverses", "reversed_payment_not_found", `no payment ${line.reverses} of agency ${agency.id} on account ${line.source}/${line.accountId} was loaded`);
    }
    if (await loaded().where({ agency: agency.id, reverses: line.reverses, kind: "reversal" }).first()) {
      return reject("reverses", "payment_already_reversed", `payment ${line.reverses} was already reversed`);
    }
    if (Number(payment.amount_minor) !== line.amountMinor) {
      return reject("amount", "reversal_amount_differs", `a reversal undoes the whole payment ${line.reverses}; its amount must equal the payment's`);
    }
    amountMinor = -line.amountMinor;
    commissionMinor = -Number(payment.commission_minor);
    itemId = agencyItemId(agency.id, line.remittanceId);
    await insertItem(trx, runId, account, line, itemId, "payment_reversal", payment.item_id);
    context.loaded.counts.reversals++;
  } else if (line.recordType === "closure") {
    context.loaded.closures.push({ agency: agency.id, source: line.source, accountId: line.accountId, statusCode: line.statusCode });
    context.loaded.counts.closures++;
  } else {
    context.loaded.counts.statuses++;
  }

  await trx("agency_remittances").insert({
    run_id: runId,
    customer_key: account.customer_key,
    agency: agency.id,
    file: line.file,
    line: line.line,
    remittance_id: line.remittanceId,
    kind: line.recordType,
    source: line.source,
    account_id: line.accountId,
    date: line.date,
    currency: line.currency ?? account.currency,
    amount_minor: amountMinor,
    commission_minor: commissionMinor,
    status_code: line.statusCode,
    item_id: itemId,
    placed_on: placed.placed_on,
    reverses: line.reverses,
  });
  if (amountMinor !== 0) {
    const key = `${account.entity}\u0000${agency.id}\u0000${line.source}\u0000${account.currency}`;
    const total = context.totals.get(key) ?? {
      entity: account.entity, agency: agency.id, source: line.source, currency: account.currency,
      collectedMinor: 0, commissionMinor: 0, payments: 0, reversals: 0,
    };
    total.collectedMinor += amountMinor;
    total.commissionMinor += commissionMinor;
    if (amountMinor > 0) total.payments++;
    else total.reversals++;
    context.totals.set(key, total);
  }
}

/** Item id of an agency's payment or reversal in its account's source. */
export function agencyItemId(agency: string, remittanceId: string): string {
  return `AGY-${agency}-${remittanceId}`;
}

async function insertItem(
  trx: Knex.Transaction,
  runId: number,
  account: Row,
  line: RemittanceLine,
  itemId: string,
  type: "payment" | "payment_reversal",
  appliesTo: string | null,
): Promise<void> {
  await insertRows(trx, "items", [
    {
      customer_key: account.customer_key,
      source: line.source,
      item_id: itemId,
      version: 1,
      run_id: runId,
      superseded_run: null,
      account_id: line.accountId,
      type,
      status: "posted",
      document_date: line.date,
      due_date: line.date,
      currency: line.currency,
      amount_minor: line.amountMinor,
      applies_to: appliesTo,
      disputed_minor: 0,
      exchange_rate: null,
      tax_minor: null,
      tax_code: null,
      reference: line.remittanceId,
      // NOTE: "agency" keeps these items out of the write-back of
      // dcms-originated items until the postings file handles agency cash.
      origin: "agency",
    },
  ]);
}

export interface AgencySettlement {
  journal: JournalLine[];
  counts: Record<string, number>;
}

/** Runs the second step of the agency pass; see the top of this file. */
export async function settleAgencies(
  trx: Knex.Transaction,
  config: ResolvedConfig,
  runId: number,
  businessDate: string,
  book: AgencyBook,
  loaded: LoadedRemittances,
  log: Logger,
): Promise<AgencySettlement> {
  await reloadAgencyBook(trx, book);
  const counts: Record<string, number> = {
    remittance_files: loaded.counts.files,
    remittance_payments: loaded.counts.payments,
    remittance_reversals: loaded.counts.reversals,
    remittance_rejected: loaded.counts.rejected,
    recalls_disputed: await markDisputedRecalls(trx, runId, businessDate),
    closures: 0,
    recalls_end_of_period: 0,
    placements_next_tier: 0,
    placements_after_waiting: 0,
    waiting: 0,
  };
  const agencies = [...config.agencyTerms.values()];
  const disputed = await disputedAccounts(trx, runId, businessDate);
  const settle: SettleContext = { trx, config, runId, businessDate, book, agencies, events: [], waiting: [], disputed };

  const closures = new Map(loaded.closures.map((closure) => [`${closure.source}\u0000${closure.accountId}`, closure]));
  for (const placement of await openPlacements(trx, runId)) {
    const terms = config.agencyTerms.get(placement.agency);
    const key = `${placement.source}\u0000${placement.accountId}`;
    const closure = closures.get(key);
    if (disputed.has(key)) {
      // The agency stops collecting disputed debt; the account waits for
      // an agency again and is placed once the dispute no longer covers it.
      await endPlacement(settle, placement, "recall", "disputed", "the overdue debt is disputed", "wait");
      counts.recalls_disputed++;
    } else if (closure?.agency === placement.agency) {
      await endPlacement(settle, placement, "closure", `closed:${closure.statusCode ?? "unknown"}`,
        `agency ${placement.agency} closed the account (status ${closure.statusCode ?? "none given"})`, "next_tier");
      counts.closures++;
    } else if (terms?.placementDays && daysBetween(placement.placedOn, businessDate) >= terms.placementDays) {
      await endPlacement(settle, placement, "recall", "end_of_period",
        `placed with ${placement.agency} on ${placement.placedOn}; the placement period of ${terms.placementDays} days ended without full payment`, "next_tier");
      counts.recalls_end_of_period++;
    }
  }
  counts.placements_next_tier = await placeNextTier(settle);
  await writeAgencyEvents(trx, runId, businessDate, settle.events);

  settle.events = [];
  counts.placements_after_waiting = await placeWaiting(settle);
  await writeAgencyEvents(trx, runId, businessDate, settle.events);
  counts.waiting = settle.waiting.length;
  await insertRows(trx, "agency_waiting", settle.waiting.map((entry) => ({ run_id: runId, ...entry })));

  await checkOneAgencyPerAccount(trx, runId);
  const journal = remittanceJournal(config, runId, accountingDate(config.accounting, businessDate), loaded.totals);
  await writeJournal(trx, runId, journal);
  counts.journal_lines = journal.length;
  log.info("agency pass finished", counts);
  return { journal, counts };
}

interface WaitingRow {
  customer_key: number;
  source: string;
  account_id: string;
  tier: AgencyTier;
  since: string;
}

interface SettleContext {
  trx: Knex.Transaction;
  config: ResolvedConfig;
  runId: number;
  businessDate: string;
  book: AgencyBook;
  agencies: AgencyTerms[];
  events: AgencyEvent[];
  /** Accounts that end the night waiting for an agency. */
  waiting: WaitingRow[];
  /** Accounts (source NUL account id) whose debt is disputed tonight. */
  disputed: ReadonlySet<string>;
  /** Placements ended tonight whose agency sends them on to the next tier. */
  nextTier?: { placement: OpenPlacement; tier: AgencyTier }[];
}

/**
 * Ends a placement. Then the account waits for an agency of the same tier
 * (follow "wait"), or moves on to the next tier when its agency's
 * end_of_period is next_tier (follow "next_tier").
 */
async function endPlacement(
  settle: SettleContext,
  placement: OpenPlacement,
  kind: "recall" | "closure",
  reason: string,
  explanation: string,
  follow: "wait" | "next_tier",
): Promise<void> {
  const exposure = await exposureOf(settle, placement);
  settle.events.push({ kind, placement, agency: placement.agency, exposure, reason, rule: `agency:${kind === "recall" ? reason : "closure"}`, explanation });
  settle.book.release(placement.agency);
  const terms = settle.config.agencyTerms.get(placement.agency);
  if (!terms) return;
  if (follow === "wait") {
    settle.waiting.push(waitingRow(placement.customerKey, placement.source, placement.accountId, terms.tier, settle.businessDate));
    return;
  }
  const tier = terms.endOfPeriod === "next_tier" ? nextTier(terms.tier, settle.agencies) : null;
  if (tier) (settle.nextTier ??= []).push({ placement, tier });
}

/**
 * Accounts whose debt is disputed tonight: an active dispute hold, or a
 * dunning decision that put the account on hold for a dispute.
 */
async function disputedAccounts(trx: Knex.Transaction, runId: number, businessDate: string): Promise<Set<string>> {
  const holds: Row[] = await trx("holds")
    .where({ kind: "dispute" })
    .whereNull("superseded_run")
    .where("start_date", "<=", businessDate)
    .andWhere((query) => query.whereNull("end_date").orWhere("end_date", ">=", businessDate))
    .select("source", "account_id");
  const decisions: Row[] = await trx("decisions").where({ run_id: runId, rule: "hold:dispute" }).select("source", "account_id");
  return new Set([...holds, ...decisions].map((row) => `${row.source}\u0000${row.account_id}`));
}

async function exposureOf(settle: SettleContext, placement: { source: string; accountId: string }) {
  const account = await currentAccount(settle.trx, placement.source, placement.accountId);
  return accountExposure(settle.trx, settle.runId, settle.businessDate, placement.source, placement.accountId, account?.currency ?? "");
}

/** Places accounts recalled or closed tonight with an agency of the next tier, or lets them wait. */
async function placeNextTier(settle: SettleContext): Promise<number> {
  let placed = 0;
  for (const { placement, tier } of settle.nextTier ?? []) {
    const account = await currentAccount(settle.trx, placement.source, placement.accountId);
    if (!account) continue;
    const exposure = await exposureOf(settle, placement);
    const agency = pick(settle, placement.customerRef, account, exposure.currency, exposure.amountMinor, tier);
    if (agency === null) {
      settle.waiting.push(waitingRow(placement.customerKey, placement.source, placement.accountId, tier, settle.businessDate));
      continue;
    }
    settle.events.push({
      kind: "placement",
      placement,
      agency,
      exposure,
      reason: `next_tier:${tier}`,
      rule: "agency:next_tier",
      explanation: `moved on from ${placement.agency} to ${agency} in tier ${tier}`,
    });
    placed++;
  }
  return placed;
}

function pick(
  settle: SettleContext,
  customerRef: string,
  account: Row,
  currency: string,
  amountMinor: number,
  tier: AgencyTier,
): string | null {
  const request: PlacementRequest = {
    customerRef,
    account: {
      customerKey: Number(account.customer_key),
      source: account.source,
      accountId: account.account_id,
      segment: account.segment,
      country: account.country,
      contact: { region: account.region },
    },
    currency,
    amountMinor,
    tier,
  };
  const agency = selectAgency(settle.agencies, request, tier, settle.book);
  if (agency !== null) settle.book.place(agency, customerRef);
  return agency;
}

function waitingRow(customerKey: number, source: string, accountId: string, tier: AgencyTier, since: string): WaitingRow {
  return { customer_key: customerKey, source, account_id: accountId, tier, since };
}

/**
 * Retries the accounts that waited after the previous night, and adds those
 * that dunning could not place tonight. An account that no longer needs an
 * agency (cured, out of the placement stage, placed meanwhile) leaves the
 * list. An account on hold or disputed keeps waiting without a placement.
 */
async function placeWaiting(settle: SettleContext): Promise<number> {
  const { trx, businessDate } = settle;
  const previousRun: Row | undefined = await trx("runs")
    .where({ status: "committed" })
    .where("business_date", "<", businessDate)
    .orderBy("business_date", "desc")
    .first();
  const earlier: Row[] = previousRun
    ? await trx("agency_waiting").where({ run_id: previousRun.run_id }).orderBy(["customer_key", "source", "account_id"])
    : [];
  const seen = new Set(settle.waiting.map((entry) => `${entry.source}\u0000${entry.account_id}`));
  let placed = 0;
  for (const entry of earlier) {
    const key = `${entry.source}\u0000${entry.account_id}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const candidate = await waitingCandidate(settle, entry);
    if (candidate === "leave") continue;
    const agency = candidate === "hold" ? null : pick(settle, candidate.customerRef, candidate.account, candidate.exposure.currency, candidate.exposure.amountMinor, entry.tier);
    if (agency === null) {
      settle.waiting.push(waitingRow(Number(entry.customer_key), entry.source, entry.account_id, entry.tier, entry.since));
      continue;
    }
    if (candidate === "hold") continue;
    settle.events.push({
      kind: "placement",
      placement: candidate.placement,
      agency,
      exposure: candidate.exposure,
      reason: `waited:${entry.tier}`,
      rule: "agency:waiting",
      explanation: `waited for an agency of tier ${entry.tier} with room since ${entry.since}`,
    });
    placed++;
  }
  for (const request of settle.book.unplaced) {
    const key = `${request.source}\u0000${request.accountId}`;
    if (seen.has(key)) continue;
    seen.add(key);
    settle.waiting.push(waitingRow(request.customerKey, request.source, request.accountId, request.tier, businessDate));
  }
  return placed;
}

/**
 * Returns what a waiting account needs to be placed; "leave" when it no
 * longer needs an agency, "hold" when it keeps waiting without a placement.
 */
async function waitingCandidate(settle: SettleContext, entry: Row) {
  const { trx, config, runId, businessDate } = settle;
  const state: Row | undefined = await trx("account_state")
    .where({ source: entry.source, account_id: entry.account_id })
    .whereNull("superseded_run")
    .first();
  if (!state || state.agency !== null || Number(state.level) === 0) return "leave" as const;

  const strategy = config.dunning.strategies.get(state.strategy);
  const stage = strategy?.stages[Number(state.level) - 1];
  const placing = strategy?.stages
    .slice(0, Number(state.level))
    .some((candidate) => candidate.actions.some((action) => action.kind === "placement"));
  if (!stage || !placing) return "leave" as const;

  const account = await currentAccount(trx, entry.source, entry.account_id);
  if (!account) return "leave" as const;
  if (settle.disputed.has(`${entry.source}\u0000${entry.account_id}`)) return "hold" as const;
  if (await blockedByHold(trx, Number(entry.customer_key), entry.source, entry.account_id, businessDate)) {
    return "hold" as const;
  }
  const exposure = await accountExposure(trx, runId, businessDate, entry.source, entry.account_id, account.currency);
  if (exposure.amountMinor === 0) return "hold" as const;

  const customer: Row = await trx("customers").where({ customer_key: entry.customer_key }).first();
  return {
    customerRef: customer.customer_ref as string,
    account,
    exposure,
    placement: {
      customerKey: Number(entry.customer_key),
      customerRef: customer.customer_ref as string,
      source: entry.source as string,
      accountId: entry.account_id as string,
      state,
    },
  };
}

async function blockedByHold(
  trx: Knex.Transaction,
  customerKey: number,
  source: string,
  accountId: string,
  businessDate: string,
): Promise<boolean> {
  const rows: Row[] = await trx("holds").where({ customer_key: customerKey }).whereNull("superseded_run");
  const holds: Hold[] = rows.map((row) => ({
    source: row.source,
    accountId: row.account_id,
    kind: row.kind,
    startDate: row.start_date,
    endDate: row.end_date,
    promisedMinor: row.promised_minor === null ? null : Number(row.promised_minor),
    promisedDate: row.promised_date,
  }));
  return activeHolds(holds, businessDate).some(
    (hold) =>
      (hold.source === source && hold.accountId === accountId && BLOCKING_HOLDS.has(hold.kind)) ||
      CUSTOMER_HOLDS.has(hold.kind),
  );
}

/**
 * Dunning recalls a placement with the reason paid when the dunnable debt
 * falls below the exit threshold. When that happened because the debt is
 * disputed (a dispute hold, or a disputed part of the open items), the
 * agency receives the reason disputed instead. Returns the number of recalls changed.
 */
async function markDisputedRecalls(trx: Knex.Transaction, runId: number, businessDate: string): Promise<number> {
  const recalls: Row[] = await trx("placements").where({ run_id: runId, kind: "recall", reason: "paid" });
  let changed = 0;
  for (const recall of recalls) {
    const disputeHold = await trx("holds")
      .where({ source: recall.source, account_id: recall.account_id, kind: "dispute" })
      .whereNull("superseded_run")
      .where("start_date", "<=", businessDate)
      .andWhere((query) => query.whereNull("end_date").orWhere("end_date", ">=", businessDate))
      .first();
    const disputedAging = await trx("account_aging")
      .where({ run_id: runId, source: recall.source, account_id: recall.account_id })
      .where("disputed_minor", ">", 0)
      .first();
    if (!disputeHold && !disputedAging) continue;
    await trx("placements")
      .where({ run_id: runId, kind: "recall", source: recall.source, account_id: recall.account_id, agency: recall.agency })
      .update({ reason: "disputed" });
    changed++;
  }
  return changed;
}

export { placementDates, placementKey };
