// `dcms hold add` and `dcms hold end`: holds that an operator records
// between runs (a dispute taken on the phone, an exemption for a
// government account). They are written outside any run, with run_id 0, so
// that a --rerun, which deletes only the rows of the run it reverses, keeps
// them. The next run applies them.

import { markForReview } from "../../jobs/review.ts";
import { Command, InvalidArgumentError } from "commander";
import type { Knex } from "knex";
import { loadConfig } from "../config/load.ts";
import type { ResolvedConfig } from "../config/resolve.ts";
import { isIsoDate, todayIn } from "../dates.ts";
import { RequestError } from "../errors.ts";
import { HOLD_KINDS, type HoldKind } from "../extract.ts";
import { migrateLedger, openLedger } from "../ledger/db.ts";
import { acquireLock } from "../ledger/lock.ts";
import { currencyExponent, formatMoney, parseMinor } from "../money.ts";

/** run_id and superseded_run of rows written by a command rather than a run. */
export const COMMAND_RUN_ID = 0;

export interface HoldRequest {
  /** SOURCE:ACCOUNT_ID */
  account: string;
  kind: HoldKind;
  /** First day of the hold; today in the business time zone by default. */
  from?: string;
  until?: string;
  reason?: string;
  /** Decimal amount in the account's currency, for a promise to pay. */
  promisedAmount?: string;
  promisedDate?: string;
}

export interface EndHoldRequest {
  account: string;
  kind: HoldKind;
  /** Last day of the hold; today in the business time zone by default. */
  on?: string;
  /** Start date of the hold to end, when the account has several of the kind. */
  from?: string;
}

function date(value: string): string {
  if (!isIsoDate(value)) throw new InvalidArgumentError(`${JSON.stringify(value)} is not a date written YYYY-MM-DD`);
  return value;
}

function kind(value: string): HoldKind {
  if (!(HOLD_KINDS as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`${JSON.stringify(value)} is not a hold kind; use one of ${HOLD_KINDS.join(", ")}`);
  }
  return value as HoldKind;
}

function splitAccount(text: string): { source: string; accountId: string } {
  const separator = text.indexOf(":");
  if (separator <= 0 || separator === text.length - 1) {
    throw new RequestError(`--account ${JSON.stringify(text)} must be written SOURCE:ACCOUNT_ID, e.g. mobile:M-100104`);
  }
  return { source: text.slice(0, separator), accountId: text.slice(separator + 1) };
}

async function withLedger<T>(config: ResolvedConfig, work: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
  const knex = openLedger(config.ledger);
  try {
    // The lock comes first: migrating while another run writes would wait
    // on SQLite's write lock and fail instead of reporting the held lock.
    const lock = await acquireLock(config.ledger, knex);
    await migrateLedger(knex);
    try {
      return await knex.transaction(work);
    } finally {
      await lock.release();
    }
  } finally {
    await knex.destroy();
  }
}

async function findAccount(trx: Knex.Transaction, source: string, accountId: string) {
  const account = await trx("accounts").where({ source, account_id: accountId }).whereNull("superseded_run").first();
  if (!account) throw new RequestError(`account ${source}:${accountId} is not in the ledger; run the nightly job first or check the id`);
  return account as { customer_key: number; currency: string };
}

/** Records a hold; returns a line describing it. */
export async function addHold(config: ResolvedConfig, request: HoldRequest): Promise<string> {
  const { source, accountId } = splitAccount(request.account);
  const startDate = request.from ?? todayIn(config.timeZone);
  if (request.until && request.until < startDate) {
    throw new RequestError(`--until ${request.until} is before the hold's first day ${startDate}`);
  }
  const isPromise = request.kind === "promise_to_pay";
  if (isPromise && (!request.promisedAmount || !request.promisedDate)) {
    throw new RequestError("a promise to pay needs --promised-amount and --promised-date");
  }
  return withLedger(config, async (trx) => {
    const account = await findAccount(trx, source, accountId);
    let promisedMinor: number | null = null;
    if (request.promisedAmount) {
      promisedMinor = parseMinor(request.promisedAmount, currencyExponent(account.currency)) ?? null;
      if (promisedMinor === null || promisedMinor <= 0) {
        throw new RequestError(`--promised-amount ${JSON.stringify(request.promisedAmount)} is not a positive amount in ${account.currency}`);
      }
    }
    const key = { source, account_id: accountId, kind: request.kind, start_date: startDate };
    await trx("holds").where(key).whereNull("superseded_run").update({ superseded_run: COMMAND_RUN_ID });
    await trx("holds").insert({
      ...key,
      customer_key: Number(account.customer_key),
      run_id: COMMAND_RUN_ID,
      superseded_run: null,
      end_date: request.until ?? null,
      reason: request.reason?.slice(0, 200) ?? null,
      promised_minor: promisedMinor,
      promised_date: request.promisedDate ?? null,
      origin: "command",
    });
    // The next run evaluates the customer, whatever its stored review date.
    await markForReview(trx, [Number(account.customer_key)]);
    const until = request.until ? ` until ${request.until}` : "";
    const promise = promisedMinor === null ? "" : `, ${formatMoney(promisedMinor, account.currency)} ${account.currency} promised by ${request.promisedDate}`;
    return `hold ${request.kind} added to ${source}:${accountId} from ${startDate}${until}${promise}`;
  });
}

