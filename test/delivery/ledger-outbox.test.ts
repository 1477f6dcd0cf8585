// The outbox store over the ledger's outbox table, and the file patterns of
// delivery routes.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import type { Knex } from "knex";
import { filePattern } from "../../src/delivery/config.ts";
import { LedgerOutboxStore } from "../../src/delivery/ledger-outbox.ts";
import { migrateLedger, openLedger } from "../../src/ledger/db.ts";

const SHA_A = "a".repeat(64);
const SHA_B = "b".repeat(64);

describe("LedgerOutboxStore", function () {
  let folder: string;
  let knex: Knex;
  let store: LedgerOutboxStore;

  beforeEach(async function () {
    folder = mkdtempSync(path.join(tmpdir(), "dcms-outbox-"));
    knex = openLedger({ kind: "sqlite", filename: path.join(folder, "ledger.sqlite") });
    await migrateLedger(knex);
    store = new LedgerOutboxStore(knex, path.join(folder, "spool"));
    await knex("outbox").insert([
      { run_id: 1, file: "2026-03-31/placements/alpha.csv", target: "alpha", checksum: SHA_A, status: "pending", attempts: 0, remote_name: "alpha-20260331.csv" },
      { run_id: 1, file: "2026-03-31/bureau/metro2.txt", target: "bureau", checksum: SHA_B, status: "pending", attempts: 0, remote_name: "metro2-20260331.txt" },
    ]);
  });

  afterEach(async function () {
    await knex.destroy();
    rmSync(folder, { recursive: true, force: true });
  });

  it("lists pending entries with their spooled file", async function () {
    const pending = await store.pending();
    expect(pending.map((entry) => [entry.target, entry.remoteName, entry.sha256, entry.attempts, entry.deliveredAt])).to.deep.equal([
      ["alpha", "alpha-20260331.csv", SHA_A, 0, null],
      ["bureau", "metro2-20260331.txt", SHA_B, 0, null],
    ]);
    expect(pending[0].localPath).to.equal(path.join(folder, "spool", SHA_A));
  });

  it("records a failed attempt and keeps the entry pending", async function () {
    const [first] = await store.pending();
    await store.markFailed(first.id, 2, "connection refused", "2026-04-01T00:00:10.000Z");
    const [again] = await store.pending();
    expect(again).to.include({ id: first.id, attempts: 2, nextAttemptAt: "2026-04-01T00:00:10.000Z" });
    const row = await knex("outbox").where({ outbox_id: Number(first.id) }).first();
    expect(row).to.include({ status: "failed", last_error: "connection refused" });
  });

  it("never lists a delivered entry again", async function () {
    const [first] = await store.pending();
    await store.markDelivered(first.id, "2026-04-01T00:00:00.000Z", SHA_A);
    // A failure reported after the delivery does not reopen the entry.
    await store.markFailed(first.id, 3, "late", "2026-04-02T00:00:00.000Z");
    expect((await store.pending()).map((entry) => entry.target)).to.deep.equal(["bureau"]);
    const row = await knex("outbox").where({ outbox_id: Number(first.id) }).first();
    expect(row).to.include({ status: "delivered", delivered_at: "2026-04-01T00:00:00.000Z", attempts: 0 });
  });

  it("keeps one entry per target, file and checksum", async function () {
    let message = "";
    await knex("outbox")
      .insert({ run_id: 2, file: "2026-03-31/placements/alpha.csv", target: "alpha", checksum: SHA_A, status: "pending", attempts: 0 })
      .catch((error: Error) => (message = error.message));
    expect(message).to.match(/UNIQUE constraint failed/);
  });
});

describe("filePattern", () => {
  const cases: Array<[string, string, boolean]> = [
    ["placements/inkasso-nord*.csv", "placements/inkasso-nord.csv", true],
    ["placements/inkasso-nord*.csv", "placements/inkasso-nord-recalls.csv", true],
    ["placements/inkasso-nord*.csv", "placements/inkasso-nord.txt", false],
    ["placements/*.csv", "placements/sub/x.csv", false],
    ["letters/**", "letters/2026-03-31-C1.pdf", true],
    ["bureau/metro2.txt", "bureau/metro2.txt", true],
    ["bureau/metro2.txt", "bureau/metro2xtxt", false],
    ["contacts/?ms.csv", "contacts/sms.csv", true],
  ];
  for (const [pattern, file, matches] of cases) {
    it(`${matches ? "matches" : "skips"} ${file} with ${pattern}`, () => {
      expect(filePattern(pattern).test(file)).to.equal(matches);
    });
  }
});
