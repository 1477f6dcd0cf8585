// Configuration of the accounting keys: the write-off rule, the accounting
// date, the GL mapping per entity, source and document type, and the ERP
// import layout. The schemas plug into src/config/schema.ts; resolution and
// the rules across keys are here so the shared loader only calls them.

import path from "node:path";
import { z } from "zod";
import { currencyExponent, isKnownCurrency, parseMinor } from "../money.ts";

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date written YYYY-MM-DD");
const accountCode = z.string().min(1);
const decimalAmount = z.union([z.string(), z.number()]).transform(String);

/** GL overrides for one source (billing system) of an entity. */
const glSourceSchema = z.strictObject({
  receivable: accountCode.optional(),
  cost_centre: z.string().min(1).optional(),
  /** Item type (invoice, debit_note, ...) to its own receivable account. */
  document_types: z.record(z.string(), z.strictObject({ receivable: accountCode })).default({}),
});

/** Keys added to each entity's entry under gl. */
export const glAccountingKeys = {
  /** Cost centre carried on the entity's journal lines. */
  cost_centre: z.string().min(1).optional(),
  /** Value of the company segment in the ERP layout; the entity id when absent. */
  company: z.string().min(1).optional(),
  /** Ledger id of the entity in the ERP (GL_INTERFACE.LEDGER_ID). */
  ledger_id: z.string().regex(/^\d+$/, "must be digits").optional(),
  sources: z.record(z.string(), glSourceSchema).default({}),
};

export const WRITE_OFF_RULES = ["placement", "small_balance"] as const;

export const writeOffSchema = z.strictObject({
  /** automatic writes off at once; proposal lists the accounts for approval. */
  mode: z.enum(["automatic", "proposal"]).default("proposal"),
  /** CSV of approved (or reversed) accounts, relative to the configuration file. */
  approval_file: z.string().min(1).optional(),
  /** Days an account has stayed at its strategy's last stage, placed with an agency. */
  after_placement_days: z.number().int().min(0).optional(),
  small_balance: z
    .strictObject({
      /** Oldest open item more than this many days past due. */
      days_past_due: z.number().int().min(0),
      /** Open amount after set-off at most this, per currency ("default" for others). */
      max_amount: z.record(z.string(), decimalAmount),
    })
    .optional(),
});

export const GL_INTERFACE_SEGMENTS = ["company", "account", "cost_centre", "segment"] as const;

export const glInterfaceSchema = z.strictObject({
  /** GL_INTERFACE.CREATED_BY: the ERP user id the import runs as. */
  created_by: z.number().int().default(-1),
  /** GL_INTERFACE.USER_JE_SOURCE_NAME. */
  source_name: z.string().min(1).max(25).default("dcms"),
  /** Values of SEGMENT1, SEGMENT2, ..., in this order. */
  segments: z.array(z.enum(GL_INTERFACE_SEGMENTS)).min(1).max(30).default(["company", "account", "cost_centre"]),
});

/** Top-level keys that the accounting part adds to the configuration. */
export const accountingConfigKeys = {
  write_off: writeOffSchema.optional(),
  /** business_date: journals carry the business date; period_end: the month's last day. */
  accounting_date: z.enum(["business_date", "period_end"]).default("business_date"),
  /** Periods ending on or before this date are closed: journals move to the next open one. */
  period_closed_through: isoDate.optional(),
  gl_interface: glInterfaceSchema.default({ created_by: -1, source_name: "dcms", segments: ["company", "account", "cost_centre"] }),
};

type GlEntry = {
  receivable: string;
  allowance: string;
  bad_debt_expense: string;
  suspense?: string;
  recovery_income?: string;
  fee_income?: string;
  interest_income?: string;
  exchange_difference?: string;
  cost_centre?: string;
  company?: string;
  ledger_id?: string;
  sources?: Record<string, z.infer<typeof glSourceSchema>>;
};

/** The raw keys this file reads; a structural view of RawConfig. */
export interface RawAccounting {
  entities: Record<string, { functional_currency: string }>;
  sources: Record<string, unknown>;
  gl: Record<string, GlEntry>;
  write_off?: z.infer<typeof writeOffSchema>;
  accounting_date: "business_date" | "period_end";
  period_closed_through?: string;
  gl_interface: z.infer<typeof glInterfaceSchema>;
}

export type WriteOffRule = (typeof WRITE_OFF_RULES)[number];

export interface WriteOffPolicy {
  mode: "automatic" | "proposal";
  /** Absolute path of the approval file, when one is configured. */
  approvalFile: string | null;
  afterPlacementDays: number | null;
  smallBalance: {
    daysPastDue: number;
    /** Maximum open amount in minor units of a currency; undefined when not set for it. */
    maxAmountMinor(currency: string): number | undefined;
  } | null;
}

/** Account roles that journal lines post to. */
export type GlRole =
  | "receivable"
  | "allowance"
  | "bad_debt_expense"
  | "recovery_income"
  | "suspense"
  | "fee_income"
  | "interest_income"
  | "exchange_difference";

