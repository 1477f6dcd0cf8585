// Pass 5, dun: places each account in a dunning stage by its strategy and
// schedules the stage's actions; one letter per customer whose stage rose
// (or one per account), covering its accounts in all systems.
//
// Rules, in the order they are applied to an account:
// 1. The segment rules (first match wins) pick the strategy from the
//    account's segment, country, balance and the customer's behaviour score;
//    a configured share of a segment gets the challenger strategy. An account
//    in a stage keeps the strategy it entered with until it is cured.
// 2. Dunnable debt is the open amount after set-off, less its disputed part,
//    on accounts without a dispute hold; under a payment arrangement it is
//    the missed instalments only.
// 3. Bankruptcy and deceased, recorded on any account, stop every account of
//    the customer at once: no letters, no fees, placements recalled.
// 4. A promise to pay that was kept cures the account; a broken one resumes
//    dunning (one stage higher when configured). An arrangement with too many
//    missed instalments breaks, and the whole balance is dunned again.
// 5. An account in a stage whose dunnable overdue amount falls below the
//    stage's exit threshold is cured: it leaves dunning, a suspension is
//    lifted and an agency placement recalled. When disputes are what brought
//    it below, it is on hold instead.
// 6. Other holds (promise pending, arrangement without instalments, fraud,
//    legal, exemption) stop escalation.
// 7. A stage is reached when the dunnable items at least the stage's days
//    past due reach its minimum amount (and share of the balance); overdue
//    debt plus unbilled usage over a share of the credit limit puts the
//    account in the trigger's stage early.
// 8. Escalation moves one stage per run (or jumps to the highest stage met),
//    and only after the next stage's waiting days since the current stage.
//    A jump from no stage ends below the first stage with a suspension,
//    because no written notice has been sent yet.

import { chooseAgency } from "../src/agencies/choice.ts";
import type { ResolvedConfig, Stage, Strategy } from "../src/config/resolve.ts";
import { addDays, daysBetween, weekday } from "../src/dates.ts";
import type { AccountState, CustomerData, Hold, LedgerAccount } from "../src/domain.ts";
import { accountKey } from "../src/domain.ts";
import { emptyExposure, exposures, reachedLevel, type CurrencyExposure } from "../src/dunning/exposure.ts";
import { emptyHistory, usageOf, type DunningHistory, type OutcomeRecord } from "../src/dunning/history.ts";
import {
  activeHolds,
  evaluateArrangement,
  evaluatePromises,
  PAUSING_HOLDS,
  SILENCING_HOLDS,
  type ArrangementStatus,
  type PromiseStatus,
} from "../src/dunning/holds.ts";
import {
  chooseChannel,
  letterItems,
  preDueReminder,
  sortLetterItems,
  type LetterItem,
} from "../src/dunning/notices.ts";
import { chooseStrategy, type StrategyChoice } from "../src/dunning/segments.ts";
import type { Channel } from "../src/extract.ts";
import { applyRate, formatMoney } from "../src/money.ts";
import type { SetOffItem } from "./age.ts";
import { isCharge, planStageCharges, type PlannedCharge } from "./fees.ts";
import { behaviourScore, type BehaviourScore } from "./scoring.ts";
import { compareCodePoints } from "../src/outputs/csv.ts";

export { activeHolds } from "../src/dunning/holds.ts";
export { reachedLevel } from "../src/dunning/exposure.ts";
export type { LetterItem } from "../src/dunning/notices.ts";

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
  /** The strategy that decided the action. */
  strategy: string;
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

export interface PlannedLetter {
  stage: string;
  template: string;
  channel: Channel;
  language: string;
  deadline: string;
  items: LetterItem[];
  /** The account a per-account letter is about; null on a customer letter. */
  account: { source: string; accountId: string } | null;
}

export interface DunningPlan {
  /** States that changed, to be written as new versions. */
  states: AccountState[];
  decisions: Decision[];
  actions: PlannedAction[];
  placements: PlannedPlacement[];
  /** The customer's letter, or the first per-account letter; null when no stage rose. */
  letter: PlannedLetter | null;
  letters: PlannedLetter[];
  /** Fees and interest to post as ledger items and journal as income. */
  charges: PlannedCharge[];
  /** One-time outcomes to record: promises kept or broken, arrangements broken, pre-due reminders. */
  outcomes: OutcomeRecord[];
}

