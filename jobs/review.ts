// Incremental nights: which customers tonight's passes evaluate, and the
// aging and provision of the others, derived set-based from the open items
// stored at their last evaluation.
//
// A customer is evaluated again when one of its rows changed since the last
// night, or when its next review date has come. The next review date is the
// first date on which the evaluation could come out differently with the same
// rows: the day an open item falls overdue, enters the pre-due reminder
// window, or a future-dated document becomes visible. A customer with anything
// under way (a stage, a hold, unapplied credit, something overdue, a cash or
// write-off step, an account not active) is reviewed every night. Only
// customers with nothing under way are left out, and for them the passes
// would decide nothing: their aging and provision follow from their open
// items and the business date alone.

import { createHash } from "node:crypto";
import type { Knex } from "knex";
import type { Band, ResolvedConfig } from "../src/config/resolve.ts";
import { addDays, toDayNumber } from "../src/dates.ts";
import type { CustomerData } from "../src/domain.ts";
import { accountKey } from "../src/domain.ts";
import { insertRows } from "../src/ledger/db.ts";
import { previousCommittedRun } from "../src/ledger/runs.ts";
import type { AllocationPlan } from "./allocate.ts";
import type { SetOffItem } from "./age.ts";
import type { DunningPlan } from "./dun.ts";
import type { ProvisionAccumulator } from "./provision.ts";

/**
 * Tables whose rows, written or replaced tonight before the customer passes
 * (or by a command, see markForReview), mark their customer for evaluation.
 */
export const MARKING_TABLES: { table: string; versioned: boolean }[] = [
  { table: "customers", versioned: false },
  { table: "accounts", versioned: true },
  { table: "account_match_keys", versioned: true },
  { table: "customer_links", versioned: false },
  { table: "items", versioned: true },
  { table: "item_closures", versioned: false },
  { table: "source_allocations", versioned: true },
  { table: "holds", versioned: true },
  { table: "instalments", versioned: true },
  { table: "dunning_usage", versioned: false },
  { table: "write_offs", versioned: true },
  { table: "suspense", versioned: true },
  { table: "collections", versioned: true },
  { table: "autopay_stops", versioned: true },
  { table: "set_offs", versioned: true },
  { table: "payables", versioned: true },
  { table: "discounts", versioned: true },
  { table: "agency_remittances", versioned: false },
  { table: "agency_waiting", versioned: false },
];

/**
 * Tables that the agency settlement writes after the customer passes: rows
 * of the previous night there mark their customer too, since that night's
 * passes did not see them.
 */
export const LAST_NIGHT_TABLES = ["account_state", "placements", "actions", "agency_waiting"];

/**
 * Tables that only the customer passes write, from what they evaluate; a
 * customer's rows there follow from the rows of the marking tables.
 */
export const PASS_TABLES = [
  "allocations",
  "account_state",
  "account_aging",
  "decisions",
  "actions",
  "letters",
  "placements",
  "dunning_charges",
  "dunning_outcomes",
  "write_off_proposals",
  "refund_proposals",
  "customer_reviews",
  "open_items",
];

export interface Evaluation {
  mode: "full" | "incremental";
  /** The reason the night evaluates every customer; null on an incremental night. */
  reason: string | null;
  /** The latest committed run before tonight. */
  previousRun: number | null;
}

/** Returns a checksum of the inputs that every customer's evaluation depends on besides its own rows. */
export function reviewBasis(settingsChecksum: string, approvalsChecksum: string, staleSources: ReadonlySet<string>): string {
  return createHash("sha256")
    .update(settingsChecksum)
    .update("\u0000")
    .update(approvalsChecksum)
    .update("\u0000")
    .update([...staleSources].sort().join(","))
    .digest("hex");
}

export async function chooseEvaluation(
  trx: Knex.Transaction,
  businessDate: string,
  basis: string,
  options: { full: boolean; rerun: boolean },
): Promise<Evaluation> {
  const previous = await previousCommittedRun(trx, businessDate);
  const previousRun = previous ? Number(previous.run_id) : null;
  const full = (reason: string): Evaluation => ({ mode: "full", reason, previousRun });
  if (options.full) return full("requested with --full");
  if (options.rerun) return full("a rerun evaluates every customer");
  if (!previous) return full("no earlier night to continue from");
  if (!previous.evaluation) return full(`run ${previousRun} kept no review dates`);
  if (previous.review_basis !== basis) {
    return full(`the settings, the write-off approvals or the sources in use changed since run ${previousRun}`);
  }
  return { mode: "incremental", reason: null, previousRun };
}

/**
 * Fills stg_review with the customers to evaluate tonight: new customers,
 * customers whose next review date has come, customers with rows written or
 * replaced tonight, and customers that the agency settlement changed after
 * the previous night's passes.
 */
