// npm run bench: times the nightly run on a synthetic operator against two
// reference pipelines on the same files, at each size in BENCH_ACCOUNTS
// (accounts, comma-separated; about ten items each). Prints a Markdown table
// for docs/benchmarks.md.
//
//   BENCH_ACCOUNTS=10000,100000 npm run bench

import { spawnSync } from "node:child_process";
import { appendFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { benchConfig, BUSINESS_DATE, generateOperator, SOURCES } from "./generate.ts";

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

/** Adds a payment for every hundredth open invoice, dated the next day: about 1 % of items change. */
function changeOnePercent(folder: string, date: string): number {
  let added = 0;
  for (const source of SOURCES) {
    const file = path.join(folder, source, "items.csv");
    const lines = readFileSync(file, "utf8").trimEnd().split("\n");
    const paid = new Set(lines.filter((line) => line.includes(",payment,")).map((line) => line.split(",").at(-1)));
    const extra: string[] = [];
    let seen = 0;
    for (const line of lines.slice(1)) {
      const [itemId, accountId, type, , , , amount] = line.split(",");
      if (type !== "invoice" || paid.has(itemId)) continue;
      if (seen++ % 10 !== 0) continue;
      extra.push(`X${itemId},${accountId},payment,${date},,EUR,${amount},${itemId}`);
    }
    appendFileSync(file, extra.join("\n") + (extra.length ? "\n" : ""));
    added += extra.length;
  }
  return added;
}

const sizes = (process.env.BENCH_ACCOUNTS ?? "10000").split(",").map(Number);
const results: string[] = [];
for (const accounts of sizes) {
  const folder = path.join(WORK, String(accounts));
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(folder, { recursive: true });
  const operator = await generateOperator(folder, accounts);
  writeFileSync(path.join(folder, "dcms.yaml"), benchConfig("ledger.sqlite"));
  const config = path.join(folder, "dcms.yaml");

  const sqlite = child("reference-sqlite.ts", [folder]);
  const duckdb = child("reference-duckdb.ts", [folder]);
  const first = child("night.ts", [config, BUSINESS_DATE, path.join(folder, "out-1")]);
  const changed = changeOnePercent(folder, "2026-04-01");
  const second = child("night.ts", [config, "2026-04-01", path.join(folder, "out-2")]);
  const row = {
    accounts,
    items: operator.items,
    changed,
    sqliteMs: sqlite.wallMs,
    duckdbMs: duckdb.wallMs,
    firstMs: first.wallMs,
    secondMs: second.wallMs,
    firstRatio: (first.wallMs / sqlite.wallMs).toFixed(2),
    secondRatio: (second.wallMs / duckdb.wallMs).toFixed(2),
    maxRssMb: Math.max(first.maxRssMb, second.maxRssMb),
    passes: first.durations,
  };
  console.error(JSON.stringify(row));
  results.push(
    `| ${accounts.toLocaleString("en")} | ${operator.items.toLocaleString("en")} | ${sqlite.wallMs} | ${duckdb.wallMs} | ${first.wallMs} | ${row.firstRatio} | ${changed.toLocaleString("en")} | ${second.wallMs} | ${row.secondRatio} | ${row.maxRssMb} |`,
  );
  console.error(`passes of the first night (ms): ${JSON.stringify(first.durations)}`);
  rmSync(folder, { recursive: true, force: true });
}
console.log(`Machine: ${cpus().length} cores (${cpus()[0]?.model ?? "unknown"}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}.`);
console.log("");
console.log("| accounts | items | bare SQLite load + aging (ms) | DuckDB load + aging (ms) | dcms first night (ms) | first night / bare SQLite | items changed | dcms second night (ms) | second night / DuckDB | peak RSS (MB) |");
console.log("|---|---|---|---|---|---|---|---|---|---|");
for (const line of results) console.log(line);