export interface DunningContext {
  config: ResolvedConfig;
  businessDate: string;
  /** Sources whose extract was rejected tonight: their accounts keep their stage. */
  staleSources: ReadonlySet<string>;
  /** The first day on or after a date on which a service action may take effect. */
  serviceDay(date: string, entity: string): string;
  /** The first business day on or after a date; weekdays only when absent. */
  businessDay?(date: string, entity: string): string;
  /** Accounts (accountKey) with an active write-off: their debt left dunning, unpaid. */
  writtenOffAccounts?: ReadonlySet<string>;
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

function compareAccounts(a: LedgerAccount, b: LedgerAccount): number {
  if (a.source !== b.source) return a.source < b.source ? -1 : 1;
  return compareCodePoints(a.accountId, b.accountId);
}

/** Everything the per-account decision reads. */
interface AccountCase {
  account: LedgerAccount;
  choice: StrategyChoice;
  before: AccountState;
  /** Items that place the account: its own, the customer's, or missed instalments. */
  items: SetOffItem[];
  /** Items that a dispute hold took out of `items`. */
  heldItems: SetOffItem[];
  holds: Hold[];
  promises: PromiseStatus[];
  arrangement: ArrangementStatus | null;
  customerSilenced: boolean;
  score: BehaviourScore | null;
}

/** Shared state of one customer's planning. */
interface Planning {
  customer: CustomerData;
  context: DunningContext;
  history: DunningHistory;
  plan: DunningPlan;
}

/** Plans the dunning of one customer. */
export function planDunning(
  customer: CustomerData,
  setOffItems: SetOffItem[],
  context: DunningContext,
  history: DunningHistory = emptyHistory(),
): DunningPlan {
  const { config, businessDate } = context;
  const policy = config.dunning.policy;
  const plan: DunningPlan = {
    states: [],
    decisions: [],
    actions: [],
    placements: [],
    letter: null,
    letters: [],
    charges: [],
    outcomes: [],
  };
  const planning: Planning = { customer, context, history, plan };
  const holds = activeHolds(customer.holds, businessDate, policy.holds.promiseGraceDays);
  const holdsByAccount = new Map<string, Hold[]>();
  for (const hold of holds) {
    const key = accountKey(hold.source, hold.accountId);
    holdsByAccount.set(key, [...(holdsByAccount.get(key) ?? []), hold]);
  }
  const silencingHolds = holds.filter((hold) => SILENCING_HOLDS.has(hold.kind));
  const customerSilenced = silencingHolds.length > 0;
  const score = policy.scorecard
    ? behaviourScore(
        policy.scorecard,
        customer,
        {
          brokenPromises: history.outcomes.filter((outcome) => outcome.kind === "promise_broken").length,
          timesInDunning: history.timesInDunning,
        },
        businessDate,
      )
    : null;

  const rising: { account: LedgerAccount; stage: Stage; items: LetterItem[] }[] = [];
  const overdueItems: LetterItem[] = [];
  for (const account of [...customer.accounts].sort(compareAccounts)) {
    if (context.staleSources.has(account.source)) continue;
    const key = accountKey(account.source, account.accountId);
    const ownHolds = holdsByAccount.get(key) ?? [];
    // Bankruptcy and death are the customer's, whichever account records
    // them, so every account stops and every placement is recalled.
    const accountHolds = [...ownHolds, ...silencingHolds.filter((hold) => !ownHolds.includes(hold))];
    const own = setOffItems.filter((entry) => entry.item.source === account.source && entry.item.accountId === account.accountId);
    const accountCase = buildCase(planning, account, accountHolds, own, setOffItems, customerSilenced, score);
    const ownExposureItems = accountCase.arrangement?.kind === "active" ? accountCase.items : disputeFree(own, accountHolds);
    const listed = letterItems(ownExposureItems);
    overdueItems.push(...listed);

    const outcome = decideAccount(planning, accountCase);
    if (outcome.rose && !customerSilenced && outcome.state && outcome.state.level > 0) {
      rising.push({ account, stage: accountCase.choice.strategy.stages[outcome.state.level - 1], items: listed });
    }
    if (policy.preDue && !customerSilenced) planPreDue(planning, accountCase, own);
  }
  if (rising.length > 0) planLetters(planning, rising, overdueItems);
  return plan;
}

/** Items that count for dunning: none under a dispute hold. */
function disputeFree(items: SetOffItem[], holds: readonly Hold[]): SetOffItem[] {
  return holds.some((hold) => hold.kind === "dispute") ? [] : items;
}

function buildCase(
  planning: Planning,
  account: LedgerAccount,
  holds: Hold[],
  own: SetOffItem[],
  all: SetOffItem[],
  customerSilenced: boolean,
  score: BehaviourScore | null,
): AccountCase {
  const { customer, context, history } = planning;
  const { config, businessDate } = context;
  const policy = config.dunning.policy;
  const key = accountKey(account.source, account.accountId);
  const balanceMinor = own
    .filter((entry) => entry.item.currency === account.currency)
    .reduce((sum, entry) => sum + entry.remainingMinor, 0);
  let choice = chooseStrategy(policy, config.dunning.strategies, { account, balanceMinor, score: score?.score ?? null });
  const stored = customer.states.get(key);
  const entered = stored && stored.level > 0 ? config.dunning.strategies.get(stored.strategy) : undefined;
  if (entered && entered.name !== choice.strategy.name) {
    // A strategy change takes effect once the account has left dunning.
    choice = { ...choice, strategy: entered };
  }
  const before = stored ?? newState(account, choice.strategy, businessDate);
  const promises = evaluatePromises(
    customer.holds,
    customer.items,
    history,
    account.source,
    account.accountId,
    businessDate,
    policy.holds.promiseGraceDays,
  );
  const arrangementHold = holds.find((hold) => hold.kind === "arrangement" && hold.source === account.source && hold.accountId === account.accountId);
  const arrangement = arrangementHold
    ? evaluateArrangement(
        arrangementHold,
        customer.items,
        history,
        businessDate,
        policy.holds.arrangementGraceDays,
        policy.holds.arrangementMaxMissed,
      )
    : null;
  const scoped = policy.debtScope === "customer" ? all : own;
  let items = disputeFree(scoped, holds);
  const heldItems = items.length === 0 ? scoped : [];
  if (arrangement?.kind === "active") items = arrangement.missed;
  return { account, choice, before, items, heldItems, holds, promises, arrangement, customerSilenced, score };
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

/** Picks the exposure that reaches the highest stage; the account's own currency on a tie. */
function mainExposure(accountCase: AccountCase): { exposure: CurrencyExposure; reached: number } {
  const strategy = accountCase.choice.strategy;
  let exposure = emptyExposure(accountCase.account.currency);
  let reached = 0;
  for (const candidate of exposures(accountCase.items)) {
    const level = reachedLevel(strategy, candidate);
    if (level > reached || (level === reached && candidate.currency === accountCase.account.currency)) {
      reached = level;
      exposure = candidate;
    }
  }
  return { exposure, reached };
}

interface AccountOutcome {
  state: AccountState | null;
  rose: boolean;
}

/** Collects the decisions, actions and placements of one account. */
class AccountPlan {
  readonly levelBefore: number;
  readonly stageBefore: Stage | null;
  readonly inputs: Record<string, unknown>;
  suspended: boolean;
  agency: string | null;

  constructor(
    readonly planning: Planning,
    readonly accountCase: AccountCase,
    readonly exposure: CurrencyExposure,
    readonly reached: number,
    extraInputs: Record<string, unknown>,
  ) {
    const { before, choice } = accountCase;
    const stages = choice.strategy.stages;
    this.levelBefore = Math.min(before.level, stages.length);
    this.stageBefore = this.levelBefore > 0 ? stages[this.levelBefore - 1] : null;
    this.suspended = before.suspended;
    this.agency = before.agency;
    this.inputs = {
      currency: exposure.currency,
      overdue_minor: exposure.overdueMinor,
      days_past_due_max: exposure.daysPastDueMax,
      level_reached: reached,
      holds: accountCase.holds.map((hold) => hold.kind),
      since: before.since,
      balance_minor: exposure.balanceMinor,
      disputed_overdue_minor: exposure.disputedOverdueMinor,
      strategy: choice.strategy.name,
      segment: choice.segment,
      variant: choice.variant,
      ...(accountCase.score ? { score: accountCase.score.score, score_features: accountCase.score.features } : {}),
      ...extraInputs,
    };
  }

  get plan(): DunningPlan {
    return this.planning.plan;
  }

  get businessDate(): string {
    return this.planning.context.businessDate;
  }

  decide(level: number, rule: string, reason: string): void {
    const { account } = this.accountCase;
    this.plan.decisions.push({
      source: account.source,
      accountId: account.accountId,
      levelBefore: this.levelBefore,
      level,
      rule,
      reason,
      inputs: this.inputs,
    });
  }

  act(name: string, stage: Stage | null, rule: string, reason: string, fields: Partial<PlannedAction> = {}): PlannedAction {
    const { account, choice } = this.accountCase;
    const action: PlannedAction = {
      source: account.source,
      accountId: account.accountId,
      stageBefore: this.stageBefore?.name ?? null,
      stage: stage?.name ?? null,
      action: name,
      channel: null,
      effectiveDate: this.businessDate,
      currency: this.exposure.currency,
      overdueMinor: this.exposure.overdueMinor,
      daysPastDue: this.exposure.daysPastDueMax,
      rule,
      reason,
      agency: null,
      strategy: choice.strategy.name,
      ...fields,
    };
    this.plan.actions.push(action);
    return action;
  }

  place(kind: "placement" | "recall", agency: string, reason: string): void {
    const { account } = this.accountCase;
    this.plan.placements.push({
      source: account.source,
      accountId: account.accountId,
      agency,
      kind,
      currency: this.exposure.currency,
      amountMinor: this.exposure.overdueMinor,
      oldestDueDate: this.exposure.oldestDueDate,
      daysPastDueMax: this.exposure.daysPastDueMax,
      reason,
    });
  }

  /** Lifts a suspension (when asked) and recalls a placement. */
  release(stage: Stage | null, rule: string, reason: string, recallReason: string, restore: boolean): void {
    if (restore && this.suspended) {
      this.act("restoration", stage, rule, reason);
      this.suspended = false;
    }
    if (this.agency) {
      this.act("recall", stage, rule, reason, { agency: this.agency });
      this.place("recall", this.agency, recallReason);
      this.agency = null;
    }
  }

  record(kind: OutcomeRecord["kind"], subject: string): void {
    const { account } = this.accountCase;
    this.plan.outcomes.push({ source: account.source, accountId: account.accountId, kind, subject });
  }

  state(level: number, since: string): AccountState {
    const { before, choice } = this.accountCase;
    const stage = level > 0 ? choice.strategy.stages[level - 1].name : null;
    return { ...before, strategy: choice.strategy.name, level, stage, since, suspended: this.suspended, agency: this.agency };
  }

  /** Queues the new state when it differs from the one before. */
  save(state: AccountState): AccountState {
    const { before } = this.accountCase;
    const changed =
      state.level !== before.level ||
      state.stage !== before.stage ||
      state.since !== before.since ||
      state.suspended !== before.suspended ||
      state.agency !== before.agency ||
      state.strategy !== before.strategy;
    if (changed) this.plan.states.push(state);
    return state;
  }
}

function decideAccount(planning: Planning, accountCase: AccountCase): AccountOutcome {
  const none: AccountOutcome = { state: null, rose: false };
  const { exposure, reached: thresholdLevel } = mainExposure(accountCase);
  const trigger = creditLimitTrigger(planning, accountCase, exposure);
  const reached = Math.max(thresholdLevel, trigger?.level ?? 0);
  const extra: Record<string, unknown> = {};
  if (trigger) Object.assign(extra, trigger.inputs);
  if (accountCase.arrangement?.kind === "active") {
    extra.arrangement_missed = accountCase.arrangement.missedCount;
    extra.arrangement_schedule_minor = accountCase.arrangement.scheduleMinor;
  }
  const account = new AccountPlan(planning, accountCase, exposure, reached, extra);
  const { holds } = accountCase;

  // Bankruptcy and deceased: everything stops at once.
  const silencing = holds.filter((hold) => SILENCING_HOLDS.has(hold.kind));
  if (silencing.length > 0 || accountCase.customerSilenced) {
    const kinds = [...new Set(silencing.map((hold) => hold.kind))].sort();
    const rule = `hold:${kinds[0]}`;
    if (account.agency) {
      const reason = `hold ${kinds.join(", ")}: dunning stopped and the placement recalled`;
      account.decide(account.levelBefore, rule, reason);
      account.release(account.stageBefore, rule, reason, kinds.includes("bankruptcy") ? "bankrupt" : "deceased", false);
      return { state: account.save(account.state(account.levelBefore, accountCase.before.since)), rose: false };
    }
    account.decide(account.levelBefore, rule, `hold ${kinds.join(", ")}: escalation paused`);
    return none;
  }

  // A promise kept cures the account; a broken one resumes dunning.
  const kept = accountCase.promises.find((promise) => promise.kind === "kept");
  if (kept) return keepPromise(account, kept);
  const broken = accountCase.promises.find((promise) => promise.kind === "broken");
  if (broken) breakPromise(account, broken);
  const arrangement = accountCase.arrangement;
  if (arrangement?.kind === "broken") breakArrangement(account, arrangement);

  const stageBefore = account.stageBefore;
  const heldOverdue = accountCase.heldItems
    .filter((entry) => entry.daysPastDue > 0 && entry.item.currency === exposure.currency)
    .reduce((sum, entry) => sum + entry.remainingMinor, 0);
  const disputedOverdue = exposure.disputedOverdueMinor + heldOverdue;
  if (stageBefore) {
    const exitThreshold = stageBefore.exitThresholdMinor(exposure.currency);
    if (exposure.overdueMinor < exitThreshold) {
      if (exposure.overdueMinor + disputedOverdue >= exitThreshold) {
        const reason = `${formatAmount(disputedOverdue, exposure.currency)} of the overdue debt is disputed, leaving ${formatAmount(exposure.overdueMinor, exposure.currency)}: on hold in stage ${stageBefore.name}`;
        account.decide(account.levelBefore, "hold:dispute", reason);
        return none;
      }
      const { source, accountId } = accountCase.account;
      if (planning.context.writtenOffAccounts?.has(accountKey(source, accountId))) {
        // The debt left dunning by a write-off, not by a payment: the
        // placement is recalled as written off and the service stays off.
        const reason = `the overdue debt was written off: dunning ends in stage ${stageBefore.name}`;
        account.decide(0, "written_off", reason);
        account.release(null, "written_off", reason, "written_off", false);
        return { state: account.save(account.state(0, account.businessDate)), rose: false };
      }
      const reason = `dunnable overdue ${formatAmount(exposure.overdueMinor, exposure.currency)} is below the exit threshold ${formatAmount(exitThreshold, exposure.currency)}`;
      account.decide(0, "cure", reason);
      account.release(null, "cure", reason, "paid", true);
      return { state: account.save(account.state(0, account.businessDate)), rose: false };
    }
  }

  const pausing = holds.filter((hold) => PAUSING_HOLDS.has(hold.kind) && !resolvedHold(hold, accountCase));
  if (pausing.length > 0) {
    if (reached <= account.levelBefore) return none;
    const kinds = [...new Set(pausing.map((hold) => hold.kind))].sort();
    account.decide(account.levelBefore, `hold:${kinds[0]}`, `hold ${kinds.join(", ")}: escalation paused`);
    return none;
  }

  if (exposure.overdueMinor === 0 && disputedOverdue > 0) {
    // Disputes cover all the overdue debt, so the account is on hold. A
    // decision records it whenever the undisputed debt would have moved it.
    const undisputed = Math.max(
      0,
      ...exposures([...exposure.items, ...accountCase.heldItems]).map((entry) =>
        reachedLevel(accountCase.choice.strategy, entry, true),
      ),
    );
    if (undisputed > account.levelBefore) {
      const reason = `all ${formatAmount(disputedOverdue, exposure.currency)} overdue is disputed: the customer is on hold`;
      account.decide(account.levelBefore, "hold:dispute", reason);
    }
    return none;
  }

  const policy = planning.context.config.dunning.policy;
  if (policy.fallBack && reached > 0 && reached < account.levelBefore) {
    const stage = accountCase.choice.strategy.stages[reached - 1];
    account.decide(reached, "fall_back", `only stage ${stage.name} is met now: the account falls back from ${stageBefore?.name}`);
    return { state: account.save(account.state(reached, account.businessDate)), rose: false };
  }
  const escalateBroken = broken !== undefined && policy.holds.brokenPromise === "escalate";
  return escalate(account, reached, escalateBroken, trigger?.level ?? 0);
}

/** Checks whether a hold no longer stops escalation: a broken arrangement, or one dunned by its instalments. */
function resolvedHold(hold: Hold, accountCase: AccountCase): boolean {
  if (hold.kind !== "arrangement") return false;
  const status = accountCase.arrangement;
  return status !== null && status.hold === hold && (status.kind === "broken" || status.kind === "active");
}

function keepPromise(account: AccountPlan, kept: PromiseStatus): AccountOutcome {
  const { hold } = kept;
  const currency = account.accountCase.account.currency;
  const reason = `promise to pay of ${formatAmount(hold.promisedMinor ?? 0, currency)} by ${hold.promisedDate} kept: ${formatAmount(kept.paidMinor, currency)} paid since ${hold.startDate}`;
  account.record("promise_kept", hold.startDate);
  account.decide(0, "promise_kept", reason);
  if (account.levelBefore === 0 && !account.agency && !account.suspended) return { state: null, rose: false };
  account.release(null, "promise_kept", reason, "paid", true);
  return { state: account.save(account.state(0, account.businessDate)), rose: false };
}

function breakPromise(account: AccountPlan, broken: PromiseStatus): void {
  const { hold } = broken;
  const currency = account.accountCase.account.currency;
  const reason = `promise to pay of ${formatAmount(hold.promisedMinor ?? 0, currency)} by ${hold.promisedDate} broken: ${formatAmount(broken.paidMinor, currency)} paid by ${broken.lastDay}; dunning resumes`;
  account.record("promise_broken", hold.startDate);
  account.decide(account.levelBefore, "promise_broken", reason);
  account.act("promise_broken", account.stageBefore, "promise_broken", reason);
}

function breakArrangement(account: AccountPlan, status: Extract<ArrangementStatus, { kind: "broken" }>): void {
  const reason = `payment arrangement of ${status.hold.startDate} broken: ${status.missedCount} instalments missed; the whole balance is dunned again`;
  account.record("arrangement_broken", status.hold.startDate);
  account.decide(account.levelBefore, "arrangement_broken", reason);
  account.act("arrangement_broken", account.stageBefore, "arrangement_broken", reason);
}

/** Checks the credit-limit trigger: overdue plus unbilled usage against a share of the limit. */
function creditLimitTrigger(planning: Planning, accountCase: AccountCase, exposure: CurrencyExposure) {
  const trigger = accountCase.choice.strategy.creditLimitTrigger;
  if (!trigger) return null;
  const { account } = accountCase;
  const limit = planning.history.creditLimits.get(accountKey(account.source, account.accountId));
  if (limit === undefined || limit <= 0 || exposure.currency !== account.currency) return null;
  const usage = usageOf(planning.history, account.source, account.accountId);
  const unbilled = usage && usage.currency === account.currency ? usage.unbilledMinor : 0;
  const threshold = applyRate(limit, trigger.share);
  const exposed = exposure.overdueMinor + unbilled;
  const inputs = { unbilled_minor: unbilled, credit_limit_minor: limit, credit_trigger_minor: threshold };
  if (exposed < threshold) return { level: 0, inputs };
  return { level: trigger.level, inputs: { ...inputs, credit_limit_triggered: true } };
}

function escalate(account: AccountPlan, reached: number, escalateBroken: boolean, triggerLevel: number): AccountOutcome {
  const { accountCase, levelBefore, stageBefore, exposure } = account;
  const { config } = account.planning.context;
  const strategy = accountCase.choice.strategy;
  const stages = strategy.stages;
  if (reached <= levelBefore && !escalateBroken) return { state: null, rose: false };
  if (levelBefore >= stages.length) return { state: null, rose: false };

  let target = config.dunning.escalation === "jump" ? Math.max(reached, levelBefore + 1) : levelBefore + 1;
  if (levelBefore === 0) {
    // From no stage no written notice has gone out yet, so the target stops
    // below the first stage with a service action. From a stage, the
    // target's waiting days (checked at load to cover notice and postal
    // days) apply.
    const serviceIndex = stages.findIndex((entry) => entry.actions.some((action) => action.kind === "suspension"));
    if (serviceIndex > 0) target = Math.min(target, serviceIndex);
  }
  const stage = stages[target - 1];
  const waited = daysBetween(accountCase.before.since, account.businessDate);
  if (levelBefore > 0 && waited < stage.waitDays && !escalateBroken) {
    account.decide(
      levelBefore,
      "waiting",
      `stage ${stage.name} is met, but ${stageBefore?.name} began on ${accountCase.before.since} and ${stage.name} waits ${stage.waitDays} days`,
    );
    return { state: null, rose: false };
  }

  let reason = `${formatAmount(exposure.overdueMinor, exposure.currency)} overdue, ${exposure.daysPastDueMax} days past due at most: stage ${stage.name} reached (${stage.daysPastDue} days, minimum ${formatAmount(stage.minAmountMinor(exposure.currency), exposure.currency)})`;
  if (escalateBroken && reached < target) reason = `broken promise: one stage higher, to ${stage.name}`;
  else if (triggerLevel >= target && triggerLevel > 0) {
    const inputs = account.inputs;
    reason = `${formatAmount(exposure.overdueMinor, exposure.currency)} overdue plus ${formatAmount(Number(inputs.unbilled_minor), exposure.currency)} unbilled usage reach ${formatAmount(Number(inputs.credit_trigger_minor), exposure.currency)} of the credit limit: stage ${stage.name} early`;
  }
  const rule = `stage:${stage.name}`;
  const skipped = config.dunning.policy.jumpActions === "skipped" ? stages.slice(levelBefore, target - 1) : [];
  for (const entry of [...skipped, stage]) takeStageActions(account, entry, rule, reason);
  if (!account.plan.actions.some((action) => sameAccount(action, accountCase.account) && action.action === "letter" && action.rule === rule)) {
    // Every rise in stage is announced in the customer's letter.
    const index = account.plan.actions.findIndex((action) => sameAccount(action, accountCase.account) && action.rule === rule);
    const letter = account.act("letter", stage, rule, reason);
    if (index >= 0) {
      account.plan.actions.pop();
      account.plan.actions.splice(index, 0, letter);
    }
  }
  account.decide(target, rule, reason);
  return { state: account.save(account.state(target, account.businessDate)), rose: true };
}

function sameAccount(action: PlannedAction, account: LedgerAccount): boolean {
  return action.source === account.source && action.accountId === account.accountId;
}

function takeStageActions(account: AccountPlan, stage: Stage, rule: string, reason: string): void {
  const { context, customer } = account.planning;
  const ledgerAccount = account.accountCase.account;
  for (const stageAction of stage.actions) {
    switch (stageAction.kind) {
      case "suspension":
        if (account.suspended) break;
        account.suspended = true;
        account.act("suspension", stage, rule, reason, { effectiveDate: context.serviceDay(account.businessDate, ledgerAccount.entity) });
        break;
      case "restoration":
        if (!account.suspended) break;
        account.suspended = false;
        account.act("restoration", stage, rule, reason);
        break;
      case "placement": {
        if (account.agency) break;
        const agency = chooseAgency(context, {
          customerRef: customer.customerRef,
          account: ledgerAccount,
          currency: account.exposure.currency,
          amountMinor: account.exposure.overdueMinor,
        });
        if (agency === null) break;
        account.agency = agency;
        account.act("placement", stage, rule, reason, { agency });
        account.place("placement", agency, stage.name);
        break;
      }
      case "recall":
        if (!account.agency) break;
        account.act("recall", stage, rule, reason, { agency: account.agency });
        account.place("recall", account.agency, stage.name);
        account.agency = null;
        break;
      case "fee":
      case "interest":
        break;
      case "letter":
        if (account.plan.actions.some((action) => sameAccount(action, ledgerAccount) && action.action === "letter" && action.rule === rule)) break;
        account.act("letter", stage, rule, reason);
        break;
      default:
        account.act(stageAction.kind, stage, rule, reason, {
          channel: stageAction.kind === "email" ? "email" : stageAction.kind === "sms" ? "sms" : null,
        });
    }
  }
  chargeStage(account, stage, rule);
}

function chargeStage(account: AccountPlan, stage: Stage, rule: string): void {
  if (!stage.actions.some((action) => action.kind === "fee" || action.kind === "interest")) return;
  const { context, history, plan } = account.planning;
  const ledgerAccount = account.accountCase.account;
  const own = account.accountCase.items.filter(
    (entry) => entry.item.source === ledgerAccount.source && entry.item.accountId === ledgerAccount.accountId,
  );
  const { charges, notes } = planStageCharges({
    config: context.config,
    businessDate: context.businessDate,
    source: ledgerAccount.source,
    accountId: ledgerAccount.accountId,
    entity: ledgerAccount.entity,
    currency: account.exposure.currency,
    segment: account.accountCase.choice.segment,
    stage,
    items: own,
    history,
    plannedTonight: plan.charges,
  });
  for (const charge of charges) {
    plan.charges.push(charge);
    account.act(charge.kind, stage, rule, `${formatAmount(charge.amountMinor, charge.currency)}: ${charge.reason}`);
  }
  if (notes.length > 0) {
    const earlier = (account.inputs.charge_notes as string[] | undefined) ?? [];
    account.inputs.charge_notes = [...earlier, ...notes];
  }
}

function planLetters(
  planning: Planning,
  rising: { account: LedgerAccount; stage: Stage; items: LetterItem[] }[],
  overdueItems: LetterItem[],
): void {
  const { context, plan } = planning;
  const policy = context.config.dunning.policy;
  const letter = (chosen: { account: LedgerAccount; stage: Stage }, items: LetterItem[], perAccount: boolean): PlannedLetter => {
    const letterAction = chosen.stage.actions.find((entry) => entry.kind === "letter");
    const deadline = addDays(context.businessDate, context.config.dunning.deadlineDays);
    return {
      stage: chosen.stage.name,
      template: letterAction?.template ?? chosen.stage.name,
      channel: chooseChannel(chosen.account.channel, chosen.stage.channels),
      language: chosen.account.language ?? context.config.dunning.defaultLanguage,
      deadline: (context.businessDay ?? weekdayOnOrAfter)(deadline, chosen.account.entity),
      items: sortLetterItems([...items]),
      account: perAccount ? { source: chosen.account.source, accountId: chosen.account.accountId } : null,
    };
  };
  if (policy.letters === "per_account") {
    plan.letters = rising.map((entry) => letter(entry, entry.items, true));
  } else {
    const pick = rising.reduce((best, entry) => {
      const higher = entry.stage.level > best.stage.level;
      const lower = entry.stage.level < best.stage.level;
      return (policy.customerStage === "highest" ? higher : lower) ? entry : best;
    });
    plan.letters = [letter(pick, overdueItems, false)];
  }
  plan.letter = plan.letters[0] ?? null;
  for (const planned of plan.letters) {
    for (const action of plan.actions) {
      if (action.action !== "letter") continue;
      if (planned.account && !sameAccount(action, { source: planned.account.source, accountId: planned.account.accountId } as LedgerAccount)) continue;
      if (!rising.some((entry) => sameAccount(action, entry.account))) continue;
      action.channel = planned.channel;
    }
  }
}

function weekdayOnOrAfter(date: string): string {
  let day = date;
  while (weekday(day) === 0 || weekday(day) === 6) day = addDays(day, 1);
  return day;
}

function planPreDue(planning: Planning, accountCase: AccountCase, own: SetOffItem[]): void {
  const settings = planning.context.config.dunning.policy.preDue;
  if (!settings) return;
  const { account } = accountCase;
  const reminder = preDueReminder(account, own, planning.history, planning.context.businessDate, settings, (id) => isCharge({ itemId: id }));
  if (!reminder) return;
  const total = reminder.items.reduce((sum, entry) => sum + entry.remainingMinor, 0);
  const currency = reminder.items[0].item.currency;
  const reason = `${reminder.items.length} item${reminder.items.length === 1 ? "" : "s"} of ${formatAmount(total, currency)} fall due on ${reminder.firstDueDate}, within ${settings.daysBefore} days, and the account has no autopay`;
  const plan = planning.plan;
  plan.actions.push({
    source: account.source,
    accountId: account.accountId,
    stageBefore: accountCase.before.level > 0 ? accountCase.before.stage : null,
    stage: accountCase.before.level > 0 ? accountCase.before.stage : null,
    action: "pre_due_reminder",
    channel: reminder.channel,
    effectiveDate: planning.context.businessDate,
    currency,
    overdueMinor: 0,
    daysPastDue: 0,
    rule: "pre_due",
    reason,
    agency: null,
    strategy: accountCase.choice.strategy.name,
  });
  for (const entry of reminder.items) {
    plan.outcomes.push({ source: account.source, accountId: account.accountId, kind: "pre_due", subject: entry.item.itemId });
  }
}
