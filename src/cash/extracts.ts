// The cash extracts beside a standard source's files: payables.csv (what the
// operator owes the customer: deposits to return, dealer commissions) and
// discounts.csv (discounts granted on condition of payment in full by a
// date). Both are optional; a bad row is rejected with its line and field.

import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "csv-parse/sync";
import type { ResolvedConfig } from "../config/resolve.ts";
import { isIsoDate } from "../dates.ts";
import type { RejectRow } from "../extract.ts";
import { currencyExponent, isKnownCurrency, parseMinor } from "../money.ts";

export interface PayableRow {
  source: string;
  payableId: string;
  accountId: string;
  kind: string;
  currency: string;
  amountMinor: number;
  date: string;
  line: number;
}

export interface DiscountRow {
  source: string;
  discountId: string;
  accountId: string;
  itemId: string;
  currency: string;
  amountMinor: number;
  conditionDate: string;
  line: number;
}

export interface CashExtracts {
  /** SHA-256 over the files read; part of the run's input checksum. */
  checksum: string;
  /** Sources whose folder has a payables.csv; their payables are replaced. */
  payableSources: string[];
  payables: PayableRow[];
  discounts: DiscountRow[];
  rejects: RejectRow[];
}

type Fields = Record<string, string>;

/** Reads payables.csv and discounts.csv of every enabled standard source. */
export function readCashExtracts(config: ResolvedConfig): CashExtracts {
  const hash = createHash("sha256");
  const result: CashExtracts = { checksum: "", payableSources: [], payables: [], discounts: [], rejects: [] };
  for (const source of config.sources) {
    if (source.config.kind !== "standard") continue;
    const folder = path.resolve(config.baseDir, source.config.path);
    for (const file of ["payables.csv", "discounts.csv"] as const) {
      const full = path.join(folder, file);
      if (!existsSync(full)) continue;
      const text = readFileSync(full, "utf8");
      hash.update(`${source.name}/${file}\u0000`).update(text);
      const rows: Fields[] = parse(text, { columns: true, skip_empty_lines: true, trim: true, bom: true });
      rows.forEach((fields, index) => {
        const reader = new RowReader(source.name, file, index + 2, fields, result.rejects);
        if (file === "payables.csv") readPayable(reader, result);
        else readDiscount(reader, result);
      });
      if (file === "payables.csv") result.payableSources.push(source.name);
    }
  }
  result.checksum = hash.digest("hex");
  return result;
}

function readPayable(reader: RowReader, result: CashExtracts): void {
  const payableId = reader.text("payable_id");
  const accountId = reader.text("account_id");
  const currency = reader.currency();
  const amountMinor = currency ? reader.amount("amount", currency) : undefined;
  const date = reader.date("date");
  if (!payableId || !accountId || !currency || amountMinor === undefined || !date) return;
  result.payables.push({
    source: reader.source,
    payableId,
    accountId,
    kind: reader.optional("kind") ?? "payable",
    currency,
    amountMinor,
    date,
    line: reader.line,
  });
}

function readDiscount(reader: RowReader, result: CashExtracts): void {
  const discountId = reader.text("discount_id");
  const accountId = reader.text("account_id");
  const itemId = reader.text("item_id");
  const currency = reader.currency();
  const amountMinor = currency ? reader.amount("amount", currency) : undefined;
  const conditionDate = reader.date("condition_date");
  if (!discountId || !accountId || !itemId || !currency || amountMinor === undefined || !conditionDate) return;
  result.discounts.push({
    source: reader.source,
    discountId,
    accountId,
    itemId,
    currency,
    amountMinor,
    conditionDate,
    line: reader.line,
  });
}

/** Reads fields of one row, rejecting the row at its first bad field. */
class RowReader {
  private rejected = false;

  constructor(
    readonly source: string,
    readonly file: string,
    readonly line: number,
    private readonly fields: Fields,
    private readonly rejects: RejectRow[],
  ) {}

  private reject(field: string, code: string, message: string): undefined {
    if (!this.rejected) {
      this.rejects.push({ source: this.source, file: this.file, line: this.line, field, code, message });
    }
    this.rejected = true;
    return undefined;
  }

  optional(field: string): string | undefined {
    const value = this.fields[field];
    return value === undefined || value === "" ? undefined : value;
  }

  text(field: string): string | undefined {
    const value = this.optional(field);
    if (value === undefined) return this.reject(field, "missing_value", `${field} is required; fill it in`);
    return value;
  }

  currency(): string | undefined {
    const code = this.text("currency");
    if (code === undefined) return undefined;
    if (!isKnownCurrency(code)) {
      return this.reject("currency", "currency_not_supported", `${JSON.stringify(code)} is not an ISO 4217 currency code`);
    }
    return code;
  }

  amount(field: string, currency: string): number | undefined {
    const text = this.text(field);
    if (text === undefined) return undefined;
    const minor = parseMinor(text, currencyExponent(currency));
    if (minor === undefined || minor <= 0) {
      return this.reject(
        field,
        "invalid_decimal",
        `${JSON.stringify(text)} is not a positive amount with at most ${currencyExponent(currency)} decimals and a point`,
      );
    }
    return minor;
  }

  date(field: string): string | undefined {
    const text = this.text(field);
    if (text === undefined) return undefined;
    if (!isIsoDate(text)) return this.reject(field, "invalid_date", `${JSON.stringify(text)} is not a YYYY-MM-DD date`);
    return text;
  }
}
