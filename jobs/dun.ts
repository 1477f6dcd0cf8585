// Pass 5, dun: places each account in a dunning stage by its strategy and
// schedules the stage's actions; one letter per customer whose stage rose,
// covering all its accounts in all systems.
//
// Rules, in the order they are applied to an account:
// 1. Dunnable debt is the open amount after set-off, less its disputed part,
//    on accounts without a dispute hold.
// 2. A stage is reached when the dunnable items at least the stage's days
//    past due together reach the stage's minimum amount in their currency.
// 3. An account in a stage whose dunnable overdue amount falls below the exit
//    threshold is cured: it leaves dunning, a suspension is lifted and an
//    agency placement recalled.
// 4. A hold (promise to pay, arrangement, bankruptcy, deceased, fraud, legal,
//    exemption) stops escalation. Bankruptcy and deceased, recorded on any
//    account, stop every account of the customer, recall its placements and
//    stop letters.
// 5. Escalation moves one stage per run (or jumps to the highest stage met),
//    and only after the next stage's waiting days since the current stage.
//    A jump from no stage ends below the first stage with a suspension,
//    because no written notice has been sent yet.

import type { ResolvedConfig, Stage, Strategy } from "../src/config/resolve.ts";
import { addDays, daysBetween } from "../src/dates.ts";
import type { AccountState, CustomerData, Hold, LedgerAccount } from "../src/domain.ts";
import { accountKey } from "../src/domain.ts";
import type { Channel } from "../src/extract.ts";
import { formatMoney } from "../src/money.ts";
import type { SetOffItem } from "./age.ts";

export interface Decision {
  source: string;
  accountId: string;
  levelBefore: number;
  level: number;
  rule: string;
  reason: string;
  inputs: Record<string, unknown>;
}

export interface PlannedAction {
  source: string;
  accountId: string;
  stageBefore: string | null;
  stage: string | null;
  action: string;
  channel: Channel | null;
  effectiveDate: string;
  currency: string;
  overdueMinor: number;
  daysPastDue: number;
  rule: string;
  reason: string;
  agency: string | null;
}

export interface PlannedPlacement {
  source: string;
  accountId: string;
  agency: string;
  kind: "placement" | "recall";
  currency: string;
  amountMinor: number;
  oldestDueDate: string | null;
  daysPastDueMax: number;
  reason: string;
}

export interface LetterItem {
  source: string;
  accountId: string;
  itemId: string;
  reference: string | null;
  documentDate: string;
  dueDate: string;
  currency: string;
  openMinor: number;
  daysPastDue: number;
}

export interface PlannedLetter {
  stage: string;
  template: string;
  channel: Channel;
  language: string;
  deadline: string;
  items: LetterItem[];
}

export interface DunningPlan {
  /** States that changed, to be written as new versions. */
  states: AccountState[];
  decisions: Decision[];
  actions: PlannedAction[];
  placements: PlannedPlacement[];
  letter: PlannedLetter | null;
}

export interface DunningContext {
  config: ResolvedConfig;
  businessDate: string;
  /** Sources whose extract was rejected tonight: their accounts keep their stage. */
  staleSources: ReadonlySet<string>;
  /** The first day on or after a date on which a service action may take effect. */
  serviceDay(date: string, entity: string): string;
}

const PAUSING_HOLDS = new Set(["promise_to_pay", "arrangement", "bankruptcy", "deceased", "fraud", "legal", "exemption"]);
const SILENCING_HOLDS = new Set(["bankruptcy", "deceased"]);
/** Days after the promised date before a promise to pay counts as broken. */
const PROMISE_GRACE_DAYS = 3;

export function activeHolds(holds: readonly Hold[], businessDate: string): Hold[] {
  return holds.filter((hold) => {
    if (hold.startDate > businessDate) return false;
    let end = hold.endDate;
    if (hold.kind === "promise_to_pay" && hold.promisedDate) {
      const promiseEnd = addDays(hold.promisedDate, PROMISE_GRACE_DAYS);
      end = end === null || promiseEnd < end ? promiseEnd : end;
    }
    return end === null || end >= businessDate;
  });
}

