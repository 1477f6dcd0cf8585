// Reads one file of a source into staging rows: maps each record to
// standard fields, parses it and hands the result to the sink, awaiting the
// sink so that a slow consumer slows the reading down. Records come from a
// delimited file, a fixed-width file or a worksheet; trailer records and
// control totals are checked here for all of them.

import type { Hash } from "node:crypto";
import type { ExtractSink, RowOrigin, StagedItem } from "../src/extract.ts";
import { DEBIT_TYPES, ExtractError } from "../src/extract.ts";
import type { ExtractFile } from "../src/config/sources.ts";
import { FileTotals, compareTotals, trailerMissing, type ControlRecord, type TrailerReader } from "./control.ts";
import type { DelimitedRecord, FileLocation } from "./delimited.ts";
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
  /** Yields the file's records, the header first when hasHeader; feeds the bytes read to the hash. */
  records(hash: Hash): AsyncIterable<DelimitedRecord>;
  hasHeader: boolean;
  format: ValueFormat;
  defaults: RowDefaults;
  /**
   * Builds the mapper from the header row (an empty list for files without
   * one); raises ExtractError for a missing column.
   */
  mapHeader(header: string[]): RowMapper;
  /** Returns why a record's shape is wrong (field count, line length), or null. */
  checkRecord?(values: string[], header: string[]): RowProblem | null;
  /** Stage one account per account id, the first valid row winning. */
  distinct?: boolean;
  /** Derive a payment from the paid date, with this suffix on the invoice id. */
  paymentIdSuffix?: string;
  /** Trailer records at the end of the file, which carry its control totals. */
  trailer?: TrailerReader;
}

export interface StagedFile {
  /** Data rows read, rejected ones included; trailer records and derived payments not. */
  rowsRead: number;
  totals: FileTotals;
}

/** Stages every data row of the file and returns what was read. */
export async function stageFile(
  plan: FilePlan,
  sink: ExtractSink,
  hash: Hash,
): Promise<StagedFile> {
  const { location } = plan;
  hash.update(`${plan.file}\0${location.file}\0`);
  let mapper: RowMapper | null = plan.hasHeader ? null : plan.mapHeader([]);
  let header: string[] = [];
  let headerSeen = !plan.hasHeader;
  const totals = new FileTotals();
  const trailers: ControlRecord[] = [];
  const stagedAccounts = new Set<string>();

  for await (const record of plan.records(hash)) {
    if (mapper === null) {
      header = record.values.map((name) => name.trim());
      mapper = plan.mapHeader(header);
      headerSeen = true;
      continue;
    }
    if (plan.trailer?.isTrailer(record.values)) {
      trailers.push({ origin: `trailer line ${record.line}`, ...plan.trailer.read(record.values) });
      continue;
    }
    if (trailers.length > 0) {
      throw new ExtractError(
        `source ${location.source}: ${location.file} line ${record.line} is a data row after ` +
          "the trailer; the trailer must be the last record, so the file is malformed",
        location.source,
        location.file,
        "malformed_file",
      );
    }
    const origin = { source: location.source, file: location.file, line: record.line };
    await stageRecord(plan, mapper, record.values, header, origin, totals, sink, stagedAccounts);
  }

  if (!headerSeen) {
    throw new ExtractError(
      `source ${location.source}: ${location.file} is empty; ` +
        "it needs at least a header row",
      location.source,
      location.file,
      "file_empty",
    );
  }
  if (plan.trailer) {
    if (trailers.length === 0) throw trailerMissing(location);
    compareTotals(location, trailers, totals, plan.format);
  }
  hash.update("\0");
  return { rowsRead: totals.rows, totals };
}

/** Maps, parses and stages one data record, or rejects it. */
async function stageRecord(
  plan: FilePlan,
  mapper: RowMapper,
  values: string[],
  header: string[],
  origin: RowOrigin,
  totals: FileTotals,
  sink: ExtractSink,
  stagedAccounts: Set<string>,
): Promise<void> {
  const shape = plan.checkRecord?.(values, header) ?? null;
  let raw: RawRow | null = null;
  let problem: RowProblem | null = shape;
  let partial: RawRow | null = null;
  try {
    raw = mapper(values);
  } catch (error) {
    if (!(error instanceof RowProblem)) throw error;
    problem ??= error;
    partial = error.partialRow ?? null;
  }
  totals.addRow(shape ? null : (raw ?? partial), plan.format);
  if (problem !== null) {
    const { field, code, message } = problem;
    await sink.reject({ ...origin, field, code, message });
    // A row of the wrong shape or with an unmapped code still names its item
    // in most cases, and a snapshot must not close an item whose row is
    // present but unreadable.
    const named = raw ?? partial;
    if (plan.file === "items" && named !== null) await reportRejectedItem(plan, named, sink);
    return;
  }
  await stageRow(plan, raw as RawRow, origin, sink, stagedAccounts);
}

/** Tells the sink which item a rejected row names, with its derived payment. */
async function reportRejectedItem(plan: FilePlan, raw: RawRow, sink: ExtractSink): Promise<void> {
  const itemId = raw.item_id?.trim();
  if (!itemId || !sink.rejectedItem) return;
  await sink.rejectedItem(plan.location.source, itemId);
  if (plan.paymentIdSuffix !== undefined) {
    await sink.rejectedItem(plan.location.source, itemId + plan.paymentIdSuffix);
  }
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
        await reportRejectedItem(plan, raw, sink);
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
