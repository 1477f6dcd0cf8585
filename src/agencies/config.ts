// Configuration of collection agencies beyond their share, and of the credit
// bureau file: the zod keys that schema.ts adds to each agency entry and to
// the top level, their resolution into AgencyTerms and BureauSettings, and
// the rules that span several keys.

import path from "node:path";
import { z } from "zod";
import { currencyExponent, isKnownCurrency, parseMinor, parseRate, type Rate } from "../money.ts";

/** Agency tiers in the order an unpaid account moves through them. */
export const AGENCY_TIERS = ["first", "second", "legal"] as const;
export type AgencyTier = (typeof AGENCY_TIERS)[number];

const amountPerCurrency = z.record(z.string(), z.union([z.string(), z.number()]).transform(String));

/** Keys of an agencies[] entry besides id, name and share. */
export const agencyTermsKeys = {
  tier: z.enum(AGENCY_TIERS).default("first"),
  /** Segments the agency takes; all when absent. */
  segments: z.array(z.string().min(1)).min(1).optional(),
  /** Account regions (the extract's region column) the agency takes; all when absent. */
  regions: z.array(z.string().min(1)).min(1).optional(),
  /** Account countries (ISO 3166-1 alpha-2) the agency takes; all when absent. */
  countries: z.array(z.string().regex(/^[A-Z]{2}$/, "must be an ISO 3166-1 alpha-2 code such as DE")).min(1).optional(),
  /** Smallest placed amount per currency the agency takes, inclusive. */
  min_balance: amountPerCurrency.optional(),
  /** Largest placed amount per currency the agency takes, inclusive. */
  max_balance: amountPerCurrency.optional(),
  /** Most accounts placed with the agency at the same time. */
  max_open_placements: z.number().int().min(1).optional(),
  /** Days an account stays placed without full payment before it is recalled. */
  placement_days: z.number().int().min(1).optional(),
  /** What follows the recall at the end of the placement period. */
  end_of_period: z.enum(["recall", "next_tier"]).default("recall"),
  /** Commission on what the agency collects, as a decimal fraction such as 0.15. */
  commission_rate: z.union([z.string(), z.number()]).default("0"),
  /** Folder (relative to the configuration file) where the agency's remittance files arrive. */
  remittance_folder: z.string().min(1).optional(),
  /** Also write the fixed-width placement file <id>.txt. */
  fixed_width: z.boolean().default(false),
  /** Encoding of the fixed-width file: utf-8, latin1 or windows-1252. */
  encoding: z.string().default("utf-8"),
};

export const bureauSchema = z.strictObject({
  /** Accounts at this dunning stage or a later one are reported. */
  stage: z.string().min(1),
  /** Segments reported; consumer accounts only by default. */
  segments: z.array(z.string().min(1)).min(1).default(["consumer"]),
  identification_number: z.string().min(1),
  reporter_name: z.string().min(1),
  reporter_address: z.string().min(1),
  reporter_telephone: z.string().optional(),
  equifax_program_id: z.string().optional(),
  experian_program_id: z.string().optional(),
  transunion_program_id: z.string().optional(),
  innovis_program_id: z.string().optional(),
  portfolio_type: z.enum(["C", "I", "M", "O", "R"]).default("O"),
  account_type: z.string().regex(/^[0-9A-Z]{2}$/, "must be a two-character Metro 2 account type such as 4D").default("4D"),
  terms_duration: z.string().default("001"),
});

/** The raw shape of one agencies[] entry, as the schema parses it. */
export interface RawAgency {
  id: string;
  name?: string;
  share: number;
  tier: AgencyTier;
  segments?: string[];
  regions?: string[];
  countries?: string[];
  min_balance?: Record<string, string>;
  max_balance?: Record<string, string>;
  max_open_placements?: number;
  placement_days?: number;
  end_of_period: "recall" | "next_tier";
  commission_rate: string | number;
  remittance_folder?: string;
  fixed_width: boolean;
  encoding: string;
}

export type RawBureau = z.infer<typeof bureauSchema>;

/** What dcms agreed with one agency: which accounts it takes, for how long, at what commission. */
export interface AgencyTerms {
  id: string;
  name: string;
  share: number;
  tier: AgencyTier;
  segments: readonly string[] | null;
  regions: readonly string[] | null;
  countries: readonly string[] | null;
  /** Inclusive bounds of the placed amount in minor units, null where the currency has none. */
  minBalanceMinor(currency: string): number | null;
  maxBalanceMinor(currency: string): number | null;
  maxOpenPlacements: number | null;
  placementDays: number | null;
  endOfPeriod: "recall" | "next_tier";
  commissionRate: Rate;
  /** Absolute folder of incoming remittance files, or null when the agency sends none. */
  remittanceFolder: string | null;
  fixedWidth: boolean;
  encoding: string;
}

export interface BureauSettings {
  stage: string;
  segments: readonly string[];
  identificationNumber: string;
  reporterName: string;
  reporterAddress: string;
  reporterTelephone?: string;
  equifaxProgramId?: string;
  experianProgramId?: string;
  transUnionProgramId?: string;
  innovisProgramId?: string;
  portfolioType: "C" | "I" | "M" | "O" | "R";
  accountType: string;
  termsDuration: string;
}

function boundLookup(amounts: Record<string, string> | undefined): (currency: string) => number | null {
  return (currency) => {
    const text = amounts?.[currency] ?? amounts?.default;
    if (text === undefined) return null;
    return parseMinor(text, currencyExponent(currency)) ?? null;
  };
}

