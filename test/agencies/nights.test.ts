// Three nights of the agency fixture operator (test/fixtures/agencies):
// placement by share, rules and capacity on 2026-03-31; a direct payment,
// agency remittances, a closure and a waiting account placed on 2026-04-01;
// recalls for payment, dispute and the end of the placement period, a
// reversal and the move to the second tier on 2026-04-02. Every figure
// below is computed by hand from the fixture files.

import { readFileSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { checkOneAgencyPerAccount } from "../../src/agencies/ledger.ts";
import { loadConfig } from "../../src/config/load.ts";
import { openLedger } from "../../src/ledger/db.ts";
import { skipUnreachable } from "../support/environment.ts";
import { LEDGER_KINDS, postgresReachable, useLedger } from "../support/ledgers.ts";
import { copyFolder, readCsv, removeFolder } from "../support/run.ts";
import { capturingLogger, NIGHTS, runFixtureNight } from "./support.ts";

const [NIGHT1, NIGHT2, NIGHT3] = NIGHTS;

for (const ledger of LEDGER_KINDS) describe(`agency nights on the fixture operator (${ledger} ledger)`, function () {
  let folder: string;
  const outs: Record<string, string> = {};
  const runIds: Record<string, number> = {};
  let logLines: string[] = [];
  let dropLedger = async () => {};

  before(async function () {
    if (ledger === "postgres") {
      const unreachable = await postgresReachable();
      if (unreachable) skipUnreachable(this, "PostgreSQL on 127.0.0.1:5432", unreachable);
    }
    folder = copyFolder("test/fixtures/agencies");
    dropLedger = await useLedger(folder, ledger);
    const { log, lines } = capturingLogger();
    for (const night of NIGHTS) {
      const outcome = await runFixtureNight(folder, night, log);
      expect(outcome.exitStatus, `exit status of ${night}`).to.equal(0);
      outs[night] = outcome.out;
      runIds[night] = outcome.runId;
    }
    logLines = lines;
  });

  after(async function () {
    await dropLedger();
    if (folder) removeFolder(folder);
  });

  const text = (night: string, file: string) => readFileSync(path.join(outs[night], file), "utf8");
  const rows = (night: string, file: string) => readCsv(path.join(outs[night], file));
  /** The data lines of a placement CSV, without header; the trailer stays last. */
  const placementLines = (night: string, agency: string) =>
    text(night, `placements/${agency}.csv`).trimEnd().split("\n").slice(1).map((line) => line.split(",").slice(0, 8).join(","));

  describe("first night", function () {
    it("places by hash, segment rule and capacity", function () {
      // FNV-1a of "5001", "5002", "5003" and "5012" falls in the first half
      // of the hash range and picks alpha (1 of 2 shares); "5010", "5011",
      // "5012" and "5013" fall in the second half and pick bravo. Customers
      // are placed in key order: bravo takes 5010 (A2) and 5011 (A3) and is
      // then full (max 2), so 5012 (A8) goes to alpha.
      expect(placementLines(NIGHT1, "alpha")).to.deep.equal([
        "billing-A1-2026-03-31,billing,A1,5001,USD,300.00,2025-12-21,100",
        "billing-A4-2026-03-31,billing,A4,5002,USD,80.00,2025-11-21,130",
        // 400.00 with 100.00 disputed: 300.00 is placed.
        "billing-A5-2026-03-31,billing,A5,5003,USD,300.00,2025-12-26,95",
        "billing-A8-2026-03-31,billing,A8,5012,USD,90.00,2025-11-01,150",
        // 300.00 + 80.00 + 300.00 + 90.00 = 770.00
        "TRAILER,4,USD,770.00",
      ]);
      expect(placementLines(NIGHT1, "bravo")).to.deep.equal([
        "billing-A2-2026-03-31,billing,A2,5010,USD,500.00,2025-09-12,200",
        "billing-A3-2026-03-31,billing,A3,5011,USD,120.00,2026-01-25,65",
        "TRAILER,2,USD,620.00",
      ]);
      expect(placementLines(NIGHT1, "charlie")).to.deep.equal(["TRAILER,0"]);
    });

    it("lets an account wait when no agency has room", function () {
      // Acme (A6, business): bravo takes consumers only, and alpha holds
      // its maximum of 4 placements.
      const run = JSON.parse(text(NIGHT1, "run.json"));
      expect(run.passes.agencies.waiting).to.equal(1);
      const placed = rows(NIGHT1, "actions.csv").filter((row) => row.action === "placement");
      expect(placed.map((row) => `${row.account_id}:${row.agency}`)).to.deep.equal([
        "A1:alpha", "A2:bravo", "A3:bravo", "A4:alpha", "A5:alpha", "A8:alpha",
      ]);
    });

    it("writes the fixed-width file where configured", function () {
      // 4 D lines and the T line, each 529 characters; only alpha has fixed_width.
      const lines = text(NIGHT1, "placements/alpha.txt").split("\n");
      expect(lines.pop()).to.equal("");
      expect(lines.map((line) => line.length)).to.deep.equal([529, 529, 529, 529, 529]);
      expect(lines.map((line) => line[0]).join("")).to.equal("DDDDT");
      expect(lines[4].slice(0, 10)).to.equal("T        4");
      expect(() => text(NIGHT1, "placements/bravo.txt")).to.throw(/ENOENT/);
    });

    it("sends e-mail and SMS contacts to the messaging platform", function () {
      // A7 (Susan Miller, customer key 4) reaches the reminder: 40.00 due
      // 2026-03-11. She prefers e-mail, and the reminder has an sms action.
      expect(text(NIGHT1, "contacts/email.csv")).to.equal(
        "letter_id,email,language,template,stage,deadline,currency,overdue\n" +
          "2026-03-31-C4,susan.miller@example.com,en,reminder,reminder,2026-04-14,USD,40.00\n",
      );
      // The + of the phone number gets the formula guard of every CSV text cell.
      expect(text(NIGHT1, "contacts/sms.csv")).to.equal(
        "letter_id,phone,language,template,deadline,currency,overdue\n" +
          "2026-03-31-C4,'+1 312 555 0105,en,reminder,2026-04-14,USD,40.00\n",
      );
      // The seven placed customers get their agency letter on paper.
      expect(rows(NIGHT1, "letters/index.csv").map((row) => `${row.customer_ref}:${row.stage}`)).to.deep.equal([
        "5001:agency", "5002:agency", "5003:agency", "5010:agency", "5011:agency", "5012:agency", "5013:agency",
      ]);
    });

    it("writes recall and update files with ids and amounts only", function () {
      expect(text(NIGHT1, "placements/alpha-recalls.csv")).to.equal(
        "placement_id,source,account_id,customer_id,currency,open_amount,reason\n",
      );
      expect(text(NIGHT1, "placements/alpha-updates.csv")).to.equal(
        "placement_id,source,account_id,item_id,type,date,currency,amount,open_balance\n",
      );
    });
  });

  describe("second night", function () {
    it("tells the agency about a payment made directly", function () {
      // P-A1-1 pays 100.00 of A1's 300.00 to the billing system: 200.00 stays open.
      expect(rows(NIGHT2, "placements/alpha-updates.csv")).to.deep.equal([
        {
          placement_id: "billing-A1-2026-03-31",
          source: "billing",
          account_id: "A1",
          item_id: "P-A1-1",
          type: "payment",
          date: "2026-04-01",
          currency: "USD",
          amount: "100.00",
          open_balance: "200.00",
        },
      ]);
    });

    it("loads the remittance with its commission journal", function () {
      // bravo collected 200.00 on A2 and 20.00 on A3: 220.00, and its 20 %
      // commission is 40.00 + 4.00 = 44.00.
      const journal = rows(NIGHT2, "journal.csv").filter((row) => row.journal_id.includes("AGENCY"));
      expect(journal.map((row) => [row.journal_id, row.account_code, row.debit, row.credit])).to.deep.equal([
        [`R${runIds[NIGHT2]}-US01-AGENCY-bravo-billing-USD`, "1250", "220.00", "0.00"],
        [`R${runIds[NIGHT2]}-US01-AGENCY-bravo-billing-USD`, "1200", "0.00", "220.00"],
        [`R${runIds[NIGHT2]}-US01-AGENCY-bravo-billing-USD`, "6420", "44.00", "0.00"],
        [`R${runIds[NIGHT2]}-US01-AGENCY-bravo-billing-USD`, "2150", "0.00", "44.00"],
      ]);
      // A2: 500.00 - 200.00 = 300.00; A3: 120.00 - 20.00 = 100.00.
      const aging = rows(NIGHT2, "aging.csv");
      expect(aging.find((row) => row.account_id === "A2")?.balance).to.equal("300.00");
      expect(aging.find((row) => row.account_id === "A3")?.balance).to.equal("100.00");
    });

    it("rejects a line for an account placed elsewhere", function () {
      expect(rows(NIGHT2, "rejects.csv")).to.deep.equal([
        {
          source: "agency:alpha",
          file: "alpha-20260401.csv",
          line: "3",
          field: "account_id",
          code: "account_not_placed_with_agency",
          message: "account billing/A2 was never placed with agency alpha",
        },
      ]);
    });

    it("ends a closed placement and places the waiting account", function () {
      const actions = rows(NIGHT2, "actions.csv").filter((row) => row.action === "closure" || row.action === "placement");
      expect(actions.map((row) => `${row.account_id}:${row.action}:${row.agency}:${row.rule}`)).to.deep.equal([
        "A4:closure:alpha:agency:closure",
        "A6:placement:alpha:agency:waiting",
      ]);
      // Acme's 250.00, due 2026-01-20, is 71 days past due on 2026-04-01.
      expect(placementLines(NIGHT2, "alpha")).to.deep.equal([
        "billing-A6-2026-04-01,billing,A6,5013,USD,250.00,2026-01-20,71",
        "TRAILER,1,USD,250.00",
      ]);
      expect(text(NIGHT2, "placements/alpha-recalls.csv").split("\n")).to.have.length(2);
    });
  });

  describe("third night", function () {
    it("recalls paid, disputed and expired placements", function () {
      // A1 is paid in full directly (P-A1-2, 200.00); A5 got a dispute hold.
      expect(rows(NIGHT3, "placements/alpha-recalls.csv").map((row) => [row.placement_id, row.open_amount, row.reason])).to.deep.equal([
        ["billing-A1-2026-03-31", "0.00", "paid"],
        ["billing-A5-2026-03-31", "300.00", "disputed"],
      ]);
      // A2 is paid in full through bravo (B-4, 300.00). A3 was placed on
      // 03-31 and bravo keeps accounts 2 days: 120.00 is open again after
      // the reversal of B-2.
      expect(rows(NIGHT3, "placements/bravo-recalls.csv").map((row) => [row.placement_id, row.open_amount, row.reason])).to.deep.equal([
        ["billing-A2-2026-03-31", "0.00", "paid"],
        ["billing-A3-2026-03-31", "120.00", "end_of_period"],
      ]);
      expect(rows(NIGHT3, "placements/alpha-updates.csv").map((row) => [row.item_id, row.amount, row.open_balance])).to.deep.equal([
        ["P-A1-2", "200.00", "0.00"],
      ]);
    });

    it("moves an expired placement to the next tier", function () {
      // bravo's end_of_period is next_tier: charlie, tier second, takes A3.
      expect(placementLines(NIGHT3, "charlie")).to.deep.equal([
        "billing-A3-2026-04-02,billing,A3,5011,USD,120.00,2026-01-25,67",
        "TRAILER,1,USD,120.00",
      ]);
    });

    it("reverses the commission with the payment", function () {
      // B-4 collects 300.00 (commission 60.00); B-5 reverses B-2's 20.00
      // and its 4.00 commission: 280.00 and 56.00.
      const journal = rows(NIGHT3, "journal.csv").filter((row) => row.journal_id.includes("AGENCY"));
      expect(journal.map((row) => [row.account_code, row.debit, row.credit, row.entered_amount])).to.deep.equal([
        ["1250", "280.00", "0.00", "280.00"],
        ["1200", "0.00", "280.00", "-280.00"],
        ["6420", "56.00", "0.00", "56.00"],
        ["2150", "0.00", "56.00", "-56.00"],
      ]);
    });

    it("reports agency performance by placement month", function () {
      // bravo, placed in March: 500.00 + 120.00 = 620.00; collected
      // 200.00 + 20.00 + 300.00 - 20.00 = 500.00; 500 / 620 = 0.80645 ->
      // 0.8065; commission 40.00 + 4.00 + 60.00 - 4.00 = 100.00. Direct
      // payments (A1) are not the agency's collections.
      expect(text(NIGHT3, "agency_performance.csv")).to.equal(
        [
          "agency,placement_month,currency,placed_count,placed_amount,collected_amount,liquidation_rate,commission",
          "alpha,2026-03,USD,4,770.00,0.00,0.0000,0.00",
          "alpha,2026-04,USD,1,250.00,0.00,0.0000,0.00",
          "bravo,2026-03,USD,2,620.00,500.00,0.8065,100.00",
          "charlie,2026-04,USD,1,120.00,0.00,0.0000,0.00",
          "",
        ].join("\n"),
      );
    });
  });

  describe("credit bureau file", function () {
    /** Records of bureau/metro2.txt, each followed by a line feed. */
    const records = (night: string) => {
      const lines = text(night, "bureau/metro2.txt").split("\n");
      expect(lines.pop()).to.equal("");
      return lines;
    };
    // Metro 2 base segment positions (1-based): account number 43-72,
    // account status 124-125, payment rating 126, amount past due 164-172,
    // telephone 315-324.
    const summary = (record: string) =>
      `${record.slice(42, 72).trim()} ${record.slice(123, 125)}${record.slice(125, 126).trim()} ${Number(record.slice(163, 172))}`;

    it("has records of exactly 426 bytes", function () {
      for (const night of NIGHTS) {
        const file = readFileSync(path.join(outs[night], "bureau/metro2.txt"));
        const lines = records(night);
        // Header, base segments, trailer, each 426 ASCII bytes and a line feed.
        expect(file.length, night).to.equal(lines.length * 427);
        for (const line of lines) expect(Buffer.byteLength(line, "ascii"), night).to.equal(426);
        expect(lines[0].slice(0, 10)).to.equal("0426HEADER");
        expect(lines[lines.length - 1].slice(0, 11)).to.equal("0426TRAILER");
      }
    });

    it("reports accounts from the agency stage with their status", function () {
      // Days past due 100, 200, 65, 130 and 150 map to 80, 84, 78, 82 and
      // 83. A5 (disputed part) and A6 (business) are left out; A7 is only
      // in the reminder stage.
      const lines = records(NIGHT1);
      expect(lines.slice(1, -1).map(summary)).to.deep.equal([
        "A1 80 300", "A2 84 500", "A3 78 120", "A4 82 80", "A8 83 90",
      ]);
      // Total base records, positions 12-20 of the trailer.
      expect(lines[lines.length - 1].slice(11, 20)).to.equal("000000005");
      for (const line of lines.slice(1, -1)) expect(line.slice(314, 324)).to.equal("0000000000");
    });

    it("reports accounts paid tonight as status 13", function () {
      // A1 and A2 were 101 and 201 days past due the night before they were
      // paid: ratings 3 (90-119 days) and 6 (180 or more). A3 is at 67
      // days with 120.00 open again, A4 at 132 and A8 at 152.
      expect(records(NIGHT3).slice(1, -1).map(summary)).to.deep.equal([
        "A1 133 0", "A2 136 0", "A3 78 120", "A4 82 80", "A8 83 90",
      ]);
      expect(text(NIGHT3, "bureau/metro2-rejects.csv")).to.equal("account_number,field,code,message\n");
    });
  });

  describe("one agency per account", function () {
    it("holds after the three nights", async function () {
      const knex = openLedger(loadConfig(path.join(folder, "dcms.yaml")).ledger);
      try {
        await checkOneAgencyPerAccount(knex, runIds[NIGHT3]);
        const trx = await knex.transaction();
        try {
          // A second open placement for A6, which alpha holds.
          await trx("placements").insert({
            run_id: runIds[NIGHT3], customer_key: 8, agency: "bravo", source: "billing", account_id: "A6",
            kind: "placement", currency: "USD", amount_minor: 25_000, oldest_due_date: null, days_past_due_max: 0, reason: "test",
          });
          let message = "";
          await checkOneAgencyPerAccount(trx, runIds[NIGHT3]).catch((error: Error) => (message = error.message));
          expect(message).to.equal("account billing/A6 is placed with alpha and bravo at once");
        } finally {
          await trx.rollback();
        }
      } finally {
        await knex.destroy();
      }
    });
  });

  describe("logs", function () {
    it("carry no name, address, phone or e-mail", function () {
      const accounts = readCsv(path.join(folder, "billing", "accounts.csv"));
      const personal = accounts.flatMap((row) => [row.name, row.address_line1, row.phone, row.email]).filter(Boolean);
      expect(personal).to.have.length(25);
      expect(logLines.length).to.be.greaterThan(20);
      const log = logLines.join("");
      for (const value of personal) expect(log, value).not.to.include(value);
    });
  });
});
