// dcms reconcile: compares the ledger with one source's current extract and
// prints the totals per currency; the item differences go to reconcile.csv.

import path from "node:path";
import { InvalidArgumentError, type Command } from "commander";
import { reconcileSource, type ReconcileOutcome } from "../../jobs/reconcile.ts";
import { loadConfig } from "../config/load.ts";
import { isIsoDate } from "../dates.ts";
import { createLogger } from "../log.ts";
import { formatMoney } from "../money.ts";

function calendarDate(value: string): string {
  if (!isIsoDate(value)) throw new InvalidArgumentError(`${JSON.stringify(value)} is not a date written YYYY-MM-DD`);
  return value;
}

export function registerReconcileCommand(program: Command): void {
  program
    .command("reconcile")
    .description(
      "compare the ledger with a source's current extract (its files, or its database live): " +
        "counts and sums per currency, then item by item into reconcile.csv; exit status 3 on differences",
    )
    .requiredOption("-c, --config <file>", "configuration file (YAML)")
    .requiredOption("--source <name>", "the source to compare, as named under sources")
    .option("--as-of <date>", "compare with the ledger after the latest committed run on or before this date", calendarDate)
    .option("--out <dir>", "folder for reconcile.csv (default: <output_folder>/reconcile/<source>/<date>)")
    .option("--log-json", "log as JSON lines")
    .action(async (options) => {
      const log = createLogger({ json: options.logJson });
      const config = loadConfig(options.config);
      const outcome = await reconcileSource(config, {
        source: options.source,
        asOf: options.asOf,
        outDir: options.out ? path.resolve(options.out) : undefined,
        log,
      });
      process.stdout.write(formatReconcile(outcome) + "\n");
      process.exitCode = outcome.exitStatus;
    });
}

export function formatReconcile(outcome: ReconcileOutcome): string {
  const lines = [
    `dcms reconcile ${outcome.source} against run ${outcome.runId} (${outcome.businessDate}): ` +
      (outcome.agree ? "ledger and source agree" : "ledger and source differ"),
    "",
    "currency  source items  ledger items        source amount        ledger amount",
  ];
  for (const row of outcome.totals) {
    lines.push(
      [
        row.currency.padEnd(8),
        String(row.extractItems).padStart(13),
        String(row.ledgerItems).padStart(13),
        formatMoney(row.extractNetMinor, row.currency).padStart(20),
        formatMoney(row.ledgerNetMinor, row.currency).padStart(20),
      ].join(" "),
    );
  }
  lines.push("");
  const counts = Object.entries(outcome.differences).map(([kind, count]) => `${kind} ${count}`);
  lines.push(`items: ${counts.join(", ")}`);
  if (outcome.rowsRejected > 0) lines.push(`rejected rows in the source's extract: ${outcome.rowsRejected}`);
  lines.push(`files: ${outcome.outDir}`);
  lines.push(`exit status ${outcome.exitStatus}`);
  return lines.join("\n");
}
