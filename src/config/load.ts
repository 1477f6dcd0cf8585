// Loads a configuration file once: YAML, then the schema, then the rules that
// span several keys, every problem collected with its key path. The result is
// a frozen ResolvedConfig; nothing reads the YAML again after this.

import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import YAML from "yaml";
import type { z } from "zod";
import { isValidTimeZone } from "../dates.ts";
import { RequestError } from "../errors.ts";
import { currencyExponent, isKnownCurrency, parseMinor, parseRate } from "../money.ts";
import { checkCashRules } from "../cash/config.ts";
import { checkAccountingRules } from "../accounting/config.ts";
import { checkAgencyRules } from "../agencies/config.ts";
import { checkDeliveryRules } from "../delivery/config.ts";
import { configSchema, DEFAULT_BUCKET_LABELS, type RawConfig } from "./schema.ts";
import { checkDunningPolicy } from "../dunning/check.ts";
import {
  resolveConfig,
  type ResolvedConfig,
} from "./resolve.ts";

export type { ResolvedConfig } from "./resolve.ts";

/** Reads, checks and resolves a configuration file. Throws RequestError listing every problem. */
export function loadConfig(configPath: string): ResolvedConfig {
  let text: string;
  try {
    text = readFileSync(configPath, "utf8");
  } catch (error) {
    throw new RequestError(`cannot read configuration ${configPath}: ${(error as Error).message}`);
  }
  return parseConfig(text, configPath);
}

export function parseConfig(text: string, configPath: string): ResolvedConfig {
  const document = YAML.parseDocument(text, { prettyErrors: true });
  if (document.errors.length > 0) {
    const problems = document.errors.map((error) => `${configPath}: ${error.message}`);
    throw new RequestError(`configuration ${configPath} is not valid YAML`, problems);
  }
  const expansion = expandEnvironment(document.toJS(), process.env);
  if (expansion.problems.length > 0) {
    throw new RequestError(`configuration ${configPath} is invalid`, expansion.problems);
  }
  const parsed = configSchema.safeParse(expansion.value);
  if (!parsed.success) {
    throw new RequestError(
      `configuration ${configPath} is invalid`,
      formatIssues(parsed.error.issues),
    );
  }
  const problems = checkRules(parsed.data);
  if (problems.length > 0) {
    throw new RequestError(`configuration ${configPath} is invalid`, problems);
  }
  const checksum = createHash("sha256").update(text).digest("hex");
  // Where the ledger is and how files travel do not change what a night
  // decides; a variable in any other setting does.
  const { ledger: _ledger, delivery: _delivery, ...settings } = expansion.value as Record<string, unknown>;
  const settingsChecksum = createHash("sha256").update(JSON.stringify(settings)).digest("hex");
  return resolveConfig(parsed.data, {
    configPath: path.resolve(configPath),
    baseDir: path.dirname(path.resolve(configPath)),
    checksum,
    settingsChecksum,
  });
}

const VARIABLE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/**
 * Replaces ${NAME} in string values with the environment variable NAME, once,
 * when the file is loaded. An unset variable is a problem at its key path.
 */
export function expandEnvironment(
  value: unknown,
  environment: Record<string, string | undefined>,
  keys: PropertyKey[] = [],
): { value: unknown; problems: string[] } {
  const problems: string[] = [];
  if (typeof value === "string") {
    const expanded = value.replace(VARIABLE, (match, name: string) => {
      const replacement = environment[name];
      if (replacement === undefined) {
        problems.push(`${formatPath(keys)}: environment variable ${name} is not set`);
        return match;
      }
      return replacement;
    });
    return { value: expanded, problems };
  }
  if (Array.isArray(value)) {
    const items = value.map((item, index) => {
      const result = expandEnvironment(item, environment, [...keys, index]);
      problems.push(...result.problems);
      return result.value;
    });
    return { value: items, problems };
  }
  if (value && typeof value === "object") {
    const entries = Object.entries(value).map(([key, item]) => {
      const result = expandEnvironment(item, environment, [...keys, key]);
      problems.push(...result.problems);
      return [key, result.value];
    });
    return { value: Object.fromEntries(entries), problems };
  }
  return { value, problems };
}

