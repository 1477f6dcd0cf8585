// The nightly run: the passes in order inside one ledger transaction, then the
// output files rendered from what the run recorded. A run that fails leaves
// the ledger as it was; the same business date with the same inputs commits
// nothing new and renders the same files again.

import { createHash } from "node:crypto";
import path from "node:path";
import type { Knex } from "knex";
import { createCalendar, nextAllowedDay, type BusinessCalendar } from "../src/calendar.ts";
import type { ResolvedConfig } from "../src/config/resolve.ts";
import { addDays, weekday } from "../src/dates.ts";
import { describeError, RequestError } from "../src/errors.ts";
import type { RejectRow } from "../src/extract.ts";
import { insertRows, migrateLedger, openLedger } from "../src/ledger/db.ts";
import { acquireLock } from "../src/ledger/lock.ts";
import { reverseRunRows } from "../src/ledger/versioned.ts";
import type { Logger } from "../src/log.ts";
import { checkTarget, renderRunFiles } from "../src/outputs/run-files.ts";
import { checkStagedRows, rawRows, snapshotRejection } from "./consolidate.ts";
import { consolidateSource } from "./consolidate.ts";
import { runCustomerPasses } from "./customer-passes.ts";
import { clearStaging, discardStaging, extractSource, type SourceExtract } from "./extract.ts";
import { ProvisionAccumulator } from "./provision.ts";
import { checkReconciliation, postAccounting, reverseJournals } from "./post.ts";
import { WriteOffPass } from "./write-off.ts";
import { readWriteOffApprovals } from "../src/accounting/approvals.ts";
import { accountingDate } from "../src/accounting/accounting-date.ts";
import type { RunSummary, SourceSummary } from "./summary.ts";
import { loadRemittances, remittanceInputChecksum, settleAgencies } from "./agencies.ts";
import { openAgencyBook } from "../src/agencies/choice.ts";
import { deliverRunFiles } from "../src/delivery/run-delivery.ts";
import { CashPass, finishCash, readCashInputs, runCashIntake } from "./cash.ts";
import { readDunningInputs, storeDunningInputs } from "../src/dunning/inputs.ts";
import { blackoutsFor, businessDayOf } from "../src/dunning/calendar.ts";
import { runCharges } from "../src/dunning/ledger.ts";
import { chargeJournal } from "./fees.ts";
import { writeJournal } from "./post.ts";
import { chooseEvaluation, deriveAging, deriveProvision, queueReviews, reviewBasis } from "./review.ts";

export interface RunOptions {
  businessDate: string;
  outDir: string;
  dryRun?: boolean;
  rerun?: boolean;
  /** Evaluates every customer instead of only those whose rows changed or whose review date has come. */
  full?: boolean;
  log: Logger;
  /** Called with a pass name and counts while long passes work. */
  progress?: (pass: string, done: number) => void;
  /**
   * Test hook: fails the run after the named pass, or kills the process when
   * the value is kill:<pass>, to prove that the ledger stays as it was.
   */
  failAfterPass?: string;
  /** Leaves out the letter PDFs, which benchmarks time on their own. */
  skipLetterPdfs?: boolean;
}

export interface RunOutcome {
  runId: number;
  /** committed, unchanged (same date and inputs as a committed run) or dry_run. */
  result: "committed" | "unchanged" | "dry_run";
  exitStatus: 0 | 3;
  summary: RunSummary;
  outDir: string;
}

export async function runNight(config: ResolvedConfig, options: RunOptions): Promise<RunOutcome> {
  // An unusable output folder is refused before anything is committed.
  await checkTarget(path.resolve(options.outDir));
  const knex = openLedger(config.ledger);
  try {
    // The lock comes first: migrating while another run writes would wait
    // on SQLite's write lock and fail instead of reporting the held lock.
    const lock = await acquireLock(config.ledger, knex);
    await migrateLedger(knex);
    try {
      return await runLocked(knex, config, options);
    } finally {
      await lock.release();
    }
  } finally {
    await knex.destroy();
  }
}

