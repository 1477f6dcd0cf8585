// `dcms report` and `dcms prune`. The report reads committed runs from the
// ledger in one read transaction and writes the month-end workbook and page
// into a temporary folder that replaces the output folder only when both are
// written. Prune deletes aging snapshots older than the retention under the
// run lock, so it never races a nightly run.

import { existsSync } from "node:fs";
import { mkdir, readdir, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { ResolvedConfig } from "../src/config/resolve.ts";
import { RequestError } from "../src/errors.ts";
import { migrateLedger, openLedger } from "../src/ledger/db.ts";
import { acquireLock } from "../src/ledger/lock.ts";
import type { Logger } from "../src/log.ts";
import { buildMonthEndReport, type MonthEndReport } from "../src/reports/build.ts";
import { agingTrendChart, dsoTrendChart, funnelChart, rollRateChart, type Chart } from "../src/reports/charts.ts";
import { renderPage } from "../src/reports/html.ts";
import { defaultFrom } from "../src/reports/period.ts";
import { pruneAgingSnapshots, type PruneResult } from "../src/reports/retention.ts";
import { reportTables } from "../src/reports/tables.ts";
import { renderWorkbook } from "../src/reports/xlsx.ts";

export interface ReportOptions {
  asOf: string;
  /** Start of the period; the last day of the month before asOf when absent. */
  from?: string;
  /** Output folder; <output_folder>/reports/<asOf> when absent. */
  outDir?: string;
  log: Logger;
}

export interface ReportOutcome {
  outDir: string;
  workbookFile: string;
  pageFile: string;
  report: MonthEndReport;
}

function requireLedger(config: ResolvedConfig): void {
  if (config.ledger.kind === "sqlite" && !existsSync(config.ledger.filename)) {
    throw new RequestError(`ledger ${config.ledger.filename} does not exist; run dcms run first`);
  }
}

export async function writeMonthEndReport(config: ResolvedConfig, options: ReportOptions): Promise<ReportOutcome> {
  requireLedger(config);
  const from = options.from ?? defaultFrom(options.asOf);
  const outDir = path.resolve(options.outDir ?? path.join(config.outputFolder, "reports", options.asOf));
  const started = performance.now();
  options.log.info("report started", { from, as_of: options.asOf });
  const knex = openLedger(config.ledger);
  let report: MonthEndReport;
  try {
    report = await knex.transaction((trx) => buildMonthEndReport(trx, config, from, options.asOf));
  } finally {
    await knex.destroy();
  }
  const closingDate = report.period.closing.businessDate;
  const tables = reportTables(report);
  const workbook = await renderWorkbook(tables, closingDate);
  const page = renderPage(report, tables, reportCharts(report, config));

  const workbookFile = `month-end-${closingDate}.xlsx`;
  const pageFile = `month-end-${closingDate}.html`;
  await replaceFolder(outDir, async (folder) => {
    await writeFile(path.join(folder, workbookFile), workbook, { mode: 0o600 });
    await writeFile(path.join(folder, pageFile), page, { mode: 0o600 });
  });
  options.log.info("report written", {
    out: outDir,
    opening: report.period.opening.businessDate,
    closing: closingDate,
    runs: report.period.runs.length,
    ms: Math.round(performance.now() - started),
  });
  return { outDir, workbookFile: path.join(outDir, workbookFile), pageFile: path.join(outDir, pageFile), report };
}

function reportCharts(report: MonthEndReport, config: ResolvedConfig): Chart[] {
  const charts: Chart[] = [];
  report.agingTrend.forEach((trend, index) => charts.push(agingTrendChart(trend, report.bucketLabels, index)));
  report.rollRates.forEach((matrix, index) => charts.push(rollRateChart(matrix, index)));
  report.dsoTrend.forEach((trend, index) => charts.push(dsoTrendChart(trend, index)));
  const funnelCurrencies = new Set(report.funnel.flatMap((row) => Object.keys(row.overdueMinor)));
  if (funnelCurrencies.size === 0) funnelCurrencies.add([...config.entities.values()][0].functionalCurrency);
  [...funnelCurrencies].sort().forEach((currency, index) => charts.push(funnelChart(report.funnel, currency, index)));
  return charts;
}

/**
 * Writes files into a temporary folder beside the target and swaps it into
 * place. A target that contains anything but an earlier report is rejected.
 */
async function replaceFolder(target: string, write: (folder: string) => Promise<void>): Promise<void> {
  if (existsSync(target)) {
    const foreign = (await readdir(target)).filter((name) => !/^month-end-\d{4}-\d{2}-\d{2}\.(xlsx|html)$/.test(name));
    if (foreign.length > 0) {
      throw new RequestError(`output folder ${target} contains files other than a month-end report (${foreign[0]}); choose an empty folder with --out`);
    }
  }
  const temporary = `${target}.tmp-${process.pid}`;
  await rm(temporary, { recursive: true, force: true });
  await mkdir(temporary, { recursive: true, mode: 0o700 });
  try {
    await write(temporary);
    await mkdir(path.dirname(target), { recursive: true });
    if (existsSync(target)) {
      const previous = `${target}.old-${process.pid}`;
      await rename(target, previous);
      await rename(temporary, target);
      await rm(previous, { recursive: true, force: true });
    } else {
      await rename(temporary, target);
    }
  } finally {
    await rm(temporary, { recursive: true, force: true });
  }
}

/** Deletes aging snapshots older than reports.retention_days, under the run lock. */
export async function pruneHistory(config: ResolvedConfig, log: Logger): Promise<PruneResult> {
  const retentionDays = config.reports.retentionDays;
  if (retentionDays === null) {
    throw new RequestError("reports.retention_days is not set in the configuration, so every aging snapshot is kept; set it to prune");
  }
  requireLedger(config);
  const knex = openLedger(config.ledger);
  try {
    // The lock comes first: migrating while another run writes would wait
    // on SQLite's write lock and fail instead of reporting the held lock.
    const lock = await acquireLock(config.ledger, knex);
    await migrateLedger(knex);
    try {
      const result = await knex.transaction((trx) => pruneAgingSnapshots(trx, retentionDays));
      log.info("aging snapshots pruned", {
        retention_days: retentionDays,
        cutoff: result.cutoffDate,
        runs: result.runsPruned,
        rows: result.rowsDeleted,
      });
      return result;
    } finally {
      await lock.release();
    }
  } finally {
    await knex.destroy();
  }
}