interface CurrencyExposure {
  currency: string;
  items: SetOffItem[];
  overdueMinor: number;
  daysPastDueMax: number;
  oldestDueDate: string | null;
}

function dunnableMinor(entry: SetOffItem): number {
  return Math.max(0, entry.remainingMinor - entry.disputedMinor);
}

function exposures(items: SetOffItem[]): CurrencyExposure[] {
  const byCurrency = new Map<string, CurrencyExposure>();
  for (const entry of items) {
    const currency = entry.item.currency;
    let exposure = byCurrency.get(currency);
    if (!exposure) {
      exposure = { currency, items: [], overdueMinor: 0, daysPastDueMax: 0, oldestDueDate: null };
      byCurrency.set(currency, exposure);
    }
    exposure.items.push(entry);
    const amount = dunnableMinor(entry);
    if (amount > 0 && entry.daysPastDue > 0) {
      exposure.overdueMinor += amount;
      exposure.daysPastDueMax = Math.max(exposure.daysPastDueMax, entry.daysPastDue);
      if (exposure.oldestDueDate === null || entry.item.dueDate < exposure.oldestDueDate) {
        exposure.oldestDueDate = entry.item.dueDate;
      }
    }
  }
  return [...byCurrency.values()].sort((a, b) => (a.currency < b.currency ? -1 : 1));
}

/** Returns the highest stage level whose days and amount thresholds the exposure meets. */
export function reachedLevel(strategy: Strategy, exposure: CurrencyExposure): number {
  let level = 0;
  for (const stage of strategy.stages) {
    let due = 0;
    for (const entry of exposure.items) {
      if (entry.daysPastDue >= stage.daysPastDue) due += dunnableMinor(entry);
    }
    if (due >= stage.minAmountMinor(exposure.currency)) level = stage.level;
  }
  return level;
}

function newState(account: LedgerAccount, strategy: Strategy, businessDate: string): AccountState {
  return {
    source: account.source,
    accountId: account.accountId,
    strategy: strategy.name,
    level: 0,
    stage: null,
    since: businessDate,
    suspended: false,
    agency: null,
  };
}

/** Picks an agency for a placement: weighted by share, stable for a customer. */
export function pickAgency(agencies: ResolvedConfig["agencies"], customerRef: string): string | null {
  if (agencies.length === 0) return null;
  const total = agencies.reduce((sum, agency) => sum + agency.share, 0);
  let hash = 2166136261;
  for (const char of customerRef) {
    hash ^= char.codePointAt(0) as number;
    hash = Math.imul(hash, 16777619) >>> 0;
  }
  let point = (hash / 2 ** 32) * total;
  for (const agency of agencies) {
    if (point < agency.share) return agency.id;
    point -= agency.share;
  }
  return agencies[agencies.length - 1].id;
}

function formatAmount(minor: number, currency: string): string {
  return `${formatMoney(minor, currency)} ${currency}`;
}