async function latestCommitted(db: Knex | Knex.Transaction): Promise<{ run_id: number; business_date: string; input_checksum: string } | undefined> {
  return db("runs").where({ status: "committed" }).orderBy("business_date", "desc").orderBy("run_id", "desc").first();
}

async function runLocked(knex: Knex, config: ResolvedConfig, options: RunOptions): Promise<RunOutcome> {
  const { businessDate, log } = options;
  const startedAt = new Date().toISOString();
  const timings: Record<string, number> = {};
  const time = async <T>(pass: string, work: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    try {
      return await work();
    } finally {
      timings[pass] = Math.round(performance.now() - started);
      log.info("pass finished", { pass, ms: timings[pass] });
      if (options.failAfterPass === pass) throw new Error(`stopped after pass ${pass} on request`);
      // Crash-safety tests kill the process in the middle of the transaction.
      if (options.failAfterPass === `kill:${pass}`) process.kill(process.pid, "SIGKILL");
    }
  };

  const trx = await knex.transaction();
  let runId = 0;
  try {
    const [inserted] = await trx("runs")
      .insert({ business_date: businessDate, status: "running", input_checksum: "", started_at: startedAt })
      .returning("run_id");
    runId = Number(typeof inserted === "object" ? inserted.run_id : inserted);
    log.info("run started", { run: runId, business_date: businessDate, dry_run: Boolean(options.dryRun) });

    await clearStaging(trx);
    const rejects: RejectRow[] = [];
    const extracts = await time("extract", async () => {
      const results: SourceExtract[] = [];
      for (const source of config.sources) {
        results.push(await extractSource(trx, config, source, businessDate, rejects, log));
      }
      return results;
    });
    const approvals = readWriteOffApprovals(config.accounting.writeOff);
    const cashInputs = readCashInputs(config);
    const dunningInputs = readDunningInputs(config);
    const inputChecksum = createHash("sha256")
      .update(config.checksum)
      .update(approvals.checksum)
      .update(cashInputs.checksum)
      .update(dunningInputs.checksum)
      .update(extracts.map((extract) => `${extract.source}:${extract.checksum}`).join("\n"))
      .update(await remittanceInputChecksum(config))
      .digest("hex");

    const repeat = await checkRepeat(trx, businessDate, inputChecksum, Boolean(options.rerun));
    if (repeat.kind === "unchanged") {
      await trx.rollback();
      log.info("business date already committed with the same inputs; rendering its files again", {
        run: repeat.runId,
        business_date: businessDate,
      });
      const summary = await renderRunFiles(knex, config, repeat.runId, options.outDir);
      const delivery = await deliverRunFiles(knex, config, repeat.runId, options.outDir, log);
      const repeatStatus = Math.max(summary.exit_status, delivery) as 0 | 3;
      return { runId: repeat.runId, result: "unchanged", exitStatus: repeatStatus, summary, outDir: options.outDir };
    }
    const reversedRun = repeat.kind === "rerun" ? repeat.runId : null;
    const reversalLines = reversedRun === null ? [] : await reverseRun(trx, reversedRun, runId, accountingDate(config.accounting, businessDate));

    const sources: SourceSummary[] = [];
    // Accounts of a source that is disabled or whose extract failed tonight
    // keep their stage: their data is stale, so no new action is decided.
    const staleSources = await disabledSources(trx, config);
    await time("consolidate", async () => {
      for (const extract of extracts) {
        const settings = config.sources.find((source) => source.name === extract.source)!;
        const summary = await consolidateOne(trx, new Set(config.entities.keys()), settings, extract, rejects, runId);
        if (summary.status !== "loaded") staleSources.add(extract.source);
        sources.push(summary);
      }
    });
    // The intake reads the staged extracts to confirm dcms's write-backs, so it runs before they are cleared.
    const cash = await time("cash", () =>
      runCashIntake(trx, config, runId, businessDate, cashInputs, staleSources, rejects),
    );
    await clearStaging(trx);
    const remittances = await time("remittances", () => loadRemittances(trx, config, runId, businessDate, rejects, log));
    const agencyBook = await openAgencyBook(trx, config);
    await storeDunningInputs(trx, dunningInputs, runId, rejects);

    const provision = new ProvisionAccumulator(config, businessDate);
    const writeOff = await WriteOffPass.open(trx, config, runId, businessDate, staleSources, approvals);
    const calendars = serviceCalendars(config);
    const cashPass = await CashPass.open(trx, cash);
    const basis = reviewBasis(config.settingsChecksum, approvals.checksum, staleSources);
    const evaluation = await chooseEvaluation(trx, businessDate, basis, {
      full: Boolean(options.full),
      rerun: reversedRun !== null,
    });
    log.info("customers to evaluate", { evaluation: evaluation.mode, reason: evaluation.reason ?? undefined });
    await queueReviews(trx, evaluation, businessDate);
    const customerPasses = await time("customers", () =>
      runCustomerPasses(
        trx,
        config,
        runId,
        {
          config,
          businessDate,
          staleSources,
          serviceDay: (date, entity) => serviceDay(calendars.get(entity), date),
          businessDay: (date, entity) => businessDayOf(calendars.get(entity), date),
        },
        provision,
        (done) => options.progress?.("customers", done),
        writeOff,
        cashPass,
        evaluation,
      ),
    );
    if (evaluation.mode === "incremental") {
      await time("derive", async () => {
        await deriveAging(trx, config, runId, businessDate);
        await deriveProvision(trx, provision, businessDate);
      });
    }
    const customerCount = Number((await trx("customers").count({ count: "*" }).first())?.count ?? 0);
    const agingRows = Number((await trx("account_aging").where({ run_id: runId }).count({ count: "*" }).first())?.count ?? 0);
    const cashResult = await finishCash(trx, cash);
    const chargeLines = chargeJournal(config, runId, businessDate, await runCharges(trx, runId), accountingDate(config.accounting, businessDate));
    await writeJournal(trx, runId, chargeLines);
    for (const [pass, ms] of Object.entries(customerPasses.timings)) timings[pass] = Math.round(ms);
    const agencies = await time("agencies", () =>
      settleAgencies(trx, config, runId, businessDate, agencyBook, remittances, log),
    );

    const provisionResult = await time("provision", () =>
      postAccounting(trx, config, runId, businessDate, provision, writeOff, reversalLines),
    );

    await time("post", async () => {
      await insertRows(
        trx,
        "rejects",
        rejects.map((reject) => ({ run_id: runId, ...reject })),
      );
      await checkReconciliation(trx, runId, businessDate);
    });

    const exitStatus = staleSources.size > 0 ? 3 : 0;
    const summary: RunSummary = {
      run_id: runId,
      business_date: businessDate,
      status: options.dryRun ? "dry_run" : "committed",
      exit_status: exitStatus,
      rerun_of: reversedRun,
      input_checksum: inputChecksum,
      warnings: sources
        .filter((source) => source.status !== "loaded")
        .map((source) => `source ${source.source} was ${source.status}: ${source.reason}`),
      sources,
      evaluation: {
        mode: evaluation.mode,
        reason: evaluation.reason,
        customers_evaluated: customerPasses.counts.customers,
      },
      passes: {
        customers: customerCount,
        allocations_changed: customerPasses.counts.allocationsChanged,
        aging_rows: agingRows,
        decisions: customerPasses.counts.decisions,
        actions: customerPasses.counts.actions,
        letters: customerPasses.counts.letters,
        placements: customerPasses.counts.placements,
        recalls: customerPasses.counts.recalls,
        allowance_cells: provisionResult.cells.length,
        journal_lines: reversalLines.length + provisionResult.lines.length + agencies.journal.length + chargeLines.length,
        agencies: agencies.counts,
        write_off_proposals: writeOff.proposalCount,
        cash: cashResult.counts,
        awaiting_write_back: cashResult.awaitingWriteBack,
        rejects: rejects.length,
      },
      totals: {},
    };
    summary.warnings.push(...cashResult.warnings);
    await trx("runs")
      .where({ run_id: runId })
      .update({
        status: "committed",
        input_checksum: inputChecksum,
        rerun_of: reversedRun,
        evaluation: evaluation.mode,
        review_basis: basis,
        finished_at: new Date().toISOString(),
        exit_status: exitStatus,
        summary: JSON.stringify(summary),
        timings: JSON.stringify(timings),
      });
    if (reversedRun !== null) await trx("runs").where({ run_id: reversedRun }).update({ status: "superseded" });

    if (options.dryRun) {
      const rendered = await renderRunFiles(trx, config, runId, options.outDir);
      await trx.rollback();
      log.info("dry run finished; nothing committed", { run: runId });
      return { runId, result: "dry_run", exitStatus, summary: rendered, outDir: options.outDir };
    }
    await trx.commit();
    log.info("run committed", { run: runId, business_date: businessDate });
    let rendered: RunSummary;
    try {
      rendered = await time("outputs", () => renderRunFiles(knex, config, runId, options.outDir, { letterPdfs: !options.skipLetterPdfs }));
    } catch (error) {
      throw new RenderError(runId, businessDate, error);
    }
    await knex("runs").where({ run_id: runId }).update({ timings: JSON.stringify(timings) });
    const delivery = await deliverRunFiles(knex, config, runId, options.outDir, log);
    return { runId, result: "committed", exitStatus: Math.max(exitStatus, delivery) as 0 | 3, summary: rendered, outDir: options.outDir };
  } catch (error) {
    if (error instanceof RenderError) {
      log.error("run committed, but its files could not be written", { run: runId, error: describeError(error.cause) });
      throw error;
    }
    if (!trx.isCompleted()) await trx.rollback();
    await recordFailure(knex, businessDate, startedAt, error, log);
    throw error;
  }
}

