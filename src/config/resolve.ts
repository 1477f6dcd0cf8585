// The resolved configuration: defaults filled in, amounts and rates parsed,
// lookups ready. Passes receive this frozen object and nothing else.

import path from "node:path";
import { compareCodePoints } from "../outputs/csv.ts";
import { currencyExponent, parseMinor, parseRate, type Rate } from "../money.ts";
import { resolveCash, type CashSettings } from "../cash/config.ts";
import { resolveAccounting, type AccountingConfig } from "../accounting/config.ts";
import { resolveAgencyTerms, resolveBureau, type AgencyTerms, type BureauSettings } from "../agencies/config.ts";
import { resolveDelivery, type DeliverySettings } from "../delivery/config.ts";
import type { RawConfig } from "./schema.ts";
import type { SourceConfig } from "./sources.ts";
import { DEFAULT_BUCKET_LABELS } from "./schema.ts";
import type { Channel } from "../extract.ts";
import {
  actionExtras,
  creditLimitTrigger,
  resolveDunningPolicy,
  stageExtras,
  strategyNameForSegment,
  type DunningPolicy,
} from "../dunning/policy.ts";

/** An aging bucket or provision band: days past due from minDays to maxDays, inclusive. */
export interface Band {
  label: string;
  /** Null on the first band, which also contains everything not yet due. */
  minDays: number | null;
  /** Null on the open-ended last band. */
  maxDays: number | null;
}

export type ActionKind =
  | "letter"
  | "email"
  | "sms"
  | "call_list"
  | "suspension"
  | "placement"
  | "write_off_proposal"
  | "restoration"
  | "recall"
  | "fee"
  | "interest";

export interface StageAction {
  kind: ActionKind;
  template: string;
  /** Fixed fee per currency; on fee actions only. */
  feeMinor?(currency: string): number | undefined;
  /** Fee as a fraction of the open overdue principal; on fee actions only. */
  percent?: Rate | null;
}

export interface Stage {
  /** Position in the ladder, 1 for the first stage; 0 means no stage. */
  level: number;
  name: string;
  daysPastDue: number;
  waitDays: number;
  actions: StageAction[];
  /** Minimum dunnable amount in minor units of a currency; at least 1. */
  minAmountMinor(currency: string): number;
  /** Minimum share of the account's open balance that must meet the stage's days. */
  minShare: Rate | null;
  /** Overdue amount below which an account in this stage is cured; at least 1. */
  exitThresholdMinor(currency: string): number;
  /** Channels of the stage's notice in order of fallback. */
  channels: Channel[];
}

export interface Strategy {
  name: string;
  stages: Stage[];
  /** Dunnable overdue amount below which the account leaves dunning; at least 1. */
  exitThresholdMinor(currency: string): number;
  /** Overdue plus unbilled usage at `share` of the credit limit puts the account in `level` early. */
  creditLimitTrigger: { share: Rate; level: number } | null;
}

export interface GlAccounts {
  receivable: string;
  allowance: string;
  badDebtExpense: string;
  suspense?: string;
  recoveryIncome?: string;
  feeIncome?: string;
  interestIncome?: string;
  exchangeDifference?: string;
  bank?: string;
  payables?: string;
  discountExpense?: string;
  agencyReceivable?: string;
  commissionExpense?: string;
  agencyPayable?: string;
}

export interface Entity {
  id: string;
  functionalCurrency: string;
  country?: string;
  region?: string;
}

export interface SourceSettings {
  name: string;
  entity: string;
  customerIdsGlobal: boolean;
  rejectThreshold: number;
  config: SourceConfig;
}

export type LedgerLocation =
  | { kind: "sqlite"; filename: string }
  | { kind: "postgres"; url: string };

