// SEPA direct-debit collection files (pain.008.001.02, or the German
// pain.008.003.02 variant) built from plain data. The same input always gives
// the same bytes: the message id and creation time come from the caller, and
// transactions are ordered by end-to-end id within their sequence type.

import { isIsoDate, type IsoDate } from "../dates.ts";
import { RequestError } from "../errors.ts";
import { formatMinor, sumMinor } from "../money.ts";

export type Pain008Version = "pain.008.001.02" | "pain.008.003.02";
/** First, recurrent, final or one-off collection under a mandate. */
export type SequenceType = "FRST" | "RCUR" | "FNAL" | "OOFF";
export type LocalInstrument = "CORE" | "B2B";

/** Payment information blocks appear in this order. */
const SEQUENCE_TYPES: readonly SequenceType[] = ["FRST", "RCUR", "FNAL", "OOFF"];

export interface SepaCreditor {
  name: string;
  iban: string;
  /** Written as Othr/Id NOTPROVIDED when omitted, which both schemas accept. */
  bic?: string | null;
  /** SEPA creditor identifier, e.g. DE98ZZZ09999999999. */
  creditorId: string;
}

export interface DirectDebitTransaction {
  endToEndId: string;
  amountMinor: number;
  /** Must be EUR: SEPA direct debits are in euro only. */
  currency: string;
  mandateId: string;
  mandateDate: IsoDate;
  sequenceType: SequenceType;
  debtorName: string;
  debtorIban: string;
  debtorBic?: string | null;
  remittanceText?: string | null;
}

export interface DirectDebitCollection {
  /** GrpHdr/MsgId, at most 30 characters so that PmtInfId (MsgId-SEQ) fits 35. */
  messageId: string;
  /** GrpHdr/CreDtTm, ISO 8601 such as 2026-04-01T20:00:00. */
  creationDateTime: string;
  collectionDate: IsoDate;
  creditor: SepaCreditor;
  /** InitgPty/Nm; the creditor name when absent. */
  initiatingPartyName?: string;
  /** CORE by default. */
  localInstrument?: LocalInstrument;
  transactions: readonly DirectDebitTransaction[];
}

/** A transaction left out of the file. The message names no debtor data. */
export interface Pain008Reject {
  endToEndId: string;
  field: string;
  code: string;
  message: string;
}

export interface PaymentInformationSummary {
  id: string;
  sequenceType: SequenceType;
  numberOfTransactions: number;
  controlSumMinor: number;
}

export interface Pain008File {
  version: Pain008Version;
  /** The XML document, or null when every transaction was rejected. */
  xml: string | null;
  messageId: string;
  numberOfTransactions: number;
  controlSumMinor: number;
  paymentInformation: PaymentInformationSummary[];
  /** End-to-end ids written to the file, in file order. */
  endToEndIds: string[];
  rejects: Pain008Reject[];
}

