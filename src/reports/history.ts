// An account's dunning history over the period, from the versions of
// account_state: the state after the opening run, the state after the
// closing run, and every change written by a run in between, each paired
// with the version it replaced.

import type { StateVersion } from "./ledger.ts";

export interface StateChange {
  runId: number;
  /** The version the change replaced; null for the account's first state. */
  before: StateVersion | null;
  after: StateVersion;
}

export interface AccountHistory {
  source: string;
  accountId: string;
  opening: StateVersion | null;
  closing: StateVersion | null;
  changes: StateChange[];
}

/** Returns the stage of a state, or null when the account is in no stage. */
export function stageOf(state: StateVersion | null): string | null {
  return state && state.level > 0 ? state.stage : null;
}

function currentAfter(versions: readonly StateVersion[], runId: number): StateVersion | null {
  return (
    versions.find(
      (version) => version.runId <= runId && (version.supersededRun === null || version.supersededRun > runId),
    ) ?? null
  );
}

/** Groups state versions by account; versions of one account may arrive in any order. */
export function accountHistories(states: readonly StateVersion[], openingRunId: number, closingRunId: number): AccountHistory[] {
  const byAccount = new Map<string, StateVersion[]>();
  for (const state of states) {
    const key = `${state.source}\u0000${state.accountId}`;
    const versions = byAccount.get(key) ?? [];
    versions.push(state);
    byAccount.set(key, versions);
  }
  const histories: AccountHistory[] = [];
  for (const versions of byAccount.values()) {
    const changes = versions
      .filter((version) => version.runId > openingRunId && version.runId <= closingRunId)
      .sort((a, b) => a.runId - b.runId)
      .map((after) => ({
        runId: after.runId,
        before: versions.find((version) => version.supersededRun === after.runId) ?? null,
        after,
      }));
    histories.push({
      source: versions[0].source,
      accountId: versions[0].accountId,
      opening: currentAfter(versions, openingRunId),
      closing: currentAfter(versions, closingRunId),
      changes,
    });
  }
  return histories;
}