export interface ResolvedConfig {
  configPath: string;
  baseDir: string;
  /** SHA-256 of the configuration text; part of a run's input checksum. */
  checksum: string;
  /**
   * SHA-256 of the settings after environment variables are filled in,
   * without the ledger and delivery sections: a night continues
   * incrementally only while it stays the same.
   */
  settingsChecksum: string;
  timeZone: string;
  ledger: LedgerLocation;
  outputFolder: string;
  entities: ReadonlyMap<string, Entity>;
  sources: readonly SourceSettings[];
  agingBasis: "due_date" | "document_date";
  buckets: readonly Band[];
  dunning: {
    escalation: "step" | "jump";
    noticeDays: number;
    postalDays: number;
    deadlineDays: number;
    defaultLanguage: string;
    waysToPay: readonly string[];
    strategies: ReadonlyMap<string, Strategy>;
    strategyForSegment(segment: string | null): Strategy;
    /** Segment rules, scoring, holds, fees, interest, calendars and triggers. */
    policy: DunningPolicy;
  };
  provision: {
    bands: readonly Band[];
    /** Rate of a matrix cell, with the segment falling back to "default". */
    rate(entity: string, segment: string, band: string): Rate | undefined;
    bankruptRate?: Rate;
    disputedRate?: Rate;
    arrangementRate?: Rate;
    includeDisputed: boolean;
  };
  gl: ReadonlyMap<string, GlAccounts>;
  agencies: readonly { id: string; name: string; share: number }[];
  /** Placement rules, capacity, period, commission and files of each agency, by id. */
  agencyTerms: ReadonlyMap<string, AgencyTerms>;
  bureau: BureauSettings | null;
  delivery: DeliverySettings | null;
  cash: CashSettings;
  /** Write-off rule, accounting date, GL mapping by source and ERP layout. */
  accounting: AccountingConfig;
  /** Days of per-run aging snapshots that `dcms prune` keeps; null keeps all. */
  reports: { retentionDays: number | null };
  /** Closing rate from one currency to another on a date: the latest on or before it. */
  closingRate(date: string, from: string, to: string): Rate | undefined;
}

interface ConfigFile {
  configPath: string;
  baseDir: string;
  checksum: string;
  settingsChecksum: string;
}

export function resolveConfig(raw: RawConfig, file: ConfigFile): ResolvedConfig {
  const entities = new Map<string, Entity>(
    Object.entries(raw.entities).map(([id, entity]) => [
      id,
      {
        id,
        functionalCurrency: entity.functional_currency,
        country: entity.country,
        region: entity.region,
      },
    ]),
  );
  const firstEntity = [...entities.keys()][0];
  const buckets = resolveBands(
    raw.aging.buckets ??
      DEFAULT_BUCKET_LABELS.map((label, index) => ({
        label,
        max_days: [0, 30, 60, 90, 120, 180, 365][index],
      })),
  );
  const strategies = new Map(
    Object.entries(raw.dunning.strategies).map(([name, strategy]) => [
      name,
      resolveStrategy(name, strategy),
    ]),
  );
  const dunningPolicy = resolveDunningPolicy(raw.dunning, file.baseDir);

  const matrix = raw.provision.matrix;
  const rateCache = new Map<string, Rate | undefined>();
  const provisionRate = (entity: string, segment: string, band: string) => {
    const key = `${entity}\u0000${segment}\u0000${band}`;
    if (!rateCache.has(key)) {
      const text = matrix[entity]?.[segment]?.[band] ?? matrix[entity]?.default?.[band];
      rateCache.set(key, text === undefined ? undefined : parseRate(text));
    }
    return rateCache.get(key);
  };

  const rates = raw.rates
    .map((rate) => ({ ...rate, parsed: parseRate(rate.rate) }))
    .sort((a, b) => compareCodePoints(b.date, a.date));

  const config: ResolvedConfig = {
    ...file,
    timeZone: raw.business_time_zone,
    ledger: resolveLedger(raw.ledger, file.baseDir),
    outputFolder: path.resolve(file.baseDir, raw.output_folder),
    entities,
    sources: Object.entries(raw.sources)
      .map(([name, source]) => {
        const common = source as {
          entity?: string;
          customer_ids?: "global" | "local";
          reject_threshold?: number;
        };
        return {
          name,
          entity: common.entity ?? firstEntity,
          customerIdsGlobal: common.customer_ids === "global",
          rejectThreshold: common.reject_threshold ?? 0.05,
          config: source,
        };
      })
      .filter((source) => (source.config as { enabled?: boolean }).enabled !== false)
      .sort((a, b) => (a.name < b.name ? -1 : 1)),
    agingBasis: raw.aging.basis,
    buckets,
    dunning: {
      escalation: raw.dunning.escalation,
      noticeDays: raw.dunning.notice_days,
      postalDays: raw.dunning.postal_days,
      deadlineDays: raw.dunning.deadline_days,
      defaultLanguage: raw.dunning.default_language,
      waysToPay: raw.dunning.ways_to_pay,
      strategies,
      strategyForSegment(segment) {
        const name = strategyNameForSegment(dunningPolicy, segment);
        return strategies.get(name) ?? [...strategies.values()][0];
      },
      policy: dunningPolicy,
    },
    provision: {
      bands: raw.provision.bands ? resolveBands(raw.provision.bands) : buckets,
      rate: provisionRate,
      bankruptRate: optionalRate(raw.provision.specific.bankrupt),
      disputedRate: optionalRate(raw.provision.specific.disputed),
      arrangementRate: optionalRate(raw.provision.specific.arrangement),
      includeDisputed: raw.provision.include_disputed,
    },
    gl: new Map(
      Object.entries(raw.gl).map(([entity, gl]) => [
        entity,
        {
          receivable: gl.receivable,
          allowance: gl.allowance,
          badDebtExpense: gl.bad_debt_expense,
          suspense: gl.suspense,
          recoveryIncome: gl.recovery_income,
          feeIncome: gl.fee_income,
          interestIncome: gl.interest_income,
          exchangeDifference: gl.exchange_difference,
          bank: gl.bank,
          payables: gl.payables,
          discountExpense: gl.discount_expense,
          agencyReceivable: gl.agency_receivable,
          commissionExpense: gl.commission_expense,
          agencyPayable: gl.agency_payable,
        },
      ]),
    ),
    agencies: raw.agencies.map((agency) => ({
      id: agency.id,
      name: agency.name ?? agency.id,
      share: agency.share,
    })),
    agencyTerms: resolveAgencyTerms(raw.agencies, file.baseDir),
    bureau: resolveBureau(raw.bureau),
    delivery: resolveDelivery(raw.delivery, file.baseDir, path.resolve(file.baseDir, raw.output_folder)),
    reports: { retentionDays: raw.reports.retention_days ?? null },
    cash: resolveCash(raw.cash),
    accounting: resolveAccounting(raw, file.baseDir),
    closingRate(date, from, to) {
      if (from === to) return parseRate("1");
      const direct = rates.find((rate) => rate.date <= date && rate.from === from && rate.to === to);
      return direct?.parsed;
    },
  };
  return deepFreeze(config);
}