function formatIssues(issues: z.core.$ZodIssue[]): string[] {
  return issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
}

function formatPath(keys: PropertyKey[]): string {
  if (keys.length === 0) return "(top level)";
  return keys
    .map((key, index) =>
      typeof key === "number" ? `[${key}]` : index === 0 ? String(key) : `.${String(key)}`,
    )
    .join("");
}

/** Rules that span several keys. Returns every broken rule with its key path. */
export function checkRules(config: RawConfig): string[] {
  const problems: string[] = [];
  const entityIds = new Set(Object.keys(config.entities));

  if (!isValidTimeZone(config.business_time_zone)) {
    problems.push(`business_time_zone: ${config.business_time_zone} is not an IANA time zone`);
  }
  if (entityIds.size === 0) problems.push("entities: at least one entity is required");
  for (const [id, entity] of Object.entries(config.entities)) {
    if (!isKnownCurrency(entity.functional_currency)) {
      problems.push(`entities.${id}.functional_currency: ${entity.functional_currency} is not a supported currency`);
    }
    if (!config.gl[id]) problems.push(`gl.${id}: GL accounts are missing for entity ${id}`);
    if (!config.provision.matrix[id]) {
      problems.push(`provision.matrix.${id}: provision rates are missing for entity ${id}`);
    }
  }
  for (const id of Object.keys(config.gl)) {
    if (!entityIds.has(id)) problems.push(`gl.${id}: ${id} is not one of the entities`);
  }
  config.rates.forEach((rate, index) => {
    const key = `rates[${index}]`;
    for (const side of ["from", "to"] as const) {
      if (!isKnownCurrency(rate[side])) problems.push(`${key}.${side}: ${rate[side]} is not a supported currency`);
    }
    if (rate.from === rate.to) problems.push(`${key}: from and to are the same currency`);
    problems.push(...checkRate(rate.rate, `${key}.rate`, true));
  });
  for (const [name, source] of Object.entries(config.sources)) {
    const entity = (source as { entity?: string }).entity;
    if (entity !== undefined && !entityIds.has(entity)) {
      problems.push(`sources.${name}.entity: ${entity} is not one of the entities`);
    }
  }

  const buckets = config.aging.buckets;
  if (buckets) problems.push(...checkBands(buckets, "aging.buckets"));
  if (config.provision.bands) problems.push(...checkBands(config.provision.bands, "provision.bands"));
  problems.push(...checkDunning(config));
  problems.push(...checkProvision(config));
  problems.push(...checkCashRules(config.cash, entityIds, config.sources, config.gl));
  problems.push(...checkAccountingRules(config));
  problems.push(...checkAgencyRules(config), ...checkDeliveryRules(config.delivery));
  return problems;
}

function checkBands(bands: { label: string; max_days?: number }[], key: string): string[] {
  const problems: string[] = [];
  const labels = new Set<string>();
  bands.forEach((band, index) => {
    if (labels.has(band.label)) problems.push(`${key}[${index}].label: ${band.label} is used twice`);
    labels.add(band.label);
    const last = index === bands.length - 1;
    if (last && band.max_days !== undefined) {
      problems.push(`${key}[${index}].max_days: the last bucket must be open-ended (remove max_days)`);
    }
    if (!last && band.max_days === undefined) {
      problems.push(`${key}[${index}].max_days: required on every bucket but the last`);
    }
    const previous = bands[index - 1]?.max_days;
    if (index > 0 && band.max_days !== undefined && previous !== undefined && band.max_days <= previous) {
      problems.push(`${key}[${index}].max_days: must be greater than the previous bucket's ${previous}`);
    }
  });
  if (bands[0]?.max_days !== undefined && bands[0].max_days < 0) {
    problems.push(`${key}[0].max_days: must be 0 or more`);
  }
  return problems;
}

function checkAmounts(amounts: Record<string, string>, key: string): string[] {
  const problems: string[] = [];
  for (const [currency, text] of Object.entries(amounts)) {
    const exponent = currency === "default" ? 3 : isKnownCurrency(currency) ? currencyExponent(currency) : undefined;
    if (exponent === undefined) {
      problems.push(`${key}.${currency}: ${currency} is not a supported currency or "default"`);
      continue;
    }
    const minor = parseMinor(text, exponent);
    if (minor === undefined || minor < 0) {
      problems.push(`${key}.${currency}: ${JSON.stringify(text)} is not a non-negative amount with at most ${exponent} decimals`);
    }
  }
  return problems;
}

