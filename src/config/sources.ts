// Schema of one entry of the configuration's `sources:` map. It says which
// connector reads a billing system's receivables, how its files or tables
// map to the standard extract, and how a night's extract relates to the
// ledger: full snapshot or delta, control totals, customer linking. YAML
// keys are snake_case and unknown keys are errors.

import { z } from "zod";
import { DATE_FORMATS } from "../dates.ts";
import { ITEM_TYPES } from "../extract.ts";
import { isKnownCurrency } from "../money.ts";
import { checkFileSource, checkSqlSource } from "./source-rules.ts";
import { EXTRACT_FILES, STANDARD_FIELDS, type ExtractFile } from "./standard-fields.ts";
import { bankSourceKeys } from "../cash/bank-source.ts";

export {
  EXTRACT_FILES,
  REQUIRED_FIELDS,
  STANDARD_FIELDS,
  type ExtractFile,
  type StandardField,
} from "./standard-fields.ts";

const nonEmpty = z.string().trim().min(1, "must not be empty");

/** YAML turns Y, 1 or true into other types; constants are text here. */
const constantText = z
  .union([z.string(), z.number(), z.boolean()])
  .transform((value) => String(value));

const currencyCode = z
  .string()
  .refine(isKnownCurrency, "must be a supported ISO 4217 currency code");

const share = z.number().min(0).max(1);

/** Rules that link an account without a known customer to another source's customer. */
export const CUSTOMER_MATCH_RULES = ["email", "name_postal_code"] as const;
export type CustomerMatchRule = (typeof CUSTOMER_MATCH_RULES)[number];

const commonKeys = {
  /** Whether the nightly run reads this source. */
  enabled: z.boolean().default(true),
  /** Legal entity of the source's accounts that name none themselves. */
  entity: nonEmpty.optional(),
  customer_ids: z.enum(["global", "local"]).default("local"),
  /** Share of bad rows above which the whole source is rejected. */
  reject_threshold: share.default(0.05),
  /** Currency of allocation and hold amounts in rows that carry none. */
  default_currency: currencyCode.optional(),
  /** snapshot: the extract lists every open item; delta: only what changed. */
  mode: z.enum(["snapshot", "delta"]).optional(),
  /** Share of open items a snapshot may close before it counts as truncated; 0.5 when absent. */
  max_close_share: share.optional(),
  /** Match rules for accounts that neither a customer id nor a tax id links. */
  customer_match: z.array(z.enum(CUSTOMER_MATCH_RULES)).optional(),
};

/** Keys of every kind that reads files. */
const fileKeys = {
  path: nonEmpty,
  /** CSV file in the source's folder with row counts and amount sums per file. */
  control_file: nonEmpty.optional(),
};

const standardSource = z.strictObject({
  kind: z.literal("standard"),
  ...fileKeys,
  ...commonKeys,
});

/** A map value is a constant or a reference to another field of the row. */
const mapValue = z.union([
  constantText,
  z.strictObject({ field: nonEmpty }),
]);

/** Characters of a fixed-width line: start is 1-based, width at least 1. */
const fixedPosition = z.strictObject({
  start: z.number().int().min(1),
  width: z.number().int().min(1),
});
export type FixedPosition = z.infer<typeof fixedPosition>;

/** A field of a delimited trailer record, counted from 1. */
const fieldNumber = z.number().int().min(1);

/**
 * Builds the keys of one extract file's mapping, whose columns are found by
 * header name (csv, xlsx) or by position in the line (fixed_width).
 */
function fileMapping<F extends ExtractFile, C extends z.ZodType>(file: F, column: C) {
  const field = z.enum(STANDARD_FIELDS[file] as unknown as [string, ...string[]]);
  return {
    file: nonEmpty,
    columns: z.partialRecord(field, column).default({}),
    values: z.partialRecord(field, constantText).default({}),
    maps: z
      .partialRecord(field, z.record(z.string(), mapValue))
      .default({}),
  };
}

