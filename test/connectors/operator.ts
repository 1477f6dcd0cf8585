// A small operator for the source tests that run whole nights: one German
// entity, a one-stage reminder ladder (10 days past due, at least 5.00 EUR,
// a letter), and the sources a test gives, in a temporary folder. Helpers
// write extract files and read back run.json, output CSV files and ledger
// rows.

import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Knex } from "knex";
import YAML from "yaml";
import { loadConfig } from "../../src/config/load.ts";
import { openLedger } from "../../src/ledger/db.ts";
import { silentLogger } from "../../src/log.ts";
import { runNight, type RunOutcome } from "../../jobs/nightly-run.ts";
import { readCsv } from "../support/run.ts";

export class Operator {
  readonly configPath: string;

  constructor(readonly folder: string) {
    this.configPath = path.join(folder, "dcms.yaml");
  }

  /** Writes the configuration of an operator with these sources into a new temporary folder. */
  static create(sources: Record<string, unknown>): Operator {
    const operator = new Operator(mkdtempSync(path.join(tmpdir(), "dcms-sources-")));
    writeFileSync(operator.configPath, YAML.stringify(operatorConfig(sources)));
    return operator;
  }

  /** Copies the operator folder, ledger included, so that a case can start from a committed night. */
  copy(): Operator {
    const target = mkdtempSync(path.join(tmpdir(), "dcms-sources-"));
    cpSync(this.folder, target, { recursive: true });
    return new Operator(target);
  }

  /** Writes a file relative to the operator folder, creating its folders. */
  write(name: string, content: string | Buffer): void {
    const file = path.join(this.folder, name);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content);
  }

  out(businessDate: string): string {
    return path.join(this.folder, `out-${businessDate}`);
  }

  async night(businessDate: string, extra: { failAfterPass?: string; rerun?: boolean } = {}): Promise<RunOutcome> {
    const config = loadConfig(this.configPath);
    return runNight(config, { businessDate, outDir: this.out(businessDate), log: silentLogger(), ...extra });
  }

  runJson(businessDate: string): Record<string, any> {
    return JSON.parse(readFileSync(path.join(this.out(businessDate), "run.json"), "utf8"));
  }

  csv(businessDate: string, file: string): Record<string, string>[] {
    return readCsv(path.join(this.out(businessDate), file));
  }

  async ledger<T>(work: (knex: Knex) => Promise<T>): Promise<T> {
    const knex = openLedger(loadConfig(this.configPath).ledger);
    try {
      return await work(knex);
    } finally {
      await knex.destroy();
    }
  }

  /** Every version of a source's accounts and items, to compare before and after a night. */
  async sourceRows(source: string): Promise<{ accounts: unknown[]; items: unknown[] }> {
    return this.ledger(async (knex) => ({
      accounts: await knex("accounts").where({ source }).orderBy(["account_id", "version"]),
      items: await knex("items").where({ source }).orderBy(["item_id", "version"]),
    }));
  }

  remove(): void {
    rmSync(this.folder, { recursive: true, force: true });
  }
}

function operatorConfig(sources: Record<string, unknown>): Record<string, unknown> {
  return {
    ledger: "ledger.sqlite",
    output_folder: "out",
    entities: { DE01: { functional_currency: "EUR" } },
    rates: [{ date: "2026-01-01", from: "USD", to: "EUR", rate: "0.9200" }],
    sources,
    dunning: {
      default_language: "en",
      strategies: {
        standard: {
          exit_threshold: { default: "5.00" },
          stages: [{ name: "reminder", days_past_due: 10, min_amount: { default: "5.00" }, actions: ["letter"] }],
        },
      },
    },
    provision: {
      matrix: {
        DE01: {
          default: {
            current: "0",
            "1-30": "0.02",
            "31-60": "0.05",
            "61-90": "0.1",
            "91-120": "0.25",
            "121-180": "0.4",
            "181-365": "0.6",
            "over-365": "1",
          },
        },
      },
    },
    gl: { DE01: { receivable: "140000", allowance: "149000", bad_debt_expense: "685000" } },
  };
}

/** CSV text with a header row from rows of values; cells are written as they are. */
export function csvText(header: string[], rows: string[][], delimiter = ","): string {
  return [header, ...rows].map((row) => row.join(delimiter)).join("\n") + "\n";
}

export const STANDARD_ACCOUNTS = ["account_id", "customer_id", "name", "email", "postal_code", "tax_id", "currency"];
export const STANDARD_ITEMS = ["item_id", "account_id", "type", "status", "document_date", "due_date", "currency", "amount"];

/** Returns "source/account_id/action" for each row of actions.csv. */
export function actionKeys(rows: Record<string, string>[]): string[] {
  return rows.map((row) => `${row.source}/${row.account_id}/${row.action}`);
}
