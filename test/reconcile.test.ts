// dcms reconcile on a file source: a clean comparison right after the run,
// then differences planted in the extract files and in the ledger, reported
// item by item.

import path from "node:path";
import { expect } from "chai";
import { reconcileSource } from "../jobs/reconcile.ts";
import { loadConfig } from "../src/config/load.ts";
import { silentLogger } from "../src/log.ts";
import { readCsv, runCli } from "./support/run.ts";
import { csvText, Operator, STANDARD_ACCOUNTS, STANDARD_ITEMS } from "./connectors/operator.ts";

function row(id: string, type: string, status: string, amount: string, currency = "EUR"): string[] {
  return [id, "A1", type, status, "2026-03-01", type === "invoice" ? "2026-03-25" : "", currency, amount];
}

const ITEMS = [
  row("I1", "invoice", "posted", "10.00"),
  row("I2", "invoice", "posted", "20.00"),
  row("I3", "invoice", "posted", "30.00"),
  row("I4", "invoice", "posted", "40.00"),
  row("I5", "invoice", "posted", "50.00"),
  row("P1", "payment", "posted", "5.00"),
  row("U1", "invoice", "posted", "7.00", "USD"),
];

describe("reconcile", function () {
  let operator: Operator;

  before(async function () {
    operator = Operator.create({ billing: { kind: "standard", path: "billing", entity: "DE01" } });
    operator.write("billing/accounts.csv", csvText(STANDARD_ACCOUNTS, [["A1", "", "", "", "", "", "EUR"]]));
    operator.write("billing/items.csv", csvText(STANDARD_ITEMS, ITEMS));
    expect((await operator.night("2026-03-31")).exitStatus).to.equal(0);
  });

  after(() => operator.remove());

  it("agrees right after the run", async function () {
    const outcome = await reconcileSource(loadConfig(operator.configPath), {
      source: "billing",
      outDir: path.join(operator.folder, "reconcile-clean"),
      log: silentLogger(),
    });
    expect(outcome.exitStatus).to.equal(0);
    expect(outcome.agree).to.equal(true);
    expect(readCsv(path.join(outcome.outDir, "reconcile.csv"))).to.deep.equal([]);
    // EUR: 10 + 20 + 30 + 40 + 50 - 5 = 145.00 in six items; USD 7.00 in one.
    expect(readCsv(path.join(outcome.outDir, "reconcile-totals.csv"))).to.deep.equal([
      { currency: "EUR", extract_items: "6", ledger_items: "6", extract_amount: "145.00", ledger_amount: "145.00", difference: "0.00" },
      { currency: "USD", extract_items: "1", ledger_items: "1", extract_amount: "7.00", ledger_amount: "7.00", difference: "0.00" },
    ]);
  });

  it("reports planted differences item by item", async function () {
    operator.write(
      "billing/items.csv",
      csvText(STANDARD_ITEMS, [
        row("I1", "invoice", "posted", "10.00"),
        row("I2", "invoice", "posted", "25.00"),
        row("I3", "invoice", "cancelled", "30.00"),
        // I4 is gone; I5 comes twice; I6 is new; U1 has an impossible date.
        row("I5", "invoice", "posted", "50.00"),
        row("I5", "invoice", "posted", "50.00"),
        row("I6", "invoice", "posted", "60.00"),
        row("P1", "payment", "posted", "5.00"),
        ["U1", "A1", "invoice", "posted", "2026-02-30", "2026-03-25", "USD", "7.00"],
      ]),
    );
    // A fee that dcms charged and billing has not taken over yet.
    await operator.ledger(async (db) => {
      const [i1] = await db("items").where({ item_id: "I1" });
      await db("items").insert({ ...i1, item_id: "F1", type: "debit_adjustment", amount_minor: 250, origin: "dcms" });
    });

    const outcome = await reconcileSource(loadConfig(operator.configPath), {
      source: "billing",
      outDir: path.join(operator.folder, "reconcile-planted"),
      log: silentLogger(),
    });
    expect(outcome.exitStatus).to.equal(3);
    expect(outcome.agree).to.equal(false);
    const rows = readCsv(path.join(outcome.outDir, "reconcile.csv"));
    expect(rows.map((entry) => Object.values(entry).join(" "))).to.deep.equal([
      "billing F1 A1 awaiting_write_back    EUR 2.50 posted",
      "billing I2 A1 amount_different EUR 25.00 posted EUR 20.00 posted",
      "billing I3 A1 status_different EUR 30.00 cancelled EUR 30.00 posted",
      "billing I4 A1 extra_in_ledger    EUR 40.00 posted",
      "billing I6 A1 missing_in_ledger EUR 60.00 posted   ",
      "billing U1 A1 invalid_in_extract    USD 7.00 posted",
    ]);
    expect(outcome.differences).to.deep.equal({
      missing_in_ledger: 1,
      extra_in_ledger: 1,
      amount_different: 1,
      status_different: 1,
      invalid_in_extract: 1,
      awaiting_write_back: 1,
    });
    // Source EUR: I1 10 + I2 25 + I5 50 + I6 60 - P1 5 = 140.00 in five posted
    // items. I5's second row is a duplicate that a run would reject, so the
    // first one counts and agrees with the ledger; I3 is cancelled. Ledger
    // EUR: 145.00 in six; the fee F1 is dcms's own. USD: U1 is invalid.
    expect(outcome.totals).to.deep.equal([
      { currency: "EUR", extractItems: 5, ledgerItems: 6, extractNetMinor: 14000, ledgerNetMinor: 14500 },
      { currency: "USD", extractItems: 0, ledgerItems: 1, extractNetMinor: 0, ledgerNetMinor: 700 },
    ]);
    expect(outcome.rowsRejected).to.equal(1);
  });

  it("exits 3 on differences", function () {
    const result = runCli(["reconcile", "--config", operator.configPath, "--source", "billing", "--as-of", "2026-03-31"]);
    expect(result.status, result.stderr).to.equal(3);
    expect(result.stdout).to.include("dcms reconcile billing against run 1 (2026-03-31): ledger and source differ");
    expect(result.stdout).to.include(
      "items: missing_in_ledger 1, extra_in_ledger 1, amount_different 1, status_different 1, " +
        "invalid_in_extract 1, awaiting_write_back 1",
    );
  });

  it("rejects an unknown source and a date before every run", async function () {
    const config = loadConfig(operator.configPath);
    const failure = async (options: { source: string; asOf?: string }) => {
      try {
        await reconcileSource(config, { ...options, log: silentLogger() });
      } catch (error) {
        return error as Error;
      }
      throw new Error("expected a RequestError");
    };
    const unknown = await failure({ source: "cable" });
    expect(unknown.name).to.equal("RequestError");
    expect(unknown.message).to.equal("source cable is not an enabled billing source of the configuration; choose one of billing");
    const early = await failure({ source: "billing", asOf: "2026-03-30" });
    expect(early.message).to.equal("the ledger has no committed run on or before 2026-03-30; run dcms run first");
  });
});