function derivedPayment<C extends z.ZodType>(column: C) {
  return z.strictObject({
    /** Column with the date the invoice was paid in full; empty when unpaid. */
    column,
    /** Appended to the invoice id to form the payment's item id. */
    id_suffix: nonEmpty.default("-paid"),
  });
}

/** Builds the schema of trailer records: the last records of a file, with its row count and amount sum. */
function trailer<C extends z.ZodType>(column: C) {
  return z.strictObject({
    /** First field (delimited) or first characters (fixed width) of a trailer record. */
    prefix: nonEmpty,
    count_column: column,
    amount_column: column.optional(),
    /** With it, one trailer record per currency; without it, one for the whole file. */
    currency_column: column.optional(),
  });
}

/**
 * Builds the mappings of the four extract files, with columns of one kind
 * and the keys that only this kind has (a trailer, a sheet, line settings).
 */
function fileMappings<C extends z.ZodType, E extends z.ZodRawShape>(column: C, extra: E) {
  const keysOf = <F extends ExtractFile>(file: F) => ({ ...fileMapping(file, column), ...extra });
  return z.strictObject({
    accounts: z.strictObject({
      ...keysOf("accounts"),
      distinct: z.boolean().default(false),
    }),
    items: z.strictObject({
      ...keysOf("items"),
      derived_payment: derivedPayment(column).optional(),
    }),
    allocations: z.strictObject(keysOf("allocations")).optional(),
    holds: z.strictObject(keysOf("holds")).optional(),
  });
}

const singleCharacter = z.string().length(1, "must be a single character");

/** Value layout of files in the billing system's own format. */
const valueKeys = {
  decimal: z.enum([".", ","]).default("."),
  grouping: z.enum([",", ".", " ", "'", "none"]).default("none"),
  date_format: z.enum(DATE_FORMATS as [string, ...string[]]).default("YYYY-MM-DD"),
  /** negative: credit types carry a minus sign that the connector drops. */
  credit_sign: z.enum(["positive", "negative"]).default("positive"),
  /** The sign convention of single item types, where it differs from credit_sign. */
  signs: z.partialRecord(z.enum(ITEM_TYPES), z.enum(["positive", "negative"])).default({}),
};

const encoding = z.enum(["utf-8", "latin1", "windows-1252"]).default("utf-8");

const csvSource = z.strictObject({
  kind: z.literal("csv"),
  ...fileKeys,
  encoding,
  delimiter: singleCharacter.default(","),
  quote: singleCharacter.default('"'),
  ...valueKeys,
  files: fileMappings(nonEmpty, { trailer: trailer(fieldNumber).optional() }),
  ...commonKeys,
});

const fixedWidthSource = z.strictObject({
  kind: z.literal("fixed_width"),
  ...fileKeys,
  encoding,
  ...valueKeys,
  files: fileMappings(fixedPosition, {
    trailer: trailer(fixedPosition).optional(),
    /** Lines at the top of the file that are no records, such as a header. */
    skip_lines: z.number().int().min(0).default(0),
    /** When set, a line of any other length is rejected. */
    line_length: z.number().int().min(1).optional(),
  }),
  ...commonKeys,
});

const xlsxSource = z.strictObject({
  kind: z.literal("xlsx"),
  ...fileKeys,
  ...valueKeys,
  files: fileMappings(nonEmpty, {
    /** Worksheet name, or its position among the workbook's sheets counted from 1. */
    sheet: z.union([nonEmpty, z.number().int().min(1)]).default(1),
    /** Row number of the header row; data rows follow it. */
    header_row: z.number().int().min(1).default(1),
  }),
  ...commonKeys,
});

const sqlConnection = z.union([
  z
    .string()
    .regex(
      /^(postgres|postgresql|mysql):\/\//,
      "must be a postgres:// or mysql:// URL, or an object with client",
    ),
  z.strictObject({
    client: z.enum(["sqlite", "better-sqlite3"]),
    filename: nonEmpty,
  }),
  z.strictObject({
    client: z.enum(["pg", "postgres", "mysql", "mysql2"]),
    connection: z.union([nonEmpty, z.record(z.string(), z.unknown())]),
  }),
]);

