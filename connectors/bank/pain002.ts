// Payment status reports (pain.002) that a bank returns for a direct-debit
// collection file: per transaction, whether it was accepted or rejected, and
// why. The elements read here keep their names from version 001.03 through
// 001.10.

import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { isIsoDate, type IsoDate } from "../../src/dates.ts";
import { fileError, parseIsoDocument, readAmount, type FileContext, type XmlElement } from "./xml.ts";

// NOTE: only 001.03 is covered by a test fixture; the later versions are
// accepted because the elements read here did not change in them.
const SUPPORTED_MESSAGE = /^pain\.002\.001\.(0[3-9]|10)$/;

/** ISO 20022 external status codes are four capital letters (ACCP, RJCT, PDNG). */
const STATUS_CODE = /^[A-Z]{4}$/;

export interface Pain002ParseOptions {
  file: string;
  /** Source name for errors; "bank" when not given. */
  source?: string;
}

/** Status of one payment information block of the original message. */
export interface PaymentInformationStatus {
  originalPaymentInformationId: string;
  /** PmtInfSts, or null when the bank reports per transaction only. */
  status: string | null;
  reasonCodes: string[];
}

/** Status of one transaction of the original message. */
export interface TransactionStatus {
  /** Element path of the TxInfAndSts. */
  path: string;
  originalPaymentInformationId: string;
  originalInstructionId: string | null;
  originalEndToEndId: string | null;
  /** TxSts, or the status of its payment information block or group when absent. */
  status: string;
  /** First StsRsnInf/Rsn code (Cd, else Prtry), e.g. AC04 or MD01. */
  reasonCode: string | null;
  /** All reason codes of the transaction, or of the block whose status it inherits. */
  reasonCodes: string[];
  /** OrgnlTxRef/Amt/InstdAmt when the bank repeats it. */
  amountMinor: number | null;
  currency: string | null;
  mandateId: string | null;
  requestedCollectionDate: IsoDate | null;
}

export interface PaymentStatusReport {
  /** Message identifier with version, e.g. pain.002.001.03. */
  message: string;
  messageId: string;
  creationDateTime: string;
  file: string;
  /** OrgnlGrpInfAndSts/OrgnlMsgId: the MsgId of the collection file reported on. */
  originalMessageId: string;
  /** OrgnlMsgNmId, e.g. pain.008.001.02. */
  originalMessageNameId: string;
  /** GrpSts; RJCT here rejects every transaction of the original message. */
  groupStatus: string | null;
  groupReasonCodes: string[];
  paymentInformation: PaymentInformationStatus[];
  transactions: TransactionStatus[];
}

export async function readPain002File(
  path: string,
  options: Partial<Pain002ParseOptions> = {},
): Promise<PaymentStatusReport> {
  const content = await readFile(path);
  return parsePain002(content, { ...options, file: options.file ?? basename(path) });
}

/**
 * Parses a pain.002 payment status report. Like a camt file, a report that
 * is malformed or lacks a required element raises BankFileError with the
 * element path, and nothing from it is returned.
 */
export function parsePain002(
  content: string | Uint8Array,
  options: Pain002ParseOptions,
): PaymentStatusReport {
  const context: FileContext = { file: options.file, source: options.source ?? "bank" };
  const { message, root } = parseIsoDocument(content, context);
  if (!SUPPORTED_MESSAGE.test(message)) {
    throw fileError(
      context,
      "message_not_supported",
      "Document",
      `is a ${message} message; only pain.002 versions 001.03 to 001.10 are read here`,
    );
  }
  const body = root.required("CstmrPmtStsRpt");
  const header = body.required("GrpHdr");
  const group = body.required("OrgnlGrpInfAndSts");
  const groupStatus = readStatus(group.child("GrpSts"));
  const report: PaymentStatusReport = {
    message,
    messageId: header.requiredText("MsgId"),
    creationDateTime: header.requiredText("CreDtTm"),
    file: options.file,
    originalMessageId: group.requiredText("OrgnlMsgId"),
    originalMessageNameId: group.requiredText("OrgnlMsgNmId"),
    groupStatus,
    groupReasonCodes: readReasonCodes(group),
    paymentInformation: [],
    transactions: [],
  };
  for (const block of body.children("OrgnlPmtInfAndSts")) {
    const information: PaymentInformationStatus = {
      originalPaymentInformationId: block.requiredText("OrgnlPmtInfId"),
      status: readStatus(block.child("PmtInfSts")),
      reasonCodes: readReasonCodes(block),
    };
    report.paymentInformation.push(information);
    const inherited: Inherited = information.status
      ? { status: information.status, reasonCodes: information.reasonCodes }
      : { status: groupStatus, reasonCodes: report.groupReasonCodes };
    for (const transaction of block.children("TxInfAndSts")) {
      report.transactions.push(readTransaction(transaction, information, inherited));
    }
  }
  return report;
}

/** Status and reasons of the enclosing block, for a transaction without its own TxSts. */
interface Inherited {
  status: string | null;
  reasonCodes: string[];
}

function readTransaction(
  element: XmlElement,
  information: PaymentInformationStatus,
  inherited: Inherited,
): TransactionStatus {
  const ownStatus = readStatus(element.child("TxSts"));
  const status = ownStatus ?? inherited.status;
  if (status === null) element.requiredText("TxSts");
  const reasonCodes = ownStatus ? readReasonCodes(element) : inherited.reasonCodes;
  const reference = element.child("OrgnlTxRef");
  const amountElement = reference?.find("Amt/InstdAmt");
  const amount = amountElement ? readAmount(amountElement) : null;
  const dateElement = reference?.child("ReqdColltnDt");
  const date = dateElement?.text() ?? null;
  if (dateElement && (date === null || !isIsoDate(date))) {
    throw dateElement.error("invalid_date", `has ${JSON.stringify(date ?? "")}, which is not a YYYY-MM-DD date`);
  }
  return {
    path: element.path,
    originalPaymentInformationId: information.originalPaymentInformationId,
    originalInstructionId: element.text("OrgnlInstrId"),
    originalEndToEndId: element.text("OrgnlEndToEndId"),
    status: status as string,
    reasonCode: reasonCodes[0] ?? null,
    reasonCodes,
    amountMinor: amount?.minor ?? null,
    currency: amount?.currency ?? null,
    mandateId: reference?.text("MndtRltdInf/MndtId") ?? null,
    requestedCollectionDate: date,
  };
}

function readStatus(element: XmlElement | undefined): string | null {
  if (!element) return null;
  const code = element.text();
  if (code === null || !STATUS_CODE.test(code)) {
    throw element.error(
      "invalid_status_code",
      `has ${JSON.stringify(code ?? "")}, which is not an ISO 20022 status code such as ACCP or RJCT`,
    );
  }
  return code;
}

function readReasonCodes(element: XmlElement): string[] {
  return element
    .children("StsRsnInf")
    .map((information) => information.text("Rsn/Cd") ?? information.text("Rsn/Prtry"))
    .filter((code): code is string => code !== null);
}
