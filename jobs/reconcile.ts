// Reconciliation of the ledger with one source: the source is read whole as
// it is now (its files, or its database live) and compared with the items
// the ledger held after the latest committed run up to a business date.
// First the count and net amount of posted items per currency, then item by
// item. Items that dcms posted itself (fees, bank and agency payments) are
// not in billing until billing has taken the write-back, so they are listed
// as awaiting write-back and are no difference.

import { mkdir } from "node:fs/promises";
import path from "node:path";
import type { Knex } from "knex";
import { queryRows } from "../connectors/sql/query-rows.ts";
import type { ResolvedConfig } from "../src/config/resolve.ts";
import { RequestError } from "../src/errors.ts";
import { DEBIT_TYPES, type ItemType } from "../src/extract.ts";
import { isPostgres, openLedger } from "../src/ledger/db.ts";
import type { Logger } from "../src/log.ts";
import { formatMoney } from "../src/money.ts";
import { compareCodePoints, createCsvFileWriter, writeCsvFile, type CsvColumn } from "../src/outputs/csv.ts";
import { StagedExtract, type ExtractItem } from "./reconcile-extract.ts";

export const DIFFERENCE_KINDS = [
  "missing_in_ledger",
  "extra_in_ledger",
  "amount_different",
  "status_different",
  "invalid_in_extract",
  "awaiting_write_back",
] as const;
export type DifferenceKind = (typeof DIFFERENCE_KINDS)[number];

export interface ReconcileOptions {
  source: string;
  /** Compare with the ledger after the latest committed run on or before this date. */
  asOf?: string;
  outDir?: string;
  log: Logger;
}

export interface CurrencyTotals {
  currency: string;
  extractItems: number;
  ledgerItems: number;
  /** Debits minus credits of the posted items, in minor units. */
  extractNetMinor: number;
  ledgerNetMinor: number;
}

export interface ReconcileOutcome {
  source: string;
  businessDate: string;
  runId: number;
  totals: CurrencyTotals[];
  differences: Record<DifferenceKind, number>;
  /** Extract rows the connector rejected. */
  rowsRejected: number;
  agree: boolean;
  exitStatus: 0 | 3;
  outDir: string;
}

/** An item as the ledger has it after the run. */
interface LedgerItem {
  item_id: string;
  account_id: string;
  type: string;
  status: string;
  currency: string;
  amount_minor: number | string;
  /** Set on items dcms posted itself. */
  dcms: number | string | null;
}

interface Difference {
  kind: DifferenceKind;
  itemId: string;
  accountId: string;
  extract: ExtractItem | null;
  ledger: LedgerItem | null;
}

type Row = Difference & { source: string };

const money = (item: { amount_minor: number | string; currency: string } | null) =>
  item && item.currency ? formatMoney(Number(item.amount_minor), item.currency) : null;

const DIFFERENCE_COLUMNS: CsvColumn<Row>[] = [
  { name: "source", kind: "text", value: (row) => row.source },
  { name: "item_id", kind: "text", value: (row) => row.itemId },
  { name: "account_id", kind: "text", value: (row) => row.accountId },
  { name: "difference", kind: "text", value: (row) => row.kind },
  { name: "extract_currency", kind: "text", value: (row) => row.extract?.currency || null },
  { name: "extract_amount", kind: "amount", value: (row) => money(row.extract) },
  { name: "extract_status", kind: "text", value: (row) => row.extract?.status || null },
  { name: "ledger_currency", kind: "text", value: (row) => row.ledger?.currency ?? null },
  { name: "ledger_amount", kind: "amount", value: (row) => money(row.ledger) },
  { name: "ledger_status", kind: "text", value: (row) => row.ledger?.status ?? null },
];

const TOTAL_COLUMNS: CsvColumn<CurrencyTotals>[] = [
  { name: "currency", kind: "text", value: (row) => row.currency },
  { name: "extract_items", kind: "integer", value: (row) => row.extractItems },
  { name: "ledger_items", kind: "integer", value: (row) => row.ledgerItems },
  { name: "extract_amount", kind: "amount", value: (row) => formatMoney(row.extractNetMinor, row.currency) },
  { name: "ledger_amount", kind: "amount", value: (row) => formatMoney(row.ledgerNetMinor, row.currency) },
  {
    name: "difference",
    kind: "amount",
    value: (row) => formatMoney(row.extractNetMinor - row.ledgerNetMinor, row.currency),
  },
];