const queryName = z.enum(["accounts", "items", "allocations", "holds"]);

const watermark = z.strictObject({
  /** Result column that grows with every change of a row, such as updated_at. */
  column: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be a column name of letters, digits and _"),
  /** Value bound to :watermark on the first run, when no watermark is stored yet. */
  initial: constantText.optional(),
  /** Queries read incrementally; every configured query when absent. */
  queries: z.array(queryName).min(1).optional(),
});

const sqlSource = z.strictObject({
  kind: z.literal("sql"),
  connection: sqlConnection,
  queries: z.strictObject({
    accounts: nonEmpty,
    items: nonEmpty,
    allocations: nonEmpty.optional(),
    holds: nonEmpty.optional(),
  }),
  /** minor: amount columns hold integers of minor units, not decimals. */
  amounts: z.enum(["decimal", "minor"]).default("decimal"),
  watermark: watermark.optional(),
  ...commonKeys,
});

export const sourceSchema = z
  .discriminatedUnion("kind", [
    standardSource,
    csvSource,
    fixedWidthSource,
    xlsxSource,
    sqlSource,
    z.strictObject({ ...commonKeys, ...bankSourceKeys }),
  ])
  .superRefine((source, context) => {
    if (source.kind === "sql") checkSqlSource(source, context);
    else if (source.kind !== "standard" && source.kind !== "bank") checkFileSource(source, context);
  });

export type SourceConfig = z.infer<typeof sourceSchema>;
export type StandardSourceConfig = Extract<SourceConfig, { kind: "standard" }>;
export type CsvSourceConfig = Extract<SourceConfig, { kind: "csv" }>;
export type FixedWidthSourceConfig = Extract<SourceConfig, { kind: "fixed_width" }>;
export type XlsxSourceConfig = Extract<SourceConfig, { kind: "xlsx" }>;
export type SqlSourceConfig = Extract<SourceConfig, { kind: "sql" }>;
export type BankSourceConfig = Extract<SourceConfig, { kind: "bank" }>;
/** A source whose files are in the billing system's own layout. */
export type MappedSourceConfig = CsvSourceConfig | FixedWidthSourceConfig | XlsxSourceConfig;
export type CsvFileMapping = NonNullable<CsvSourceConfig["files"][ExtractFile]>;
export type FixedWidthFileMapping = NonNullable<FixedWidthSourceConfig["files"][ExtractFile]>;
export type XlsxFileMapping = NonNullable<XlsxSourceConfig["files"][ExtractFile]>;
export type AnyFileMapping = CsvFileMapping | FixedWidthFileMapping | XlsxFileMapping;
export type CsvTrailer = NonNullable<CsvFileMapping["trailer"]>;
export type FixedWidthTrailer = NonNullable<FixedWidthFileMapping["trailer"]>;

/** Default share of a source's open items that one snapshot may close. */
export const DEFAULT_MAX_CLOSE_SHARE = 0.5;

/** Returns the source's mode: its mode key, else delta for a watermark and snapshot for the rest. */
export function sourceMode(config: SourceConfig): "snapshot" | "delta" {
  if (config.mode) return config.mode;
  return config.kind === "sql" && config.watermark ? "delta" : "snapshot";
}

export function maxCloseShare(config: SourceConfig): number {
  return ("max_close_share" in config ? config.max_close_share : undefined) ?? DEFAULT_MAX_CLOSE_SHARE;
}

export function customerMatchRules(config: SourceConfig): readonly CustomerMatchRule[] {
  return ("customer_match" in config ? config.customer_match : undefined) ?? [];
}

/** Queries of an SQL source that read only rows changed since the last watermark. */
export function incrementalQueries(config: SqlSourceConfig): ExtractFile[] {
  if (!config.watermark) return [];
  const configured = EXTRACT_FILES.filter((file) => config.queries[file] !== undefined);
  const chosen = config.watermark.queries;
  return chosen ? configured.filter((file) => chosen.includes(file)) : configured;
}