function optionalRate(value: string | number | undefined): Rate | undefined {
  return value === undefined ? undefined : parseRate(value);
}

function resolveLedger(ledger: string, baseDir: string): LedgerLocation {
  if (/^postgres(ql)?:\/\//.test(ledger)) return { kind: "postgres", url: ledger };
  return { kind: "sqlite", filename: path.resolve(baseDir, ledger) };
}

export function resolveBands(bands: { label: string; max_days?: number }[]): Band[] {
  return bands.map((band, index) => ({
    label: band.label,
    minDays: index === 0 ? null : (bands[index - 1].max_days as number) + 1,
    maxDays: band.max_days ?? null,
  }));
}

/** Returns the band that contains a number of days past due. */
export function bandIndex(bands: readonly Band[], daysPastDue: number): number {
  for (let index = 0; index < bands.length; index++) {
    const maxDays = bands[index].maxDays;
    if (maxDays === null || daysPastDue <= maxDays) return index;
  }
  return bands.length - 1;
}

function amountLookup(amounts: Record<string, string>): (currency: string) => number {
  const cache = new Map<string, number>();
  return (currency) => {
    let minor = cache.get(currency);
    if (minor === undefined) {
      const text = amounts[currency] ?? amounts.default;
      const parsed = text === undefined ? 0 : parseMinor(text, currencyExponent(currency));
      // A threshold is never below one minor unit, so a zero amount never
      // reaches a stage and an account with nothing overdue is always cured.
      minor = Math.max(1, parsed ?? 0);
      cache.set(currency, minor);
    }
    return minor;
  };
}

function resolveStrategy(name: string, raw: RawConfig["dunning"]["strategies"][string]): Strategy {
  return {
    name,
    exitThresholdMinor: amountLookup(raw.exit_threshold),
    creditLimitTrigger: creditLimitTrigger(raw),
    stages: raw.stages.map((stage, index) => ({
      level: index + 1,
      name: stage.name,
      daysPastDue: stage.days_past_due,
      waitDays: stage.wait_days,
      actions: stage.actions.map((action) =>
        typeof action === "string"
          ? { kind: action, template: stage.template ?? stage.name, ...actionExtras(action) }
          : { kind: action.kind, template: action.template ?? stage.template ?? stage.name, ...actionExtras(action) },
      ),
      minAmountMinor: amountLookup(stage.min_amount),
      ...stageExtras(stage, raw.exit_threshold),
    })),
  };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    if (value instanceof Map) return value;
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}
