// Bank statements (camt.053) and debit/credit notifications (camt.054),
// versions 001.02 through 001.08, read into one typed entry per booking or,
// for a batch booking with per-transaction amounts, one per transaction.

import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { dateInTimeZone, isIsoDate, isValidTimeZone, type IsoDate } from "../../src/dates.ts";
import { formatMinor, currencyExponent } from "../../src/money.ts";
import {
  fileError,
  parseIsoDocument,
  readAmount,
  type ElementAmount,
  type FileContext,
  type XmlElement,
} from "./xml.ts";

export type CamtMessageType = "camt.053" | "camt.054";
export type CreditDebit = "credit" | "debit";
/** BOOK is booked; PDNG and FUTR are pending; INFO is information only. */
export type EntryStatus = "booked" | "pending" | "information";

const SUPPORTED_MESSAGE = /^(camt\.053|camt\.054)\.001\.0[2-8]$/;

/** Container elements of the two message types. */
const LAYOUT: Record<CamtMessageType, { message: string; report: string }> = {
  "camt.053": { message: "BkToCstmrStmt", report: "Stmt" },
  "camt.054": { message: "BkToCstmrDbtCdtNtfctn", report: "Ntfctn" },
};

export interface CamtParseOptions {
  /** File name for messages and for BankEntry.file. */
  file: string;
  /** Business time zone (IANA); a booking DtTm is reduced to its date there. */
  timeZone: string;
  /** Source name for errors; "bank" when not given. */
  source?: string;
}

/** One booking, or one transaction of a batch booking, on the operator's account. */
export interface BankEntry {
  messageType: CamtMessageType;
  /** Message identifier with version, e.g. camt.053.001.08. */
  message: string;
  /** GrpHdr/MsgId of the file. */
  messageId: string;
  file: string;
  /** Stmt/Id (camt.053) or Ntfctn/Id (camt.054). */
  statementId: string;
  /** Acct/Id/IBAN, or null when the bank identifies the account otherwise. */
  accountIban: string | null;
  /** Acct/Id/IBAN or Acct/Id/Othr/Id. */
  accountId: string;
  /** Acct/Ccy, which the bank may leave out. */
  accountCurrency: string | null;
  /** Element path of the Ntry, or of the TxDtls for a split batch. */
  path: string;
  /** Ntry/AcctSvcrRef, or a derived key when the bank gives none (see bankEntryKey). */
  entryReference: string;
  /** The bank reference of this entry: entryReference, plus the transaction for a split batch. */
  bankReference: string;
  /** 1-based position of the transaction in a split batch; 0 when the Ntry is not split. */
  transactionIndex: number;
  /** Number of TxDtls in the Ntry. */
  transactionCount: number;
  endToEndId: string | null;
  instructionId: string | null;
  mandateId: string | null;
  creditDebit: CreditDebit;
  status: EntryStatus;
  bookingDate: IsoDate | null;
  valueDate: IsoDate | null;
  /** Positive minor units of currency; creditDebit gives the direction. */
  amountMinor: number;
  currency: string;
  /** RmtInf/Ustrd lines, in file order. */
  remittanceLines: string[];
  /** RmtInf/Strd/CdtrRefInf/Ref values, in file order. */
  creditorReferences: string[];
  /** Personal data: keep it out of logs and rejects. */
  debtorName: string | null;
  debtorIban: string | null;
  /** RtrInf/Rsn/Cd (or Prtry) of a returned direct debit, e.g. AM04. */
  returnReasonCode: string | null;
  /** RvslInd: the entry reverses an earlier one. */
  reversal: boolean;
  /** BkTxCd as Domain/Family/SubFamily (PMNT/IDDT/UPDD), or the proprietary code. */
  bankTransactionCode: string | null;
}

export interface CamtStatement {
  id: string;
  accountIban: string | null;
  accountId: string;
  accountCurrency: string | null;
  entryCount: number;
}

export interface CamtFile {
  messageType: CamtMessageType;
  message: string;
  messageId: string;
  /** GrpHdr/CreDtTm as written by the bank. */
  creationDateTime: string;
  file: string;
  statements: CamtStatement[];
  entries: BankEntry[];
}

