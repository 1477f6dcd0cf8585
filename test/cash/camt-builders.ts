// Small ISO 20022 documents for cash tests: a camt.053 statement or camt.054
// notification with given entries, and a pain.002 status report.

export interface TestEntry {
  amount: string;
  creditDebit: "CRDT" | "DBIT";
  bankReference: string;
  date: string;
  endToEndId?: string;
  remittance?: string;
  debtorIban?: string;
  returnReason?: string;
}

function entryXml(entry: TestEntry): string {
  const refs = entry.endToEndId ? `<Refs><EndToEndId>${entry.endToEndId}</EndToEndId></Refs>` : "";
  const debtor = entry.debtorIban
    ? `<RltdPties><DbtrAcct><Id><IBAN>${entry.debtorIban}</IBAN></Id></DbtrAcct></RltdPties>`
    : "";
  const remittance = entry.remittance ? `<RmtInf><Ustrd>${entry.remittance}</Ustrd></RmtInf>` : "";
  const returned = entry.returnReason ? `<RtrInf><Rsn><Cd>${entry.returnReason}</Cd></Rsn></RtrInf>` : "";
  return `<Ntry>
        <Amt Ccy="EUR">${entry.amount}</Amt>
        <CdtDbtInd>${entry.creditDebit}</CdtDbtInd>
        <Sts>BOOK</Sts>
        <BookgDt><Dt>${entry.date}</Dt></BookgDt>
        <ValDt><Dt>${entry.date}</Dt></ValDt>
        <AcctSvcrRef>${entry.bankReference}</AcctSvcrRef>
        <BkTxCd><Prtry><Cd>TEST</Cd></Prtry></BkTxCd>
        <NtryDtls><TxDtls>${refs}${debtor}${remittance}${returned}</TxDtls></NtryDtls>
      </Ntry>`;
}

/** Builds a camt.053.001.02 statement or camt.054.001.02 notification of the operator's account. */
export function camtDocument(kind: "053" | "054", messageId: string, entries: TestEntry[]): string {
  const [body, report] = kind === "053" ? ["BkToCstmrStmt", "Stmt"] : ["BkToCstmrDbtCdtNtfctn", "Ntfctn"];
  return `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.${kind}.001.02">
  <${body}>
    <GrpHdr><MsgId>${messageId}</MsgId><CreDtTm>2026-04-07T22:00:00</CreDtTm></GrpHdr>
    <${report}>
      <Id>${messageId}-1</Id>
      <CreDtTm>2026-04-07T22:00:00</CreDtTm>
      <Acct><Id><IBAN>DE89370400440532013000</IBAN></Id><Ccy>EUR</Ccy></Acct>
      ${entries.map(entryXml).join("\n      ")}
    </${report}>
  </${body}>
</Document>
`;
}

/** Builds a pain.002.001.03 report that rejects the given end-to-end ids with a reason. */
export function pain002Document(messageId: string, originalMessageId: string, rejected: { endToEndId: string; reason: string }[]): string {
  const transactions = rejected
    .map(
      (tx, index) => `<TxInfAndSts>
        <StsId>${messageId}-${index + 1}</StsId>
        <OrgnlEndToEndId>${tx.endToEndId}</OrgnlEndToEndId>
        <TxSts>RJCT</TxSts>
        <StsRsnInf><Rsn><Cd>${tx.reason}</Cd></Rsn></StsRsnInf>
      </TxInfAndSts>`,
    )
    .join("\n      ");
  return `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03">
  <CstmrPmtStsRpt>
    <GrpHdr><MsgId>${messageId}</MsgId><CreDtTm>2026-04-08T06:00:00</CreDtTm></GrpHdr>
    <OrgnlGrpInfAndSts>
      <OrgnlMsgId>${originalMessageId}</OrgnlMsgId>
      <OrgnlMsgNmId>pain.008.001.02</OrgnlMsgNmId>
    </OrgnlGrpInfAndSts>
    <OrgnlPmtInfAndSts>
      <OrgnlPmtInfId>${originalMessageId}-RCUR</OrgnlPmtInfId>
      ${transactions}
    </OrgnlPmtInfAndSts>
  </CstmrPmtStsRpt>
</Document>
`;
}
