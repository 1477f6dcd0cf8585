// npm run bench: times the nightly run on a synthetic operator against two
// reference pipelines on the same files, at each size in BENCH_ACCOUNTS
// (accounts, comma-separated; about ten items each). Prints a Markdown table
// for docs/benchmarks.md.
//
//   BENCH_ACCOUNTS=10000,100000 npm run bench
//
// The sources are deltas (mode: delta): the first night reads every row, the
// second only the rows that changed (bench/changes.ts). The second night runs
// twice on copies of the first night's ledger, incrementally and with --full,
// and the two must write the same files.
//
// With BENCH_PG=1 it also times the load into PostgreSQL, at the sizes in
// BENCH_PG_ACCOUNTS (default: all): a raw COPY of the
// items files against the extract and consolidate passes of a dcms night on a
// PostgreSQL ledger, each in a database created for it and dropped after
// (on BENCH_PG_URL, by default postgres://postgres@127.0.0.1:5432/postgres).

import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { benchConfig, BUSINESS_DATE, createBenchDatabase, generateOperator } from "./generate.ts";
import { runSecondNights } from "./second-night.ts";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const WORK = path.join(HERE, "work");

function child(script: string, args: string[]): Record<string, any> {
  const result = spawnSync(process.execPath, ["--import", "tsx", "--max-old-space-size=4096", path.join(HERE, script), ...args], {
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0) throw new Error(`${script} failed (${result.status}): ${result.stderr.slice(-2000)}`);
  const lines = result.stdout.trim().split("\n");
  return JSON.parse(lines[lines.length - 1]);
}

/**
 * Loads the operator's files into PostgreSQL twice, with a raw COPY and with
 * a dcms night on a new ledger, and returns a row of the PostgreSQL table.
 */
async function postgresLoad(folder: string, accounts: number, items: number): Promise<string> {
  const copy = child("reference-pg.ts", [folder]);
  const database = await createBenchDatabase(`dcms_bench_${process.pid}_night`);
  let night: Record<string, any>;
  try {
    const config = path.join(folder, "dcms-pg.yaml");
    writeFileSync(config, deltaConfig(database.url));
    night = child("night.ts", [config, BUSINESS_DATE, path.join(folder, "out-pg")]);
  } finally {
    await database.drop();
  }
  const extractMs: number = night.durations.extract;
  const consolidateMs: number = night.durations.consolidate;
  const loadMs = extractMs + consolidateMs;
  const ratio = (loadMs / copy.loadMs).toFixed(2);
  console.error(JSON.stringify({ accounts, items, copyMs: copy.loadMs, copyAndAgingMs: copy.wallMs, extractMs, consolidateMs, ratio, nightMs: night.wallMs }));
  console.error(`passes of the PostgreSQL night (ms): ${JSON.stringify(night.durations)}`);
  return `| ${accounts.toLocaleString("en")} | ${items.toLocaleString("en")} | ${copy.loadMs} | ${copy.wallMs} | ${extractMs} | ${consolidateMs} | ${loadMs} | ${ratio} | ${night.wallMs} |`;
}

const withPostgres = process.env.BENCH_PG === "1";
const postgresRows: string[] = [];
const sizes = (process.env.BENCH_ACCOUNTS ?? "10000").split(",").map(Number);
const postgresSizes = process.env.BENCH_PG_ACCOUNTS ? process.env.BENCH_PG_ACCOUNTS.split(",").map(Number) : sizes;

function deltaConfig(ledger: string): string {
  return benchConfig(ledger).replaceAll("customer_ids: global }", "customer_ids: global, mode: delta }");
}
const results: string[] = [];
for (const accounts of sizes) {
  const folder = path.join(WORK, String(accounts));
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(folder, { recursive: true });
  const operator = await generateOperator(folder, accounts);
  writeFileSync(path.join(folder, "dcms.yaml"), deltaConfig("ledger.sqlite"));
  const config = path.join(folder, "dcms.yaml");

  const sqlite = child("reference-sqlite.ts", [folder]);
  const duckdb = child("reference-duckdb.ts", [folder]);
  const first = child("night.ts", [config, BUSINESS_DATE, path.join(folder, "out-1")]);
  if (withPostgres && postgresSizes.includes(accounts)) postgresRows.push(await postgresLoad(folder, accounts, operator.items));
  const second = await runSecondNights(folder, (secondConfig, date, out, full) =>
    child("night.ts", [secondConfig, date, out, ...(full ? ["--full"] : [])]),
  );
  const row = {
    accounts,
    items: operator.items,
    changed: second.changed,
    sqliteMs: sqlite.wallMs,
    duckdbMs: duckdb.wallMs,
    firstMs: first.wallMs,
    incrementalMs: second.incremental.wallMs,
    fullMs: second.full.wallMs,
    evaluated: second.incremental.evaluated,
    customers: second.incremental.customers,
    identical: second.identical,
    firstRatio: (first.wallMs / sqlite.wallMs).toFixed(2),
    incrementalRatio: (second.incremental.wallMs / duckdb.wallMs).toFixed(2),
    maxRssMb: Math.max(first.maxRssMb, second.incremental.maxRssMb, second.full.maxRssMb),
    passes: first.durations,
  };
  console.error(JSON.stringify(row));
  results.push(
    `| ${accounts.toLocaleString("en")} | ${operator.items.toLocaleString("en")} | ${sqlite.wallMs} | ${duckdb.wallMs} | ${first.wallMs} | ${row.firstRatio} | ${row.changed.toLocaleString("en")} | ${row.evaluated.toLocaleString("en")} of ${row.customers.toLocaleString("en")} | ${row.incrementalMs} | ${row.incrementalRatio} | ${row.fullMs} | ${row.identical ? "yes" : "NO"} | ${row.maxRssMb} |`,
  );
  console.error(`passes of the first night (ms): ${JSON.stringify(first.durations)}`);
  console.error(`passes of the incremental night (ms): ${JSON.stringify(second.incremental.durations)}`);
  console.error(`passes of the full second night (ms): ${JSON.stringify(second.full.durations)}`);
  rmSync(folder, { recursive: true, force: true });
}
console.log(`Machine: ${cpus().length} cores (${cpus()[0]?.model ?? "unknown"}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}.`);
console.log("");
console.log("| accounts | items | bare SQLite load + aging (ms) | DuckDB load + aging (ms) | dcms first night (ms) | first night / bare SQLite | items changed | customers evaluated | dcms incremental night (ms) | incremental / DuckDB | dcms --full night (ms) | same files | peak RSS (MB) |");
console.log("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
for (const line of results) console.log(line);
if (withPostgres) {
  console.log("");
  console.log("PostgreSQL load:");
  console.log("");
  console.log("| accounts | items | raw COPY (ms) | raw COPY + aging (ms) | dcms extract (ms) | dcms consolidate (ms) | dcms extract + consolidate (ms) | dcms load / raw COPY | dcms night on PostgreSQL (ms) |");
  console.log("|---|---|---|---|---|---|---|---|---|");
  for (const line of postgresRows) console.log(line);
}
