import { expect } from "chai";
import { fileURLToPath } from "node:url";
import { parsePain002, readPain002File, type PaymentStatusReport } from "../../connectors/bank/pain002.ts";
import { BankFileError } from "../../connectors/bank/xml.ts";

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

describe("pain.002 status report", function () {
  let report: PaymentStatusReport;

  before(async function () {
    report = await readPain002File(fixture("pain002-collection-status.xml"));
  });

  it("reads the group", function () {
    expect(report.message).to.equal("pain.002.001.03");
    expect(report.messageId).to.equal("PSR-20260406-0001");
    expect(report.originalMessageId).to.equal("DCMS-20260406-01");
    expect(report.originalMessageNameId).to.equal("pain.008.001.02");
    expect(report.groupStatus).to.equal("PART");
  });

  it("reads payment information blocks", function () {
    expect(report.paymentInformation).to.deep.equal([
      { originalPaymentInformationId: "DCMS-20260406-01-RCUR", status: "PART", reasonCodes: [] },
      { originalPaymentInformationId: "DCMS-20260406-01-FRST", status: "RJCT", reasonCodes: ["DUPL"] },
    ]);
  });

  it("reads a rejected transaction", function () {
    const [closed] = report.transactions;
    expect(closed.originalEndToEndId).to.equal("DCMS-E2E-000124");
    expect(closed.originalInstructionId).to.equal("DCMS-INSTR-000124");
    expect(closed.status).to.equal("RJCT");
    expect(closed.reasonCode).to.equal("AC04");
    // <InstdAmt Ccy="EUR">25.50</InstdAmt> is 2550 cents.
    expect(closed.amountMinor).to.equal(2550);
    expect(closed.currency).to.equal("EUR");
    expect(closed.mandateId).to.equal("MANDATE-0043");
    expect(closed.requestedCollectionDate).to.equal("2026-04-07");
  });

  it("reads statuses per transaction", function () {
    expect(report.transactions.map((tx) => [tx.originalEndToEndId, tx.status, tx.reasonCode])).to.deep.equal([
      ["DCMS-E2E-000124", "RJCT", "AC04"],
      ["DCMS-E2E-000125", "RJCT", "MD01"],
      ["DCMS-E2E-000126", "ACCP", null],
      // No TxSts: the transaction takes its block's RJCT and reason.
      ["DCMS-E2E-000127", "RJCT", "DUPL"],
    ]);
  });

  it("rejects a transaction without any status", function () {
    const text = `<?xml version="1.0"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"><CstmrPmtStsRpt>
<GrpHdr><MsgId>M</MsgId><CreDtTm>2026-04-06T18:00:00</CreDtTm></GrpHdr>
<OrgnlGrpInfAndSts><OrgnlMsgId>O</OrgnlMsgId><OrgnlMsgNmId>pain.008.001.02</OrgnlMsgNmId></OrgnlGrpInfAndSts>
<OrgnlPmtInfAndSts><OrgnlPmtInfId>P</OrgnlPmtInfId><TxInfAndSts><OrgnlEndToEndId>E</OrgnlEndToEndId></TxInfAndSts></OrgnlPmtInfAndSts>
</CstmrPmtStsRpt></Document>`;
    let error: unknown;
    try {
      parsePain002(text, { file: "status.xml" });
    } catch (caught) {
      error = caught;
    }
    expect(error).to.be.instanceOf(BankFileError);
    expect((error as BankFileError).code).to.equal("missing_element");
    expect((error as BankFileError).path).to.equal(
      "Document/CstmrPmtStsRpt/OrgnlPmtInfAndSts[1]/TxInfAndSts[1]/TxSts",
    );
  });

  it("rejects an invalid status code", function () {
    const text = `<?xml version="1.0"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"><CstmrPmtStsRpt>
<GrpHdr><MsgId>M</MsgId><CreDtTm>2026-04-06T18:00:00</CreDtTm></GrpHdr>
<OrgnlGrpInfAndSts><OrgnlMsgId>O</OrgnlMsgId><OrgnlMsgNmId>pain.008.001.02</OrgnlMsgNmId><GrpSts>rejected</GrpSts></OrgnlGrpInfAndSts>
</CstmrPmtStsRpt></Document>`;
    let error: unknown;
    try {
      parsePain002(text, { file: "status.xml" });
    } catch (caught) {
      error = caught;
    }
    expect((error as BankFileError).code).to.equal("invalid_status_code");
  });
});
