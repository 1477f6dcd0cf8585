import { expect } from "chai";
import { fileURLToPath } from "node:url";
import { readCamtFile, type BankEntry } from "../../connectors/bank/camt.ts";
import { bankEntryKey, deduplicateBankEntries } from "../../connectors/bank/dedup.ts";

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const options = { timeZone: "Europe/Berlin" };

describe("bank entry deduplication", function () {
  let statement: BankEntry[];
  let notification: BankEntry[];

  before(async function () {
    statement = (await readCamtFile(fixture("camt053-same-day-statement.xml"), options)).entries;
    notification = (await readCamtFile(fixture("camt054-returned-direct-debit.xml"), options)).entries;
  });

  it("keys by account and bank reference", function () {
    expect(bankEntryKey(statement[0])).to.equal("DE89370400440532013000|RTRN-20260409-000001");
    expect(bankEntryKey(notification[0])).to.equal(bankEntryKey(statement[0]));
  });

  it("counts a booking in both files once", function () {
    const result = deduplicateBankEntries([...statement, ...notification]);
    // Statement: AM04 return, batch total, payment (3). Notification: AM04
    // return, pending reversal, two batch transactions (4). The return counts
    // once and the batch total gives way to its transactions: 7 - 2 = 5.
    expect(result.entries.map((e) => e.bankReference)).to.deep.equal([
      "RTRN-20260409-000001",
      "CRDT-20260409-000007",
      "derived:2026-04-10:2026-04-10:CRDT:EUR:5.00",
      "RTRN-20260409-BATCH7/RTRN-20260409-B7-A",
      "RTRN-20260409-BATCH7/#2",
    ]);
    expect(result.duplicates.map((e) => `${e.messageType} ${e.bankReference}`)).to.deep.equal([
      "camt.053 RTRN-20260409-BATCH7",
      "camt.054 RTRN-20260409-000001",
    ]);
    expect(result.conflicts).to.deep.equal([]);
  });

  it("prefers the statement in any order", function () {
    const result = deduplicateBankEntries([...notification, ...statement]);
    const kept = result.entries.find((e) => e.bankReference === "RTRN-20260409-000001")!;
    expect(kept.messageType).to.equal("camt.053");
    expect(result.entries).to.have.length(5);
  });

  it("keeps equal entries of one file", function () {
    // Two identical payments without AcctSvcrRef in one file share a derived key.
    const payment = { ...statement[2], bankReference: "derived:2026-04-09:2026-04-09:CRDT:EUR:49.90" };
    const twin = { ...payment, path: "Document/BkToCstmrStmt/Stmt[1]/Ntry[4]" };
    const echo = { ...payment, file: "camt054-later.xml", messageType: "camt.054" as const };
    const result = deduplicateBankEntries([payment, twin, echo]);
    // The statement has two, the notification one: max(2, 1) = 2 are kept.
    expect(result.entries).to.deep.equal([payment, twin]);
    expect(result.duplicates).to.deep.equal([echo]);
  });

  it("prefers a booked entry over a pending one", function () {
    const pending = { ...notification[0], status: "pending" as const };
    const booked = { ...statement[0], file: "later.xml", messageType: "camt.054" as const };
    const result = deduplicateBankEntries([pending, booked]);
    expect(result.entries).to.deep.equal([booked]);
  });

  it("reports a duplicate with another amount", function () {
    const changed = { ...notification[0], amountMinor: 1990 };
    const result = deduplicateBankEntries([statement[0], changed]);
    expect(result.entries).to.deep.equal([statement[0]]);
    expect(result.conflicts).to.have.length(1);
    expect(result.conflicts[0].other.amountMinor).to.equal(1990);
  });
});
