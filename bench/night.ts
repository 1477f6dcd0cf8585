// Runs one nightly run in this process and prints its pass durations, wall
// time and peak memory as JSON, for bench/run.ts. Letters are timed on their
// own (bench/letters.ts), so this run writes their data but no PDFs.
// Usage: node --import tsx bench/night.ts <config> <business date> <out> [--full]

import { readFileSync } from "node:fs";
import { loadConfig } from "../src/config/load.ts";
import { silentLogger } from "../src/log.ts";
import { runNight } from "../jobs/nightly-run.ts";

const [configPath, businessDate, outDir, flag] = process.argv.slice(2);
const started = performance.now();
const outcome = await runNight(loadConfig(configPath), {
  businessDate,
  outDir,
  log: silentLogger(),
  skipLetterPdfs: true,
  full: flag === "--full",
});
const wallMs = Math.round(performance.now() - started);
const run = JSON.parse(readFileSync(`${outDir}/run.json`, "utf8"));
process.stdout.write(
  JSON.stringify({
    result: outcome.result,
    wallMs,
    maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    durations: run.durations_ms,
    customers: run.passes.customers,
    evaluated: run.evaluation?.customers_evaluated,
  }) + "\n",
);