/**
 * Compares a source with the ledger and writes reconcile-totals.csv and
 * reconcile.csv into the output folder. Exit status 3 when they differ.
 */
export async function reconcileSource(config: ResolvedConfig, options: ReconcileOptions): Promise<ReconcileOutcome> {
  const settings = config.sources.find((source) => source.name === options.source);
  if (!settings || settings.config.kind === "bank") {
    const names = config.sources.filter((source) => source.config.kind !== "bank").map((source) => source.name);
    throw new RequestError(
      `source ${options.source} is not an enabled billing source of the configuration; choose one of ${names.join(", ")}`,
    );
  }
  const knex = openLedger(config.ledger);
  const extract = new StagedExtract();
  try {
    const run = await latestRun(knex, options.asOf);
    const businessDate = options.asOf ?? run.business_date;
    await extract.read(settings.name, settings.config, { businessDate, baseDir: config.baseDir });
    const outDir = options.outDir ?? path.join(config.outputFolder, "reconcile", settings.name, businessDate);
    await mkdir(outDir, { recursive: true, mode: 0o700 });
    const totals = new Map<string, CurrencyTotals>();
    const differences = Object.fromEntries(DIFFERENCE_KINDS.map((kind) => [kind, 0])) as Record<DifferenceKind, number>;
    const writer = createCsvFileWriter<Row>(path.join(outDir, "reconcile.csv"), DIFFERENCE_COLUMNS);
    try {
      const ledger = await ledgerItems(knex, settings.name, Number(run.run_id));
      for await (const difference of compareItems(extract.items(), ledger, totals)) {
        differences[difference.kind] += 1;
        await writer.write({ ...difference, source: settings.name });
      }
      await writer.close();
    } catch (error) {
      writer.abort();
      throw error;
    }
    const totalRows = [...totals.values()].sort((a, b) => compareCodePoints(a.currency, b.currency));
    await writeCsvFile(path.join(outDir, "reconcile-totals.csv"), TOTAL_COLUMNS, totalRows);
    const totalsAgree = totalRows.every(
      (row) => row.extractItems === row.ledgerItems && row.extractNetMinor === row.ledgerNetMinor,
    );
    // Rows the source sent but a run rejects are listed for the operator;
    // like items awaiting write-back, they are not a disagreement of the
    // ledger with what the source validly holds.
    const informational = new Set(["awaiting_write_back", "invalid_in_extract"]);
    const itemsAgree = DIFFERENCE_KINDS.every((kind) => informational.has(kind) || differences[kind] === 0);
    const agree = totalsAgree && itemsAgree;
    options.log.info("source reconciled", { source: settings.name, run: Number(run.run_id), agree, ...differences });
    return {
      source: settings.name,
      businessDate,
      runId: Number(run.run_id),
      totals: totalRows,
      differences,
      rowsRejected: extract.rejects.length,
      agree,
      exitStatus: agree ? 0 : 3,
      outDir,
    };
  } finally {
    extract.close();
    await knex.destroy();
  }
}

async function latestRun(knex: Knex, asOf: string | undefined): Promise<{ run_id: number; business_date: string }> {
  const query = knex("runs").where({ status: "committed" });
  if (asOf) query.where("business_date", "<=", asOf);
  const run = await query.orderBy("business_date", "desc").orderBy("run_id", "desc").first();
  if (!run) {
    const when = asOf ? ` on or before ${asOf}` : "";
    throw new RequestError(`the ledger has no committed run${when}; run dcms run first`);
  }
  return run;
}

