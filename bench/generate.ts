// A synthetic operator for benchmarks: N accounts spread over three sources
// in the standard extract, about ten items each (monthly invoices and most of
// their payments), written as CSV. Deterministic for a given N.

import { createWriteStream, mkdirSync } from "node:fs";
import { once } from "node:events";
import path from "node:path";
import pg from "pg";
import { addDays } from "../src/dates.ts";

export const SOURCES = ["mobile", "cable", "broadband"] as const;
export const BUSINESS_DATE = "2026-03-31";

function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Lines {
  private buffer: string[] = [];
  private readonly stream;
  constructor(file: string, header: string) {
    this.stream = createWriteStream(file);
    this.buffer.push(header);
  }
  async push(line: string): Promise<void> {
    this.buffer.push(line);
    if (this.buffer.length >= 5000) await this.flush();
  }
  async flush(): Promise<void> {
    if (this.buffer.length === 0) return;
    const chunk = this.buffer.join("\n") + "\n";
    this.buffer = [];
    if (!this.stream.write(chunk)) await once(this.stream, "drain");
  }
  async close(): Promise<void> {
    await this.flush();
    this.stream.end();
    await once(this.stream, "finish");
  }
}

export interface GeneratedOperator {
  folder: string;
  accounts: number;
  items: number;
}

/** Writes the operator into folder/<source>/{accounts,items}.csv and a dcms.yaml. */
export async function generateOperator(folder: string, accounts: number, seed = 7): Promise<GeneratedOperator> {
  const random = seeded(seed);
  let items = 0;
  const writers = SOURCES.map((source) => {
    mkdirSync(path.join(folder, source), { recursive: true });
    return {
      accounts: new Lines(path.join(folder, source, "accounts.csv"), "account_id,customer_id,segment,currency"),
      items: new Lines(path.join(folder, source, "items.csv"), "item_id,account_id,type,document_date,due_date,currency,amount,applies_to"),
    };
  });
  for (let index = 0; index < accounts; index++) {
    const source = index % 3;
    const writer = writers[source];
    const accountId = `A${index}`;
    // Roughly a third of customers hold accounts in two systems.
    const customerId = `C${index % 3 === 2 ? index - 1 : index}`;
    await writer.accounts.push(`${accountId},${customerId},${random() < 0.1 ? "business" : "consumer"},EUR`);
    const months = 5 + Math.floor(random() * 2);
    const payer = random();
    for (let month = 0; month < months; month++) {
      const documentDate = addDays("2025-10-01", month * 30);
      const dueDate = addDays(documentDate, 14);
      const cents = 1500 + Math.floor(random() * 8000);
      const amount = `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, "0")}`;
      const invoiceId = `I${index}-${month}`;
      await writer.items.push(`${invoiceId},${accountId},invoice,${documentDate},${dueDate},EUR,${amount},`);
      items++;
      const paidDate = addDays(dueDate, Math.floor(random() * 20) - 5);
      if (payer > 0.15 && paidDate <= BUSINESS_DATE) {
        await writer.items.push(`P${index}-${month},${accountId},payment,${paidDate},,EUR,${amount},${invoiceId}`);
        items++;
      }
    }
  }
  for (const writer of writers) {
    await writer.accounts.close();
    await writer.items.close();
  }
  return { folder, accounts, items };
}

export function benchConfig(ledger: string): string {
  return `business_time_zone: Europe/Berlin
ledger: ${ledger}
entities:
  DE01: { functional_currency: EUR, country: DE }
dunning:
  strategies:
    standard:
      stages:
        - { name: reminder, days_past_due: 10, min_amount: { EUR: "5.00" }, actions: [letter] }
        - { name: final_notice, days_past_due: 30, min_amount: { EUR: "20.00" }, wait_days: 14, actions: [letter] }
provision:
  matrix:
    DE01:
      default: { current: "0.005", 1-30: "0.02", 31-60: "0.05", 61-90: "0.10", 91-120: "0.25", 121-180: "0.40", 181-365: "0.60", over-365: "1" }
gl:
  DE01: { receivable: "140000", allowance: "149000", bad_debt_expense: "685000" }
sources:
${SOURCES.map((source) => `  ${source}: { kind: standard, path: ${source}, entity: DE01, customer_ids: global }`).join("\n")}
`;
}

/** The server that PostgreSQL benchmarks create their databases on. */
const POSTGRES_ADMIN_URL = process.env.BENCH_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

export interface BenchDatabase {
  /** A postgres:// URL, usable as the ledger of benchConfig. */
  url: string;
  drop(): Promise<void>;
}

async function runOnServer(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
  } catch (error) {
    const server = new URL(POSTGRES_ADMIN_URL).host;
    throw new Error(`connection to PostgreSQL at ${server} failed (${(error as Error).message}); start the server, set BENCH_PG_URL, or leave BENCH_PG unset`, { cause: error });
  }
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Creates an empty PostgreSQL database for one benchmark step; drop() removes it. */
export async function createBenchDatabase(name: string): Promise<BenchDatabase> {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`database name ${name} must be lower-case letters, digits and underscores`);
  await runOnServer(`create database ${name}`);
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => runOnServer(`drop database if exists ${name} with (force)`),
  };
}
