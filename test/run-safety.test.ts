// What a nightly run guarantees when things go wrong: a failed or killed run
// leaves the ledger as it was, a second run is refused while one holds the
// lock, a repeated date with other inputs needs --rerun, a dry run commits
// nothing, and an invalid configuration lists every problem.

import { appendFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { expect } from "chai";
import pg from "pg";
import { loadConfig } from "../src/config/load.ts";
import { openLedger } from "../src/ledger/db.ts";
import { skipUnreachable } from "./support/environment.ts";
import { LEDGER_KINDS, postgresReachable, useLedger } from "./support/ledgers.ts";
import { copyFolder, readCsv, removeFolder, runCli, runDate } from "./support/run.ts";

const LEDGER_TABLES = ["runs", "accounts", "items", "allocations", "account_state", "actions", "allowances", "journal_lines", "letters"];

/** Row counts of the main ledger tables, committed runs only, to compare before and after. */
async function ledgerCounts(configPath: string): Promise<Record<string, number>> {
  const knex = openLedger(loadConfig(configPath).ledger);
  try {
    const counts: Record<string, number> = {};
    for (const table of LEDGER_TABLES) {
      const query = knex(table).count({ n: "*" });
      if (table === "runs") query.where({ status: "committed" });
      const [row] = await query;
      counts[table] = Number(row.n);
    }
    return counts;
  } finally {
    await knex.destroy();
  }
}

for (const ledger of LEDGER_KINDS) describe(`nightly run safety (${ledger} ledger)`, function () {
  let folder: string;
  let config: string;
  let dropLedger = async () => {};

  beforeEach(async function () {
    if (ledger === "postgres") {
      const unreachable = await postgresReachable();
      if (unreachable) skipUnreachable(this, "PostgreSQL on 127.0.0.1:5432", unreachable);
    }
    folder = copyFolder("fixtures/sample");
    config = path.join(folder, "dcms.yaml");
    dropLedger = await useLedger(folder, ledger);
    await runDate(config, "2026-03-31", path.join(folder, "out-0331"));
  });

  afterEach(async function () {
    await dropLedger();
    if (folder) removeFolder(folder);
  });

  it("leaves the ledger unchanged when a pass fails", async function () {
    const before = await ledgerCounts(config);
    let failure: Error | undefined;
    try {
      await runDate(config, "2026-04-14", path.join(folder, "out-0414"), { failAfterPass: "customers" });
    } catch (error) {
      failure = error as Error;
    }
    expect(failure?.message).to.equal("stopped after pass customers on request");
    expect(await ledgerCounts(config)).to.deep.equal(before);
    expect(existsSync(path.join(folder, "out-0414"))).to.equal(false);
  });

  it("leaves the ledger unchanged when the process is killed", async function () {
    const before = await ledgerCounts(config);
    const result = runCli(
      ["run", "--config", config, "--as-of", "2026-04-14", "--out", path.join(folder, "out-killed")],
      { DCMS_FAIL_AFTER_PASS: "kill:provision" },
    );
    expect(result.status).to.equal(null);
    expect(await ledgerCounts(config)).to.deep.equal(before);
    // The stale lock of the killed process does not block the next run.
    const next = runCli(["run", "--config", config, "--as-of", "2026-04-14", "--out", path.join(folder, "out-0414")]);
    expect(next.status, next.stderr).to.equal(0);
    expect((await ledgerCounts(config)).runs).to.equal(before.runs + 1);
  });

  it("refuses a second run while one holds the lock", async function () {
    let release = async () => {};
    const ledgerLocation = loadConfig(config).ledger;
    if (ledgerLocation.kind === "sqlite") {
      // The test process is alive, so a lock file naming it is held.
      writeFileSync(`${ledgerLocation.filename}.lock`, `${process.pid}\n`);
    } else {
      // The same advisory lock key that src/ledger/lock.ts takes.
      const client = new pg.Client({ connectionString: ledgerLocation.url });
      await client.connect();
      await client.query("select pg_advisory_lock($1)", [0x64636d73]);
      release = () => client.end();
    }
    try {
      const result = runCli(["run", "--config", config, "--as-of", "2026-04-01", "--out", path.join(folder, "out")]);
      expect(result.status).to.equal(4);
      expect(result.stderr).to.include("another dcms run");
    } finally {
      await release();
    }
  });

  // The file lock and SQLite's write lock only exist on the SQLite ledger.
  if (ledger === "sqlite") it("reports the lock while a run writes", async function () {
    // A running night holds its lock file and SQLite's write lock at once.
    // The second run must report the held lock (exit 4) rather than fail on
    // the database while it checks the schema.
    const location = loadConfig(config).ledger as { kind: "sqlite"; filename: string };
    const writer = new Database(location.filename);
    writer.exec("begin immediate");
    writeFileSync(`${location.filename}.lock`, `${process.pid}\n`);
    try {
      const result = runCli(["run", "--config", config, "--as-of", "2026-04-01", "--out", path.join(folder, "out")]);
      expect(result.status, result.stderr).to.equal(4);
      const explain = runCli(["explain", "--config", config, "--customer", "C-1001"]);
      expect(explain.status, explain.stderr).to.equal(0);
    } finally {
      writer.exec("rollback");
      writer.close();
    }
  });

  it("refuses the same date with other inputs unless re-run", async function () {
    const items = path.join(folder, "mobile/items.csv");
    const header = readFileSync(items, "utf8").split("\n")[0].split(",");
    const row = header.map((column) =>
      ({
        item_id: "M-INV-LATE-01",
        account_id: "M-100102",
        type: "invoice",
        document_date: "2026-03-01",
        due_date: "2026-03-15",
        currency: "EUR",
        amount: "10.00",
      })[column] ?? "",
    );
    appendFileSync(items, row.join(",") + "\n");
    const refused = runCli(["run", "--config", config, "--as-of", "2026-03-31", "--out", path.join(folder, "out-b")]);
    expect(refused.status).to.equal(2);
    expect(refused.stderr).to.include("--rerun");

    const rerun = await runDate(config, "2026-03-31", path.join(folder, "out-rerun"), { rerun: true });
    expect(rerun.result).to.equal("committed");
    expect(rerun.summary.rerun_of).to.equal(1);
    const journal = readCsv(path.join(folder, "out-rerun/journal.csv"));
    // The re-run reverses run 1's provision journal line for line, then
    // posts its own: the reversal of the 1st line credits what it debited.
    const first = readCsv(path.join(folder, "out-0331/journal.csv"));
    const reversal = journal.filter((line) => line.journal_id === `R${rerun.runId}-REV-${first[0].journal_id}`);
    expect(reversal.map((line) => [line.account_code, line.debit, line.credit])).to.deep.equal(
      first.map((line) => [line.account_code, line.credit, line.debit]),
    );
    // Jonas (C-1002) now owes the new 10.00, 16 days past due: a reminder.
    const actions = readCsv(path.join(folder, "out-rerun/actions.csv")).filter((line) => line.customer_id === "C-1002");
    expect(actions.map((line) => [line.action, line.overdue])).to.deep.equal([["letter", "10.00"]]);
  });

  it("commits nothing on a dry run", async function () {
    const before = await ledgerCounts(config);
    const outcome = await runDate(config, "2026-04-14", path.join(folder, "out-dry"), { dryRun: true });
    expect(outcome.result).to.equal("dry_run");
    expect(existsSync(path.join(folder, "out-dry/aging.csv"))).to.equal(true);
    expect(await ledgerCounts(config)).to.deep.equal(before);
  });

  it("lists every configuration problem with its key path", function () {
    const text = readFileSync(config, "utf8")
      .replace("days_past_due: 30", "days_past_due: 5")
      .replace("wait_days: 17", "wait_days: 3")
      .replace("business_time_zone: Europe/Berlin", "business_time_zone: Mars/Olympus");
    writeFileSync(config, text);
    const result = runCli(["run", "--config", config, "--as-of", "2026-04-01"]);
    expect(result.status).to.equal(2);
    expect(result.stderr).to.include("business_time_zone: Mars/Olympus is not an IANA time zone");
    expect(result.stderr).to.include("dunning.strategies.standard.stages[1].days_past_due: must be greater than the previous stage's 10");
    expect(result.stderr).to.include("dunning.strategies.standard.stages[2].wait_days: 3 is shorter than the notice period plus postal days (14 + 3 = 17)");
  });
});
