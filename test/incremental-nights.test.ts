// Incremental nights evaluate only the customers whose rows changed or whose
// review date has come, and derive the aging and provision of the others.
// Every night here runs twice, on two ledgers fed the same inputs: once as it
// comes (incremental after the first night) and once with --full. The files
// must be the same byte for byte; run.json differs only in its timings and in
// how many customers were evaluated.

import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import knexFactory from "knex";
import { addDays } from "../src/dates.ts";
import { requireSampleData, skipUnreachable } from "./support/environment.ts";
import { postgresReachable, useLedger, type LedgerKind } from "./support/ledgers.ts";
import { copyFolder, filesUnder, readCsv, removeFolder, runCli, runDate } from "./support/run.ts";

function runJson(out: string): Record<string, any> {
  return JSON.parse(readFileSync(path.join(out, "run.json"), "utf8"));
}

/**
 * Asserts that two output folders hold the same files with the same bytes,
 * run.json aside from timings and evaluation. The input checksum covers the
 * configuration file, which names another ledger when the two runs use
 * different kinds of ledger.
 */
function expectSameFiles(incremental: string, full: string, night: string, sameConfig = true): void {
  const files = filesUnder(incremental);
  expect(files, `files of ${night}`).to.deep.equal(filesUnder(full));
  for (const file of files) {
    if (file === "run.json") continue;
    const left = readFileSync(path.join(incremental, file));
    const right = readFileSync(path.join(full, file));
    expect(left.equals(right), `${file} of ${night}`).to.equal(true);
  }
  const comparable = (out: string) => {
    const { evaluation: _evaluation, durations_ms: _durations, started_at: _started, finished_at: _finished, ...rest } = runJson(out);
    return sameConfig ? rest : { ...rest, input_checksum: null };
  };
  expect(comparable(incremental), `run.json of ${night}`).to.deep.equal(comparable(full));
}

async function ledgerRows(folder: string, sql: string, bindings: unknown[] = []): Promise<Record<string, any>[]> {
  const knex = knexFactory({ client: "better-sqlite3", connection: { filename: path.join(folder, "ledger.sqlite") }, useNullAsDefault: true });
  try {
    return await knex.raw(sql, bindings as any[]);
  } finally {
    await knex.destroy();
  }
}

