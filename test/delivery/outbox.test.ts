import { expect } from "chai";
import {
  backoffDelayMs,
  deliverPending,
  type DeliverOptions,
} from "../../src/delivery/outbox.ts";
import {
  DeliveryError,
  type DeliveryErrorCode,
  type DeliveryFile,
  type DeliveryReceipt,
  type SftpTarget,
} from "../../src/delivery/sftp.ts";
import { RequestError } from "../../src/errors.ts";
import { silentLogger } from "../../src/log.ts";
import { MemoryOutboxStore, outboxEntry } from "./memory-store.ts";

const START = Date.parse("2025-04-01T02:00:00.000Z");

const TARGET: SftpTarget = {
  name: "bureau",
  host: "127.0.0.1",
  port: 2222,
  username: "dcms",
  privateKeyPath: "keys/bureau",
  hostKeySha256: "SHA256:b9RMoUZLLLO3FPjAUyhKENrfa+C/1H7Fp9l4vZXGuFk",
  remoteDir: "/inbox",
  connectTimeoutMs: 5000,
};

/**
 * A clock that only moves when the loop sleeps or a fake delivery takes
 * time, and a delivery function that plays a script of outcomes.
 */
function harness(script: Array<DeliveryErrorCode | "ok">, transferMs = 0) {
  let clockMs = START;
  const sleeps: number[] = [];
  const calls: DeliveryFile[] = [];
  const deliver = async (_target: SftpTarget, file: DeliveryFile): Promise<DeliveryReceipt> => {
    calls.push(file);
    clockMs += transferMs;
    const outcome = script[Math.min(calls.length - 1, script.length - 1)];
    if (outcome !== "ok") {
      throw new DeliveryError(`${outcome} on call ${calls.length}`, outcome, "bureau");
    }
    return {
      remotePath: `/inbox/${file.remoteName}`,
      sha256: "ab".repeat(32),
      bytes: 19,
      alreadyDelivered: false,
    };
  };
  const options = (overrides: Partial<DeliverOptions> = {}): DeliverOptions => ({
    now: () => new Date(clockMs),
    maxAttempts: 3,
    backoff: { initialDelayMs: 1000, maxDelayMs: 60_000, maxTotalMs: 600_000 },
    logger: silentLogger(),
    sleep: async (ms) => {
      sleeps.push(ms);
      clockMs += ms;
    },
    deliver,
    ...overrides,
  });
  return { sleeps, calls, options };
}

describe("backoffDelayMs", () => {
  it("doubles from the initial delay up to the cap", () => {
    const backoff = { initialDelayMs: 1000, maxDelayMs: 60_000, maxTotalMs: 600_000 };
    // 1000 x 2^(n-1): 1000, 2000, 4000, ... 32000 for n = 6; 64000 for n = 7 is capped at 60000.
    expect(backoffDelayMs(backoff, 1)).to.equal(1000);
    expect(backoffDelayMs(backoff, 2)).to.equal(2000);
    expect(backoffDelayMs(backoff, 3)).to.equal(4000);
    expect(backoffDelayMs(backoff, 6)).to.equal(32_000);
    expect(backoffDelayMs(backoff, 7)).to.equal(60_000);
    expect(backoffDelayMs(backoff, 500)).to.equal(60_000);
  });
});

