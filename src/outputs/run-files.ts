// Renders a run's output files from what the run recorded in the ledger, into
// a temporary folder that replaces the output folder only when every file is
// written. Rendering the same committed run again writes the same bytes.

import { access, chmod, mkdir, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { constants, existsSync } from "node:fs";
import path from "node:path";
import type { Knex } from "knex";
import type { ResolvedConfig } from "../config/resolve.ts";
import { RequestError } from "../errors.ts";
import { formatMoney } from "../money.ts";
import type { RunSummary } from "../../jobs/summary.ts";
import { writeCsvFile, type CsvColumn } from "./csv.ts";
import { writeLinksFile } from "./links.ts";
import { writePlacementFiles } from "./placement-files.ts";
import { writeLetterFiles } from "./contacts.ts";
import { writeBureauFile } from "./bureau-files.ts";
import { writeAgencyPerformance } from "../agencies/performance.ts";
import { writeCashFiles } from "../cash/output-files.ts";
import { writeAccountingFiles } from "../accounting/output-files.ts";
import { compareCodePoints } from "./csv.ts";

type Db = Knex | Knex.Transaction;
type Row = Record<string, any>;

const PAGE_ROWS = 5000;

/** Yields the rows of a query page by page, in the query's order. */
async function* pagedRows(query: () => Knex.QueryBuilder): AsyncGenerator<Row> {
  // NOTE: offset paging re-reads skipped rows; fine for tens of thousands of
  // rows, replace with keyset paging on the order columns for large ledgers.
  for (let offset = 0; ; offset += PAGE_ROWS) {
    const rows: Row[] = await query().limit(PAGE_ROWS).offset(offset);
    yield* rows;
    if (rows.length < PAGE_ROWS) return;
  }
}

function agingColumns(config: ResolvedConfig): CsvColumn<Row>[] {
  const money = (name: string, column: string): CsvColumn<Row> => ({
    name,
    kind: "amount",
    value: (row) => formatMoney(Number(row[column]), row.currency),
  });
  return [
    { name: "source", kind: "text", value: (row) => row.source },
    { name: "account_id", kind: "text", value: (row) => row.account_id },
    { name: "customer_id", kind: "text", value: (row) => row.customer_ref },
    { name: "entity", kind: "text", value: (row) => row.entity },
    { name: "currency", kind: "text", value: (row) => row.currency },
    money("balance", "balance_minor"),
    money("unapplied", "unapplied_minor"),
    money("disputed", "disputed_minor"),
    ...config.buckets.map(
      (bucket, index): CsvColumn<Row> => ({
        name: bucket.label,
        kind: "amount",
        value: (row) => formatMoney((JSON.parse(row.buckets) as number[])[index] ?? 0, row.currency),
      }),
    ),
    money("overdue", "overdue_minor"),
    { name: "days_past_due_max", kind: "integer", value: (row) => Number(row.days_past_due_max) },
    { name: "stage", kind: "text", value: (row) => row.stage },
  ];
}

const ACTION_COLUMNS: CsvColumn<Row>[] = [
  { name: "source", kind: "text", value: (row) => row.source },
  { name: "account_id", kind: "text", value: (row) => row.account_id },
  { name: "customer_id", kind: "text", value: (row) => row.customer_ref },
  { name: "stage_before", kind: "text", value: (row) => row.stage_before },
  { name: "stage", kind: "text", value: (row) => row.stage },
  { name: "action", kind: "text", value: (row) => row.action },
  { name: "channel", kind: "text", value: (row) => row.channel },
  { name: "effective_date", kind: "date", value: (row) => row.effective_date },
  { name: "currency", kind: "text", value: (row) => row.currency },
  { name: "overdue", kind: "amount", value: (row) => formatMoney(Number(row.overdue_minor), row.currency) },
  { name: "days_past_due", kind: "integer", value: (row) => Number(row.days_past_due) },
  { name: "rule", kind: "text", value: (row) => row.rule },
  { name: "reason", kind: "text", value: (row) => row.reason },
  { name: "agency", kind: "text", value: (row) => row.agency },
  { name: "strategy", kind: "text", value: (row) => row.strategy },
];

const PROVISION_COLUMNS: CsvColumn<Row>[] = [
  { name: "entity", kind: "text", value: (row) => row.entity },
  { name: "segment", kind: "text", value: (row) => row.segment },
  { name: "bucket", kind: "text", value: (row) => row.bucket },
  { name: "base", kind: "amount", value: (row) => formatMoney(Number(row.base_minor), row.currency) },
  { name: "rate", kind: "rate", value: (row) => row.rate },
  { name: "allowance", kind: "amount", value: (row) => formatMoney(Number(row.allowance_minor), row.currency) },
  { name: "currency", kind: "text", value: (row) => row.currency },
];

const JOURNAL_COLUMNS: CsvColumn<Row>[] = [
  { name: "journal_id", kind: "text", value: (row) => row.journal_id },
  { name: "line", kind: "integer", value: (row) => Number(row.line) },
  { name: "entity", kind: "text", value: (row) => row.entity },
  { name: "accounting_date", kind: "date", value: (row) => row.accounting_date },
  { name: "account_code", kind: "text", value: (row) => row.account_code },
  { name: "debit", kind: "amount", value: (row) => formatMoney(Number(row.debit_minor), row.currency) },
  { name: "credit", kind: "amount", value: (row) => formatMoney(Number(row.credit_minor), row.currency) },
  { name: "currency", kind: "text", value: (row) => row.currency },
  { name: "entered_currency", kind: "text", value: (row) => row.entered_currency },
  { name: "entered_amount", kind: "amount", value: (row) => formatMoney(Number(row.entered_minor), row.entered_currency) },
  { name: "rate", kind: "rate", value: (row) => row.rate },
  { name: "description", kind: "text", value: (row) => row.description },
  { name: "cost_centre", kind: "text", value: (row) => row.cost_centre },
  { name: "segment", kind: "text", value: (row) => row.segment },
];

const REJECT_COLUMNS: CsvColumn<Row>[] = [
  { name: "source", kind: "text", value: (row) => row.source },
  { name: "file", kind: "text", value: (row) => row.file },
  { name: "line", kind: "integer", value: (row) => Number(row.line) },
  { name: "field", kind: "text", value: (row) => row.field },
  { name: "code", kind: "text", value: (row) => row.code },
  { name: "message", kind: "text", value: (row) => row.message },
];

/** Rows of the allowance that was current once the run had finished. */
export function allowancesAfterRun(db: Db, runId: number): Knex.QueryBuilder {
  return db("allowances")
    .where("run_id", "<=", runId)
    .andWhere((query) => query.whereNull("superseded_run").orWhere("superseded_run", ">", runId));
}

/** Renders every output file of a run into outDir; returns the run summary with totals. */
export async function renderRunFiles(
  db: Db,
  config: ResolvedConfig,
  runId: number,
  outDir: string,
  options: { letterPdfs?: boolean } = {},
): Promise<RunSummary> {
  const run = await db("runs").where({ run_id: runId }).first();
  if (!run?.summary) throw new RequestError(`run ${runId} has no summary to render`);
  const summary = JSON.parse(run.summary) as RunSummary;
  const target = path.resolve(outDir);
  await checkTarget(target);
  const temporary = `${target}.tmp-${process.pid}`;
  await rm(temporary, { recursive: true, force: true });
  await mkdir(temporary, { recursive: true, mode: 0o700 });

  await writeCsvFile(
    path.join(temporary, "aging.csv"),
    agingColumns(config),
    pagedRows(() => db("account_aging").where({ run_id: runId }).orderBy(["source", "account_id", "currency"])),
  );
  await writeCsvFile(
    path.join(temporary, "actions.csv"),
    ACTION_COLUMNS,
    pagedRows(() => db("actions").where({ run_id: runId }).orderBy(["source", "account_id", "action", "effective_date"])),
  );
  const allowances: Row[] = await allowancesAfterRun(db, runId).orderBy(["entity", "segment", "bucket"]);
  const bandOrder = new Map(config.provision.bands.map((band, index) => [band.label, index]));
  allowances.sort(
    (a, b) =>
      compareCodePoints(a.entity, b.entity) ||
      compareCodePoints(a.segment, b.segment) ||
      (bandOrder.get(a.bucket) ?? bandOrder.size) - (bandOrder.get(b.bucket) ?? bandOrder.size) ||
      compareCodePoints(a.bucket, b.bucket),
  );
  await writeCsvFile(path.join(temporary, "provision.csv"), PROVISION_COLUMNS, allowances);
  const journal: Row[] = await db("journal_lines").where({ run_id: runId }).orderBy(["journal_id", "line"]);
  await writeCsvFile(path.join(temporary, "journal.csv"), JOURNAL_COLUMNS, journal);
  await writeAccountingFiles(db, config, runId, temporary);
  await writeCashFiles(db, config, runId, temporary);
  await writeCsvFile(
    path.join(temporary, "rejects.csv"),
    REJECT_COLUMNS,
    pagedRows(() => db("rejects").where({ run_id: runId }).orderBy(["source", "file", "line", "field", "code"])),
  );
  await writeLinksFile(db, runId, path.join(temporary, "links.csv"));

  const letters: Row[] = await db("letters").where({ run_id: runId }).orderBy("letter_id");
  await writeLetterFiles(db, config, runId, letters, temporary, { pdfs: options.letterPdfs !== false });
  const placements: Row[] = await db("placements").where({ run_id: runId }).orderBy(["agency", "source", "account_id", "kind"]);
  await writePlacementFiles(db, config, runId, placements, path.join(temporary, "placements"));
  if (config.agencies.length > 0) await writeAgencyPerformance(db, runId, path.join(temporary, "agency_performance.csv"));
  await writeBureauFile(db, config, runId, temporary);

  summary.totals = await runTotals(db, runId, allowances, journal);
  const timings = run.timings ? JSON.parse(run.timings) : {};
  const document = {
    ...summary,
    started_at: run.started_at,
    finished_at: run.finished_at,
    durations_ms: timings,
  };
  await writeFile(path.join(temporary, "run.json"), JSON.stringify(document, null, 2) + "\n", { mode: 0o600 });
  await restrictFiles(temporary);
  await replaceFolder(temporary, target);
  return summary;
}

async function runTotals(db: Db, runId: number, allowances: Row[], journal: Row[]): Promise<Record<string, unknown>> {
  const aging: Row[] = await db("account_aging")
    .where({ run_id: runId })
    .select("currency")
    .sum({ balance: "balance_minor", overdue: "overdue_minor", unapplied: "unapplied_minor", disputed: "disputed_minor" })
    .count({ accounts: "*" })
    .groupBy("currency")
    .orderBy("currency");
  const allowanceMinor = new Map<string, { currency: string; minor: number }>();
  for (const row of allowances) {
    const key = `${row.entity} ${row.currency}`;
    const entry = allowanceMinor.get(key) ?? { currency: row.currency, minor: 0 };
    entry.minor += Number(row.allowance_minor);
    allowanceMinor.set(key, entry);
  }
  const allowanceByEntity = Object.fromEntries(
    [...allowanceMinor].map(([key, entry]) => [key, formatMoney(entry.minor, entry.currency)]),
  );
  const debits: Record<string, number> = {};
  for (const row of journal) debits[row.currency] = (debits[row.currency] ?? 0) + Number(row.debit_minor);
  return {
    aging: Object.fromEntries(
      aging.map((row) => [
        row.currency,
        {
          accounts: Number(row.accounts),
          balance: formatMoney(Number(row.balance), row.currency),
          overdue: formatMoney(Number(row.overdue), row.currency),
          unapplied: formatMoney(Number(row.unapplied), row.currency),
          disputed: formatMoney(Number(row.disputed), row.currency),
        },
      ]),
    ),
    allowance: allowanceByEntity,
    journal_debits: Object.fromEntries(Object.entries(debits).map(([currency, minor]) => [currency, formatMoney(minor, currency)])),
  };
}

/** Rejects an output folder that contains something other than a previous run's files. */
export async function checkTarget(target: string): Promise<void> {
  if (!existsSync(target)) {
    const parent = path.dirname(target);
    try {
      await mkdir(parent, { recursive: true });
      await access(parent, constants.W_OK);
    } catch (error) {
      throw new RequestError(`output folder ${target} cannot be created: ${(error as Error).message}`);
    }
    return;
  }
  if (!(await stat(target)).isDirectory()) {
    throw new RequestError(`output folder ${target} is a file; choose a folder`);
  }
  const entries = await readdir(target);
  if (entries.length > 0 && !entries.includes("run.json")) {
    throw new RequestError(
      `output folder ${target} is not empty and contains no run.json from an earlier run; choose an empty folder`,
    );
  }
}

/** Output files are readable by their owner only: they carry personal data. */
async function restrictFiles(folder: string): Promise<void> {
  for (const entry of await readdir(folder, { withFileTypes: true })) {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) {
      await chmod(full, 0o700);
      await restrictFiles(full);
    } else {
      await chmod(full, 0o600);
    }
  }
}

async function replaceFolder(temporary: string, target: string): Promise<void> {
  await mkdir(path.dirname(target), { recursive: true });
  if (existsSync(target)) {
    const previous = `${target}.old-${process.pid}`;
    await rename(target, previous);
    await rename(temporary, target);
    await rm(previous, { recursive: true, force: true });
  } else {
    await rename(temporary, target);
  }
}
