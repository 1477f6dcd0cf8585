// Loading memory: generates a standard extract of 100,000 and 1,000,000
// item rows in a temporary folder and reads each through the standard
// connector into a sink that only counts. Each size is read in a child
// process of its own, so that it reports its own peak resident set size.
// With --heap-limit the children run with that V8 old-space limit in MiB,
// under which a read that kept its rows would run out of memory.
//
//   node --import tsx bench/load-memory.ts [--heap-limit MiB] [rows ...]

import { spawnSync } from "node:child_process";
import { once } from "node:events";
import { createWriteStream, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { StandardConnector } from "../connectors/standard/index.ts";
import type { ExtractSink } from "../src/extract.ts";

const DEFAULT_SIZES = [100_000, 1_000_000];
/** Items per account in the generated extract. */
const ITEMS_PER_ACCOUNT = 10;

/** Writes lines to a file, waiting whenever the stream's buffer is full. */
async function writeLines(file: string, header: string, count: number, line: (index: number) => string): Promise<void> {
  const stream = createWriteStream(file);
  let chunk = header + "\n";
  for (let index = 0; index < count; index++) {
    chunk += line(index) + "\n";
    if (chunk.length >= 64 * 1024) {
      if (!stream.write(chunk)) await once(stream, "drain");
      chunk = "";
    }
  }
  stream.end(chunk);
  await once(stream, "finish");
}

/** Writes accounts.csv and items.csv of the standard extract with the given number of items. */
export async function generateStandardExtract(folder: string, items: number): Promise<void> {
  const accounts = Math.max(1, Math.ceil(items / ITEMS_PER_ACCOUNT));
  await writeLines(path.join(folder, "accounts.csv"), "account_id,customer_id,segment,currency", accounts, (index) =>
    `A${index},C${index},consumer,EUR`,
  );
  await writeLines(
    path.join(folder, "items.csv"),
    "item_id,account_id,type,document_date,due_date,currency,amount,reference",
    items,
    (index) => {
      const day = String(1 + (index % 28)).padStart(2, "0");
      const cents = String(index % 100).padStart(2, "0");
      return `I${index},A${index % accounts},invoice,2026-02-${day},2026-03-${day},EUR,${1 + (index % 500)}.${cents},R${index}`;
    },
  );
}

/** Counts what the connector stages and keeps nothing. */
export class CountingSink implements ExtractSink {
  accounts = 0;
  items = 0;
  rejects = 0;
  account() {
    this.accounts++;
  }
  item() {
    this.items++;
  }
  allocation() {}
  hold() {}
  reject() {
    this.rejects++;
  }
}

/** Reads a generated extract through the standard connector. */
export async function readExtract(folder: string): Promise<CountingSink> {
  const sink = new CountingSink();
  const connector = new StandardConnector("bench", { kind: "standard", path: folder, enabled: true, customer_ids: "local", reject_threshold: 0.05 });
  await connector.read({ businessDate: "2026-03-31", baseDir: folder }, sink);
  return sink;
}

const MIB = 1024 * 1024;

/** Child: reads one folder and prints counts, time and memory as JSON. */
async function measure(folder: string): Promise<void> {
  const baselineRss = process.memoryUsage().rss;
  const started = performance.now();
  const sink = await readExtract(folder);
  const seconds = (performance.now() - started) / 1000;
  // maxRSS is in kibibytes: the peak of this process, imports included.
  const peakRss = process.resourceUsage().maxRSS * 1024;
  process.stdout.write(JSON.stringify({ items: sink.items, accounts: sink.accounts, rejects: sink.rejects, seconds, baselineRss, peakRss }) + "\n");
}

async function main(sizes: number[], heapLimitMib: number | undefined): Promise<void> {
  const self = fileURLToPath(import.meta.url);
  const limit = heapLimitMib === undefined ? [] : [`--max-old-space-size=${heapLimitMib}`];
  console.log("items      file MiB  read s  rows/s     baseline RSS MiB  peak RSS MiB");
  for (const size of sizes) {
    const folder = mkdtempSync(path.join(tmpdir(), "dcms-load-memory-"));
    try {
      await generateStandardExtract(folder, size);
      const bytes = statSync(path.join(folder, "items.csv")).size + statSync(path.join(folder, "accounts.csv")).size;
      const child = spawnSync(process.execPath, [...limit, "--import", "tsx", self, "--measure", folder], {
        encoding: "utf8",
      });
      if (child.status !== 0) throw new Error(`measuring ${size} rows failed: ${child.stderr}`);
      const result = JSON.parse(child.stdout);
      if (result.items !== size) throw new Error(`read ${result.items} items of ${size}`);
      console.log(
        [
          String(size).padEnd(10),
          (bytes / MIB).toFixed(1).padStart(8),
          result.seconds.toFixed(1).padStart(7),
          String(Math.round(size / result.seconds)).padStart(8),
          (result.baselineRss / MIB).toFixed(0).padStart(19),
          (result.peakRss / MIB).toFixed(0).padStart(13),
        ].join("  "),
      );
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const measureIndex = process.argv.indexOf("--measure");
  if (measureIndex >= 0) {
    await measure(process.argv[measureIndex + 1]);
  } else {
    const args = process.argv.slice(2);
    const limitIndex = args.indexOf("--heap-limit");
    const heapLimit = limitIndex >= 0 ? Number(args.splice(limitIndex, 2)[1]) : undefined;
    const sizes = args.map(Number).filter((size) => Number.isInteger(size) && size > 0);
    await main(sizes.length > 0 ? sizes : DEFAULT_SIZES, heapLimit);
  }
}