export async function queueReviews(trx: Knex.Transaction, evaluation: Evaluation, businessDate: string): Promise<void> {
  await trx("stg_review").del();
  if (evaluation.mode === "full") {
    await trx("customer_reviews").del();
    await trx("open_items").del();
    return;
  }
  const previousRun = evaluation.previousRun as number;
  const parts = [
    "select c.customer_key from customers c where not exists (select 1 from customer_reviews r where r.customer_key = c.customer_key)",
    "select customer_key from customer_reviews where next_review <= ?",
  ];
  const bindings: (string | number)[] = [businessDate];
  for (const { table, versioned } of MARKING_TABLES) {
    parts.push(`select customer_key from ${table} where run_id > ?`);
    bindings.push(previousRun);
    if (versioned) {
      parts.push(`select customer_key from ${table} where superseded_run > ?`);
      bindings.push(previousRun);
    }
  }
  for (const table of LAST_NIGHT_TABLES) {
    parts.push(`select customer_key from ${table} where run_id >= ?`);
    bindings.push(previousRun);
  }
  await trx.raw(`insert into stg_review (customer_key) select customer_key from (${parts.join(" union ")}) queued`, bindings);
}

/** Marks customers for evaluation on the next night, after a command changed their rows outside any run. */
export async function markForReview(db: Knex | Knex.Transaction, customerKeys: readonly number[]): Promise<void> {
  if (customerKeys.length === 0) return;
  await db("customer_reviews").whereIn("customer_key", customerKeys).update({ next_review: "0001-01-01" });
}

export type OpenItemRow = {
  customer_key: number;
  source: string;
  account_id: string;
  item_id: string;
  currency: string;
  customer_ref: string;
  entity: string;
  segment: string | null;
  basis_day: number;
  open_minor: number;
  disputed_minor: number;
};

export interface CustomerReview {
  customerKey: number;
  nextReview: string;
  /** The open items to derive aging and provision from until then; empty when reviewed nightly. */
  openItems: OpenItemRow[];
}

/** The results of one customer's evaluation besides its aging, for the review decision. */
export interface EvaluationOutcome {
  settled: AllocationPlan;
  setOffItems: readonly SetOffItem[];
  dunning: DunningPlan;
  /** Whether a cash or write-off step had inputs for the customer or wrote rows for it. */
  otherSteps: boolean;
  /** The earliest document or source allocation date after the business date, if any. */
  nextVisible: string | null;
}

/** Decides a customer's next review date after its evaluation tonight. */
export function reviewCustomer(
  customer: CustomerData,
  outcome: EvaluationOutcome,
  config: ResolvedConfig,
  businessDate: string,
): CustomerReview {
  const nightly: CustomerReview = { customerKey: customer.customerKey, nextReview: addDays(businessDate, 1), openItems: [] };
  const { dunning } = outcome;
  const decided =
    dunning.states.length + dunning.decisions.length + dunning.actions.length + dunning.letters.length +
    dunning.placements.length + dunning.charges.length + dunning.outcomes.length > 0;
  if (decided || outcome.otherSteps || customer.holds.length > 0) return nightly;
  for (const state of customer.states.values()) {
    if (state.level > 0 || state.suspended || state.agency !== null) return nightly;
  }
  if (customer.accounts.some((account) => account.status !== "active")) return nightly;
  if (outcome.settled.credits.some((credit) => credit.unappliedMinor !== 0)) return nightly;

  const accounts = new Map(customer.accounts.map((account) => [accountKey(account.source, account.accountId), account]));
  const businessDay = toDayNumber(businessDate);
  const preDue = config.dunning.policy.preDue;
  let next = outcome.nextVisible === null ? Number.POSITIVE_INFINITY : toDayNumber(outcome.nextVisible);
  const openItems: OpenItemRow[] = [];
  for (const entry of outcome.setOffItems) {
    if (entry.openMinor <= 0) continue;
    const account = accounts.get(accountKey(entry.item.source, entry.item.accountId));
    if (!account || entry.remainingMinor !== entry.openMinor) return nightly;
    const basisDay = businessDay - entry.daysPastDue;
    const dueDay = toDayNumber(entry.item.dueDate);
    next = Math.min(next, basisDay + 1, dueDay + 1);
    if (preDue) next = Math.min(next, dueDay - preDue.daysBefore);
    openItems.push({
      customer_key: customer.customerKey,
      source: entry.item.source,
      account_id: entry.item.accountId,
      item_id: entry.item.itemId,
      currency: entry.item.currency,
      customer_ref: customer.customerRef,
      entity: account.entity,
      segment: account.segment,
      basis_day: basisDay,
      open_minor: entry.openMinor,
      disputed_minor: entry.disputedMinor,
    });
  }
  if (next <= businessDay) return nightly;
  const nextReview = Number.isFinite(next) ? addDays(businessDate, next - businessDay) : "9999-12-31";
  return { customerKey: customer.customerKey, nextReview, openItems };
}

