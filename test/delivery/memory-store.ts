// An outbox kept in memory, recording every call the delivery loop makes.

import type { OutboxEntry, OutboxStore } from "../../src/delivery/outbox.ts";

export interface FailureMark {
  id: string;
  attempt: number;
  error: string;
  nextAttemptAt: string;
}

export interface DeliveryMark {
  id: string;
  at: string;
  sha256: string;
}

export class MemoryOutboxStore implements OutboxStore {
  readonly failures: FailureMark[] = [];
  readonly deliveries: DeliveryMark[] = [];

  constructor(readonly entries: OutboxEntry[]) {}

  async pending(): Promise<OutboxEntry[]> {
    const pending = this.entries.filter((entry) => entry.deliveredAt === null);
    return pending.map((entry) => ({ ...entry }));
  }

  async markDelivered(id: string, at: string, sha256: string): Promise<void> {
    this.deliveries.push({ id, at, sha256 });
    this.find(id).deliveredAt = at;
  }

  async markFailed(
    id: string,
    attempt: number,
    error: string,
    nextAttemptAt: string,
  ): Promise<void> {
    this.failures.push({ id, attempt, error, nextAttemptAt });
    const entry = this.find(id);
    entry.attempts = attempt;
    entry.nextAttemptAt = nextAttemptAt;
  }

  private find(id: string): OutboxEntry {
    const entry = this.entries.find((candidate) => candidate.id === id);
    if (!entry) throw new Error(`outbox entry ${id} not found`);
    return entry;
  }
}

/** Builds an outbox entry with defaults for the fields a test does not set. */
export function outboxEntry(fields: Partial<OutboxEntry> = {}): OutboxEntry {
  return {
    id: "e1",
    target: "bureau",
    localPath: "out/metro2.txt",
    remoteName: "metro2.txt",
    sha256: null,
    attempts: 0,
    nextAttemptAt: null,
    deliveredAt: null,
    ...fields,
  };
}
