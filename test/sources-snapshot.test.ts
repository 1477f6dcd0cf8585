// Full snapshots and deltas over several nights. Night one (2026-03-31)
// loads four open invoices of account A1: I1 to I4, 10.00 each, due
// 2026-03-25. On night two (2026-04-01) the extract lacks some of them.

import { expect } from "chai";
import { skipUnreachable } from "./support/environment.ts";
import { LEDGER_KINDS, postgresReachable, useLedger } from "./support/ledgers.ts";
import { csvText, Operator, STANDARD_ACCOUNTS, STANDARD_ITEMS } from "./connectors/operator.ts";

const ITEM_IDS = ["I1", "I2", "I3", "I4"];

function items(ids: string[], change: (row: string[]) => string[] = (row) => row): string {
  return csvText(
    STANDARD_ITEMS,
    ids.map((id) => change([id, "A1", "invoice", "posted", "2026-03-01", "2026-03-25", "EUR", "10.00"])),
  );
}

async function operatorAfterNightOne(source: Record<string, unknown> = {}): Promise<Operator> {
  const operator = Operator.create({ billing: { kind: "standard", path: "billing", entity: "DE01", ...source } });
  operator.write("billing/accounts.csv", csvText(STANDARD_ACCOUNTS, [["A1", "", "", "", "", "", "EUR"]]));
  operator.write("billing/items.csv", items(ITEM_IDS));
  return operator;
}

async function currentItems(operator: Operator): Promise<string[]> {
  const rows = await operator.ledger((knex) =>
    knex("items").where({ source: "billing" }).whereNull("superseded_run").orderBy("item_id"),
  );
  return rows.map((row) => `${row.item_id} v${row.version} ${row.status}`);
}

for (const ledger of LEDGER_KINDS) describe(`full snapshot (${ledger} ledger)`, function () {
  let operator: Operator;
  let dropLedger = async () => {};

  beforeEach(async function () {
    if (ledger === "postgres") {
      const unreachable = await postgresReachable();
      if (unreachable) skipUnreachable(this, "PostgreSQL on 127.0.0.1:5432", unreachable);
    }
    operator = await operatorAfterNightOne();
    dropLedger = await useLedger(operator.folder, ledger);
    expect((await operator.night("2026-03-31")).exitStatus).to.equal(0);
  });

  afterEach(async function () {
    await dropLedger();
    operator?.remove();
  });

  it("closes an item the snapshot lacks and reopens it", async function () {
    operator.write("billing/items.csv", items(["I1", "I3", "I4"]));
    expect((await operator.night("2026-04-01")).exitStatus).to.equal(0);
    expect(await currentItems(operator)).to.deep.equal([
      "I1 v1 posted",
      "I2 v2 closed",
      "I3 v1 posted",
      "I4 v1 posted",
    ]);
    const closures = await operator.ledger((knex) => knex("item_closures").select("item_id", "version", "reason"));
    expect(closures).to.deep.equal([{ item_id: "I2", version: 2, reason: "missing from snapshot" }]);
    // The aging has the three open invoices only: 3 x 10.00.
    const aging = operator.csv("2026-04-01", "aging.csv");
    expect(aging.map((row) => [row.account_id, row.balance])).to.deep.equal([["A1", "30.00"]]);

    operator.write("billing/items.csv", items(ITEM_IDS));
    expect((await operator.night("2026-04-02")).exitStatus).to.equal(0);
    expect(await currentItems(operator)).to.deep.equal([
      "I1 v1 posted",
      "I2 v3 posted",
      "I3 v1 posted",
      "I4 v1 posted",
    ]);
    expect(operator.csv("2026-04-02", "aging.csv").map((row) => row.balance)).to.deep.equal(["40.00"]);
  });

  it("rejects a snapshot that would close too much", async function () {
    const before = await operator.sourceRows("billing");
    // Three of four open items missing is 0.75, above the default 0.5.
    operator.write("billing/items.csv", items(["I1"]));
    const outcome = await operator.night("2026-04-01");
    expect(outcome.exitStatus).to.equal(3);
    const [billing] = operator.runJson("2026-04-01").sources;
    expect(billing.status).to.equal("rejected");
    expect(billing.reason).to.equal(
      "the snapshot lacks 3 of the source's 4 open items, more than max_close_share 0.5; " +
        "the extract is probably truncated, so it was not loaded",
    );
    expect(await operator.sourceRows("billing")).to.deep.equal(before);
  });

  it("undoes closures on a re-run", async function () {
    operator.write("billing/items.csv", items(["I1", "I3", "I4"]));
    await operator.night("2026-04-01");
    operator.write("billing/items.csv", items(ITEM_IDS, (row) => (row[0] === "I4" ? [...row.slice(0, 7), "12.00"] : row)));
    expect((await operator.night("2026-04-01", { rerun: true })).exitStatus).to.equal(0);
    // The re-run reverses I2's closure and loads I4's new amount instead.
    expect(await currentItems(operator)).to.deep.equal([
      "I1 v1 posted",
      "I2 v1 posted",
      "I3 v1 posted",
      "I4 v2 posted",
    ]);
    // The superseded run keeps its closure row for audit; no committed run has one.
    const closures = await operator.ledger((knex) =>
      knex("item_closures as c").join("runs as r", "r.run_id", "c.run_id").select("c.item_id", "r.status"),
    );
    expect(closures).to.deep.equal([{ item_id: "I2", status: "superseded" }]);
  });
});

describe("snapshot settings", function () {
  let operator: Operator | undefined;

  afterEach(() => operator?.remove());

  it("closes up to max_close_share", async function () {
    operator = await operatorAfterNightOne({ max_close_share: 0.75 });
    await operator.night("2026-03-31");
    operator.write("billing/items.csv", items(["I1"]));
    expect((await operator.night("2026-04-01")).exitStatus).to.equal(0);
    expect(await currentItems(operator)).to.deep.equal([
      "I1 v1 posted",
      "I2 v2 closed",
      "I3 v2 closed",
      "I4 v2 closed",
    ]);
  });

  it("closes nothing in delta mode", async function () {
    operator = await operatorAfterNightOne({ mode: "delta" });
    await operator.night("2026-03-31");
    // A delta lists changed rows only: I2's new amount.
    operator.write("billing/items.csv", items(["I2"], (row) => [...row.slice(0, 7), "15.00"]));
    expect((await operator.night("2026-04-01")).exitStatus).to.equal(0);
    expect(await currentItems(operator)).to.deep.equal([
      "I1 v1 posted",
      "I2 v2 posted",
      "I3 v1 posted",
      "I4 v1 posted",
    ]);
    // 10.00 + 15.00 + 10.00 + 10.00.
    expect(operator.csv("2026-04-01", "aging.csv").map((row) => row.balance)).to.deep.equal(["45.00"]);
  });
});