/** Reads and parses a camt.053 or camt.054 file from disk. */
export async function readCamtFile(
  path: string,
  options: Omit<CamtParseOptions, "file"> & { file?: string },
): Promise<CamtFile> {
  const content = await readFile(path);
  return parseCamt(content, { ...options, file: options.file ?? basename(path) });
}

/**
 * Parses a camt.053 or camt.054 message. Any problem raises BankFileError
 * with the file and the element path: XML that is not well-formed, another
 * message type or version, a missing required element, or an invalid
 * amount, date or code. Nothing from such a file is returned.
 */
export function parseCamt(content: string | Uint8Array, options: CamtParseOptions): CamtFile {
  const context: FileContext = { file: options.file, source: options.source ?? "bank" };
  if (!isValidTimeZone(options.timeZone)) {
    throw new RangeError(`time zone ${JSON.stringify(options.timeZone)} is not a valid IANA time zone`);
  }

  const { message, root } = parseIsoDocument(content, context);
  if (!SUPPORTED_MESSAGE.test(message)) {
    throw fileError(
      context,
      "message_not_supported",
      "Document",
      `is a ${message} message; only camt.053 and camt.054 versions 001.02 to 001.08 are read here`,
    );
  }

  const messageType = message.slice(0, 8) as CamtMessageType;
  const layout = LAYOUT[messageType];
  const body = root.required(layout.message);
  const header = body.required("GrpHdr");
  const file: CamtFile = {
    messageType,
    message,
    messageId: header.requiredText("MsgId"),
    creationDateTime: header.requiredText("CreDtTm"),
    file: options.file,
    statements: [],
    entries: [],
  };

  const reports = body.children(layout.report);
  if (reports.length === 0) body.required(layout.report);
  for (const report of reports) {
    const statement = readStatement(report);
    const entries = report
      .children("Ntry")
      .flatMap((ntry) => readEntry(ntry, file, statement, options.timeZone));
    statement.entryCount = entries.length;
    file.statements.push(statement);
    file.entries.push(...entries);
  }
  return file;
}

function readStatement(report: XmlElement): CamtStatement {
  const account = report.required("Acct");
  const accountIban = account.text("Id/IBAN");
  const accountId = accountIban ?? account.text("Id/Othr/Id");
  if (accountId === null) account.requiredText("Id/IBAN");
  return {
    id: report.requiredText("Id"),
    accountIban,
    accountId: accountId as string,
    accountCurrency: account.text("Ccy"),
    entryCount: 0,
  };
}

/** Fields of one TxDtls. */
interface TransactionDetails {
  path: string;
  endToEndId: string | null;
  instructionId: string | null;
  mandateId: string | null;
  bankReference: string | null;
  amount: ElementAmount | null;
  creditDebit: CreditDebit | null;
  remittanceLines: string[];
  creditorReferences: string[];
  debtorName: string | null;
  debtorIban: string | null;
  returnReasonCode: string | null;
  bankTransactionCode: string | null;
}

