// Extract files of the dunning pass beside a source's receivables:
//   usage.csv        account_id, unbilled_amount[, currency]
//                    usage rated but not yet invoiced, for metered triggers;
//   instalments.csv  account_id, arrangement_start, due_date, amount[, currency]
//                    the schedule of an arrangement hold whose start_date is
//                    arrangement_start.
// A standard source has them in its folder; any source can name a usage file
// under dunning.usage.files. Both are read in full every night: the usage
// rows belong to the run, the instalments are versioned like holds.

import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "csv-parse/sync";
import type { Knex } from "knex";
import type { ResolvedConfig } from "../config/resolve.ts";
import { isIsoDate } from "../dates.ts";
import type { RejectRow } from "../extract.ts";
import { insertRows } from "../ledger/db.ts";
import { upsertVersioned } from "../ledger/versioned.ts";
import { currencyExponent, isKnownCurrency, parseMinor } from "../money.ts";

interface FileRow {
  source: string;
  file: string;
  line: number;
  values: Record<string, string>;
}

export interface DunningInputs {
  usage: FileRow[];
  instalments: FileRow[];
  /** SHA-256 over the files read, empty when there are none. */
  checksum: string;
}

/** Reads every usage and instalments file of the configured sources. */
export function readDunningInputs(config: ResolvedConfig): DunningInputs {
  const hash = createHash("sha256");
  const inputs: DunningInputs = { usage: [], instalments: [], checksum: "" };
  let read = false;
  for (const source of config.sources) {
    const folder = source.config.kind === "standard" ? path.resolve(config.baseDir, (source.config as { path: string }).path) : null;
    const usageFile = config.dunning.policy.usageFiles.get(source.name) ?? (folder ? path.join(folder, "usage.csv") : null);
    const instalmentsFile = folder ? path.join(folder, "instalments.csv") : null;
    for (const [file, target] of [
      [usageFile, inputs.usage],
      [instalmentsFile, inputs.instalments],
    ] as const) {
      if (file === null || !existsSync(file)) continue;
      const text = readFileSync(file);
      hash.update(`${source.name}\u0000${path.basename(file)}\u0000`).update(text);
      read = true;
      const records: string[][] = parse(text, { bom: true, skip_empty_lines: true, relax_column_count: true });
      const [header, ...rows] = records;
      rows.forEach((values, index) => {
        target.push({
          source: source.name,
          file: path.basename(file),
          line: index + 2,
          values: Object.fromEntries((header ?? []).map((name, column) => [name.trim(), (values[column] ?? "").trim()])),
        });
      });
    }
  }
  if (read) inputs.checksum = hash.digest("hex");
  return inputs;
}

type Reject = Omit<RejectRow, "source" | "file" | "line">;

function reject(row: FileRow, field: string, code: string, message: string): RejectRow {
  return { source: row.source, file: row.file, line: row.line, field, code, message };
}

function rejectWith(row: FileRow, problem: Reject): RejectRow {
  return reject(row, problem.field, problem.code, problem.message);
}

/** Looks up the current accounts named by the rows: customer key and currency. */
async function accountsOf(trx: Knex.Transaction, rows: FileRow[]): Promise<Map<string, { customerKey: number; currency: string }>> {
  const found = new Map<string, { customerKey: number; currency: string }>();
  const bySource = new Map<string, Set<string>>();
  for (const row of rows) {
    const ids = bySource.get(row.source) ?? new Set<string>();
    ids.add(row.values.account_id ?? "");
    bySource.set(row.source, ids);
  }
  for (const [source, ids] of bySource) {
    const list = [...ids];
    for (let start = 0; start < list.length; start += 500) {
      const accounts: Record<string, any>[] = await trx("accounts")
        .select("account_id", "customer_key", "currency")
        .where({ source })
        .whereIn("account_id", list.slice(start, start + 500))
        .whereNull("superseded_run");
      for (const account of accounts) {
        found.set(`${source}\u0000${account.account_id}`, { customerKey: Number(account.customer_key), currency: account.currency });
      }
    }
  }
  return found;
}

function amountOf(row: FileRow, field: string, currency: string): number | Reject {
  const minor = parseMinor(row.values[field] ?? "", currencyExponent(currency));
  if (minor === undefined || minor < 0) {
    return {
      field,
      code: "invalid_decimal",
      message: `${field} is not a non-negative amount with at most ${currencyExponent(currency)} decimals for ${currency}; write it like 12.50`,
    };
  }
  return minor;
}

function currencyOf(row: FileRow, accountCurrency: string): string | Reject {
  const currency = row.values.currency || accountCurrency;
  if (!isKnownCurrency(currency)) {
    return { field: "currency", code: "currency_not_supported", message: "currency is not an ISO 4217 code that dcms knows; correct it or leave it empty for the account's currency" };
  }
  return currency;
}

/**
 * Writes tonight's usage rows and the current instalment schedules to the
 * ledger. Rows naming an unknown account or carrying a bad value become rejects.
 */
export async function storeDunningInputs(trx: Knex.Transaction, inputs: DunningInputs, runId: number, rejects: RejectRow[]): Promise<void> {
  const accounts = await accountsOf(trx, [...inputs.usage, ...inputs.instalments]);
  const usageRows: Record<string, unknown>[] = [];
  for (const row of inputs.usage) {
    const account = accounts.get(`${row.source}\u0000${row.values.account_id ?? ""}`);
    if (!account) {
      rejects.push(reject(row, "account_id", "account_not_found", "usage names an account that is not in the ledger; check account_id against accounts.csv"));
      continue;
    }
    const currency = currencyOf(row, account.currency);
    if (typeof currency !== "string") {
      rejects.push(rejectWith(row, currency));
      continue;
    }
    const amount = amountOf(row, "unbilled_amount", currency);
    if (typeof amount !== "number") {
      rejects.push(rejectWith(row, amount));
      continue;
    }
    usageRows.push({ run_id: runId, customer_key: account.customerKey, source: row.source, account_id: row.values.account_id, currency, unbilled_minor: amount });
  }
  await insertRows(trx, "dunning_usage", usageRows);

  const instalmentRows: Record<string, unknown>[] = [];
  for (const row of inputs.instalments) {
    const account = accounts.get(`${row.source}\u0000${row.values.account_id ?? ""}`);
    if (!account) {
      rejects.push(reject(row, "account_id", "account_not_found", "instalment names an account that is not in the ledger; check account_id against accounts.csv"));
      continue;
    }
    const badDate = ["arrangement_start", "due_date"].find((field) => !isIsoDate(row.values[field] ?? ""));
    if (badDate) {
      rejects.push(reject(row, badDate, "invalid_date", `${badDate} is not a date written YYYY-MM-DD`));
      continue;
    }
    const currency = currencyOf(row, account.currency);
    if (typeof currency !== "string") {
      rejects.push(rejectWith(row, currency));
      continue;
    }
    const amount = amountOf(row, "amount", currency);
    if (typeof amount !== "number") {
      rejects.push(rejectWith(row, amount));
      continue;
    }
    instalmentRows.push({
      customer_key: account.customerKey,
      source: row.source,
      account_id: row.values.account_id,
      arrangement_start: row.values.arrangement_start,
      due_date: row.values.due_date,
      currency,
      amount_minor: amount,
    });
  }
  await upsertVersioned(
    trx,
    { table: "instalments", keyColumns: ["account_id", "source", "arrangement_start", "due_date"], numbered: false },
    instalmentRows,
    runId,
  );
}
