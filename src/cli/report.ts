// The reporting commands: `dcms report` writes the month-end workbook and
// page from the ledger, `dcms prune` deletes aging snapshots older than the
// configured retention.

import { InvalidArgumentError, type Command } from "commander";
import { loadConfig } from "../config/load.ts";
import { isIsoDate } from "../dates.ts";
import { createLogger } from "../log.ts";
import { pruneHistory, writeMonthEndReport } from "../../jobs/report.ts";

function isoDate(value: string): string {
  if (!isIsoDate(value)) throw new InvalidArgumentError(`${JSON.stringify(value)} is not a date written YYYY-MM-DD`);
  return value;
}

export function registerReportCommands(program: Command): void {
  program
    .command("report")
    .description("write the month-end pack (XLSX workbook and HTML page) from the committed runs of a period")
    .requiredOption("-c, --config <file>", "configuration file (YAML)")
    .requiredOption("--as-of <date>", "last business date of the period, YYYY-MM-DD", isoDate)
    .option("--from <date>", "business date that opens the period, YYYY-MM-DD (default: the last day of the month before --as-of)", isoDate)
    .option("--out <dir>", "folder for the workbook and the page (default: <output_folder>/reports/<as-of>)")
    .option("--log-json", "log as JSON lines")
    .action(async (options) => {
      const log = createLogger({ json: options.logJson });
      const config = loadConfig(options.config);
      const outcome = await writeMonthEndReport(config, {
        asOf: options.asOf,
        from: options.from,
        outDir: options.out,
        log,
      });
      const { opening, closing } = outcome.report.period;
      process.stdout.write(
        `month-end pack ${opening.businessDate} to ${closing.businessDate}\n` +
          `  ${outcome.workbookFile}\n  ${outcome.pageFile}\n`,
      );
    });

  program
    .command("prune")
    .description("delete the aging snapshots of runs older than reports.retention_days; the latest committed run keeps its own")
    .requiredOption("-c, --config <file>", "configuration file (YAML)")
    .option("--log-json", "log as JSON lines")
    .action(async (options) => {
      const log = createLogger({ json: options.logJson });
      const config = loadConfig(options.config);
      const result = await pruneHistory(config, log);
      process.stdout.write(
        result.cutoffDate === null
          ? "no committed run: nothing to prune\n"
          : `deleted ${result.rowsDeleted} aging rows of ${result.runsPruned} runs before ${result.cutoffDate}\n`,
      );
    });
}
