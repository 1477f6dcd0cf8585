// Schema of one entry of the configuration's `sources:` map: which connector
// reads a billing system's receivables and how its files or tables map to
// the standard extract. YAML keys are snake_case and unknown keys are errors.

import { z } from "zod";
import { DATE_FORMATS } from "../dates.ts";
import { isKnownCurrency } from "../money.ts";

/** Standard fields of each extract file, in the order of the contract. */
export const STANDARD_FIELDS = {
  accounts: [
    "account_id",
    "customer_id",
    "name",
    "segment",
    "entity",
    "status",
    "currency",
    "country",
    "language",
    "email",
    "phone",
    "address_line1",
    "address_line2",
    "city",
    "postal_code",
    "region",
    "tax_id",
    "autopay",
    "iban",
    "mandate_id",
    "mandate_date",
    "credit_limit",
    "channel",
  ],
  items: [
    "item_id",
    "account_id",
    "type",
    "status",
    "document_date",
    "due_date",
    "currency",
    "amount",
    "applies_to",
    "disputed_amount",
    "exchange_rate",
    "tax_amount",
    "tax_code",
    "reference",
  ],
  allocations: ["item_id", "applies_to", "amount", "date", "currency"],
  holds: [
    "account_id",
    "kind",
    "start_date",
    "end_date",
    "reason",
    "promised_amount",
    "promised_date",
    "currency",
  ],
} as const;

export type ExtractFile = keyof typeof STANDARD_FIELDS;
export type StandardField<F extends ExtractFile> =
  (typeof STANDARD_FIELDS)[F][number];

/** Extract files in the order every connector reads them. */
export const EXTRACT_FILES: readonly ExtractFile[] = [
  "accounts",
  "items",
  "allocations",
  "holds",
];

/** Fields that a row of each file must have. */
export const REQUIRED_FIELDS: { [F in ExtractFile]: StandardField<F>[] } = {
  accounts: ["account_id", "currency"],
  items: ["item_id", "account_id", "type", "document_date", "currency", "amount"],
  allocations: ["item_id", "applies_to", "amount", "date"],
  holds: ["account_id", "kind", "start_date"],
};

const nonEmpty = z.string().trim().min(1, "must not be empty");

/** YAML turns Y, 1 or true into other types; constants are text here. */
const constantText = z
  .union([z.string(), z.number(), z.boolean()])
  .transform((value) => String(value));

const currencyCode = z
  .string()
  .refine(isKnownCurrency, "must be a supported ISO 4217 currency code");

const commonKeys = {
  /** Whether the nightly run reads this source. */
  enabled: z.boolean().default(true),
  /** Legal entity of the source's accounts that name none themselves. */
  entity: nonEmpty.optional(),
  customer_ids: z.enum(["global", "local"]).default("local"),
  /** Share of bad rows above which the whole source is rejected. */
  reject_threshold: z.number().min(0).max(1).default(0.05),
  /** Currency of allocation and hold amounts in rows that carry none. */
  default_currency: currencyCode.optional(),
};

const standardSource = z.strictObject({
  kind: z.literal("standard"),
  path: nonEmpty,
  ...commonKeys,
});

/** A map value is a constant or a reference to another field of the row. */
const mapValue = z.union([
  constantText,
  z.strictObject({ field: nonEmpty }),
]);

function fileMapping<F extends ExtractFile>(file: F) {
  const field = z.enum(STANDARD_FIELDS[file] as unknown as [string, ...string[]]);
  return {
    file: nonEmpty,
    columns: z.partialRecord(field, nonEmpty).default({}),
    values: z.partialRecord(field, constantText).default({}),
    maps: z
      .partialRecord(field, z.record(z.string(), mapValue))
      .default({}),
  };
}

const derivedPayment = z.strictObject({
  /** Column with the date the invoice was paid in full; empty when unpaid. */
  column: nonEmpty,
  /** Appended to the invoice id to form the payment's item id. */
  id_suffix: nonEmpty.default("-paid"),
});

const csvFiles = z.strictObject({
  accounts: z.strictObject({
    ...fileMapping("accounts"),
    distinct: z.boolean().default(false),
  }),
  items: z.strictObject({
    ...fileMapping("items"),
    derived_payment: derivedPayment.optional(),
  }),
  allocations: z.strictObject(fileMapping("allocations")).optional(),
  holds: z.strictObject(fileMapping("holds")).optional(),
});

