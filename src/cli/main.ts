// The dcms command line. Commands validate their options, call the jobs and
// print results; bin/dcms.js maps errors to exit statuses.

import path from "node:path";
import { Command, CommanderError, InvalidArgumentError } from "commander";
import { loadConfig } from "../config/load.ts";
import { isIsoDate, todayIn } from "../dates.ts";
import { EXIT, RequestError } from "../errors.ts";
import { createLogger } from "../log.ts";
import { runNight } from "../../jobs/nightly-run.ts";
import { explainCustomer } from "../../jobs/explain.ts";
import { createProgress } from "./progress.ts";
import { formatRunSummary } from "./summary.ts";
import { registerReportCommands } from "./report.ts";
import { registerHoldCommands } from "./hold.ts";
import { registerDeliverCommand } from "./deliver.ts";
import { registerReconcileCommand } from "./reconcile.ts";

const EXIT_HELP = `
Exit status:
  0  success (rejected rows below a source's threshold are listed in rejects.csv)
  1  the run failed and nothing was committed
  2  invalid command line, configuration or request
  3  committed, but a whole source was rejected or a delivery waits for a retry
     (reconcile: differences found)
  4  another run holds the ledger lock`;

function businessDate(value: string): string {
  if (!isIsoDate(value)) throw new InvalidArgumentError(`${JSON.stringify(value)} is not a date written YYYY-MM-DD`);
  return value;
}

export function buildProgram(): Command {
  const program = new Command("dcms")
    .description("Dunning and collections over several billing systems, as a nightly batch")
    .showHelpAfterError()
    .addHelpText("after", EXIT_HELP)
    .exitOverride();

  program
    .command("run")
    .description("run the nightly passes for one business date and write the run's files")
    .requiredOption("-c, --config <file>", "configuration file (YAML)")
    .option("--as-of <date>", "business date YYYY-MM-DD (default: today in the business time zone)", businessDate)
    .option("--out <dir>", "folder for the run's files (default: output_folder of the configuration)")
    .option("--dry-run", "compute and write the files, commit nothing, deliver nothing")
    .option("--rerun", "supersede the committed run of the latest business date with new inputs")
    .option("--full", "evaluate every customer, not only those whose data changed or whose review date has come")
    .option("--log-json", "log as JSON lines")
    .addHelpText("after", EXIT_HELP)
    .action(async (options) => {
      const log = createLogger({ json: options.logJson });
      const config = loadConfig(options.config);
      const asOf: string = options.asOf ?? todayIn(config.timeZone);
      const outDir = options.out ? path.resolve(options.out) : config.outputFolder;
      const progress = createProgress(log, () => 0);
      try {
        const outcome = await runNight(config, {
          businessDate: asOf,
          outDir,
          dryRun: Boolean(options.dryRun),
          rerun: Boolean(options.rerun),
          full: Boolean(options.full),
          log,
          progress: progress.update,
          failAfterPass: process.env.DCMS_FAIL_AFTER_PASS,
        });
        progress.stop();
        process.stdout.write(formatRunSummary(outcome) + "\n");
        process.exitCode = outcome.exitStatus;
      } finally {
        progress.stop();
      }
    });

  program
    .command("explain")
    .description("print a customer's history of stages, actions and their reasons")
    .requiredOption("-c, --config <file>", "configuration file (YAML)")
    .requiredOption("--customer <id>", "customer id as in aging.csv, or source:account_id")
    .option("--as-of <date>", "show runs up to this business date", businessDate)
    .action(async (options) => {
      const config = loadConfig(options.config);
      const text = await explainCustomer(config, options.customer, options.asOf);
      process.stdout.write(text + "\n");
    });

  registerReportCommands(program);
  registerHoldCommands(program);
  registerDeliverCommand(program);
  registerReconcileCommand(program);
  // Every command lists the exit statuses in its help, as `dcms --help` does.
  const withExitHelp = (command: Command) => {
    for (const sub of command.commands) {
      if (sub.name() !== "run") sub.addHelpText("after", EXIT_HELP);
      withExitHelp(sub);
    }
  };
  withExitHelp(program);
  return program;
}

/** Runs the command line and returns the exit status. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: "user" });
    return typeof process.exitCode === "number" ? process.exitCode : EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? EXIT.ok : EXIT.invalidRequest;
    }
    throw error;
  }
}

export { RequestError };