/** Plans the dunning of one customer. */
export function planDunning(
  customer: CustomerData,
  setOffItems: SetOffItem[],
  context: DunningContext,
): DunningPlan {
  const { config, businessDate } = context;
  const plan: DunningPlan = { states: [], decisions: [], actions: [], placements: [], letter: null };
  const holdsByAccount = new Map<string, Hold[]>();
  for (const hold of activeHolds(customer.holds, businessDate)) {
    const key = accountKey(hold.source, hold.accountId);
    holdsByAccount.set(key, [...(holdsByAccount.get(key) ?? []), hold]);
  }
  const silencingHolds = [...holdsByAccount.values()].flat().filter((hold) => SILENCING_HOLDS.has(hold.kind));
  const customerSilenced = silencingHolds.length > 0;
  let letterLevel = 0;
  let letterAccount: { account: LedgerAccount; stage: Stage } | null = null;

  const accounts = [...customer.accounts].sort((a, b) =>
    a.source !== b.source ? (a.source < b.source ? -1 : 1) : a.accountId < b.accountId ? -1 : a.accountId > b.accountId ? 1 : 0,
  );
  for (const account of accounts) {
    if (context.staleSources.has(account.source)) continue;
    const key = accountKey(account.source, account.accountId);
    const strategy = config.dunning.strategyForSegment(account.segment);
    const before = customer.states.get(key) ?? newState(account, strategy, businessDate);
    const ownHolds = holdsByAccount.get(key) ?? [];
    // Bankruptcy and death are the customer's, whichever account records
    // them, so every account stops and every placement is recalled.
    const holds = [...ownHolds, ...silencingHolds.filter((hold) => !ownHolds.includes(hold))];
    const disputeHold = holds.some((hold) => hold.kind === "dispute");
    const items = disputeHold
      ? []
      : setOffItems.filter((entry) => entry.item.source === account.source && entry.item.accountId === account.accountId);
    const outcome = decideAccount(account, strategy, before, items, holds, customerSilenced, context, customer.customerRef);
    if (!outcome) continue;
    plan.decisions.push(outcome.decision);
    plan.actions.push(...outcome.actions);
    plan.placements.push(...outcome.placements);
    if (outcome.state) plan.states.push(outcome.state);
    if (outcome.rose && !customerSilenced && outcome.state && outcome.state.level > letterLevel) {
      letterLevel = outcome.state.level;
      letterAccount = { account, stage: strategy.stages[outcome.state.level - 1] };
    }
  }

  if (letterAccount) {
    plan.letter = buildLetter(customer, setOffItems, letterAccount, holdsByAccount, context);
    const rising = new Set(
      plan.decisions.filter((decision) => decision.level > decision.levelBefore).map((decision) => accountKey(decision.source, decision.accountId)),
    );
    for (const action of plan.actions) {
      if (rising.has(accountKey(action.source, action.accountId)) && action.action === "letter") {
        action.channel = plan.letter.channel;
      }
    }
  }
  return plan;
}

interface AccountOutcome {
  decision: Decision;
  actions: PlannedAction[];
  placements: PlannedPlacement[];
  /** The new state when it differs from the one before. */
  state: AccountState | null;
  rose: boolean;
}