/** Returns the earliest document or source allocation date after the business date, per customer of a batch. */
export async function nextVisibleDates(trx: Knex.Transaction, keys: readonly number[], businessDate: string): Promise<Map<number, string>> {
  const dates = new Map<number, string>();
  const keep = (rows: { customer_key: number; date: string }[]) => {
    for (const row of rows) {
      const key = Number(row.customer_key);
      const known = dates.get(key);
      if (known === undefined || row.date < known) dates.set(key, row.date);
    }
  };
  keep(
    await trx("items")
      .select("customer_key")
      .min({ date: "document_date" })
      .whereIn("customer_key", keys)
      .whereNull("superseded_run")
      .where("status", "posted")
      .where("document_date", ">", businessDate)
      .groupBy("customer_key"),
  );
  keep(
    await trx("source_allocations")
      .select("customer_key")
      .min({ date: "date" })
      .whereIn("customer_key", keys)
      .whereNull("superseded_run")
      .where("date", ">", businessDate)
      .groupBy("customer_key"),
  );
  return dates;
}

/** Replaces the review rows of the customers evaluated in one batch. */
export async function writeReviews(trx: Knex.Transaction, reviews: readonly CustomerReview[], runId: number, replace: boolean): Promise<void> {
  const keys = reviews.map((review) => review.customerKey);
  if (replace && keys.length > 0) {
    await trx("customer_reviews").whereIn("customer_key", keys).del();
    await trx("open_items").whereIn("customer_key", keys).del();
  }
  await insertRows(
    trx,
    "customer_reviews",
    reviews.map((review) => ({ customer_key: review.customerKey, next_review: review.nextReview, run_id: runId })),
  );
  await insertRows(trx, "open_items", reviews.flatMap((review) => review.openItems));
}

function integer(value: number): string {
  if (!Number.isSafeInteger(value)) throw new Error(`not an integer: ${value}`);
  return String(value);
}

/** Returns the SQL of a bucket index for a count of days, as bandIndex computes it. */
function bandCase(bands: readonly Band[], days: string): string {
  const whens = bands
    .slice(0, -1)
    .map((band, index) => (band.maxDays === null ? null : `when ${days} <= ${integer(band.maxDays)} then ${index}`))
    .filter((text) => text !== null);
  return `case ${whens.join(" ")} else ${bands.length - 1} end`;
}

/**
 * Writes tonight's aging of the customers left out, one row per account and
 * currency, from their stored open items.
 */
export async function deriveAging(trx: Knex.Transaction, config: ResolvedConfig, runId: number, businessDate: string): Promise<void> {
  const day = integer(toDayNumber(businessDate));
  const buckets = config.buckets.map((_, index) => `cast(sum(case when band = ${index} then open_minor else 0 end) as text)`);
  const bucketJson = `'[' || ${buckets.join(" || ',' || ")} || ']'`;
  await trx.raw(
    `insert into account_aging (run_id, customer_key, source, account_id, currency, customer_ref, entity, segment,
        balance_minor, unapplied_minor, disputed_minor, buckets, overdue_minor, days_past_due_max, stage)
      select ?, customer_key, source, account_id, currency, customer_ref, entity, segment,
        sum(open_minor), 0, sum(disputed_minor), ${bucketJson},
        sum(case when days > 0 then open_minor else 0 end), max(case when days > 0 then days else 0 end), null
      from (select o.*, ${day} - basis_day as days, ${bandCase(config.buckets, `${day} - basis_day`)} as band
        from open_items o
        where not exists (select 1 from stg_review r where r.customer_key = o.customer_key)) aged
      group by customer_key, source, account_id, currency, customer_ref, entity, segment`,
    [runId],
  );
}

/** Adds the open items of the customers left out to tonight's provision. */
export async function deriveProvision(trx: Knex.Transaction, provision: ProvisionAccumulator, businessDate: string): Promise<void> {
  const businessDay = toDayNumber(businessDate);
  const groups: Record<string, any>[] = await trx("open_items as o")
    .select("entity", "segment", "currency", "basis_day")
    .sum({ open: "open_minor", disputed: "disputed_minor" })
    .whereNotExists(trx("stg_review as r").select(trx.raw("1")).whereRaw("r.customer_key = o.customer_key"))
    .groupBy("entity", "segment", "currency", "basis_day");
  for (const group of groups) {
    provision.addOpen(
      group.entity,
      group.segment,
      group.currency,
      businessDay - Number(group.basis_day),
      Number(group.open),
      Number(group.disputed),
    );
  }
}