function readEntry(
  ntry: XmlElement,
  file: CamtFile,
  statement: CamtStatement,
  timeZone: string,
): BankEntry[] {
  const amount = readAmount(ntry.required("Amt"));
  const creditDebit = readCreditDebit(ntry.required("CdtDbtInd"));
  const bookingDate = readDateChoice(ntry.child("BookgDt"), timeZone);
  const valueDate = readDateChoice(ntry.child("ValDt"), timeZone);
  const entryReference =
    ntry.text("AcctSvcrRef") ?? derivedReference(bookingDate, valueDate, creditDebit, amount);
  const transactions = ntry
    .children("NtryDtls")
    .flatMap((details) => details.children("TxDtls"))
    .map(readTransaction);
  const base = {
    messageType: file.messageType,
    message: file.message,
    messageId: file.messageId,
    file: file.file,
    statementId: statement.id,
    accountIban: statement.accountIban,
    accountId: statement.accountId,
    accountCurrency: statement.accountCurrency,
    entryReference,
    transactionCount: transactions.length,
    status: readStatus(ntry.required("Sts")),
    bookingDate,
    valueDate,
    reversal: readBoolean(ntry.child("RvslInd")),
  };
  const entryCode = readBankTransactionCode(ntry.child("BkTxCd"));

  // A batch booking is split when the bank gives every transaction its own
  // amount. Without those amounts the Ntry stays one entry for its total.
  const split = transactions.length > 1 && transactions.every((tx) => tx.amount !== null);
  if (split) {
    return transactions.map((tx, index) => ({
      ...base,
      ...transactionFields(tx),
      path: tx.path,
      bankReference: `${entryReference}/${tx.bankReference ?? `#${index + 1}`}`,
      transactionIndex: index + 1,
      creditDebit: tx.creditDebit ?? creditDebit,
      amountMinor: tx.amount!.minor,
      currency: tx.amount!.currency,
      bankTransactionCode: tx.bankTransactionCode ?? entryCode,
    }));
  }
  const details = mergeTransactions(transactions);
  return [
    {
      ...base,
      ...transactionFields(details),
      path: ntry.path,
      bankReference: entryReference,
      transactionIndex: 0,
      creditDebit,
      amountMinor: amount.minor,
      currency: amount.currency,
      bankTransactionCode: entryCode ?? details.bankTransactionCode,
    },
  ];
}

function transactionFields(tx: TransactionDetails) {
  return {
    endToEndId: tx.endToEndId,
    instructionId: tx.instructionId,
    mandateId: tx.mandateId,
    remittanceLines: tx.remittanceLines,
    creditorReferences: tx.creditorReferences,
    debtorName: tx.debtorName,
    debtorIban: tx.debtorIban,
    returnReasonCode: tx.returnReasonCode,
  };
}

/**
 * Key of an entry whose bank gives no AcctSvcrRef: dates, direction and
 * amount, all fields of the Ntry itself so that a statement and a
 * notification of the same booking derive the same key.
 */
function derivedReference(
  bookingDate: IsoDate | null,
  valueDate: IsoDate | null,
  creditDebit: CreditDebit,
  amount: ElementAmount,
): string {
  const decimal = formatMinor(amount.minor, currencyExponent(amount.currency));
  const direction = creditDebit === "credit" ? "CRDT" : "DBIT";
  return `derived:${bookingDate ?? ""}:${valueDate ?? ""}:${direction}:${amount.currency}:${decimal}`;
}

/** Values that mean "no reference given" in SEPA files. */
const NOT_PROVIDED = new Set(["NOTPROVIDED", "NOT PROVIDED"]);

function reference(element: XmlElement | undefined, name: string): string | null {
  const value = element?.text(name) ?? null;
  return value !== null && NOT_PROVIDED.has(value.toUpperCase()) ? null : value;
}

function readTransaction(tx: XmlElement): TransactionDetails {
  const refs = tx.child("Refs");
  const amountElement = tx.child("Amt") ?? tx.find("AmtDtls/TxAmt/Amt");
  const creditDebitElement = tx.child("CdtDbtInd");
  const remittance = tx.child("RmtInf");
  const parties = tx.child("RltdPties");
  const returnReason = tx.find("RtrInf/Rsn");
  return {
    path: tx.path,
    endToEndId: reference(refs, "EndToEndId"),
    instructionId: reference(refs, "InstrId"),
    mandateId: reference(refs, "MndtId"),
    bankReference: reference(refs, "AcctSvcrRef"),
    amount: amountElement ? readAmount(amountElement) : null,
    creditDebit: creditDebitElement ? readCreditDebit(creditDebitElement) : null,
    remittanceLines: (remittance?.children("Ustrd") ?? [])
      .map((line) => line.text())
      .filter((line): line is string => line !== null),
    creditorReferences: (remittance?.children("Strd") ?? [])
      .map((structured) => structured.text("CdtrRefInf/Ref"))
      .filter((ref): ref is string => ref !== null),
    // From version 001.08 on, a party sits inside a Pty element.
    debtorName: parties?.text("Dbtr/Nm") ?? parties?.text("Dbtr/Pty/Nm") ?? null,
    debtorIban: parties?.text("DbtrAcct/Id/IBAN") ?? null,
    returnReasonCode: returnReason?.text("Cd") ?? returnReason?.text("Prtry") ?? null,
    bankTransactionCode: readBankTransactionCode(tx.child("BkTxCd")),
  };
}

