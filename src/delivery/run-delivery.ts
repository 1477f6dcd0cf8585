// Delivery of a run's files after the commit. The files that a route names
// are recorded in the outbox (a copy of each goes to the spool folder),
// then every pending entry is sent, tonight's and those that an earlier
// invocation could not deliver. run.json then lists the run's files with
// their delivery status and every entry still waiting, and the run exits
// with status 3 while anything waits.
//
// A file's outbox key is the target, "<business date>/<path>" and the
// SHA-256 of its content. Repeating or re-rendering a night writes the same
// bytes, finds the key and sends nothing. A re-run that changes a file
// records a new entry whose remote name carries a version, -v2, so the
// receiver gets the correction next to the first file instead of a
// rejected overwrite.

import { createHash } from "node:crypto";
import { createReadStream, existsSync } from "node:fs";
import { chmod, copyFile, mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Knex } from "knex";
import type { ResolvedConfig } from "../config/resolve.ts";
import type { DeliverySettings } from "./config.ts";
import { describeError } from "../errors.ts";
import { compareCodePoints } from "../outputs/csv.ts";
import type { Logger } from "../log.ts";
import { LedgerOutboxStore, type OutboxRow } from "./ledger-outbox.ts";
import { deliverPending, type DeliverySummary, type WaitingEntry } from "./outbox.ts";

/** The delivery part of run.json. */
export interface RunDeliveryReport {
  /** The run's routed files and what became of them. */
  files: { file: string; target: string; remote_name: string; status: string }[];
  /** Every outbox entry that waits for a retry, of this run or an earlier one. */
  waiting: { file: string; target: string; remote_name: string; attempts: number; next_attempt_at: string | null; code: string; reason: string }[];
}

/** Lists the files of a folder as "/"-separated paths relative to it, sorted. */
export async function runFiles(folder: string): Promise<string[]> {
  const files: string[] = [];
  const walk = async (relative: string): Promise<void> => {
    for (const entry of await readdir(path.join(folder, relative), { withFileTypes: true })) {
      const child = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await walk(child);
      else if (entry.isFile()) files.push(child);
    }
  };
  await walk("");
  return files.sort();
}