/** The run committed, but rendering its files failed; the same command renders them again. */
export class RenderError extends Error {
  constructor(
    readonly runId: number,
    readonly businessDate: string,
    cause: unknown,
  ) {
    super(
      `run ${runId} for ${businessDate} was committed, but its files could not be written (${describeError(cause)}); run the same command again to render them`,
      { cause },
    );
    this.name = "RenderError";
  }
}

async function disabledSources(trx: Knex.Transaction, config: ResolvedConfig): Promise<Set<string>> {
  const enabled = new Set(config.sources.map((source) => source.name));
  const inLedger: { source: string }[] = await trx("accounts").distinct("source");
  return new Set(inLedger.map((row) => row.source).filter((source) => !enabled.has(source)));
}

type Repeat = { kind: "new" } | { kind: "unchanged"; runId: number } | { kind: "rerun"; runId: number };

async function checkRepeat(trx: Knex.Transaction, businessDate: string, inputChecksum: string, rerun: boolean): Promise<Repeat> {
  const latest = await latestCommitted(trx);
  const sameDate = await trx("runs")
    .where({ status: "committed", business_date: businessDate })
    .orderBy("run_id", "desc")
    .first();
  if (sameDate && sameDate.input_checksum === inputChecksum && !rerun) {
    return { kind: "unchanged", runId: Number(sameDate.run_id) };
  }
  if (latest && businessDate < latest.business_date) {
    throw new RequestError(
      `business date ${businessDate} is before the latest committed business date ${latest.business_date}; runs move forward only`,
    );
  }
  if (sameDate && !rerun) {
    throw new RequestError(
      `business date ${businessDate} was already run (run ${sameDate.run_id}) with different inputs; repeat it with --rerun to supersede that run`,
    );
  }
  if (rerun && !sameDate) {
    throw new RequestError(`--rerun needs a committed run for ${businessDate}, and there is none`);
  }
  if (rerun && sameDate) return { kind: "rerun", runId: Number(sameDate.run_id) };
  return { kind: "new" };
}