describe("deliverPending", () => {
  it("retries transient failures with back-off", async () => {
    const store = new MemoryOutboxStore([outboxEntry()]);
    const run = harness(["connection_failed", "connection_failed", "ok"]);

    const summary = await deliverPending(store, { bureau: TARGET }, run.options());

    // Waits of 1000 and 2000 ms: the first and second failure of this invocation.
    expect(run.sleeps).to.deep.equal([1000, 2000]);
    expect(run.calls).to.have.length(3);
    expect(store.failures.map((failure) => failure.attempt)).to.deep.equal([1, 2]);
    // Each failure schedules the next attempt at the moment the loop retries:
    // 02:00:00 + 1 s, then 02:00:01 + 2 s.
    expect(store.failures.map((failure) => failure.nextAttemptAt)).to.deep.equal([
      "2025-04-01T02:00:01.000Z",
      "2025-04-01T02:00:03.000Z",
    ]);
    expect(store.deliveries).to.deep.equal([
      { id: "e1", at: "2025-04-01T02:00:03.000Z", sha256: "ab".repeat(32) },
    ]);
    expect(summary.delivered).to.have.length(1);
    expect(summary.delivered[0].attempts).to.equal(3);
    expect(summary.waiting).to.deep.equal([]);
  });

  it("schedules a later attempt when attempts run out", async () => {
    const store = new MemoryOutboxStore([outboxEntry()]);
    const run = harness(["connection_failed"]);

    const summary = await deliverPending(store, { bureau: TARGET }, run.options());

    expect(run.calls).to.have.length(3);
    expect(run.sleeps).to.deep.equal([1000, 2000]);
    // Third failure at 02:00:03; the wait after the third attempt overall is
    // 1000 x 2^2 = 4000 ms, so the next invocation may try at 02:00:07.
    expect(summary.waiting).to.have.length(1);
    expect(summary.waiting[0].code).to.equal("connection_failed");
    expect(summary.waiting[0].retryable).to.equal(true);
    expect(summary.waiting[0].attempts).to.equal(3);
    expect(summary.waiting[0].nextAttemptAt).to.equal("2025-04-01T02:00:07.000Z");
    expect(store.entries[0].nextAttemptAt).to.equal("2025-04-01T02:00:07.000Z");
    expect(store.deliveries).to.deep.equal([]);
  });

  it("does not retry a permanent failure", async () => {
    const store = new MemoryOutboxStore([outboxEntry({ attempts: 2 })]);
    const run = harness(["host_key_mismatch"]);

    const summary = await deliverPending(store, { bureau: TARGET }, run.options());

    expect(run.calls).to.have.length(1);
    expect(run.sleeps).to.deep.equal([]);
    // Third attempt overall: 02:00:00 + 4000 ms.
    expect(store.failures).to.deep.equal([
      {
        id: "e1",
        attempt: 3,
        error: "host_key_mismatch on call 1",
        nextAttemptAt: "2025-04-01T02:00:04.000Z",
      },
    ]);
    expect(summary.waiting[0].code).to.equal("host_key_mismatch");
    expect(summary.waiting[0].retryable).to.equal(false);
  });

  it("stops at the time budget", async () => {
    const store = new MemoryOutboxStore([
      outboxEntry({ id: "e1", remoteName: "a.txt" }),
      outboxEntry({ id: "e2", remoteName: "b.txt" }),
    ]);
    // Each attempt takes 1000 ms and fails. Budget 2500 ms:
    // e1 fails at 1000, waits 1000, fails at 3000; its next wait of 2000 ms
    // no longer fits, and e2 finds the budget used up and is not tried.
    const run = harness(["transfer_failed"], 1000);
    const options = run.options({
      maxAttempts: 5,
      backoff: { initialDelayMs: 1000, maxDelayMs: 60_000, maxTotalMs: 2500 },
    });

    const summary = await deliverPending(store, { bureau: TARGET }, options);

    expect(run.calls.map((file) => file.remoteName)).to.deep.equal(["a.txt", "a.txt"]);
    expect(run.sleeps).to.deep.equal([1000]);
    expect(summary.waiting.map((entry) => entry.code)).to.deep.equal([
      "transfer_failed",
      "time_budget_exhausted",
    ]);
    // e1: failed at 02:00:03 after its second attempt overall, so 03 + 2 s.
    expect(summary.waiting[0].nextAttemptAt).to.equal("2025-04-01T02:00:05.000Z");
    expect(store.failures.map((failure) => failure.id)).to.deep.equal(["e1", "e1"]);
  });

  it("skips entries that are not due", async () => {
    const store = new MemoryOutboxStore([
      outboxEntry({ id: "later", attempts: 1, nextAttemptAt: "2025-04-01T02:00:00.001Z" }),
      outboxEntry({ id: "due", attempts: 1, nextAttemptAt: "2025-04-01T02:00:00.000Z" }),
    ]);
    const run = harness(["ok"]);

    const summary = await deliverPending(store, { bureau: TARGET }, run.options());

    expect(run.calls).to.have.length(1);
    expect(summary.delivered.map((entry) => entry.id)).to.deep.equal(["due"]);
    expect(summary.waiting.map((entry) => [entry.id, entry.code])).to.deep.equal([
      ["later", "not_due"],
    ]);
    expect(store.failures).to.deep.equal([]);
  });

  it("never sends a delivered entry again", async () => {
    const delivered = outboxEntry({ id: "done", deliveredAt: "2025-03-31T02:00:00.000Z" });
    const store = new MemoryOutboxStore([outboxEntry({ id: "e1" })]);
    // A store that returns duplicates and delivered entries by mistake.
    const faulty = {
      ...store,
      pending: async () => [outboxEntry({ id: "e1" }), outboxEntry({ id: "e1" }), delivered],
      markDelivered: store.markDelivered.bind(store),
      markFailed: store.markFailed.bind(store),
    };
    const run = harness(["ok"]);

    const first = await deliverPending(faulty, { bureau: TARGET }, run.options());
    const second = await deliverPending(store, { bureau: TARGET }, run.options());

    expect(run.calls).to.have.length(1);
    expect(first.delivered.map((entry) => entry.id)).to.deep.equal(["e1"]);
    expect(second.delivered).to.deep.equal([]);
    expect(second.waiting).to.deep.equal([]);
  });

  it("reports a target that is not configured", async () => {
    const store = new MemoryOutboxStore([outboxEntry({ target: "agency-north" })]);
    const run = harness(["ok"]);

    const summary = await deliverPending(store, { bureau: TARGET }, run.options());

    expect(run.calls).to.have.length(0);
    expect(summary.waiting[0].code).to.equal("invalid_target");
    expect(summary.waiting[0].retryable).to.equal(false);
    expect(summary.waiting[0].reason).to.contain("agency-north is not configured");
    expect(store.failures).to.have.length(1);
  });

  it("rejects invalid settings", async () => {
    const store = new MemoryOutboxStore([]);
    const run = harness(["ok"]);
    const options = run.options({
      maxAttempts: 0,
      backoff: { initialDelayMs: 1000, maxDelayMs: 10, maxTotalMs: 0 },
    });

    let caught: unknown;
    await deliverPending(store, { bureau: TARGET }, options).catch((error) => (caught = error));

    expect(caught).to.be.instanceOf(RequestError);
    expect((caught as RequestError).problems).to.deep.equal([
      "max_attempts 0 must be a whole number of at least 1",
      "max_delay_ms must be at least initial_delay_ms",
      "max_total_ms must be positive",
    ]);
  });
});