export interface EntityGl {
  accounts: Partial<Record<GlRole, string>>;
  costCentre: string | null;
  company: string;
  ledgerId: string | null;
  sources: ReadonlyMap<
    string,
    { receivable: string | null; costCentre: string | null; documentTypes: ReadonlyMap<string, string> }
  >;
}

export interface AccountingConfig {
  writeOff: WriteOffPolicy | null;
  accountingDateRule: "business_date" | "period_end";
  periodClosedThrough: string | null;
  glInterface: { createdBy: number; sourceName: string; segments: readonly (typeof GL_INTERFACE_SEGMENTS)[number][] };
  gl: ReadonlyMap<string, EntityGl>;
}

const ROLE_KEYS: Record<GlRole, keyof GlEntry> = {
  receivable: "receivable",
  allowance: "allowance",
  bad_debt_expense: "bad_debt_expense",
  recovery_income: "recovery_income",
  suspense: "suspense",
  fee_income: "fee_income",
  interest_income: "interest_income",
  exchange_difference: "exchange_difference",
};

/** Resolves the accounting keys; baseDir resolves a relative approval file. */
export function resolveAccounting(raw: RawAccounting, baseDir: string): AccountingConfig {
  const gl = new Map<string, EntityGl>();
  for (const [entity, entry] of Object.entries(raw.gl)) {
    const accounts: Partial<Record<GlRole, string>> = {};
    for (const [role, key] of Object.entries(ROLE_KEYS) as [GlRole, keyof GlEntry][]) {
      const code = entry[key];
      if (typeof code === "string") accounts[role] = code;
    }
    gl.set(entity, {
      accounts,
      costCentre: entry.cost_centre ?? null,
      company: entry.company ?? entity,
      ledgerId: entry.ledger_id ?? null,
      sources: new Map(
        Object.entries(entry.sources ?? {}).map(([source, settings]) => [
          source,
          {
            receivable: settings.receivable ?? null,
            costCentre: settings.cost_centre ?? null,
            documentTypes: new Map(
              Object.entries(settings.document_types).map(([type, value]) => [type, value.receivable]),
            ),
          },
        ]),
      ),
    });
  }
  return {
    writeOff: raw.write_off ? resolveWriteOff(raw.write_off, baseDir) : null,
    accountingDateRule: raw.accounting_date,
    periodClosedThrough: raw.period_closed_through ?? null,
    glInterface: {
      createdBy: raw.gl_interface.created_by,
      sourceName: raw.gl_interface.source_name,
      segments: raw.gl_interface.segments,
    },
    gl,
  };
}

function resolveWriteOff(raw: z.infer<typeof writeOffSchema>, baseDir: string): WriteOffPolicy {
  const small = raw.small_balance;
  const cache = new Map<string, number | undefined>();
  return {
    mode: raw.mode,
    approvalFile: raw.approval_file ? path.resolve(baseDir, raw.approval_file) : null,
    afterPlacementDays: raw.after_placement_days ?? null,
    smallBalance: small
      ? {
          daysPastDue: small.days_past_due,
          maxAmountMinor(currency) {
            if (!cache.has(currency)) {
              const text = small.max_amount[currency] ?? small.max_amount.default;
              cache.set(currency, text === undefined ? undefined : parseMinor(text, currencyExponent(currency)));
            }
            return cache.get(currency);
          },
        }
      : null,
  };
}

/** Rules across the accounting keys; every problem with its key path. */
export function checkAccountingRules(raw: RawAccounting): string[] {
  const problems: string[] = [];
  const sourceNames = new Set(Object.keys(raw.sources));
  for (const [entity, entry] of Object.entries(raw.gl)) {
    for (const source of Object.keys(entry.sources ?? {})) {
      if (!sourceNames.has(source)) problems.push(`gl.${entity}.sources.${source}: ${source} is not one of the sources`);
    }
    if (raw.write_off && !entry.recovery_income) {
      problems.push(
        `gl.${entity}.recovery_income: required when write_off is set, because payments for written-off items post to it`,
      );
    }
  }
  const writeOff = raw.write_off;
  if (writeOff) {
    if (writeOff.after_placement_days === undefined && !writeOff.small_balance) {
      problems.push("write_off: set after_placement_days, small_balance or both");
    }
    for (const [currency, text] of Object.entries(writeOff.small_balance?.max_amount ?? {})) {
      const key = `write_off.small_balance.max_amount.${currency}`;
      const exponent = currency === "default" ? 2 : isKnownCurrency(currency) ? currencyExponent(currency) : undefined;
      if (exponent === undefined) {
        problems.push(`${key}: ${currency} is not a supported currency or "default"`);
        continue;
      }
      const minor = parseMinor(text, exponent);
      if (minor === undefined || minor < 0) {
        problems.push(`${key}: ${JSON.stringify(text)} is not a non-negative amount with at most ${exponent} decimals`);
      }
    }
  }
  return problems;
}
