// The delivery loop over an outbox of output files. The run records one
// outbox entry per file and target when it commits. This loop sends what is
// pending, marks what arrived, and schedules the rest for a later
// invocation. It depends only on the OutboxStore interface, not on the
// database behind it.

import { RequestError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { silentLogger } from "../log.ts";
import {
  deliverFile,
  DeliveryError,
  type DeliveryFile,
  type DeliveryReceipt,
  type SftpTarget,
} from "./sftp.ts";

/** One file to send to one target. */
export interface OutboxEntry {
  id: string;
  /** Name of the SFTP target in the configuration. */
  target: string;
  localPath: string;
  /** File name on the server. */
  remoteName: string;
  /** SHA-256 (hex) recorded when the run wrote the file, or null. */
  sha256: string | null;
  /** Attempts made so far, over all invocations. */
  attempts: number;
  /** Earliest instant (ISO 8601, UTC) of the next attempt, or null when none is scheduled. */
  nextAttemptAt: string | null;
  /** Instant (ISO 8601, UTC) of the delivery, or null while pending. */
  deliveredAt: string | null;
}

/** Access to the outbox, which the ledger implements with its outbox table. */
export interface OutboxStore {
  /** Returns the entries that are not delivered, in the order they should be sent. */
  pending(): Promise<OutboxEntry[]>;
  /** Records a delivery, after which pending() never returns the entry again. */
  markDelivered(id: string, at: string, sha256: string): Promise<void>;
  /** Records a failed attempt (numbered from 1 over all invocations). */
  markFailed(id: string, attempt: number, error: string, nextAttemptAt: string): Promise<void>;
}

/** Exponential back-off: the n-th wait is initialDelayMs x 2^(n-1), capped at maxDelayMs. */
export interface Backoff {
  initialDelayMs: number;
  maxDelayMs: number;
  /** Wall time budget of one invocation, waits included. No attempt starts after it. */
  maxTotalMs: number;
}

export interface DeliverOptions {
  /** Clock for timestamps and the time budget. */
  now?: () => Date;
  /** Attempts per entry within one invocation. */
  maxAttempts: number;
  backoff: Backoff;
  logger?: Logger;
  /** Waits between attempts, replaced in tests. */
  sleep?: (ms: number) => Promise<void>;
  /** Sends one file, replaced in tests. */
  deliver?: (target: SftpTarget, file: DeliveryFile) => Promise<DeliveryReceipt>;
}

export interface DeliveredEntry {
  id: string;
  target: string;
  remoteName: string;
  sha256: string;
  /** True when the server already held the file and nothing was uploaded. */
  alreadyDelivered: boolean;
  /** Attempts over all invocations, this one included. */
  attempts: number;
}

export interface WaitingEntry {
  id: string;
  target: string;
  remoteName: string;
  attempts: number;
  nextAttemptAt: string | null;
  /** DeliveryError code, or "not_due" and "time_budget_exhausted" for entries not tried. */
  code: string;
  reason: string;
  /** False when only a change of configuration or remote files can help. */
  retryable: boolean;
}

/** Outcome of one invocation. The run exits with status 3 when waiting is not empty. */
export interface DeliverySummary {
  delivered: DeliveredEntry[];
  waiting: WaitingEntry[];
}

/**
 * Sends every pending entry whose next attempt is due, retrying transient
 * failures with exponential back-off within the bounds of options, and
 * records each outcome in the store before moving on.
 */
export async function deliverPending(
  store: OutboxStore,
  targets: ReadonlyMap<string, SftpTarget> | Record<string, SftpTarget>,
  options: DeliverOptions,
): Promise<DeliverySummary> {
  checkOptions(options);
  const context: LoopContext = {
    store,
    targets: targets instanceof Map ? targets : new Map(Object.entries(targets)),
    options,
    now: options.now ?? (() => new Date()),
    sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
    deliver: options.deliver ?? deliverFile,
    logger: options.logger ?? silentLogger(),
    startedMs: 0,
  };
  context.startedMs = context.now().getTime();

  const summary: DeliverySummary = { delivered: [], waiting: [] };
  const entries = await store.pending();
  context.logger.info("delivery started", { pending: entries.length });
  const seen = new Set<string>();
  for (const entry of entries) {
    // A store that returns an entry twice or a delivered entry must not cause a second upload.
    if (seen.has(entry.id) || entry.deliveredAt !== null) continue;
    seen.add(entry.id);
    await deliverEntry(context, entry, summary);
  }
  context.logger.info("delivery finished", {
    delivered: summary.delivered.length,
    waiting: summary.waiting.length,
    durationMs: context.now().getTime() - context.startedMs,
  });
  return summary;
}

interface LoopContext {
  store: OutboxStore;
  targets: ReadonlyMap<string, SftpTarget>;
  options: DeliverOptions;
  now: () => Date;
  sleep: (ms: number) => Promise<void>;
  deliver: (target: SftpTarget, file: DeliveryFile) => Promise<DeliveryReceipt>;
  logger: Logger;
  startedMs: number;
}

async function deliverEntry(
  context: LoopContext,
  entry: OutboxEntry,
  summary: DeliverySummary,
): Promise<void> {
  const { logger, options } = context;
  const base = { id: entry.id, target: entry.target, remoteName: entry.remoteName };
  const notDue = entry.nextAttemptAt !== null && Date.parse(entry.nextAttemptAt) > nowMs(context);
  if (notDue) {
    summary.waiting.push({
      ...base,
      attempts: entry.attempts,
      nextAttemptAt: entry.nextAttemptAt,
      code: "not_due",
      reason: `next attempt is scheduled for ${entry.nextAttemptAt}`,
      retryable: true,
    });
    return;
  }

  let attempts = entry.attempts;
  for (let attemptInRun = 1; ; attemptInRun++) {
    if (budgetLeftMs(context) <= 0) {
      summary.waiting.push({
        ...base,
        attempts,
        nextAttemptAt: entry.nextAttemptAt,
        code: "time_budget_exhausted",
        reason: `the delivery time budget of ${options.backoff.maxTotalMs} ms was used up`,
        retryable: true,
      });
      return;
    }
    attempts += 1;
    const outcome = await attempt(context, entry);
    if ("receipt" in outcome) {
      const at = context.now().toISOString();
      // If the process dies before this mark, the next invocation finds the
      // same file on the server and marks it without uploading it again.
      await context.store.markDelivered(entry.id, at, outcome.receipt.sha256);
      logger.info("file delivered", {
        ...base,
        attempt: attempts,
        bytes: outcome.receipt.bytes,
        alreadyDelivered: outcome.receipt.alreadyDelivered,
      });
      summary.delivered.push({
        ...base,
        sha256: outcome.receipt.sha256,
        alreadyDelivered: outcome.receipt.alreadyDelivered,
        attempts,
      });
      return;
    }

    const { error } = outcome;
    const nextRunDelayMs = backoffDelayMs(options.backoff, attempts);
    const retryDelayMs = backoffDelayMs(options.backoff, attemptInRun);
    const retryNow =
      error.retryable &&
      attemptInRun < options.maxAttempts &&
      retryDelayMs < budgetLeftMs(context);
    const delayMs = retryNow ? retryDelayMs : nextRunDelayMs;
    const nextAttemptAt = new Date(nowMs(context) + delayMs).toISOString();
    await context.store.markFailed(entry.id, attempts, error.message, nextAttemptAt);
    logger.warn(retryNow ? "delivery failed, retrying" : "delivery failed", {
      ...base,
      attempt: attempts,
      code: error.code,
      error: error.message,
      nextAttemptAt,
    });
    if (!retryNow) {
      summary.waiting.push({
        ...base,
        attempts,
        nextAttemptAt,
        code: error.code,
        reason: error.message,
        retryable: error.retryable,
      });
      return;
    }
    await context.sleep(retryDelayMs);
  }
}

type AttemptOutcome = { receipt: DeliveryReceipt } | { error: DeliveryError };

async function attempt(context: LoopContext, entry: OutboxEntry): Promise<AttemptOutcome> {
  const target = context.targets.get(entry.target);
  if (!target) {
    const error = new DeliveryError(
      `SFTP target ${entry.target} is not configured; add it under delivery ` +
        `targets or correct the outbox entry ${entry.id}.`,
      "invalid_target",
      entry.target,
    );
    return { error };
  }
  try {
    const receipt = await context.deliver(target, {
      localPath: entry.localPath,
      remoteName: entry.remoteName,
      sha256: entry.sha256,
    });
    return { receipt };
  } catch (error) {
    if (error instanceof DeliveryError) return { error };
    // Anything else is a defect of dcms, not of the delivery.
    throw error;
  }
}

/** Returns the wait after the n-th failure (n from 1), per the back-off settings. */
export function backoffDelayMs(backoff: Backoff, failure: number): number {
  const exponent = Math.min(Math.max(failure - 1, 0), 30);
  return Math.min(backoff.initialDelayMs * 2 ** exponent, backoff.maxDelayMs);
}

function nowMs(context: LoopContext): number {
  return context.now().getTime();
}

function budgetLeftMs(context: LoopContext): number {
  return context.startedMs + context.options.backoff.maxTotalMs - nowMs(context);
}

function checkOptions(options: DeliverOptions): void {
  const { maxAttempts, backoff } = options;
  const problems: string[] = [];
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    problems.push(`max_attempts ${maxAttempts} must be a whole number of at least 1`);
  }
  if (!(backoff.initialDelayMs > 0)) problems.push("initial_delay_ms must be positive");
  if (!(backoff.maxDelayMs >= backoff.initialDelayMs)) {
    problems.push("max_delay_ms must be at least initial_delay_ms");
  }
  if (!(backoff.maxTotalMs > 0)) problems.push("max_total_ms must be positive");
  if (problems.length > 0) {
    throw new RequestError(`delivery settings are invalid: ${problems.join("; ")}`, problems);
  }
}