describe("incremental nights", function () {
  this.timeout(240_000);
  const folders: string[] = [];
  const drops: (() => Promise<void>)[] = [];
  const folder = (source: string) => {
    const copy = copyFolder(source);
    folders.push(copy);
    return copy;
  };

  after(async function () {
    for (const drop of drops) await drop();
    for (const copy of folders) removeFolder(copy);
  });

  // The sample's inputs stay the same, so after the first night only dates
  // move: customers fall overdue and stages come due. The gaps between the
  // nights are uneven on purpose.
  const SAMPLE_NIGHTS = ["2026-03-31", "2026-04-01", "2026-04-02", "2026-04-08", "2026-04-14", "2026-05-05"];

  for (const kind of ["sqlite", "postgres"] as LedgerKind[]) {
    it(`writes the same files as --full on the sample, night after night (${kind})`, async function () {
      if (kind === "postgres") {
        const unreachable = await postgresReachable();
        if (unreachable) skipUnreachable(this, "PostgreSQL on 127.0.0.1:5432", unreachable);
      }
      const incremental = folder("fixtures/sample");
      const full = folder("fixtures/sample");
      drops.push(await useLedger(incremental, kind));
      for (const night of SAMPLE_NIGHTS) {
        const outIncremental = path.join(incremental, `out-${night}`);
        const outFull = path.join(full, `out-${night}`);
        await runDate(path.join(incremental, "dcms.yaml"), night, outIncremental);
        await runDate(path.join(full, "dcms.yaml"), night, outFull, { full: true });
        expectSameFiles(outIncremental, outFull, night, kind === "sqlite");
        expect(runJson(outFull).evaluation.mode, night).to.equal("full");
      }
      expect(runJson(path.join(incremental, "out-2026-03-31")).evaluation).to.deep.equal({
        mode: "full",
        reason: "no earlier night to continue from",
        customers_evaluated: 169,
      });
      expect(runJson(path.join(full, "out-2026-04-01")).evaluation.reason).to.equal("requested with --full");
      const second = runJson(path.join(incremental, "out-2026-04-01"));
      expect(second.evaluation.mode).to.equal("incremental");
      expect(second.passes.customers).to.equal(169);
      expect(second.evaluation.customers_evaluated).to.be.below(169);
    });
  }

  it("skips a quiet customer until overdue", async function () {
    const copy = folder("fixtures/sample");
    const config = path.join(copy, "dcms.yaml");
    await runDate(config, "2026-03-31", path.join(copy, "out-1"));
    // C-2011 owes two invoices that are not yet due on 2026-03-31: broadband
    // B-200001 of 59.93 due 2026-04-01 and mobile M-INV-000067 of 64.67 due
    // 2026-04-08. It is next evaluated on 2026-04-02, the first day with
    // anything overdue; until then its aging follows from its open items.
    const review = await ledgerRows(
      copy,
      `select r.next_review, o.item_id, o.open_minor from customer_reviews r join customers c on c.customer_key = r.customer_key
         join open_items o on o.customer_key = r.customer_key where c.customer_ref = ? order by o.item_id`,
      ["C-2011"],
    );
    expect(review).to.deep.equal([
      { next_review: "2026-04-02", item_id: "B-200001", open_minor: 5993 },
      { next_review: "2026-04-02", item_id: "M-INV-000067", open_minor: 6467 },
    ]);

    await runDate(config, "2026-04-01", path.join(copy, "out-2"));
    const evaluated = await ledgerRows(copy, "select count(*) as n from stg_review r join customers c on c.customer_key = r.customer_key where c.customer_ref = ?", ["C-2011"]);
    expect(evaluated[0].n).to.equal(0);
    // Derived: both items in the first bucket, nothing overdue yet.
    const aging = readCsv(path.join(copy, "out-2", "aging.csv")).filter((row) => row.customer_id === "C-2011");
    expect(aging.map((row) => [row.account_id, row.balance, row.current, row.overdue])).to.deep.equal([
      ["BB-20001", "59.93", "59.93", "0.00"],
      ["M-200011", "64.67", "64.67", "0.00"],
    ]);

    await runDate(config, "2026-04-02", path.join(copy, "out-3"));
    const dueNow = readCsv(path.join(copy, "out-3", "aging.csv")).filter((row) => row.customer_id === "C-2011");
    // One day past due: B-200001 moves to 1-30 and counts as overdue.
    expect(dueNow.map((row) => [row.account_id, row.current, row["1-30"], row.overdue, row.days_past_due_max])).to.deep.equal([
      ["BB-20001", "0.00", "59.93", "59.93", "1"],
      ["M-200011", "64.67", "0.00", "0.00", "0"],
    ]);
  });

  it("evaluates a customer whose items changed, and one that a hold command touched", async function () {
    const incremental = folder("fixtures/sample");
    const full = folder("fixtures/sample");
    for (const copy of [incremental, full]) await runDate(path.join(copy, "dcms.yaml"), "2026-03-31", path.join(copy, "out-1"));
    for (const copy of [incremental, full]) {
      // C-2011 pays 20.00 of M-INV-000067 on 2026-04-01.
      appendFileSync(path.join(copy, "mobile", "items.csv"), "M-PAY-T-01,M-200011,payment,posted,2026-04-01,,EUR,20.00,M-INV-000067,,\n");
      // C-2112 (cable K2000043, nothing overdue) gets a dispute by command.
      const added = runCli(["hold", "add", "-c", path.join(copy, "dcms.yaml"), "--account", "cable:K2000043", "--kind", "dispute", "--from", "2026-04-01"]);
      expect(added.status, added.stderr).to.equal(0);
    }
    const queued = await ledgerRows(
      incremental,
      "select c.customer_ref, r.next_review from customer_reviews r join customers c on c.customer_key = r.customer_key where c.customer_ref in ('C-2011', 'C-2112') order by 1",
    );
    expect(queued).to.deep.equal([
      { customer_ref: "C-2011", next_review: "2026-04-02" },
      { customer_ref: "C-2112", next_review: "0001-01-01" },
    ]);
    await runDate(path.join(incremental, "dcms.yaml"), "2026-04-01", path.join(incremental, "out-2"));
    await runDate(path.join(full, "dcms.yaml"), "2026-04-01", path.join(full, "out-2"), { full: true });
    const evaluated = await ledgerRows(
      incremental,
      "select c.customer_ref from stg_review r join customers c on c.customer_key = r.customer_key where c.customer_ref in ('C-2011', 'C-2112') order by 1",
    );
    expect(evaluated.map((row) => row.customer_ref)).to.deep.equal(["C-2011", "C-2112"]);
    expectSameFiles(path.join(incremental, "out-2"), path.join(full, "out-2"), "2026-04-01");
    // 64.67 - 20.00 = 44.67 left on the mobile invoice.
    const mobile = readCsv(path.join(incremental, "out-2", "aging.csv")).find((row) => row.account_id === "M-200011");
    expect(mobile?.balance).to.equal("44.67");
  });

  it("evaluates every customer on a rerun and after a settings change", async function () {
    const copy = folder("fixtures/sample");
    const config = path.join(copy, "dcms.yaml");
    writeFileSync(config, readFileSync(config, "utf8").replace("basis: due_date", "basis: ${DCMS_TEST_AGING_BASIS}"));
    const night = async (date: string, basis: string, extra: { rerun?: boolean } = {}) => {
      process.env.DCMS_TEST_AGING_BASIS = basis;
      try {
        return await runDate(config, date, path.join(copy, `out-${date}`), extra);
      } finally {
        delete process.env.DCMS_TEST_AGING_BASIS;
      }
    };
    await night("2026-03-31", "due_date");
    await night("2026-04-01", "due_date");
    await night("2026-04-01", "due_date", { rerun: true });
    expect(runJson(path.join(copy, "out-2026-04-01")).evaluation).to.deep.equal({
      mode: "full",
      reason: "a rerun evaluates every customer",
      customers_evaluated: 169,
    });
    // A comment changes the file but not the settings.
    appendFileSync(config, "# reviewed by finance\n");
    await night("2026-04-02", "due_date");
    expect(runJson(path.join(copy, "out-2026-04-02")).evaluation.mode).to.equal("incremental");
    // The same text with another value of its variable is another setting.
    const changed = await night("2026-04-03", "document_date");
    expect(runJson(path.join(copy, "out-2026-04-03")).evaluation.reason).to.equal(
      `the settings, the write-off approvals or the sources in use changed since run ${changed.runId - 1}`,
    );
  });

  it("writes the same files as --full on the IBM sample through June 2013", async function () {
    requireSampleData(this, "ibm-accounts-receivable/accounts-receivable.csv");
    const incremental = folder("examples/ibm-ar");
    const full = folder("examples/ibm-ar");
    // New invoices appear and payments settle between these nights.
    for (let night = "2013-06-01"; night <= "2013-06-30"; night = addDays(night, 4)) {
      const outIncremental = path.join(incremental, `out-${night}`);
      const outFull = path.join(full, `out-${night}`);
      await runDate(path.join(incremental, "dcms.yaml"), night, outIncremental);
      await runDate(path.join(full, "dcms.yaml"), night, outFull, { full: true });
      expectSameFiles(outIncremental, outFull, night);
    }
  });
});
