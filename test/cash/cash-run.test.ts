// Two nights of a small operator (test/fixtures/cash/operator) with every
// cash rule at work, each figure computed by hand.
// Night 1, 2026-04-07: a bank payment in both a statement and a
// notification, a payment parked, direct debits collected, a discount
// granted and one dropped, a payable netted. A credit settles debt in the
// other billing system and the rest is proposed for refund.
// Night 2, 2026-04-08: the same bank files again, a returned bank payment,
// a returned and a rejected direct debit.

import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { XMLParser } from "fast-xml-parser";
import { validateXML } from "xmllint-wasm";
import { requireSampleData, skipUnreachable } from "../support/environment.ts";
import { LEDGER_KINDS, postgresReachable, useLedger } from "../support/ledgers.ts";
import { copyFolder, readCsv, removeFolder, runDate } from "../support/run.ts";
import { camtDocument, pain002Document } from "./camt-builders.ts";

const E1 = {
  amount: "100.00",
  creditDebit: "CRDT" as const,
  bankReference: "BANK-REF-0001",
  date: "2026-04-07",
  endToEndId: "E2E-M1",
  remittance: "Invoice INV-M1",
  debtorIban: "DE75512108001245126199",
};
const E2 = { amount: "25.00", creditDebit: "CRDT" as const, bankReference: "BANK-REF-0002", date: "2026-04-07", remittance: "customer 99999" };

function collectionIds(xml: string): Record<string, { endToEndId: string; amount: string; sequenceType: string }> {
  const parser = new XMLParser({ parseTagValue: false, ignoreAttributes: false, isArray: (name) => ["PmtInf", "DrctDbtTxInf"].includes(name) });
  const blocks = parser.parse(xml).Document.CstmrDrctDbtInitn.PmtInf as any[];
  const result: Record<string, { endToEndId: string; amount: string; sequenceType: string }> = {};
  for (const block of blocks) {
    for (const tx of block.DrctDbtTxInf) {
      result[tx.RmtInf.Ustrd] = { endToEndId: tx.PmtId.EndToEndId, amount: tx.InstdAmt["#text"], sequenceType: block.PmtTpInf.SeqTp };
    }
  }
  return result;
}