function checkRate(value: string | number, key: string, positive: boolean): string[] {
  try {
    const rate = parseRate(value);
    if (positive && rate.units === 0n) return [`${key}: must be greater than zero`];
    return [];
  } catch {
    return [`${key}: ${JSON.stringify(value)} is not a non-negative decimal`];
  }
}

function checkDunning(config: RawConfig): string[] {
  const problems: string[] = [];
  const dunning = config.dunning;
  const strategies = Object.keys(dunning.strategies);
  if (strategies.length === 0) problems.push("dunning.strategies: at least one strategy is required");
  problems.push(...checkDunningPolicy(config));
  const serviceWait = dunning.notice_days + dunning.postal_days;
  for (const [name, strategy] of Object.entries(dunning.strategies)) {
    const key = `dunning.strategies.${name}`;
    problems.push(...checkAmounts(strategy.exit_threshold, `${key}.exit_threshold`));
    let noticeGiven = false;
    const names = new Set<string>();
    strategy.stages.forEach((stage, index) => {
      const stageKey = `${key}.stages[${index}]`;
      if (names.has(stage.name)) problems.push(`${stageKey}.name: ${stage.name} is used twice`);
      names.add(stage.name);
      const previous = strategy.stages[index - 1];
      if (previous && stage.days_past_due <= previous.days_past_due) {
        problems.push(
          `${stageKey}.days_past_due: must be greater than the previous stage's ${previous.days_past_due}`,
        );
      }
      problems.push(...checkAmounts(stage.min_amount, `${stageKey}.min_amount`));
      const kinds = stage.actions.map((action) => (typeof action === "string" ? action : action.kind));
      if (kinds.includes("suspension")) {
        if (!noticeGiven) {
          problems.push(`${stageKey}.actions: a suspension needs a letter in an earlier stage`);
        }
        if (stage.wait_days < serviceWait) {
          problems.push(
            `${stageKey}.wait_days: ${stage.wait_days} is shorter than the notice period plus postal days (${dunning.notice_days} + ${dunning.postal_days} = ${serviceWait})`,
          );
        }
      }
      if (kinds.includes("placement") && config.agencies.length === 0) {
        problems.push(`${stageKey}.actions: placement needs at least one entry under agencies`);
      }
      if (kinds.includes("letter")) noticeGiven = true;
    });
  }
  return problems;
}

function checkProvision(config: RawConfig): string[] {
  const problems: string[] = [];
  const bands = config.provision.bands ?? config.aging.buckets;
  const labels = bands ? new Set(bands.map((band) => band.label)) : undefined;
  const bandLabels = bands ? bands.map((band) => band.label) : DEFAULT_BUCKET_LABELS;
  for (const [entity, segments] of Object.entries(config.provision.matrix)) {
    if (!config.entities[entity]) {
      problems.push(`provision.matrix.${entity}: ${entity} is not one of the entities`);
    }
    // Segments without a row of their own, and bands a segment row omits,
    // take the default row's rate, so the default row must cover every band.
    const missing = bandLabels.filter((label) => segments.default?.[label] === undefined);
    if (missing.length > 0) {
      problems.push(`provision.matrix.${entity}.default: a rate is required for every band; missing ${missing.join(", ")}`);
    }
    for (const [segment, rates] of Object.entries(segments)) {
      for (const [band, rate] of Object.entries(rates)) {
        const key = `provision.matrix.${entity}.${segment}.${band}`;
        if (labels && !labels.has(band)) problems.push(`${key}: ${band} is not a provision band`);
        if (!labels && !DEFAULT_BUCKET_LABELS.includes(band)) {
          problems.push(`${key}: ${band} is not a provision band`);
        }
        problems.push(...checkRate(rate, key, false));
      }
    }
  }
  for (const [rule, rate] of Object.entries(config.provision.specific)) {
    if (rate !== undefined) problems.push(...checkRate(rate, `provision.specific.${rule}`, false));
  }
  return problems;
}
