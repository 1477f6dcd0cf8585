// dcms deliver: sends the outbox entries that earlier runs could not deliver,
// under the ledger lock so that it never races a nightly run for the same
// entry. Exits with status 3 while an entry still waits.

import type { Command } from "commander";
import { loadConfig } from "../config/load.ts";
import type { ResolvedConfig } from "../config/resolve.ts";
import type { DeliverySummary } from "../delivery/outbox.ts";
import { deliverOutbox } from "../delivery/run-delivery.ts";
import { EXIT, RequestError } from "../errors.ts";
import { migrateLedger, openLedger } from "../ledger/db.ts";
import { acquireLock } from "../ledger/lock.ts";
import { createLogger, type Logger } from "../log.ts";

/** Sends the pending outbox entries of a configuration's ledger. */
export async function deliverPendingFiles(config: ResolvedConfig, log: Logger): Promise<DeliverySummary> {
  if (!config.delivery) {
    throw new RequestError(`configuration ${config.configPath} has no delivery: section; nothing to deliver`);
  }
  const knex = openLedger(config.ledger);
  try {
    // The lock comes first: migrating while another run writes would wait
    // on SQLite's write lock and fail instead of reporting the held lock.
    const lock = await acquireLock(config.ledger, knex);
    await migrateLedger(knex);
    try {
      return await deliverOutbox(knex, config.delivery, log);
    } finally {
      await lock.release();
    }
  } finally {
    await knex.destroy();
  }
}

/** Formats what a delivery did, one line per file still waiting. */
export function formatDeliverySummary(summary: DeliverySummary): string {
  const lines = [`delivered ${summary.delivered.length}, waiting ${summary.waiting.length}`];
  for (const entry of summary.waiting) {
    lines.push(`waiting: ${entry.target} ${entry.remoteName} (${entry.code}): ${entry.reason}`);
  }
  return lines.join("\n");
}

export function registerDeliverCommand(program: Command): void {
  program
    .command("deliver")
    .description("send the output files that earlier runs could not deliver (SFTP outbox)")
    .requiredOption("-c, --config <file>", "configuration file (YAML)")
    .option("--log-json", "log as JSON lines")
    .action(async (options) => {
      const log = createLogger({ json: options.logJson });
      const summary = await deliverPendingFiles(loadConfig(options.config), log);
      process.stdout.write(formatDeliverySummary(summary) + "\n");
      process.exitCode = summary.waiting.length > 0 ? EXIT.partial : EXIT.ok;
    });
}
