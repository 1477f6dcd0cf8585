import { expect } from "chai";
import iconv from "iconv-lite";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseCamt, readCamtFile, type BankEntry, type CamtFile } from "../../connectors/bank/camt.ts";
import { BankFileError } from "../../connectors/bank/xml.ts";
import { ExtractError } from "../../src/extract.ts";

const sampleRoot = process.env.DCMS_SAMPLE_DATA;
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

function sample(name: string): string {
  return join(sampleRoot ?? "", "iso20022", "camt", name);
}

/** Runs a parse that must fail and returns its error. */
function rejection(parse: () => unknown): BankFileError {
  try {
    parse();
  } catch (error) {
    expect(error).to.be.instanceOf(BankFileError);
    return error as BankFileError;
  }
  throw new Error("the file was accepted but should have been rejected");
}

/** Builds a camt.053 with one entry, for the malformed-file cases. */
function statement(entry: string, namespace = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="${namespace}">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>MSG-1</MsgId><CreDtTm>2026-04-09T22:00:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>STMT-1</Id>
      <Acct><Id><IBAN>DE89370400440532013000</IBAN></Id><Ccy>EUR</Ccy></Acct>
      <Ntry>${entry}</Ntry>
    </Stmt>
  </BkToCstmrStmt>
</Document>`;
}

const GOOD_ENTRY =
  '<Amt Ccy="EUR">12.30</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>' +
  "<BookgDt><Dt>2026-04-09</Dt></BookgDt><AcctSvcrRef>REF-1</AcctSvcrRef>" +
  "<NtryDtls><TxDtls><RltdPties><Dbtr><Nm>Erika Mustermann</Nm></Dbtr></RltdPties></TxDtls></NtryDtls>";

describe("camt sample files", function () {
  before(function () {
    if (!sampleRoot) {
      console.log("    skipped: set DCMS_SAMPLE_DATA to the public sample data folder to run these");
      this.skip();
    }
  });

  const berlin = { timeZone: "Europe/Berlin" };

  it("reads camt053 v2 minimal", async function () {
    const file = await readCamtFile(sample("camt053.v2.minimal.xml"), berlin);
    expect(file.message).to.equal("camt.053.001.02");
    expect(file.messageId).to.equal("CAMT053RIB000000000001");
    expect(file.statements).to.have.length(1);
    expect(file.statements[0].id).to.equal("253EURNL26VAYB8060476890");
    expect(file.statements[0].accountIban).to.equal("NL26VAYB8060476890");
    expect(file.statements[0].accountCurrency).to.equal("EUR");
    expect(file.entries).to.have.length(1);
    const [entry] = file.entries;
    // <Amt Ccy="EUR">8.85</Amt>: 8.85 EUR is 885 cents.
    expect(entry.amountMinor).to.equal(885);
    expect(entry.currency).to.equal("EUR");
    expect(entry.creditDebit).to.equal("credit");
    expect(entry.status).to.equal("booked");
    expect(entry.reversal).to.equal(false);
    expect(entry.bookingDate).to.equal("2014-12-31");
    expect(entry.valueDate).to.equal("2015-01-02");
    expect(entry.creditorReferences).to.deep.equal(["4654654654654654"]);
    expect(entry.debtorIban).to.equal("NL56AGDH9619008421");
    expect(entry.bankTransactionCode).to.equal("544");
    // No AcctSvcrRef in this file, so the key is derived from the Ntry.
    expect(entry.bankReference).to.equal("derived:2014-12-31:2015-01-02:CRDT:EUR:8.85");
  });

  it("reads camt053 v2 with two statements", async function () {
    const file = await readCamtFile(sample("camt053.v2.multi.statement.xml"), berlin);
    expect(file.statements.map((s) => s.id)).to.deep.equal([
      "253EURNL26VAYB8060476890",
      "254EURNL26VAYB8060476890",
    ]);
    expect(file.entries).to.have.length(2);
    const [first, second] = file.entries;
    expect(first.statementId).to.equal("253EURNL26VAYB8060476890");
    // Leading zeros survive because no value is parsed as a number.
    expect(first.endToEndId).to.equal("000000001");
    expect(first.amountMinor).to.equal(885);
    expect(first.remittanceLines).to.deep.equal(["Transaction Description 1"]);
    expect(second.statementId).to.equal("254EURNL26VAYB8060476890");
    expect(second.endToEndId).to.equal("000000002");
    // 7.00 EUR debit is 700 cents.
    expect(second.amountMinor).to.equal(700);
    expect(second.creditDebit).to.equal("debit");
    expect(second.remittanceLines).to.deep.equal(["Transaction Description 2"]);
  });

  it("reads camt053 v4 with Othr account id", async function () {
    const file = await readCamtFile(sample("camt053.v4.xml"), berlin);
    expect(file.message).to.equal("camt.053.001.04");
    expect(file.statements[0].accountIban).to.equal(null);
    expect(file.statements[0].accountId).to.equal("NL26VAYB8060476890");
    expect(file.statements[0].accountCurrency).to.equal(null);
    const [entry] = file.entries;
    expect(entry.bankReference).to.equal("AAAASESS-FP-CN_98765/01");
    // The single TxDtls has <Amt Ccy="SEK">0</Amt>, but the booked amount is the Ntry's 8.85 EUR.
    expect(entry.amountMinor).to.equal(885);
    expect(entry.currency).to.equal("EUR");
    expect(entry.bankTransactionCode).to.equal("PAYM/0001/0005");
    expect(entry.debtorName).to.equal("NAME NAME");
  });

  it("reads camt053 v8 status and DtTm", async function () {
    const file = await readCamtFile(sample("camt053.v8.xml"), { timeZone: "Europe/Amsterdam" });
    expect(file.message).to.equal("camt.053.001.08");
    const [entry] = file.entries;
    // <Sts><Cd>BOOK</Cd></Sts> is the choice form of later versions.
    expect(entry.status).to.equal("booked");
    // 2014-12-31T13:15:00+01:00 is 13:15 in Amsterdam.
    expect(entry.bookingDate).to.equal("2014-12-31");
    expect(entry.valueDate).to.equal("2015-01-02");
    expect(entry.endToEndId).to.equal("MUELL/FINP/RA12345");
    // Version 001.08 wraps the party in Pty.
    expect(entry.debtorName).to.equal("NAME NAME");
    expect(entry.bankTransactionCode).to.equal("PMNT/RCDT/BOOK");
  });

  it("reduces DtTm in the business time zone", async function () {
    const file = await readCamtFile(sample("camt053.v8.xml"), { timeZone: "Pacific/Auckland" });
    // 13:15+01:00 is 12:15 UTC, which is 01:15 on 1 January in Auckland (UTC+13).
    expect(file.entries[0].bookingDate).to.equal("2015-01-01");
  });

  it("keeps camt054 v2 batch without amounts whole", async function () {
    const file = await readCamtFile(sample("camt054.v2.xml"), { timeZone: "Europe/Stockholm" });
    expect(file.messageType).to.equal("camt.054");
    expect(file.statements[0].id).to.equal("AAAASESS-FP-ACCR001");
    expect(file.statements[0].accountId).to.equal("CH2801234000123456789");
    expect(file.entries).to.have.length(1);
    const [entry] = file.entries;
    // 200000 SEK is 20,000,000 öre.
    expect(entry.amountMinor).to.equal(20_000_000);
    expect(entry.currency).to.equal("SEK");
    expect(entry.creditDebit).to.equal("debit");
    expect(entry.transactionCount).to.equal(3);
    expect(entry.transactionIndex).to.equal(0);
    expect(entry.bankReference).to.equal("AAAASESS-FP-ACCR001");
    // All three TxDtls carry the same end-to-end id, so it is kept.
    expect(entry.endToEndId).to.equal("MUELL/FINP/RA12345");
    expect(entry.creditorReferences).to.deep.equal([
      "ISR ref number V1",
      "ISR ref number V2",
      "Ref number V3 block 1",
      "Ref number V3 block 2",
    ]);
    expect(entry.remittanceLines).to.have.length(3);
    // 2007-10-18T13:15:00+01:00 is 14:15 in Stockholm (UTC+2 in October).
    expect(entry.bookingDate).to.equal("2007-10-18");
  });

  it("splits camt054 v8 batch with amounts", async function () {
    const file = await readCamtFile(sample("camt054.v8.xml"), berlin);
    expect(file.entries).to.have.length(3);
    // TxDtls amounts 3.1, 3.2 and 3.2 CHF are 310, 320 and 320 centimes.
    expect(file.entries.map((e) => e.amountMinor)).to.deep.equal([310, 320, 320]);
    expect(file.entries.map((e) => e.currency)).to.deep.equal(["CHF", "CHF", "CHF"]);
    // Each TxDtls has CdtDbtInd CRDT, which overrides the Ntry's DBIT.
    expect(file.entries.map((e) => e.creditDebit)).to.deep.equal(["credit", "credit", "credit"]);
    expect(file.entries.map((e) => e.bankReference)).to.deep.equal([
      "ACSR160617103200001/#1",
      "ACSR160617103200001/#2",
      "ACSR160617103200001/#3",
    ]);
    expect(file.entries[0].endToEndId).to.equal("UXC06170000006PI00001EE00001");
    expect(file.entries[0].instructionId).to.equal("UXC06170000006PI00001II00001");
    expect(file.entries[0].accountIban).to.equal("CH2801234000123456789");
    expect(file.entries[2].remittanceLines).to.deep.equal([
      "Unstructured Remittance Information V3 block 1",
      "Unstructured Remittance Information V3 block 2",
    ]);
    expect(file.entries[2].path).to.equal(
      "Document/BkToCstmrDbtCdtNtfctn/Ntfctn[1]/Ntry[1]/NtryDtls[1]/TxDtls[3]",
    );
  });

  it("rejects camt053 v2 wrong", async function () {
    let error: unknown;
    try {
      await readCamtFile(sample("camt053.v2.wrong.xml"), berlin);
    } catch (caught) {
      error = caught;
    }
    expect(error).to.be.instanceOf(BankFileError);
    expect(error).to.be.instanceOf(ExtractError);
    const rejected = error as BankFileError;
    expect(rejected.code).to.equal("missing_element");
    expect(rejected.path).to.equal("Document/BkToCstmrStmt/Stmt");
    expect(rejected.file).to.equal("camt053.v2.wrong.xml");
    expect(rejected.message).to.contain("camt053.v2.wrong.xml: Document/BkToCstmrStmt/Stmt");
  });
});

describe("camt returned direct debits", function () {
  let file: CamtFile;
  let byReference: Map<string, BankEntry>;

  before(async function () {
    file = await readCamtFile(fixture("camt054-returned-direct-debit.xml"), {
      timeZone: "Europe/Berlin",
    });
    byReference = new Map(file.entries.map((entry) => [entry.bankReference, entry]));
  });

  it("reads the AM04 return", function () {
    const entry = byReference.get("RTRN-20260409-000001")!;
    expect(entry.returnReasonCode).to.equal("AM04");
    expect(entry.creditDebit).to.equal("debit");
    expect(entry.amountMinor).to.equal(1999);
    expect(entry.endToEndId).to.equal("DCMS-E2E-000123");
    expect(entry.instructionId).to.equal("DCMS-INSTR-000123");
    expect(entry.mandateId).to.equal("MANDATE-0042");
    expect(entry.debtorName).to.equal("Erika Mustermann");
    expect(entry.debtorIban).to.equal("DE02120300000000202051");
    expect(entry.remittanceLines).to.deep.equal(["Invoice INV-2026-0311"]);
    expect(entry.bankTransactionCode).to.equal("PMNT/IDDT/UPDD");
    expect(entry.reversal).to.equal(false);
  });

  it("reads a pending reversal", function () {
    // No AcctSvcrRef: the key is booking date, value date, direction, currency, amount.
    const entry = byReference.get("derived:2026-04-10:2026-04-10:CRDT:EUR:5.00")!;
    expect(entry.reversal).to.equal(true);
    expect(entry.status).to.equal("pending");
    // NOTPROVIDED is the SEPA placeholder for a missing id.
    expect(entry.endToEndId).to.equal(null);
    // 2026-04-09T23:30:00-04:00 is 03:30 UTC on the 10th, 05:30 in Berlin.
    expect(entry.bookingDate).to.equal("2026-04-10");
  });

  it("reads DtTm in another zone", function () {
    const text = readFileSync(fixture("camt054-returned-direct-debit.xml"));
    const other = parseCamt(text, { file: "returns.xml", timeZone: "America/New_York" });
    // The same instant is 23:30 on the 9th in New York.
    expect(other.entries[1].bookingDate).to.equal("2026-04-09");
  });

  it("splits the batch of returns", function () {
    const first = byReference.get("RTRN-20260409-BATCH7/RTRN-20260409-B7-A")!;
    const second = byReference.get("RTRN-20260409-BATCH7/#2")!;
    expect(first.amountMinor).to.equal(3000);
    expect(first.returnReasonCode).to.equal("MD01");
    expect(first.mandateId).to.equal("MANDATE-0050");
    expect(second.amountMinor).to.equal(5000);
    expect(second.returnReasonCode).to.equal("AC04");
    // The transaction amounts add up to the Ntry: 30.00 + 50.00 = 80.00 EUR.
    expect(first.amountMinor + second.amountMinor).to.equal(8000);
    expect(first.entryReference).to.equal("RTRN-20260409-BATCH7");
    expect(second.transactionIndex).to.equal(2);
  });
});

describe("camt malformed files", function () {
  const options = { file: "bad.xml", timeZone: "Europe/Berlin" };

  it("accepts the well-formed baseline", function () {
    const file = parseCamt(statement(GOOD_ENTRY), options);
    expect(file.entries[0].amountMinor).to.equal(1230);
  });

  it("rejects XML that is not well-formed", function () {
    const error = rejection(() => parseCamt(statement(GOOD_ENTRY).replace("</Stmt>", ""), options));
    expect(error.code).to.equal("xml_not_well_formed");
    expect(error.message).to.match(/^bad\.xml is not well-formed XML at line \d+/);
  });

  it("rejects a root other than Document", function () {
    const text = statement(GOOD_ENTRY).replace(/Document/g, "Envelope");
    const error = rejection(() => parseCamt(text, options));
    expect(error.code).to.equal("root_not_document");
    expect(error.path).to.equal("Envelope");
  });

  it("rejects an unsupported version", function () {
    const namespace = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.09";
    const error = rejection(() => parseCamt(statement(GOOD_ENTRY, namespace), options));
    expect(error.code).to.equal("message_not_supported");
    expect(error.message).to.contain("camt.053.001.09");
  });

  it("rejects a pain.002 given as camt", function () {
    const text = readFileSync(fixture("pain002-collection-status.xml"));
    const error = rejection(() => parseCamt(text, options));
    expect(error.code).to.equal("message_not_supported");
  });

  it("rejects a foreign namespace", function () {
    const error = rejection(() => parseCamt(statement(GOOD_ENTRY, "urn:example:statement"), options));
    expect(error.code).to.equal("namespace_not_supported");
  });

  it("rejects a decimal comma amount", function () {
    const text = statement(GOOD_ENTRY.replace(">12.30<", ">12,30<"));
    const error = rejection(() => parseCamt(text, options));
    expect(error.code).to.equal("invalid_decimal");
    expect(error.path).to.equal("Document/BkToCstmrStmt/Stmt[1]/Ntry[1]/Amt");
    // The file contains a debtor name, which the message must not repeat.
    expect(error.message).not.to.contain("Mustermann");
  });

  it("rejects more decimals than the currency", function () {
    const text = statement(GOOD_ENTRY.replace(">12.30<", ">12.305<"));
    expect(rejection(() => parseCamt(text, options)).code).to.equal("invalid_decimal");
  });

  it("rejects a negative amount", function () {
    const text = statement(GOOD_ENTRY.replace(">12.30<", ">-12.30<"));
    expect(rejection(() => parseCamt(text, options)).code).to.equal("invalid_decimal");
  });

  it("rejects an unknown currency", function () {
    const text = statement(GOOD_ENTRY.replace('Ccy="EUR"', 'Ccy="XYZ"'));
    expect(rejection(() => parseCamt(text, options)).code).to.equal("currency_not_supported");
  });

  it("rejects a missing CdtDbtInd", function () {
    const text = statement(GOOD_ENTRY.replace("<CdtDbtInd>CRDT</CdtDbtInd>", ""));
    const error = rejection(() => parseCamt(text, options));
    expect(error.code).to.equal("missing_element");
    expect(error.path).to.equal("Document/BkToCstmrStmt/Stmt[1]/Ntry[1]/CdtDbtInd");
  });

  it("rejects an unknown status", function () {
    const text = statement(GOOD_ENTRY.replace("<Sts>BOOK</Sts>", "<Sts>DONE</Sts>"));
    expect(rejection(() => parseCamt(text, options)).code).to.equal("unknown_entry_status");
  });

  it("rejects an impossible booking date", function () {
    const text = statement(GOOD_ENTRY.replace("2026-04-09", "2026-02-30"));
    const error = rejection(() => parseCamt(text, options));
    expect(error.code).to.equal("invalid_date");
    expect(error.path).to.equal("Document/BkToCstmrStmt/Stmt[1]/Ntry[1]/BookgDt/Dt");
  });

  it("reads a namespace prefix", function () {
    const text = statement(GOOD_ENTRY)
      .replace(/<(\/?)([A-Za-z])/g, "<$1c:$2")
      .replace('xmlns="', 'xmlns:c="')
      .replace("<c:?xml", "<?xml");
    const file = parseCamt(text, options);
    expect(file.message).to.equal("camt.053.001.02");
    expect(file.entries[0].bankReference).to.equal("REF-1");
  });

  it("decodes a declared ISO-8859-1 file", function () {
    const text = statement(GOOD_ENTRY.replace("Erika Mustermann", "Jürgen Müller"))
      .replace('encoding="UTF-8"', 'encoding="ISO-8859-1"');
    const bytes = iconv.encode(text, "latin1");
    const file = parseCamt(bytes, options);
    expect(file.entries[0].debtorName).to.equal("Jürgen Müller");
  });
});