/** File name on the server: the business date before the extension, and -v<n> on corrections. */
export function remoteFileName(relative: string, businessDate: string, version: number): string {
  const base = path.posix.basename(relative);
  const dot = base.lastIndexOf(".");
  const stem = dot > 0 ? base.slice(0, dot) : base;
  const extension = dot > 0 ? base.slice(dot) : "";
  const suffix = version > 1 ? `-v${version}` : "";
  return `${stem}-${businessDate.replaceAll("-", "")}${suffix}${extension}`;
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/**
 * Records the routed files of a run's folder in the outbox and returns the
 * ids of their entries (new or already recorded), in route and file order.
 */
export async function recordRunFiles(
  knex: Knex,
  settings: DeliverySettings,
  runId: number,
  businessDate: string,
  outDir: string,
): Promise<number[]> {
  const store = new LedgerOutboxStore(knex, settings.spoolFolder);
  const files = await runFiles(outDir);
  const ids: number[] = [];
  await mkdir(settings.spoolFolder, { recursive: true, mode: 0o700 });
  for (const route of settings.routes) {
    for (const relative of files.filter((file) => route.pattern.test(file))) {
      const local = path.join(outDir, relative);
      const checksum = await sha256Of(local);
      const key = `${businessDate}/${relative}`;
      const existing: OutboxRow | undefined = await knex("outbox").where({ target: route.target, file: key, checksum }).first();
      if (existing) {
        ids.push(Number(existing.outbox_id));
        continue;
      }
      const spooled = store.spoolPath(checksum);
      if (!existsSync(spooled)) {
        const partial = `${spooled}.part-${process.pid}`;
        await copyFile(local, partial);
        await chmod(partial, 0o600);
        await rename(partial, spooled);
      }
      const versions = await knex("outbox").where({ target: route.target, file: key }).count({ count: "*" }).first();
      const [inserted] = await knex("outbox")
        .insert({
          run_id: runId,
          file: key,
          target: route.target,
          checksum,
          status: "pending",
          attempts: 0,
          remote_name: remoteFileName(relative, businessDate, Number(versions?.count ?? 0) + 1),
        })
        .returning("outbox_id");
      ids.push(Number(typeof inserted === "object" ? inserted.outbox_id : inserted));
    }
  }
  return [...new Set(ids)];
}

/** Sends every pending outbox entry and removes the spooled copies no entry needs any more. */
export async function deliverOutbox(knex: Knex, settings: DeliverySettings, log: Logger): Promise<DeliverySummary> {
  const store = new LedgerOutboxStore(knex, settings.spoolFolder);
  const summary = await deliverPending(store, settings.targets, {
    maxAttempts: settings.maxAttempts,
    backoff: settings.backoff,
    logger: log,
  });
  for (const delivered of new Set(summary.delivered.map((entry) => entry.sha256))) {
    const stillNeeded = await knex("outbox").where({ checksum: delivered }).whereNot("status", "delivered").first();
    if (!stillNeeded) await rm(store.spoolPath(delivered), { force: true });
  }
  return summary;
}

/**
 * Records and delivers a committed run's files, then adds the delivery to
 * run.json in outDir. Returns 3 when an entry waits for a retry, else 0.
 * A failure of the delivery code itself is logged and reported as waiting:
 * the run is committed and its files are in the outbox.
 */
export async function deliverRunFiles(
  knex: Knex,
  config: ResolvedConfig,
  runId: number,
  outDir: string,
  log: Logger,
): Promise<0 | 3> {
  const settings = config.delivery;
  if (!settings) return 0;
  const run = await knex("runs").where({ run_id: runId }).first();
  let report: RunDeliveryReport;
  try {
    const ids = await recordRunFiles(knex, settings, runId, run.business_date, outDir);
    const summary = await deliverOutbox(knex, settings, log);
    report = await deliveryReport(new LedgerOutboxStore(knex, settings.spoolFolder), ids, summary.waiting);
  } catch (error) {
    log.error("delivery failed; the files stay in the outbox for the next attempt", { run: runId, error: describeError(error) });
    report = {
      files: [],
      waiting: [{ file: "", target: "", remote_name: "", attempts: 0, next_attempt_at: null, code: "delivery_failed", reason: describeError(error) }],
    };
  }
  await addToRunJson(outDir, report);
  return report.waiting.length > 0 ? 3 : 0;
}

async function deliveryReport(
  store: LedgerOutboxStore,
  ids: number[],
  waiting: WaitingEntry[],
): Promise<RunDeliveryReport> {
  const rows = await store.rows(ids);
  const waitingRows = await store.rows(waiting.map((entry) => Number(entry.id)));
  const byId = new Map(waitingRows.map((row) => [String(row.outbox_id), row]));
  return {
    files: rows
      .map((row) => ({
        file: row.file,
        target: row.target,
        remote_name: row.remote_name ?? "",
        status: row.status === "delivered" ? "delivered" : "waiting",
      }))
      .sort((a, b) => compareCodePoints(a.file, b.file) || compareCodePoints(a.target, b.target)),
    waiting: waiting.map((entry) => ({
      file: byId.get(entry.id)?.file ?? "",
      target: entry.target,
      remote_name: entry.remoteName,
      attempts: entry.attempts,
      next_attempt_at: entry.nextAttemptAt,
      code: entry.code,
      reason: entry.reason,
    })),
  };
}

/** Adds the delivery report to run.json and raises its exit status to 3 while anything waits. */
async function addToRunJson(outDir: string, report: RunDeliveryReport): Promise<void> {
  const file = path.join(outDir, "run.json");
  const document = JSON.parse(await readFile(file, "utf8"));
  document.delivery = report;
  if (report.waiting.length > 0) {
    document.exit_status = Math.max(Number(document.exit_status ?? 0), 3);
    document.warnings = [
      ...(document.warnings ?? []),
      `${report.waiting.length} delivery(ies) wait for a retry; run dcms deliver or the next night to send them`,
    ];
  }
  await writeFile(file, JSON.stringify(document, null, 2) + "\n", { mode: 0o600 });
}