async function reverseRun(trx: Knex.Transaction, reversedRun: number, runId: number, businessDate: string) {
  const lines = await reverseJournals(trx, reversedRun, runId, businessDate);
  await reverseRunRows(trx, reversedRun);
  return lines;
}

async function consolidateOne(
  trx: Knex.Transaction,
  entityIds: ReadonlySet<string>,
  settings: ResolvedConfig["sources"][number],
  extract: SourceExtract,
  rejects: RejectRow[],
  runId: number,
): Promise<SourceSummary> {
  const base = {
    source: extract.source,
    rows_read: extract.rowsRead,
    accounts_changed: 0,
    items_changed: 0,
    customers_created: 0,
  };
  if (extract.status !== "loaded") {
    await trx("source_runs").insert({
      run_id: runId, source: extract.source, status: extract.status, checksum: "", rows_read: 0, rows_rejected: 0, reason: extract.error,
    });
    return { ...base, status: extract.status, rows_rejected: 0, reason: extract.error ?? "extract failed" };
  }
  const crossRejected = await checkStagedRows(trx, settings, entityIds, rejects);
  const rejected = extract.rowsRejected + crossRejected;
  const share = extract.rowsRead === 0 ? 0 : rejected / extract.rowsRead;
  const snapshotReason = share > settings.rejectThreshold ? null : await snapshotRejection(trx, settings);
  if (share > settings.rejectThreshold || snapshotReason !== null) {
    const reason = snapshotReason ?? `${rejected} of ${extract.rowsRead} rows rejected, above the threshold of ${(settings.rejectThreshold * 100).toFixed(2)} %`;
    await discardStaging(trx, extract.source);
    await trx("source_runs").insert({
      run_id: runId, source: extract.source, status: "rejected", checksum: extract.checksum,
      rows_read: extract.rowsRead, rows_rejected: rejected, reason,
    });
    return { ...base, status: "rejected", rows_rejected: rejected, reason };
  }
  const result = await consolidateSource(trx, settings, runId);
  await trx("source_runs").insert({
    run_id: runId, source: extract.source, status: "loaded", checksum: extract.checksum,
    rows_read: extract.rowsRead, rows_rejected: rejected, reason: null,
  });
  return {
    ...base,
    status: "loaded",
    rows_rejected: rejected,
    accounts_changed: result.accountsChanged,
    items_changed: result.itemsChanged,
    customers_created: result.customersCreated,
  };
}