/** Largest amount of one debit, 999,999,999.99 EUR, as the pain.008.003.02 schema allows. */
const MAX_AMOUNT_MINOR = 99_999_999_999;
/** Characters of SEPA identifiers: the Latin set without space (mandate id). */
const SEPA_ID_NO_SPACE = /^[A-Za-z0-9/\-?:().,'+]+$/;
/** Characters of SEPA message, payment and end-to-end ids: the Latin set. */
const SEPA_ID = /^[A-Za-z0-9/\-?:().,'+ ]+$/;
const BIC = /^[A-Z]{6}[A-Z2-9][A-NP-Z0-9]([A-Z0-9]{3})?$/;
const DATE_TIME = /^(\d{4}-\d{2}-\d{2})T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:\d{2})?$/;

/**
 * Builds a pain.008 collection file with one payment information block per
 * sequence type. Invalid transactions are left out and returned as rejects;
 * invalid collection settings (creditor, ids, dates) raise RequestError.
 */
export function buildPain008(
  collection: DirectDebitCollection,
  options: { version?: Pain008Version } = {},
): Pain008File {
  const version = options.version ?? "pain.008.001.02";
  checkCollection(collection);
  const { accepted, rejects } = checkTransactions(collection);
  const blocks = SEQUENCE_TYPES.map((sequenceType) => ({
    sequenceType,
    transactions: accepted
      .filter((tx) => tx.sequenceType === sequenceType)
      .sort((a, b) => (a.endToEndId < b.endToEndId ? -1 : 1)),
  })).filter((block) => block.transactions.length > 0);
  const paymentInformation = blocks.map((block) => ({
    id: `${collection.messageId}-${block.sequenceType}`,
    sequenceType: block.sequenceType,
    numberOfTransactions: block.transactions.length,
    controlSumMinor: sumMinor(block.transactions.map((tx) => tx.amountMinor)),
  }));
  const numberOfTransactions = accepted.length;
  const controlSumMinor = sumMinor(accepted.map((tx) => tx.amountMinor));
  const lines =
    numberOfTransactions === 0
      ? null
      : [
          `<?xml version="1.0" encoding="UTF-8"?>`,
          `<Document xmlns="urn:iso:std:iso:20022:tech:xsd:${version}"` +
            ` xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">`,
          "  <CstmrDrctDbtInitn>",
          ...indent(groupHeader(collection, numberOfTransactions, controlSumMinor), 4),
          ...blocks.flatMap((block, index) =>
            indent(paymentBlock(collection, paymentInformation[index], block.transactions), 4),
          ),
          "  </CstmrDrctDbtInitn>",
          "</Document>",
        ];
  return {
    version,
    xml: lines ? lines.join("\n") + "\n" : null,
    messageId: collection.messageId,
    numberOfTransactions,
    controlSumMinor,
    paymentInformation,
    endToEndIds: blocks.flatMap((block) => block.transactions.map((tx) => tx.endToEndId)),
    rejects,
  };
}

function checkCollection(collection: DirectDebitCollection): void {
  const problems: string[] = [];
  const { messageId, creditor } = collection;

  if (!isSepaId(messageId, SEPA_ID, 30)) {
    problems.push(
      `messageId ${JSON.stringify(messageId)} must be 1 to 30 characters of the SEPA set ` +
        "(letters, digits, / - ? : ( ) . , ' + and space), not starting or ending with / nor containing //",
    );
  }
  const dateTime = DATE_TIME.exec(collection.creationDateTime);
  if (!dateTime || !isIsoDate(dateTime[1])) {
    problems.push(
      `creationDateTime ${JSON.stringify(collection.creationDateTime)} must be an ISO 8601 date-time such as 2026-04-01T20:00:00`,
    );
  }
  if (!isIsoDate(collection.collectionDate)) {
    problems.push(`collectionDate ${JSON.stringify(collection.collectionDate)} must be a YYYY-MM-DD date`);
  }

  if (toSepaText(creditor.name, 70) === "") {
    problems.push("creditor name must contain letters or digits of the SEPA character set");
  }
  if (!isValidIban(creditor.iban)) {
    problems.push("creditor iban is not a valid IBAN (ISO 13616 check digits); correct the creditor settings");
  }
  if (creditor.bic && !BIC.test(creditor.bic)) {
    problems.push(`creditor bic ${JSON.stringify(creditor.bic)} is not an 8 or 11 character BIC`);
  }
  if (!isValidCreditorId(creditor.creditorId)) {
    problems.push(
      `creditor creditorId ${JSON.stringify(creditor.creditorId)} is not a valid SEPA creditor identifier`,
    );
  }

  const instrument = collection.localInstrument ?? "CORE";
  if (instrument !== "CORE" && instrument !== "B2B") {
    problems.push(`localInstrument ${JSON.stringify(instrument)} must be CORE or B2B`);
  }
  if (problems.length > 0) {
    throw new RequestError(`direct-debit collection ${messageId} is invalid: ${problems.join("; ")}`, problems);
  }
}

function checkTransactions(collection: DirectDebitCollection): {
  accepted: DirectDebitTransaction[];
  rejects: Pain008Reject[];
} {
  const accepted: DirectDebitTransaction[] = [];
  const rejects: Pain008Reject[] = [];
  const seen = new Set<string>();
  for (const tx of collection.transactions) {
    const reject = checkTransaction(tx, collection.collectionDate, seen);
    if (reject) rejects.push({ endToEndId: tx.endToEndId, ...reject });
    else accepted.push(tx);
    seen.add(tx.endToEndId);
  }
  return { accepted, rejects };
}

type Problem = Omit<Pain008Reject, "endToEndId">;

function checkTransaction(
  tx: DirectDebitTransaction,
  collectionDate: IsoDate,
  seen: ReadonlySet<string>,
): Problem | undefined {
  const id = JSON.stringify(tx.endToEndId);
  if (!isSepaId(tx.endToEndId, SEPA_ID, 35)) {
    return problem("endToEndId", "invalid_end_to_end_id", `end-to-end id ${id} must be 1 to 35 characters of the SEPA set`);
  }
  if (seen.has(tx.endToEndId)) {
    return problem("endToEndId", "duplicate_end_to_end_id", `end-to-end id ${id} appears twice in the collection; give each collection its own id`);
  }
  if (tx.currency !== "EUR") {
    return problem("currency", "currency_not_supported", `transaction ${id} is in ${tx.currency}; SEPA direct debits are in EUR only`);
  }
  if (!Number.isSafeInteger(tx.amountMinor) || tx.amountMinor < 1 || tx.amountMinor > MAX_AMOUNT_MINOR) {
    return problem("amountMinor", "invalid_amount", `transaction ${id} must collect between 0.01 and 999999999.99 EUR`);
  }

  if (!isSepaId(tx.mandateId, SEPA_ID_NO_SPACE, 35)) {
    return problem("mandateId", "invalid_mandate_id", `transaction ${id} has a mandate id that is not 1 to 35 SEPA characters without spaces; correct the account's mandate_id`);
  }
  if (!isIsoDate(tx.mandateDate)) {
    return problem("mandateDate", "invalid_mandate_date", `transaction ${id} needs the mandate signature date as YYYY-MM-DD`);
  }
  if (tx.mandateDate > collectionDate) {
    return problem("mandateDate", "mandate_signed_after_collection_date", `transaction ${id} has a mandate signed after the collection date ${collectionDate}`);
  }
  if (!SEQUENCE_TYPES.includes(tx.sequenceType)) {
    return problem("sequenceType", "invalid_sequence_type", `transaction ${id} must have sequence type FRST, RCUR, FNAL or OOFF`);
  }

  if (toSepaText(tx.debtorName, 70) === "") {
    return problem("debtorName", "debtor_name_missing", `transaction ${id} needs a debtor name with letters or digits of the SEPA character set`);
  }
  if (!isValidIban(tx.debtorIban)) {
    return problem("debtorIban", "invalid_iban", `transaction ${id} has a debtor IBAN that fails the ISO 13616 check; correct the account's iban`);
  }
  if (tx.debtorBic && !BIC.test(tx.debtorBic)) {
    return problem("debtorBic", "invalid_bic", `transaction ${id} has a debtor BIC that is not 8 or 11 characters`);
  }
  return undefined;
}

function problem(field: string, code: string, message: string): Problem {
  return { field, code, message };
}

function isSepaId(value: string, pattern: RegExp, maxLength: number): boolean {
  return (
    typeof value === "string" &&
    value.length >= 1 &&
    value.length <= maxLength &&
    pattern.test(value) &&
    !value.startsWith("/") &&
    !value.endsWith("/") &&
    !value.includes("//")
  );
}

function groupHeader(
  collection: DirectDebitCollection,
  numberOfTransactions: number,
  controlSumMinor: number,
): string[] {
  const initiator = collection.initiatingPartyName ?? collection.creditor.name;
  return [
    "<GrpHdr>",
    `  <MsgId>${escapeXml(collection.messageId)}</MsgId>`,
    `  <CreDtTm>${escapeXml(collection.creationDateTime)}</CreDtTm>`,
    `  <NbOfTxs>${numberOfTransactions}</NbOfTxs>`,
    `  <CtrlSum>${formatMinor(controlSumMinor, 2)}</CtrlSum>`,
    `  <InitgPty><Nm>${escapeXml(toSepaText(initiator, 70))}</Nm></InitgPty>`,
    "</GrpHdr>",
  ];
}

function paymentBlock(
  collection: DirectDebitCollection,
  summary: PaymentInformationSummary,
  transactions: DirectDebitTransaction[],
): string[] {
  const { creditor } = collection;
  return [
    "<PmtInf>",
    `  <PmtInfId>${escapeXml(summary.id)}</PmtInfId>`,
    "  <PmtMtd>DD</PmtMtd>",
    `  <NbOfTxs>${summary.numberOfTransactions}</NbOfTxs>`,
    `  <CtrlSum>${formatMinor(summary.controlSumMinor, 2)}</CtrlSum>`,
    "  <PmtTpInf>",
    "    <SvcLvl><Cd>SEPA</Cd></SvcLvl>",
    `    <LclInstrm><Cd>${collection.localInstrument ?? "CORE"}</Cd></LclInstrm>`,
    `    <SeqTp>${summary.sequenceType}</SeqTp>`,
    "  </PmtTpInf>",
    `  <ReqdColltnDt>${collection.collectionDate}</ReqdColltnDt>`,
    `  <Cdtr><Nm>${escapeXml(toSepaText(creditor.name, 70))}</Nm></Cdtr>`,
    `  <CdtrAcct><Id><IBAN>${normaliseIban(creditor.iban)}</IBAN></Id></CdtrAcct>`,
    `  <CdtrAgt>${financialInstitution(creditor.bic)}</CdtrAgt>`,
    "  <ChrgBr>SLEV</ChrgBr>",
    "  <CdtrSchmeId><Id><PrvtId><Othr>",
    `    <Id>${escapeXml(creditor.creditorId.toUpperCase())}</Id>`,
    "    <SchmeNm><Prtry>SEPA</Prtry></SchmeNm>",
    "  </Othr></PrvtId></Id></CdtrSchmeId>",
    ...transactions.flatMap((tx) => indent(transactionBlock(tx), 2)),
    "</PmtInf>",
  ];
}

function transactionBlock(tx: DirectDebitTransaction): string[] {
  const remittance = toSepaText(tx.remittanceText ?? "", 140);
  return [
    "<DrctDbtTxInf>",
    `  <PmtId><EndToEndId>${escapeXml(tx.endToEndId)}</EndToEndId></PmtId>`,
    `  <InstdAmt Ccy="EUR">${formatMinor(tx.amountMinor, 2)}</InstdAmt>`,
    "  <DrctDbtTx><MndtRltdInf>",
    `    <MndtId>${escapeXml(tx.mandateId)}</MndtId>`,
    `    <DtOfSgntr>${tx.mandateDate}</DtOfSgntr>`,
    "  </MndtRltdInf></DrctDbtTx>",
    `  <DbtrAgt>${financialInstitution(tx.debtorBic)}</DbtrAgt>`,
    `  <Dbtr><Nm>${escapeXml(toSepaText(tx.debtorName, 70))}</Nm></Dbtr>`,
    `  <DbtrAcct><Id><IBAN>${normaliseIban(tx.debtorIban)}</IBAN></Id></DbtrAcct>`,
    ...(remittance ? [`  <RmtInf><Ustrd>${escapeXml(remittance)}</Ustrd></RmtInf>`] : []),
    "</DrctDbtTxInf>",
  ];
}

function financialInstitution(bic: string | null | undefined): string {
  return bic
    ? `<FinInstnId><BIC>${bic}</BIC></FinInstnId>`
    : "<FinInstnId><Othr><Id>NOTPROVIDED</Id></Othr></FinInstnId>";
}

function indent(lines: string[], spaces: number): string[] {
  const prefix = " ".repeat(spaces);
  return lines.map((line) => prefix + line);
}

/** Escapes the five XML special characters. */
export function escapeXml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

/** Letters that Unicode decomposition does not reduce to a Latin base letter. */
const TRANSLITERATION: Record<string, string> = {
  ß: "ss", ẞ: "SS", Æ: "AE", æ: "ae", Œ: "OE", œ: "oe", Ø: "O", ø: "o",
  Þ: "TH", þ: "th", Ð: "D", ð: "d", Đ: "D", đ: "d", Ł: "L", ł: "l", ı: "i",
  "&": "+", "‘": "'", "’": "'", "‚": ",", "–": "-", "—": "-", _: "-",
};

const OUTSIDE_SEPA_SET = /[^A-Za-z0-9/\-?:().,'+ ]/g;

/**
 * Restricts text to the SEPA Latin character set: letters, digits and
 * / - ? : ( ) . , ' + space. Diacritics are dropped (é to e, ä to a) and a
 * few letters are spelled out (ß to ss, Ø to O). Every other character
 * becomes a space, runs of spaces collapse, and the result is cut to
 * maxLength.
 */
export function toSepaText(text: string, maxLength: number): string {
  const spelled = [...text].map((char) => TRANSLITERATION[char] ?? char).join("");
  const latin = spelled
    .normalize("NFD")
    .replace(/\p{M}/gu, "")
    .replace(OUTSIDE_SEPA_SET, " ")
    .replace(/\s+/g, " ")
    .trim();
  return latin.slice(0, maxLength).trimEnd();
}

function normaliseIban(iban: string): string {
  return iban.replace(/\s+/g, "").toUpperCase();
}

/** Returns the ISO 7064 MOD 97-10 remainder of letters and digits (A = 10 ... Z = 35). */
function mod97(text: string): number {
  let remainder = 0;
  for (const char of text) {
    const digits = /[0-9]/.test(char) ? char : String(char.charCodeAt(0) - 55);
    for (const digit of digits) remainder = (remainder * 10 + Number(digit)) % 97;
  }
  return remainder;
}

/** Checks the form and the ISO 13616 check digits of an IBAN; spaces are ignored. */
export function isValidIban(iban: string): boolean {
  const value = normaliseIban(iban);
  if (!/^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$/.test(value)) return false;
  return mod97(value.slice(4) + value.slice(0, 4)) === 1;
}

/**
 * Checks a SEPA creditor identifier: country, two check digits, a three
 * character business code that the check skips, and the national id. The
 * check digits are ISO 7064 MOD 97-10 over national id, country and 00.
 */
export function isValidCreditorId(creditorId: string): boolean {
  const value = creditorId.toUpperCase();
  if (!/^[A-Z]{2}[0-9]{2}[A-Z0-9]{3}[A-Z0-9]{1,28}$/.test(value)) return false;
  const check = 98 - mod97(value.slice(7) + value.slice(0, 2) + "00");
  return check === Number(value.slice(2, 4));
}