/** Ends the account's open holds of a kind on a day; returns a line describing it. */
export async function endHold(config: ResolvedConfig, request: EndHoldRequest): Promise<string> {
  const { source, accountId } = splitAccount(request.account);
  const endDate = request.on ?? todayIn(config.timeZone);
  return withLedger(config, async (trx) => {
    const account = await findAccount(trx, source, accountId);
    const open: Record<string, any>[] = await trx("holds")
      .where({ source, account_id: accountId, kind: request.kind })
      .modify((query) => {
        if (request.from) query.where("start_date", request.from);
      })
      .whereNull("superseded_run")
      .where("start_date", "<=", endDate)
      .andWhere((query) => query.whereNull("end_date").orWhere("end_date", ">", endDate));
    if (open.length === 0) {
      throw new RequestError(`account ${source}:${accountId} has no ${request.kind} hold open on ${endDate}`);
    }
    for (const hold of open) {
      const key = { source, account_id: accountId, kind: request.kind, start_date: hold.start_date };
      await trx("holds").where(key).whereNull("superseded_run").update({ superseded_run: COMMAND_RUN_ID });
      const { superseded_run: _superseded, run_id: _run, ...fields } = hold;
      await trx("holds").insert({ ...fields, run_id: COMMAND_RUN_ID, superseded_run: null, end_date: endDate, origin: "command" });
    }
    await markForReview(trx, [Number(account.customer_key)]);
    return `${open.length} ${request.kind} hold${open.length === 1 ? "" : "s"} of ${source}:${accountId} ended on ${endDate}`;
  });
}

/** Adds `dcms hold add` and `dcms hold end` to the program. */
export function registerHoldCommands(program: Command): void {
  const hold = program.command("hold").description("record or end a hold on an account between runs");
  hold
    .command("add")
    .description("put an account on hold (dispute, promise to pay, exemption, ...) from the next run on")
    .requiredOption("-c, --config <file>", "configuration file (YAML)")
    .requiredOption("--account <source:id>", "the account, as SOURCE:ACCOUNT_ID")
    .requiredOption("--kind <kind>", `one of ${HOLD_KINDS.join(", ")}`, kind)
    .option("--from <date>", "first day of the hold, YYYY-MM-DD (default: today in the business time zone)", date)
    .option("--until <date>", "last day of the hold, YYYY-MM-DD (default: open-ended)", date)
    .option("--reason <text>", "why the hold was taken; no personal data")
    .option("--promised-amount <amount>", "for a promise to pay: the amount promised, in the account's currency")
    .option("--promised-date <date>", "for a promise to pay: the day it is promised by", date)
    .action(async (options) => {
      const config = loadConfig(options.config);
      const line = await addHold(config, {
        account: options.account,
        kind: options.kind,
        from: options.from,
        until: options.until,
        reason: options.reason,
        promisedAmount: options.promisedAmount,
        promisedDate: options.promisedDate,
      });
      process.stdout.write(line + "\n");
    });
  hold
    .command("end")
    .description("end an account's open holds of a kind")
    .requiredOption("-c, --config <file>", "configuration file (YAML)")
    .requiredOption("--account <source:id>", "the account, as SOURCE:ACCOUNT_ID")
    .requiredOption("--kind <kind>", `one of ${HOLD_KINDS.join(", ")}`, kind)
    .option("--on <date>", "last day of the hold, YYYY-MM-DD (default: today in the business time zone)", date)
    .option("--from <date>", "start date of the hold to end, when there are several", date)
    .action(async (options) => {
      const config = loadConfig(options.config);
      const line = await endHold(config, { account: options.account, kind: options.kind, on: options.on, from: options.from });
      process.stdout.write(line + "\n");
    });
}
