// Typed rows that connectors hand to the extract pass, in the vocabulary of
// the standard extract. Amounts are minor units of the row's own currency.

import type { IsoDate } from "./dates.ts";

export const ITEM_TYPES = [
  "invoice",
  "debit_note",
  "credit_note",
  "payment",
  "payment_reversal",
  "debit_adjustment",
  "credit_adjustment",
] as const;
export type ItemType = (typeof ITEM_TYPES)[number];

/** Item types that raise what the customer owes. */
export const DEBIT_TYPES: ReadonlySet<ItemType> = new Set([
  "invoice",
  "debit_note",
  "debit_adjustment",
  "payment_reversal",
]);

export const ITEM_STATUSES = ["posted", "draft", "cancelled", "void"] as const;
export type ItemStatus = (typeof ITEM_STATUSES)[number];

export const ACCOUNT_STATUSES = ["active", "suspended", "closed"] as const;
export type AccountStatus = (typeof ACCOUNT_STATUSES)[number];

export const HOLD_KINDS = [
  "dispute",
  "promise_to_pay",
  "arrangement",
  "bankruptcy",
  "deceased",
  "fraud",
  "exemption",
  "legal",
] as const;
export type HoldKind = (typeof HOLD_KINDS)[number];

export const CHANNELS = ["letter", "email", "sms"] as const;
export type Channel = (typeof CHANNELS)[number];

/** Where a row came from, for rejects and for explaining decisions. */
export interface RowOrigin {
  source: string;
  file: string;
  /** 1-based physical line of the row in its file (header is line 1), or row number of a query. */
  line: number;
}

export interface StagedAccount extends RowOrigin {
  accountId: string;
  customerId: string | null;
  name: string | null;
  segment: string | null;
  entity: string | null;
  status: AccountStatus;
  currency: string;
  country: string | null;
  language: string | null;
  email: string | null;
  phone: string | null;
  addressLine1: string | null;
  addressLine2: string | null;
  city: string | null;
  postalCode: string | null;
  region: string | null;
  taxId: string | null;
  autopay: boolean;
  iban: string | null;
  mandateId: string | null;
  mandateDate: IsoDate | null;
  creditLimitMinor: number | null;
  /** Preferred channel for written notices; letter when absent. */
  channel: Channel | null;
}

export interface StagedItem extends RowOrigin {
  itemId: string;
  accountId: string;
  type: ItemType;
  status: ItemStatus;
  documentDate: IsoDate;
  /** Null only for types that need none; consolidation derives the due date then. */
  dueDate: IsoDate | null;
  currency: string;
  /** Positive; the type decides the direction. */
  amountMinor: number;
  appliesTo: string | null;
  disputedMinor: number;
  /** Booking rate to the entity's functional currency, as decimal text. */
  exchangeRate: string | null;
  taxMinor: number | null;
  taxCode: string | null;
  reference: string | null;
}

export interface StagedAllocation extends RowOrigin {
  itemId: string;
  appliesTo: string;
  amountMinor: number;
  date: IsoDate;
}

export interface StagedHold extends RowOrigin {
  accountId: string;
  kind: HoldKind;
  startDate: IsoDate;
  endDate: IsoDate | null;
  reason: string | null;
  promisedMinor: number | null;
  promisedDate: IsoDate | null;
}

/** A rejected input row. The message never contains personal data. */
export interface RejectRow extends RowOrigin {
  field: string;
  code: string;
  message: string;
}

/** Receives the rows of one source's extract as they are read. */
export interface ExtractSink {
  account(row: StagedAccount): void | Promise<void>;
  item(row: StagedItem): void | Promise<void>;
  allocation(row: StagedAllocation): void | Promise<void>;
  hold(row: StagedHold): void | Promise<void>;
  reject(row: RejectRow): void | Promise<void>;
  /**
   * Receives the id of an item row that was rejected. A full snapshot does
   * not close an item whose row it contains, even when that row is invalid.
   */
  rejectedItem?(source: string, itemId: string): void | Promise<void>;
}

export interface ExtractContext {
  businessDate: IsoDate;
  /** Folder of the configuration file; relative paths in source settings start here. */
  baseDir: string;
  /**
   * Highest watermark per query committed by earlier runs, for incremental
   * SQL sources. Absent on the first run and for a full read.
   */
  watermarks?: Readonly<Record<string, string>>;
}

export interface ExtractResult {
  /** SHA-256 over the input bytes (files) or the canonical rows (queries). */
  checksum: string;
  /** Data rows read, rejected ones included, per file or query name. */
  rowsRead: Record<string, number>;
  /** Highest watermark per query among the rows read, for incremental SQL sources. */
  watermarks?: Record<string, string>;
}

/** A file or database that a source's receivables are read from. */
export interface Connector {
  read(context: ExtractContext, sink: ExtractSink): Promise<ExtractResult>;
}

/** The whole extract of a source failed (missing file, wrong header, bad connection). */
export class ExtractError extends Error {
  constructor(
    message: string,
    readonly source: string,
    readonly file: string,
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "ExtractError";
  }
}