/** Streams the items the ledger held after a run, in code point order of their ids. */
async function ledgerItems(knex: Knex, source: string, runId: number): Promise<AsyncGenerator<LedgerItem>> {
  const marks: string[] = [];
  if (await knex.schema.hasColumn("items", "origin")) marks.push("origin IS NOT NULL");
  if (await knex.schema.hasColumn("items", "dcms_charge")) marks.push("dcms_charge IS NOT NULL");
  const dcms = marks.length > 0 ? `CASE WHEN ${marks.join(" OR ")} THEN 1 ELSE 0 END` : "0";
  const postgres = isPostgres(knex);
  // The C collation orders by code point, as SQLite's default collation does.
  const order = postgres ? 'item_id COLLATE "C"' : "item_id";
  const sql =
    `SELECT item_id, account_id, type, status, currency, amount_minor, ${dcms} AS dcms FROM items ` +
    "WHERE source = :source AND run_id <= :run AND (superseded_run IS NULL OR superseded_run > :run) " +
    `ORDER BY ${order}`;
  return queryRows(knex, postgres ? "postgres" : "sqlite", sql, { source, run: String(runId) }) as AsyncGenerator<LedgerItem>;
}

function signedMinor(type: string, amountMinor: number): number {
  return DEBIT_TYPES.has(type as ItemType) ? amountMinor : -amountMinor;
}

function addTotal(
  totals: Map<string, CurrencyTotals>,
  currency: string,
  side: "extract" | "ledger",
  netMinor: number,
): void {
  const row = totals.get(currency) ?? { currency, extractItems: 0, ledgerItems: 0, extractNetMinor: 0, ledgerNetMinor: 0 };
  if (side === "extract") {
    row.extractItems += 1;
    row.extractNetMinor += netMinor;
  } else {
    row.ledgerItems += 1;
    row.ledgerNetMinor += netMinor;
  }
  totals.set(currency, row);
}

/**
 * Merges the two item streams, both in code point order of item ids, and
 * yields every difference. Posted items are added to the totals per currency.
 */
async function* compareItems(
  extractItems: Iterable<ExtractItem>,
  ledgerItems: AsyncIterable<LedgerItem>,
  totals: Map<string, CurrencyTotals>,
): AsyncGenerator<Difference> {
  const extractIterator = extractItems[Symbol.iterator]();
  const ledgerIterator = ledgerItems[Symbol.asyncIterator]();
  let extract = extractIterator.next();
  let ledger = await ledgerIterator.next();
  while (!extract.done || !ledger.done) {
    let order: number;
    if (extract.done) order = 1;
    else if (ledger.done) order = -1;
    else order = compareCodePoints(extract.value.item_id, ledger.value.item_id);
    const extractItem = order <= 0 ? (extract.value as ExtractItem) : null;
    const ledgerItem = order >= 0 ? (ledger.value as LedgerItem) : null;
    yield* compareItem(extractItem, ledgerItem, totals);
    if (order <= 0) extract = extractIterator.next();
    if (order >= 0) ledger = await ledgerIterator.next();
  }
}

function* compareItem(
  extract: ExtractItem | null,
  ledger: LedgerItem | null,
  totals: Map<string, CurrencyTotals>,
): Generator<Difference> {
  const itemId = (extract?.item_id ?? ledger?.item_id) as string;
  const accountId = ledger?.account_id ?? extract?.account_id ?? "";
  const difference = (kind: DifferenceKind): Difference => ({ kind, itemId, accountId, extract, ledger });
  const isDcms = ledger !== null && Number(ledger.dcms) === 1;
  if (extract && !extract.invalid && extract.status === "posted") {
    addTotal(totals, extract.currency, "extract", signedMinor(extract.type, extract.amount_minor));
  }
  if (ledger && !isDcms && ledger.status === "posted") {
    addTotal(totals, ledger.currency, "ledger", signedMinor(ledger.type, Number(ledger.amount_minor)));
  }
  if (extract?.invalid) {
    yield difference("invalid_in_extract");
    return;
  }
  if (extract === null && ledger !== null) {
    // An item a snapshot closed, or a draft or cancelled one, is not open in the ledger either.
    if (isDcms) yield difference("awaiting_write_back");
    else if (ledger.status === "posted") yield difference("extra_in_ledger");
    return;
  }
  if (ledger === null) {
    yield difference("missing_in_ledger");
    return;
  }
  const amountDiffers =
    Number(ledger.amount_minor) !== (extract as ExtractItem).amount_minor || ledger.currency !== extract?.currency;
  if (amountDiffers) yield difference("amount_different");
  if (ledger.status !== extract?.status) yield difference("status_different");
}