/**
 * Folds the TxDtls of an entry that stays whole into one description: the
 * remittance lines and references of all of them, and an id or party only
 * where all transactions agree on it.
 */
function mergeTransactions(transactions: TransactionDetails[]): TransactionDetails {
  const agreed = <K extends keyof TransactionDetails>(key: K): TransactionDetails[K] | null => {
    const values = new Set(transactions.map((tx) => tx[key]));
    return values.size === 1 ? transactions[0][key] : null;
  };
  return {
    path: "",
    endToEndId: agreed("endToEndId"),
    instructionId: agreed("instructionId"),
    mandateId: agreed("mandateId"),
    bankReference: agreed("bankReference"),
    amount: null,
    creditDebit: null,
    remittanceLines: transactions.flatMap((tx) => tx.remittanceLines),
    creditorReferences: transactions.flatMap((tx) => tx.creditorReferences),
    debtorName: agreed("debtorName"),
    debtorIban: agreed("debtorIban"),
    returnReasonCode: agreed("returnReasonCode"),
    bankTransactionCode: agreed("bankTransactionCode"),
  };
}

function readCreditDebit(element: XmlElement): CreditDebit {
  const code = element.text();
  if (code === "CRDT") return "credit";
  if (code === "DBIT") return "debit";
  throw element.error(
    "invalid_credit_debit_indicator",
    `has ${JSON.stringify(code ?? "")} where CRDT or DBIT is expected`,
  );
}

const STATUS_CODES: Record<string, EntryStatus> = {
  BOOK: "booked",
  PDNG: "pending",
  // FUTR is on the books with a value date still to come; the money is not
  // there yet, so it waits like a pending entry.
  FUTR: "pending",
  INFO: "information",
};

/** Reads Sts, a code up to version 001.06 and a Cd or Prtry choice after. */
function readStatus(element: XmlElement): EntryStatus {
  const code = element.child("Cd") || element.child("Prtry")
    ? (element.text("Cd") ?? element.text("Prtry"))
    : element.text();
  const status = code === null ? undefined : STATUS_CODES[code];
  if (!status) {
    throw element.error(
      "unknown_entry_status",
      `has status ${JSON.stringify(code ?? "")}; expected BOOK, PDNG, FUTR or INFO`,
    );
  }
  return status;
}

function readBoolean(element: XmlElement | undefined): boolean {
  if (!element) return false;
  const value = element.text();
  if (value === "true" || value === "1") return true;
  if (value === "false" || value === "0") return false;
  throw element.error("invalid_indicator", `has ${JSON.stringify(value ?? "")} where true or false is expected`);
}

/** Reads a Dt or DtTm choice; a DtTm becomes its date in the business time zone. */
function readDateChoice(element: XmlElement | undefined, timeZone: string): IsoDate | null {
  if (!element) return null;
  const date = element.child("Dt");
  if (date) {
    const text = date.text();
    if (text === null || !isIsoDate(text)) {
      throw date.error("invalid_date", `has ${JSON.stringify(text ?? "")}, which is not a YYYY-MM-DD date`);
    }
    return text;
  }
  const dateTime = element.required("DtTm");
  const text = dateTime.text() ?? "";
  const reduced = dateInTimeZone(text, timeZone);
  if (reduced === undefined) {
    throw dateTime.error("invalid_date_time", `has ${JSON.stringify(text)}, which is not an ISO 8601 date-time`);
  }
  return reduced;
}

function readBankTransactionCode(element: XmlElement | undefined): string | null {
  if (!element) return null;
  const domain = element.text("Domn/Cd");
  if (domain !== null) {
    const family = element.text("Domn/Fmly/Cd") ?? "";
    const subFamily = element.text("Domn/Fmly/SubFmlyCd") ?? "";
    return [domain, family, subFamily].join("/");
  }
  return element.text("Prtry/Cd");
}
