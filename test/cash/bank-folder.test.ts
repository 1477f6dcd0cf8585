import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { readBankFolder } from "../../connectors/bank/source.ts";
import { BankFileError } from "../../connectors/bank/xml.ts";
import { ExtractError } from "../../src/extract.ts";
import { camtDocument, pain002Document } from "./camt-builders.ts";

const ENTRY = { amount: "12.30", creditDebit: "CRDT" as const, bankReference: "REF-1", date: "2026-04-07" };

describe("readBankFolder", function () {
  let folder: string;

  beforeEach(function () {
    folder = mkdtempSync(path.join(tmpdir(), "dcms-bank-"));
  });

  afterEach(function () {
    rmSync(folder, { recursive: true, force: true });
  });

  const read = () => readBankFolder(folder, { source: "bank", timeZone: "Europe/Berlin" });

  async function rejection(): Promise<ExtractError> {
    try {
      await read();
    } catch (error) {
      expect(error).to.be.instanceOf(ExtractError);
      return error as ExtractError;
    }
    throw new Error("the folder was accepted but should have been rejected");
  }

  it("sorts statements and status reports", async function () {
    writeFileSync(path.join(folder, "b.xml"), camtDocument("054", "NTF-1", [ENTRY]));
    writeFileSync(path.join(folder, "a.xml"), camtDocument("053", "STMT-1", [ENTRY, { ...ENTRY, bankReference: "REF-2" }]));
    writeFileSync(path.join(folder, "c.xml"), pain002Document("PSR-1", "DCMS-1", [{ endToEndId: "E2E-1", reason: "AM04" }]));
    writeFileSync(path.join(folder, "notes.txt"), "not read");
    const files = await read();
    expect(files.camt.map((file) => [file.file, file.entries.length])).to.deep.equal([
      ["a.xml", 2],
      ["b.xml", 1],
    ]);
    expect(files.statusReports.map((report) => [report.file, report.transactions[0].reasonCode])).to.deep.equal([
      ["c.xml", "AM04"],
    ]);
    // 12.30 EUR is 1230 cents.
    expect(files.camt[0].entries[0].amountMinor).to.equal(1230);
  });

  it("rejects the folder for one malformed file", async function () {
    writeFileSync(path.join(folder, "a.xml"), camtDocument("053", "STMT-1", [ENTRY]));
    writeFileSync(path.join(folder, "b.xml"), camtDocument("053", "STMT-2", [{ ...ENTRY, amount: "12,30" }]));
    const error = await rejection();
    expect(error).to.be.instanceOf(BankFileError);
    expect(error.file).to.equal("b.xml");
    expect(error.message).to.contain("nothing from this file was used");
  });

  it("rejects another message type", async function () {
    writeFileSync(
      path.join(folder, "a.xml"),
      '<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"><CstmrCdtTrfInitn/></Document>',
    );
    const error = await rejection();
    expect(error.code).to.equal("message_not_supported");
    expect(error.message).to.contain("a bank folder holds camt.053, camt.054 and pain.002 files only");
  });

  it("rejects a missing folder", async function () {
    rmSync(folder, { recursive: true });
    const error = await rejection();
    expect(error.code).to.equal("folder_not_found");
  });

  it("changes the checksum with the content", async function () {
    writeFileSync(path.join(folder, "a.xml"), camtDocument("053", "STMT-1", [ENTRY]));
    const first = (await read()).checksum;
    expect((await read()).checksum).to.equal(first);
    writeFileSync(path.join(folder, "a.xml"), camtDocument("053", "STMT-1", [{ ...ENTRY, amount: "12.31" }]));
    expect((await read()).checksum).not.to.equal(first);
  });
});
