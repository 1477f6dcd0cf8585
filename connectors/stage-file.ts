// Reads one delimited file of a source into staging rows: maps each record to
// standard fields, parses it and hands the result to the sink, awaiting the
// sink so that a slow consumer slows the reading down.

import type { Hash } from "node:crypto";
import type { ExtractSink, RowOrigin, StagedItem } from "../src/extract.ts";
import { DEBIT_TYPES, ExtractError } from "../src/extract.ts";
import type { ExtractFile } from "../src/config/sources.ts";
import { readDelimited, type DelimitedOptions, type FileLocation } from "./delimited.ts";
import { FieldReader, RowProblem, type RawRow, type ValueFormat } from "./fields.ts";
import {
  parseAccount,
  parseAllocation,
  parseHold,
  parseItem,
  type Parsed,
  type RowDefaults,
} from "./rows.ts";

/** Maps a record's values to standard fields; may raise RowProblem. */
export type RowMapper = (values: string[]) => RawRow;

/** Field that carries the paid date of an invoice with a derived payment. */
export const PAID_DATE_FIELD = "paid_date";

export interface FilePlan {
  file: ExtractFile;
  location: FileLocation;
  options: DelimitedOptions;
  format: ValueFormat;
  defaults: RowDefaults;
  /** Builds the mapper from the header row; raises ExtractError for a missing column. */
  mapHeader(header: string[]): RowMapper;
  /** Stage one account per account id, the first valid row winning. */
  distinct?: boolean;
  /** Derive a payment from the paid date, with this suffix on the invoice id. */
  paymentIdSuffix?: string;
}

/** Stages every data row of the file and returns how many were read. */
export async function stageFile(
  plan: FilePlan,
  sink: ExtractSink,
  hash: Hash,
): Promise<number> {
  const { location } = plan;
  hash.update(`${plan.file}\0${location.file}\0`);
  let mapper: RowMapper | null = null;
  let headerLength = 0;
  let rowsRead = 0;
  const stagedAccounts = new Set<string>();

  for await (const record of readDelimited(location, plan.options, hash)) {
    if (mapper === null) {
      headerLength = record.values.length;
      mapper = plan.mapHeader(record.values.map((name) => name.trim()));
      continue;
    }
    rowsRead += 1;
    const origin = { source: location.source, file: location.file, line: record.line };
    if (record.values.length !== headerLength) {
      await sink.reject({
        ...origin,
        field: "row",
        code: "wrong_column_count",
        message:
          `the row has ${record.values.length} fields but the header has ${headerLength}; ` +
          "the file may be truncated or a delimiter may be unquoted",
      });
      continue;
    }
    let raw: RawRow;
    try {
      raw = mapper(record.values);
    } catch (error) {
      if (!(error instanceof RowProblem)) throw error;
      const { field, code, message } = error;
      await sink.reject({ ...origin, field, code, message });
      continue;
    }
    await stageRow(plan, raw, origin, sink, stagedAccounts);
  }

  if (mapper === null) {
    throw new ExtractError(
      `source ${location.source}: ${location.file} is empty; ` +
        "it needs at least a header row",
      location.source,
      location.file,
      "file_empty",
    );
  }
  hash.update("\0");
  return rowsRead;
}

async function stageRow(
  plan: FilePlan,
  raw: RawRow,
  origin: RowOrigin,
  sink: ExtractSink,
  stagedAccounts: Set<string>,
): Promise<void> {
  const { format, defaults } = plan;
  switch (plan.file) {
    case "accounts": {
      const accountId = raw.account_id?.trim();
      if (plan.distinct && accountId && stagedAccounts.has(accountId)) return;
      const parsed = parseAccount(raw, origin, format, defaults);
      if ("row" in parsed) {
        if (plan.distinct) stagedAccounts.add(parsed.row.accountId);
        await sink.account(parsed.row);
      } else {
        await sink.reject(parsed.reject);
      }
      return;
    }
    case "items": {
      const parsed = parseItem(raw, origin, format);
      if (!("row" in parsed)) {
        await sink.reject(parsed.reject);
        return;
      }
      await sink.item(parsed.row);
      if (plan.paymentIdSuffix === undefined) return;
      const payment = derivePayment(parsed.row, raw, format, plan.paymentIdSuffix);
      if (payment === null) return;
      if ("row" in payment) await sink.item(payment.row);
      else await sink.reject(payment.reject);
      return;
    }
    case "allocations": {
      const parsed = parseAllocation(raw, origin, format, defaults);
      if ("row" in parsed) await sink.allocation(parsed.row);
      else await sink.reject(parsed.reject);
      return;
    }
    case "holds": {
      const parsed = parseHold(raw, origin, format, defaults);
      if ("row" in parsed) await sink.hold(parsed.row);
      else await sink.reject(parsed.reject);
      return;
    }
  }
}

/**
 * Derives the payment implied by a paid date: a billing system that only
 * records the day an invoice was paid in full received the whole amount on
 * that day. Returns null when the row has no paid date or is not a posted debit.
 */
export function derivePayment(
  invoice: StagedItem,
  raw: RawRow,
  format: ValueFormat,
  idSuffix: string,
): Parsed<StagedItem> | null {
  if (!DEBIT_TYPES.has(invoice.type) || invoice.status !== "posted") return null;
  let paidDate: string | null;
  try {
    paidDate = new FieldReader(raw, format).date(PAID_DATE_FIELD);
  } catch (error) {
    if (!(error instanceof RowProblem)) throw error;
    const { field, code, message } = error;
    const { source, file, line } = invoice;
    return { reject: { source, file, line, field, code, message } };
  }
  if (paidDate === null) return null;
  return {
    row: {
      ...invoice,
      itemId: invoice.itemId + idSuffix,
      type: "payment",
      status: "posted",
      documentDate: paidDate,
      dueDate: null,
      appliesTo: invoice.itemId,
      disputedMinor: 0,
      exchangeRate: null,
      taxMinor: null,
      taxCode: null,
    },
  };
}

/** Returns the position of a column in the header, or raises ExtractError. */
export function requireColumn(
  header: string[],
  column: string,
  location: FileLocation,
  purpose: string,
): number {
  const index = header.indexOf(column);
  if (index < 0) {
    throw new ExtractError(
      `source ${location.source}: ${location.file} has no column ${JSON.stringify(column)} ` +
        `(${purpose}); check the header row or the source's column mapping`,
      location.source,
      location.file,
      "column_missing",
    );
  }
  return index;
}