const singleCharacter = z.string().length(1, "must be a single character");

const csvSource = z.strictObject({
  kind: z.literal("csv"),
  path: nonEmpty,
  encoding: z.enum(["utf-8", "latin1", "windows-1252"]).default("utf-8"),
  delimiter: singleCharacter.default(","),
  quote: singleCharacter.default('"'),
  decimal: z.enum([".", ","]).default("."),
  grouping: z.enum([",", ".", " ", "'", "none"]).default("none"),
  date_format: z.enum(DATE_FORMATS as [string, ...string[]]).default("YYYY-MM-DD"),
  /** negative: credit types carry a minus sign that the connector drops. */
  credit_sign: z.enum(["positive", "negative"]).default("positive"),
  files: csvFiles,
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
  ...commonKeys,
});

export const sourceSchema = z
  .discriminatedUnion("kind", [standardSource, csvSource, sqlSource])
  .superRefine((source, context) => {
    if (source.kind === "csv") checkCsvSource(source, context);
    if (source.kind === "sql") checkSqlQueries(source, context);
  });

export type SourceConfig = z.infer<typeof sourceSchema>;
export type StandardSourceConfig = Extract<SourceConfig, { kind: "standard" }>;
export type CsvSourceConfig = Extract<SourceConfig, { kind: "csv" }>;
export type SqlSourceConfig = Extract<SourceConfig, { kind: "sql" }>;
export type CsvFileMapping = NonNullable<CsvSourceConfig["files"][ExtractFile]>;

function checkCsvSource(
  source: CsvSourceConfig,
  context: z.RefinementCtx,
): void {
  if (source.grouping === source.decimal) {
    context.addIssue({
      code: "custom",
      path: ["grouping"],
      message: `must differ from the decimal separator "${source.decimal}"`,
    });
  }
  if (source.delimiter === source.quote) {
    context.addIssue({
      code: "custom",
      path: ["quote"],
      message: "must differ from the delimiter",
    });
  }
  for (const file of EXTRACT_FILES) {
    const mapping = source.files[file];
    if (mapping) checkFileMapping(file, mapping, context);
  }
}

function checkFileMapping(
  file: ExtractFile,
  mapping: CsvFileMapping,
  context: z.RefinementCtx,
): void {
  const columns = mapping.columns as Record<string, string | undefined>;
  const values = mapping.values as Record<string, string | undefined>;
  const provided = (field: string) =>
    columns[field] !== undefined || values[field] !== undefined;
  for (const field of REQUIRED_FIELDS[file] as string[]) {
    if (!provided(field)) {
      context.addIssue({
        code: "custom",
        path: ["files", file],
        message: `${field} is required: map it in columns or set it in values`,
      });
    }
  }
  for (const field of Object.keys(columns)) {
    if (values[field] !== undefined) {
      context.addIssue({
        code: "custom",
        path: ["files", file, "values", field],
        message: `${field} is already read from a column; keep one of the two`,
      });
    }
  }
  const maps = mapping.maps as Record<string, Record<string, unknown>>;
  for (const [field, map] of Object.entries(maps)) {
    if (columns[field] === undefined) {
      context.addIssue({
        code: "custom",
        path: ["files", file, "maps", field],
        message: `${field} has a value map but no column to read from`,
      });
    }
    for (const [key, value] of Object.entries(map)) {
      if (typeof value !== "object" || value === null) continue;
      const target = (value as { field: string }).field;
      const isField = (STANDARD_FIELDS[file] as readonly string[]).includes(target);
      if (!isField || !provided(target) || maps[target] !== undefined) {
        context.addIssue({
          code: "custom",
          path: ["files", file, "maps", field, key, "field"],
          message: `${target} must be a field of ${file} read from a column or a value, without a map of its own`,
        });
      }
    }
  }
}

/** Queries take bound parameters only; :business_date is the one on offer. */
function checkSqlQueries(
  source: SqlSourceConfig,
  context: z.RefinementCtx,
): void {
  for (const [file, sql] of Object.entries(source.queries)) {
    if (sql === undefined) continue;
    const parameters = sql.replace(/::/g, "").match(/:[A-Za-z_]\w*/g) ?? [];
    for (const parameter of parameters) {
      if (parameter === ":business_date") continue;
      context.addIssue({
        code: "custom",
        path: ["queries", file],
        message: `unknown parameter ${parameter}; the only parameter is :business_date`,
      });
    }
  }
}