function serviceCalendars(config: ResolvedConfig): Map<string, BusinessCalendar> {
  const calendars = new Map<string, BusinessCalendar>();
  for (const entity of config.entities.values()) {
    if (entity.country) calendars.set(entity.id, createCalendar({ country: entity.country, region: entity.region, blackouts: blackoutsFor(config, entity.id) }));
  }
  return calendars;
}

/** The first day on or after a date on which a service action may take effect. */
function serviceDay(calendar: BusinessCalendar | undefined, date: string): string {
  if (calendar) return nextAllowedDay(date, calendar);
  let day = date;
  while (weekday(day) === 0 || weekday(day) === 6) day = addDays(day, 1);
  return day;
}

async function recordFailure(knex: Knex, businessDate: string, startedAt: string, error: unknown, log: Logger): Promise<void> {
  const message = describeError(error);
  log.error("run failed; the ledger is unchanged", { business_date: businessDate, error: message });
  try {
    await knex("runs").insert({
      business_date: businessDate,
      status: "failed",
      input_checksum: "",
      started_at: startedAt,
      finished_at: new Date().toISOString(),
      exit_status: 1,
      error: message.slice(0, 2000),
    });
  } catch (recordError) {
    log.error("could not record the failed run", { error: (recordError as Error).message });
  }
}

export { rawRows };