function decideAccount(
  account: LedgerAccount,
  strategy: Strategy,
  before: AccountState,
  items: SetOffItem[],
  holds: Hold[],
  customerSilenced: boolean,
  context: DunningContext,
  customerRef: string,
): AccountOutcome | null {
  const { config, businessDate } = context;
  const currencyExposures = exposures(items);
  let exposure: CurrencyExposure = currencyExposures[0] ?? {
    currency: account.currency,
    items: [],
    overdueMinor: 0,
    daysPastDueMax: 0,
    oldestDueDate: null,
  };
  let reached = 0;
  for (const candidate of currencyExposures) {
    const level = reachedLevel(strategy, candidate);
    if (level > reached || (level === reached && candidate.currency === account.currency)) {
      reached = level;
      exposure = candidate;
    }
  }
  const levelBefore = Math.min(before.level, strategy.stages.length);
  const stageBefore = levelBefore > 0 ? strategy.stages[levelBefore - 1] : null;
  const inputs = {
    currency: exposure.currency,
    overdue_minor: exposure.overdueMinor,
    days_past_due_max: exposure.daysPastDueMax,
    level_reached: reached,
    holds: holds.map((hold) => hold.kind),
    since: before.since,
  };
  const decision = (level: number, rule: string, reason: string): Decision => ({
    source: account.source,
    accountId: account.accountId,
    levelBefore,
    level,
    rule,
    reason,
    inputs,
  });
  const action = (name: string, stage: Stage | null, rule: string, reason: string, effectiveDate = businessDate, agency: string | null = null): PlannedAction => ({
    source: account.source,
    accountId: account.accountId,
    stageBefore: stageBefore?.name ?? null,
    stage: stage?.name ?? null,
    action: name,
    channel: null,
    effectiveDate,
    currency: exposure.currency,
    overdueMinor: exposure.overdueMinor,
    daysPastDue: exposure.daysPastDueMax,
    rule,
    reason,
    agency,
  });
  const releaseActions = (stage: Stage | null, rule: string, reason: string, recallReason: string) => {
    const actions: PlannedAction[] = [];
    const placements: PlannedPlacement[] = [];
    if (before.suspended && rule === "cure") actions.push(action("restoration", stage, rule, reason));
    if (before.agency) {
      actions.push(action("recall", stage, rule, reason, businessDate, before.agency));
      placements.push({
        source: account.source,
        accountId: account.accountId,
        agency: before.agency,
        kind: "recall",
        currency: exposure.currency,
        amountMinor: exposure.overdueMinor,
        oldestDueDate: exposure.oldestDueDate,
        daysPastDueMax: exposure.daysPastDueMax,
        reason: recallReason,
      });
    }
    return { actions, placements };
  };

  const exitThreshold = strategy.exitThresholdMinor(exposure.currency);
  if (levelBefore > 0 && exposure.overdueMinor < exitThreshold) {
    const reason = `dunnable overdue ${formatAmount(exposure.overdueMinor, exposure.currency)} is below the exit threshold ${formatAmount(exitThreshold, exposure.currency)}`;
    const released = releaseActions(null, "cure", reason, "paid");
    return {
      decision: decision(0, "cure", reason),
      ...released,
      state: { ...before, level: 0, stage: null, since: businessDate, suspended: false, agency: null, strategy: strategy.name },
      rose: false,
    };
  }

  const pausing = holds.filter((hold) => PAUSING_HOLDS.has(hold.kind));
  if (pausing.length > 0) {
    const kinds = [...new Set(pausing.map((hold) => hold.kind))].sort();
    const silencing = kinds.some((kind) => SILENCING_HOLDS.has(kind));
    if (silencing && before.agency) {
      const reason = `hold ${kinds.join(", ")}: dunning stopped and the placement recalled`;
      const released = releaseActions(stageBefore, `hold:${kinds[0]}`, reason, kinds.includes("bankruptcy") ? "bankrupt" : "deceased");
      return { decision: decision(levelBefore, `hold:${kinds[0]}`, reason), ...released, state: { ...before, agency: null }, rose: false };
    }
    if (reached > levelBefore || silencing) {
      return {
        decision: decision(levelBefore, `hold:${kinds[0]}`, `hold ${kinds.join(", ")}: escalation paused`),
        actions: [],
        placements: [],
        state: null,
        rose: false,
      };
    }
    return null;
  }
  if (customerSilenced) return null;

  if (reached <= levelBefore) return null;
  let target = config.dunning.escalation === "jump" ? reached : levelBefore + 1;
  if (levelBefore === 0) {
    // A jump from no stage has sent no written notice yet, so it stops below
    // the first stage with a service action. From a stage, the target's
    // waiting days (checked at load to cover notice and postal days) apply.
    const serviceIndex = strategy.stages.findIndex((entry) =>
      entry.actions.some((stageAction) => stageAction.kind === "suspension"),
    );
    // The 0-based index of the service stage is the level of the stage before it.
    if (serviceIndex > 0) target = Math.min(target, serviceIndex);
  }
  const stage = strategy.stages[target - 1];
  const waited = daysBetween(before.since, businessDate);
  if (levelBefore > 0 && waited < stage.waitDays) {
    return {
      decision: decision(
        levelBefore,
        "waiting",
        `stage ${stage.name} is met, but ${stageBefore?.name} began on ${before.since} and ${stage.name} waits ${stage.waitDays} days`,
      ),
      actions: [],
      placements: [],
      state: null,
      rose: false,
    };
  }
  const reason = `${formatAmount(exposure.overdueMinor, exposure.currency)} overdue, ${exposure.daysPastDueMax} days past due at most: stage ${stage.name} reached (${stage.daysPastDue} days, minimum ${formatAmount(stage.minAmountMinor(exposure.currency), exposure.currency)})`;
  const rule = `stage:${stage.name}`;
  const actions: PlannedAction[] = [];
  const placements: PlannedPlacement[] = [];
  let suspended = before.suspended;
  let agency = before.agency;
  for (const stageAction of stage.actions) {
    if (stageAction.kind === "suspension") {
      suspended = true;
      actions.push(action("suspension", stage, rule, reason, context.serviceDay(businessDate, account.entity)));
    } else if (stageAction.kind === "placement") {
      if (agency) continue;
      agency = pickAgency(config.agencies, customerRef);
      actions.push(action("placement", stage, rule, reason, businessDate, agency));
      placements.push({
        source: account.source,
        accountId: account.accountId,
        agency: agency as string,
        kind: "placement",
        currency: exposure.currency,
        amountMinor: exposure.overdueMinor,
        oldestDueDate: exposure.oldestDueDate,
        daysPastDueMax: exposure.daysPastDueMax,
        reason: stage.name,
      });
    } else {
      const channel: Channel | null = stageAction.kind === "email" ? "email" : stageAction.kind === "sms" ? "sms" : null;
      const planned = action(stageAction.kind, stage, rule, reason);
      planned.channel = channel;
      actions.push(planned);
    }
  }
  if (!stage.actions.some((entry) => entry.kind === "letter")) {
    // Every rise in stage is announced in the customer's letter.
    actions.unshift(action("letter", stage, rule, reason));
  }
  return {
    decision: decision(target, rule, reason),
    actions,
    placements,
    state: { ...before, strategy: strategy.name, level: target, stage: stage.name, since: businessDate, suspended, agency },
    rose: true,
  };
}