export function resolveAgencyTerms(
  agencies: readonly RawAgency[],
  baseDir: string,
): ReadonlyMap<string, AgencyTerms> {
  const terms = new Map<string, AgencyTerms>();
  for (const agency of agencies) {
    terms.set(agency.id, {
      id: agency.id,
      name: agency.name ?? agency.id,
      share: agency.share,
      tier: agency.tier,
      segments: agency.segments ?? null,
      regions: agency.regions ?? null,
      countries: agency.countries ?? null,
      minBalanceMinor: boundLookup(agency.min_balance),
      maxBalanceMinor: boundLookup(agency.max_balance),
      maxOpenPlacements: agency.max_open_placements ?? null,
      placementDays: agency.placement_days ?? null,
      endOfPeriod: agency.end_of_period,
      commissionRate: parseRate(agency.commission_rate),
      remittanceFolder: agency.remittance_folder
        ? path.resolve(baseDir, agency.remittance_folder)
        : null,
      fixedWidth: agency.fixed_width,
      encoding: agency.encoding,
    });
  }
  return terms;
}

export function resolveBureau(raw: RawBureau | undefined): BureauSettings | null {
  if (!raw) return null;
  return {
    stage: raw.stage,
    segments: raw.segments,
    identificationNumber: raw.identification_number,
    reporterName: raw.reporter_name,
    reporterAddress: raw.reporter_address,
    reporterTelephone: raw.reporter_telephone,
    equifaxProgramId: raw.equifax_program_id,
    experianProgramId: raw.experian_program_id,
    transUnionProgramId: raw.transunion_program_id,
    innovisProgramId: raw.innovis_program_id,
    portfolioType: raw.portfolio_type,
    accountType: raw.account_type,
    termsDuration: raw.terms_duration,
  };
}

interface RulesInput {
  agencies: readonly RawAgency[];
  bureau?: RawBureau;
  gl: Record<string, Record<string, unknown>>;
  dunning: { strategies: Record<string, { stages: { name: string; actions: unknown[] }[] }> };
}

/** Rules across agency, bureau, GL and dunning keys; returns every problem with its key path. */
export function checkAgencyRules(config: RulesInput): string[] {
  const problems: string[] = [];
  const ids = new Set<string>();
  let remittances = false;
  config.agencies.forEach((agency, index) => {
    const key = `agencies[${index}]`;
    if (ids.has(agency.id)) problems.push(`${key}.id: ${agency.id} is used twice; agency ids name files`);
    ids.add(agency.id);
    problems.push(...checkBounds(agency.min_balance, `${key}.min_balance`));
    problems.push(...checkBounds(agency.max_balance, `${key}.max_balance`));
    try {
      const rate = parseRate(agency.commission_rate);
      if (rate.units > 10n ** BigInt(rate.scale)) {
        problems.push(`${key}.commission_rate: ${rate.text} is above 1; write 0.15 for 15 %`);
      }
    } catch {
      problems.push(`${key}.commission_rate: ${JSON.stringify(agency.commission_rate)} is not a non-negative decimal`);
    }
    if (!["utf-8", "utf8", "latin1", "windows-1252"].includes(agency.encoding.toLowerCase())) {
      problems.push(`${key}.encoding: ${agency.encoding} is not supported; use utf-8, latin1 or windows-1252`);
    }
    if (agency.remittance_folder) remittances = true;
  });
  const placing = Object.values(config.dunning.strategies).some((strategy) =>
    strategy.stages.some((stage) => stage.actions.some((action) => actionKind(action) === "placement")),
  );
  if (placing && config.agencies.length > 0 && !config.agencies.some((agency) => agency.tier === "first")) {
    problems.push("agencies: placement stages need at least one agency with tier first");
  }
  if (remittances) {
    for (const [entity, accounts] of Object.entries(config.gl)) {
      for (const code of ["agency_receivable", "commission_expense", "agency_payable"]) {
        if (!accounts[code]) {
          problems.push(`gl.${entity}.${code}: required because an agency sends remittance files`);
        }
      }
    }
  }
  if (config.bureau) {
    const stages = Object.values(config.dunning.strategies).flatMap((strategy) => strategy.stages);
    if (!stages.some((stage) => stage.name === config.bureau?.stage)) {
      problems.push(`bureau.stage: ${config.bureau.stage} is not a stage of any dunning strategy`);
    }
    if (!/^[A-Za-z0-9]{5,20}$/.test(config.bureau.identification_number)) {
      problems.push("bureau.identification_number: must be the 5 to 20 letters and digits that the bureau assigned");
    }
  }
  return problems;
}

function actionKind(action: unknown): string {
  return typeof action === "string" ? action : (action as { kind: string }).kind;
}

function checkBounds(amounts: Record<string, string> | undefined, key: string): string[] {
  const problems: string[] = [];
  for (const [currency, text] of Object.entries(amounts ?? {})) {
    if (currency !== "default" && !isKnownCurrency(currency)) {
      problems.push(`${key}.${currency}: ${currency} is not a supported currency or "default"`);
      continue;
    }
    // A default bound applies to currencies of up to three decimals.
    const exponent = currency === "default" ? 3 : currencyExponent(currency);
    const minor = parseMinor(text, exponent);
    if (minor === undefined || minor < 0) {
      problems.push(`${key}.${currency}: ${JSON.stringify(text)} is not a non-negative amount with at most ${exponent} decimals`);
    }
  }
  return problems;
}

/** Returns the tier after the given one that has at least one agency, or null. */
export function nextTier(
  tier: AgencyTier,
  agencies: Iterable<AgencyTerms>,
): AgencyTier | null {
  const present = new Set([...agencies].map((agency) => agency.tier));
  for (const candidate of AGENCY_TIERS.slice(AGENCY_TIERS.indexOf(tier) + 1)) {
    if (present.has(candidate)) return candidate;
  }
  return null;
}