for (const ledger of LEDGER_KINDS) describe(`cash application over two nights (${ledger} ledger)`, function () {
  let folder: string;
  let night1: string;
  let night2: string;
  let run1: any;
  let run2: any;
  let dropLedger = async () => {};

  before(async function () {
    if (ledger === "postgres") {
      const unreachable = await postgresReachable();
      if (unreachable) skipUnreachable(this, "PostgreSQL on 127.0.0.1:5432", unreachable);
    }
    folder = copyFolder("test/fixtures/cash/operator");
    dropLedger = await useLedger(folder, ledger);
    mkdirSync(path.join(folder, "bank"));
    writeFileSync(path.join(folder, "bank", "n1-statement.xml"), camtDocument("053", "STMT-0407", [E1, E2]));
    writeFileSync(path.join(folder, "bank", "n1-notification.xml"), camtDocument("054", "NTF-0407", [E1]));
    night1 = path.join(folder, "night1");
    await runDate(path.join(folder, "dcms.yaml"), "2026-04-07", night1);
    run1 = JSON.parse(readFileSync(path.join(night1, "run.json"), "utf8"));
  });

  after(async function () {
    await dropLedger();
    if (folder) removeFolder(folder);
  });

  describe("night 1", function () {
    it("counts an entry of two files once", function () {
      // E1 is in the statement and the notification; E2 only in the statement.
      expect(run1.passes.cash.bank_entries_duplicate).to.equal(1);
      expect(run1.passes.cash.bank_entries_new).to.equal(2);
      expect(run1.passes.cash.payments_matched_by_reference).to.equal(1);
      expect(run1.passes.cash.payments_parked).to.equal(1);
    });

    it("spares the customer who paid tonight", function () {
      // M1 and M2 each owe 100.00 due 2026-02-24, 42 days past due. E1 names
      // INV-M1 and pays it in tonight's file, so only M2 gets a reminder.
      const actions = readCsv(path.join(night1, "actions.csv"));
      expect(actions.filter((row) => row.account_id === "M1")).to.deep.equal([]);
      const m2 = actions.filter((row) => row.account_id === "M2");
      expect(m2.map((row) => [row.action, row.overdue, row.days_past_due])).to.deep.equal([["letter", "100.00", "42"]]);
    });

    it("parks the unknown payment", function () {
      const parked = readCsv(path.join(night1, "suspense.csv"));
      expect(parked.map((row) => [row.entry_key, row.amount, row.reason, row.days_parked])).to.deep.equal([
        ["DE89370400440532013000|BANK-REF-0002", "25.00", "unknown_account", "0"],
      ]);
    });

    it("grants the discount paid in time", function () {
      // INV-M7 100.00 less PAY-M7 98.00 (2026-04-02, before the condition
      // date 2026-04-03) leaves 2.00, the discount: granted. INV-M8 had
      // nothing paid by 2026-03-15: D8 is dropped and 50.00 stays overdue.
      expect(run1.passes.cash.discounts_applied).to.equal(1);
      expect(run1.passes.cash.discounts_dropped).to.equal(1);
      const m7 = readCsv(path.join(night1, "aging.csv")).filter((row) => row.account_id === "M7");
      expect(m7.map((row) => [row.balance, row.overdue])).to.deep.equal([["50.00", "50.00"]]);
    });

    it("nets the payable against the debt", function () {
      // Deposit DEP-6 of 15.00 against INV-M6 (40.00): 25.00 stays open.
      const m6 = readCsv(path.join(night1, "aging.csv")).filter((row) => row.account_id === "M6");
      expect(m6.map((row) => row.balance)).to.deep.equal(["25.00"]);
    });

    it("withholds the refund for other debt", function () {
      // CN-M5 30.00 (2026-01-15, over 30 days old) settles INV-X5 20.00 in
      // cable first; 10.00 remains, above the 5.00 minimum.
      const refunds = readCsv(path.join(night1, "refund_proposals.csv"));
      expect(refunds.map((row) => [row.source, row.account_id, row.customer_id, row.amount, row.credit_since])).to.deep.equal([
        ["mobile", "M5", "K5", "10.00", "2026-01-15"],
      ]);
      const aging = readCsv(path.join(night1, "aging.csv"));
      expect(aging.filter((row) => row.account_id === "X5")).to.deep.equal([]);
      expect(aging.filter((row) => row.account_id === "M5").map((row) => [row.balance, row.unapplied])).to.deep.equal([["-10.00", "-10.00"]]);
    });

    it("writes balanced journals", function () {
      const journal = readCsv(path.join(night1, "journal.csv"));
      const byJournal = new Map<string, string[][]>();
      for (const row of journal) {
        byJournal.set(row.journal_id, [...(byJournal.get(row.journal_id) ?? []), [row.account_code, row.debit, row.credit]]);
      }
      const journals = [...byJournal.values()];
      expect(journals).to.have.deep.members([
        // E1 applied at once; E2 parked.
        [["110000", "100.00", "0.00"], ["140000", "0.00", "100.00"]],
        [["110000", "25.00", "0.00"], ["159000", "0.00", "25.00"]],
        // Discount D7, netting of DEP-6, set-off of CN-M5 against INV-X5.
        [["640000", "2.00", "0.00"], ["140000", "0.00", "2.00"]],
        [["170000", "15.00", "0.00"], ["140000", "0.00", "15.00"]],
        [["140000", "20.00", "0.00"], ["140000", "0.00", "20.00"]],
        // Direct debits of INV-M3 49.90 and INV-M4 25.50.
        [["110000", "49.90", "0.00"], ["140000", "0.00", "49.90"]],
        [["110000", "25.50", "0.00"], ["140000", "0.00", "25.50"]],
      ]);
      expect(journals).to.have.length(7);
      const netting = journal.filter((row) => row.account_code === "170000" || row.description.startsWith("payable"));
      const debit = netting.reduce((sum, row) => sum + Number(row.debit.replace(".", "")), 0);
      const credit = netting.reduce((sum, row) => sum + Number(row.credit.replace(".", "")), 0);
      expect(debit).to.equal(1500);
      expect(credit).to.equal(1500);
    });

    it("writes back per source", function () {
      const mobile = readCsv(path.join(night1, "postings", "mobile.csv"));
      const kinds = mobile.map((row) => [row.item_id.split("-")[0], row.account_id, row.type, row.amount, row.applies_to]);
      expect(kinds).to.have.deep.members([
        ["BNK", "M1", "payment", "100.00", ""],
        ["DD", "M3", "payment", "49.90", "INV-M3"],
        ["DD", "M4", "payment", "25.50", "INV-M4"],
        ["DSC", "M7", "credit_adjustment", "2.00", "INV-M7"],
        ["NET", "M6", "credit_adjustment", "15.00", "INV-M6"],
        ["SOD", "M5", "debit_adjustment", "20.00", "CN-M5"],
      ]);
      const cable = readCsv(path.join(night1, "postings", "cable.csv"));
      expect(cable.map((row) => [row.item_id.split("-")[0], row.account_id, row.type, row.amount, row.applies_to])).to.deep.equal([
        ["SOC", "X5", "credit_adjustment", "20.00", "INV-X5"],
      ]);
    });

    it("collects the autopay invoices due tomorrow", async function () {
      const xml = readFileSync(path.join(night1, "autopay", "pain008.xml"), "utf8");
      const ids = collectionIds(xml);
      // INV-M3 49.90 and INV-M4 25.50, both due 2026-04-08, first collections under their mandates.
      expect(Object.fromEntries(Object.entries(ids).map(([text, tx]) => [text, [tx.amount, tx.sequenceType]]))).to.deep.equal({
        "mobile INV-M3": ["49.90", "FRST"],
        "mobile INV-M4": ["25.50", "FRST"],
      });
      expect(xml).to.contain("<ReqdColltnDt>2026-04-08</ReqdColltnDt>");
      // 49.90 + 25.50 = 75.40.
      expect(xml).to.contain("<CtrlSum>75.40</CtrlSum>");
    });

    it("validates the collection file", async function () {
      const xsd = requireSampleData(this, "iso20022/pain/pain.008.001.02.xsd");
      const xml = readFileSync(path.join(night1, "autopay", "pain008.xml"), "utf8");
      const result = await validateXML({
        xml: [{ fileName: "pain008.xml", contents: xml }],
        schema: [readFileSync(xsd, "utf8")],
      });
      expect(result.errors.map((error) => error.message)).to.deep.equal([]);
      expect(result.valid).to.equal(true);
    });
  });

  describe("night 2", function () {
    before(async function () {
      const ids = collectionIds(readFileSync(path.join(night1, "autopay", "pain008.xml"), "utf8"));
      writeFileSync(
        path.join(folder, "bank", "n2-returns.xml"),
        camtDocument("054", "NTF-0408", [
          // E1 taken back by the payer's bank, and INV-M3's debit returned for insufficient funds.
          { amount: "100.00", creditDebit: "DBIT", bankReference: "BANK-REF-0003", date: "2026-04-08", endToEndId: "E2E-M1", returnReason: "MD06" },
          { amount: "49.90", creditDebit: "DBIT", bankReference: "BANK-REF-0004", date: "2026-04-08", endToEndId: ids["mobile INV-M3"].endToEndId, returnReason: "AM04" },
        ]),
      );
      writeFileSync(
        path.join(folder, "bank", "n2-status.xml"),
        pain002Document("PSR-0408", "DCMS-20260408-R1", [{ endToEndId: ids["mobile INV-M4"].endToEndId, reason: "AC04" }]),
      );
      night2 = path.join(folder, "night2");
      await runDate(path.join(folder, "dcms.yaml"), "2026-04-08", night2);
      run2 = JSON.parse(readFileSync(path.join(night2, "run.json"), "utf8"));
    });

    it("adds nothing for files read again", function () {
      // E1 (once for both files) and E2 were recorded on night 1.
      expect(run2.passes.cash.bank_entries_seen_before).to.equal(2);
      const mobile = readCsv(path.join(night2, "postings", "mobile.csv"));
      expect(mobile.filter((row) => row.item_id.startsWith("BNK-"))).to.deep.equal([]);
    });

    it("re-ages the reversed invoice from its due date", function () {
      // The return reverses E1's payment: INV-M1 is open again and ages from
      // 2026-02-24, 43 days before 2026-04-08, in bucket 31-60.
      const m1 = readCsv(path.join(night2, "aging.csv")).filter((row) => row.account_id === "M1");
      expect(m1.map((row) => [row.balance, row["31-60"], row.days_past_due_max])).to.deep.equal([["100.00", "100.00", "43"]]);
      const actions = readCsv(path.join(night2, "actions.csv")).filter((row) => row.account_id === "M1");
      expect(actions.map((row) => [row.action, row.overdue])).to.deep.equal([["letter", "100.00"]]);
    });

    it("reverses the returned and rejected debits", function () {
      expect(run2.passes.cash.payments_returned).to.equal(2);
      expect(run2.passes.cash.collections_rejected).to.equal(1);
      expect(run2.passes.cash.autopay_stopped).to.equal(1);
      const aging = readCsv(path.join(night2, "aging.csv"));
      // Both invoices are due on 2026-04-08 and open again, not yet overdue.
      expect(aging.filter((row) => ["M3", "M4"].includes(row.account_id)).map((row) => [row.account_id, row.balance, row.current])).to.deep.equal([
        ["M3", "49.90", "49.90"],
        ["M4", "25.50", "25.50"],
      ]);
      const journal = readCsv(path.join(night2, "journal.csv")).filter((row) => row.account_code === "110000");
      // Returns credit the bank; the retried collection of INV-M3 debits it again.
      expect(journal.map((row) => [row.debit, row.credit, row.accounting_date])).to.have.deep.members([
        ["0.00", "100.00", "2026-04-08"],
        ["0.00", "49.90", "2026-04-08"],
        ["0.00", "25.50", "2026-04-08"],
        ["49.90", "0.00", "2026-04-09"],
      ]);
    });

    it("retries AM04 and stops autopay on AC04", function () {
      // INV-M3 is collected once more on the next collection date; M4's
      // mandate was refused (AC04), so INV-M4 is not.
      const ids = collectionIds(readFileSync(path.join(night2, "autopay", "pain008.xml"), "utf8"));
      expect(Object.fromEntries(Object.entries(ids).map(([text, tx]) => [text, [tx.amount, tx.sequenceType]]))).to.deep.equal({
        "mobile INV-M3": ["49.90", "RCUR"],
      });
    });

    it("reports the long-parked payment", function () {
      // E2 was parked on 2026-04-07; the limit is one day.
      expect(run2.passes.cash.parked_over_limit).to.equal(1);
      expect(run2.warnings.some((warning: string) => warning.includes("BANK-REF-0002 since 2026-04-07 (unknown_account)"))).to.equal(true);
    });

    it("re-runs the night to the same result", async function () {
      const again = path.join(folder, "night2-rerun");
      await runDate(path.join(folder, "dcms.yaml"), "2026-04-08", again, { rerun: true });
      const rerun = JSON.parse(readFileSync(path.join(again, "run.json"), "utf8"));
      // The re-run reverses night 2's rows, so its entries are new again.
      expect(rerun.passes.cash).to.deep.equal(run2.passes.cash);
      expect(readCsv(path.join(again, "aging.csv"))).to.deep.equal(readCsv(path.join(night2, "aging.csv")));
    });

    it("reports items awaiting write-back", function () {
      // Night 1 posted six items in mobile and one in cable that neither extract carries yet.
      expect(run2.passes.awaiting_write_back).to.deep.equal({ cable: 1, mobile: 6 });
    });
  });
});
