// Load-time rules for the dunning keys beyond the stage ladder. Each problem
// names its key path and what to change.

import { createCalendar } from "../calendar.ts";
import type { RawConfig } from "../config/schema.ts";
import { currencyExponent, isKnownCurrency, parseMinor, parseRate } from "../money.ts";
import { isSignedDecimal } from "./policy.ts";

type RawDunning = RawConfig["dunning"];

/** Returns every broken dunning rule with its key path. */
export function checkDunningPolicy(config: RawConfig): string[] {
  const dunning = config.dunning;
  return [
    ...checkSegments(dunning),
    ...checkStrategies(dunning),
    ...checkScoring(dunning),
    ...checkCharges(config),
    ...checkBlackouts(config),
  ];
}

function checkSegments(dunning: RawDunning): string[] {
  const problems: string[] = [];
  const strategies = Object.keys(dunning.strategies);
  const segments = dunning.segments;
  if (!Array.isArray(segments)) {
    for (const [segment, strategy] of Object.entries(segments)) {
      if (!dunning.strategies[strategy]) {
        problems.push(`dunning.segments.${segment}: strategy ${strategy} is not defined`);
      }
    }
    if (!segments.default && strategies.length > 1 && !dunning.strategies.default) {
      problems.push("dunning.segments.default: required when several strategies exist and none is named default");
    }
    return problems;
  }
  const names = new Set<string>();
  segments.forEach((rule, index) => {
    const key = `dunning.segments[${index}]`;
    if (names.has(rule.name)) problems.push(`${key}.name: ${rule.name} is used twice`);
    names.add(rule.name);
    if (!dunning.strategies[rule.strategy]) problems.push(`${key}.strategy: strategy ${rule.strategy} is not defined`);
    if (rule.challenger) {
      if (!dunning.strategies[rule.challenger.strategy]) {
        problems.push(`${key}.challenger.strategy: strategy ${rule.challenger.strategy} is not defined`);
      }
      problems.push(...checkFraction(rule.challenger.share, `${key}.challenger.share`));
    }
    problems.push(...checkAmounts(rule.balance_min, `${key}.balance_min`));
    problems.push(...checkAmounts(rule.balance_max, `${key}.balance_max`));
  });
  if (segments.length === 0 && strategies.length > 1 && !dunning.strategies.default) {
    problems.push("dunning.segments: add a rule without conditions, or name one strategy default");
  }
  return problems;
}

function checkStrategies(dunning: RawDunning): string[] {
  const problems: string[] = [];
  for (const [name, strategy] of Object.entries(dunning.strategies)) {
    const key = `dunning.strategies.${name}`;
    strategy.stages.forEach((stage, index) => {
      const stageKey = `${key}.stages[${index}]`;
      if (stage.min_share !== undefined) problems.push(...checkFraction(stage.min_share, `${stageKey}.min_share`));
      problems.push(...checkAmounts(stage.exit_threshold, `${stageKey}.exit_threshold`));
      stage.actions.forEach((action, actionIndex) => {
        if (typeof action === "string") {
          if (action === "fee") problems.push(`${stageKey}.actions[${actionIndex}]: a fee needs amount or percent`);
          return;
        }
        const actionKey = `${stageKey}.actions[${actionIndex}]`;
        if (action.kind === "fee") {
          if ((action.amount === undefined) === (action.percent === undefined)) {
            problems.push(`${actionKey}: a fee needs exactly one of amount and percent`);
          }
          problems.push(...checkAmounts(action.amount, `${actionKey}.amount`));
          if (action.percent !== undefined) problems.push(...checkFraction(action.percent, `${actionKey}.percent`));
        } else if (action.amount !== undefined || action.percent !== undefined) {
          problems.push(`${actionKey}: amount and percent belong to fee actions only`);
        }
      });
    });
    const trigger = strategy.credit_limit_trigger;
    if (trigger) {
      if (!strategy.stages.some((stage) => stage.name === trigger.stage)) {
        problems.push(`${key}.credit_limit_trigger.stage: ${trigger.stage} is not a stage of this strategy`);
      }
      problems.push(...checkFraction(trigger.share, `${key}.credit_limit_trigger.share`, false));
    }
  }
  return problems;
}

function checkScoring(dunning: RawDunning): string[] {
  const scoring = dunning.scoring;
  if (!scoring) return [];
  const problems: string[] = [];
  for (const field of ["base", "average_days_late", "broken_promises", "times_in_dunning", "tenure_months"] as const) {
    if (!isSignedDecimal(scoring[field])) {
      problems.push(`dunning.scoring.${field}: ${JSON.stringify(scoring[field])} is not a decimal number`);
    }
  }
  if (scoring.min > scoring.max) problems.push(`dunning.scoring.min: ${scoring.min} is above max ${scoring.max}`);
  return problems;
}

function checkCharges(config: RawConfig): string[] {
  const dunning = config.dunning;
  const problems = checkAmounts(dunning.fees.cap, "dunning.fees.cap");
  for (const [segment, rate] of Object.entries(dunning.interest.rates)) {
    problems.push(...checkFraction(rate, `dunning.interest.rates.${segment}`, false));
  }
  const usesInterest = Object.values(dunning.strategies).some((strategy) =>
    strategy.stages.some((stage) =>
      stage.actions.some((action) => (typeof action === "string" ? action : action.kind) === "interest"),
    ),
  );
  if (usesInterest && Object.keys(dunning.interest.rates).length === 0) {
    problems.push("dunning.interest.rates: a stage charges interest, so give an annual rate (default: 0.05)");
  }
  const usesFees = usesInterest || Object.values(dunning.strategies).some((strategy) =>
    strategy.stages.some((stage) => stage.actions.some((action) => typeof action !== "string" && action.kind === "fee")),
  );
  if (usesFees) {
    for (const [entity, gl] of Object.entries(config.gl)) {
      if (!gl.fee_income) problems.push(`gl.${entity}.fee_income: required because a stage charges fees or interest`);
      if (usesInterest && !gl.interest_income) {
        problems.push(`gl.${entity}.interest_income: required because a stage charges interest`);
      }
    }
  }
  return problems;
}

function checkBlackouts(config: RawConfig): string[] {
  const problems: string[] = [];
  config.dunning.blackouts.forEach((period, index) => {
    const key = `dunning.blackouts[${index}]`;
    for (const entity of period.entities ?? []) {
      if (!config.entities[entity]) problems.push(`${key}.entities: ${entity} is not one of the entities`);
    }
    try {
      createCalendar({ country: "DE", blackouts: [period] });
    } catch (error) {
      const detail = (error as { problems?: string[] }).problems?.join("; ") ?? (error as Error).message;
      problems.push(`${key}: ${detail.replace(/^blackouts\[0\]: /, "")}`);
    }
  });
  return problems;
}

function checkAmounts(amounts: Record<string, string> | undefined, key: string): string[] {
  const problems: string[] = [];
  for (const [currency, text] of Object.entries(amounts ?? {})) {
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

/** Checks a decimal fraction; at most 1 unless `atMostOne` is false. */
function checkFraction(text: string, key: string, atMostOne = true): string[] {
  try {
    const rate = parseRate(text);
    if (atMostOne && rate.units > 10n ** BigInt(rate.scale)) return [`${key}: ${text} is above 1`];
    return [];
  } catch {
    return [`${key}: ${JSON.stringify(text)} is not a non-negative decimal such as 0.25`];
  }
}