function buildLetter(
  customer: CustomerData,
  setOffItems: SetOffItem[],
  chosen: { account: LedgerAccount; stage: Stage },
  holdsByAccount: Map<string, Hold[]>,
  context: DunningContext,
): PlannedLetter {
  const { config, businessDate } = context;
  const items: LetterItem[] = [];
  for (const entry of setOffItems) {
    const amount = dunnableMinor(entry);
    if (amount === 0 || entry.daysPastDue <= 0) continue;
    const holds = holdsByAccount.get(accountKey(entry.item.source, entry.item.accountId)) ?? [];
    if (holds.some((hold) => hold.kind === "dispute")) continue;
    if (context.staleSources.has(entry.item.source)) continue;
    items.push({
      source: entry.item.source,
      accountId: entry.item.accountId,
      itemId: entry.item.itemId,
      reference: entry.item.reference,
      documentDate: entry.item.documentDate,
      dueDate: entry.item.dueDate,
      currency: entry.item.currency,
      openMinor: amount,
      daysPastDue: entry.daysPastDue,
    });
  }
  items.sort(
    (a, b) =>
      (a.dueDate < b.dueDate ? -1 : a.dueDate > b.dueDate ? 1 : 0) ||
      (a.source < b.source ? -1 : a.source > b.source ? 1 : 0) ||
      (a.itemId < b.itemId ? -1 : a.itemId > b.itemId ? 1 : 0),
  );
  const letterAction = chosen.stage.actions.find((entry) => entry.kind === "letter");
  const preferred = chosen.account.channel ?? "letter";
  return {
    stage: chosen.stage.name,
    template: letterAction?.template ?? chosen.stage.name,
    channel: preferred === "email" ? "email" : "letter",
    language: chosen.account.language ?? config.dunning.defaultLanguage,
    deadline: addDays(businessDate, config.dunning.deadlineDays),
    items,
  };
}
