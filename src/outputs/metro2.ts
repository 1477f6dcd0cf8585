// The Metro 2 credit-bureau file of the Consumer Data Industry Association,
// in the fixed-length character form. Every record is 426 ASCII bytes and
// starts with the record descriptor word "0426". No block descriptor word
// is written, so each record is its own block. The file is a header record,
// one base segment per account (no J1, J2, K or N segments) and a trailer
// record of totals.
//
// Field positions follow the character-format tables of the open-source
// moov-io/metro2 library (pkg/lib/specifications.go), which transcribes the
// CDIA Credit Reporting Resource Guide. The header positions agree with the
// Collect! help page "Metro 2 Format - Header Record".
//
// Metro 2 amounts are whole US dollars. Cents are truncated toward zero, as
// the moov-io/metro2 documentation of the reporting standard states, so
// 1234.99 is reported as 1234. A credit balance is reported as zero.

import { addDays, isIsoDate, type IsoDate } from "../dates.ts";
import { invariant, RequestError } from "../errors.ts";

/** Length in bytes of the header record, a base segment and the trailer record. */
export const RECORD_LENGTH = 426;

/** C line of credit, I installment, M mortgage, O open, R revolving. */
export type PortfolioType = "C" | "I" | "M" | "O" | "R";

/** The furnisher and the reporting period, written once at the top of the file. */
export interface Metro2Header {
  /** Program identifier that the bureau assigned to the furnisher, blank if not reported to. */
  innovisProgramId?: string;
  equifaxProgramId?: string;
  experianProgramId?: string;
  transUnionProgramId?: string;
  /** Date of the most recent account information in the file. */
  activityDate: IsoDate;
  /** The business date of the run, so that a re-render writes the same bytes. */
  dateCreated: IsoDate;
  programDate?: IsoDate;
  programRevisionDate?: IsoDate;
  reporterName: string;
  reporterAddress: string;
  /** Ten digits, area code first. */
  reporterTelephone?: string;
  softwareVendorName?: string;
  softwareVersion?: string;
}

/** The primary consumer of an account. */
export interface Metro2Consumer {
  surname: string;
  firstName: string;
  middleName?: string;
  /** J junior, S senior, 2 to 9 for II to IX. */
  generationCode?: string;
  /** Bureaus match on the date of birth when no Social Security number is reported. */
  birthDate?: IsoDate;
  /** ECOA code of the consumer's liability, 1 (individual) by default. */
  ecoaCode?: string;
}

export interface Metro2Address {
  line1: string;
  line2?: string;
  city: string;
  /** US Postal Service state abbreviation. */
  state: string;
  /** Five or nine digits, with an optional hyphen after the fifth. */
  postalCode: string;
  /** Two-letter country code, blank when absent. */
  countryCode?: string;
}

/** One account as the bureau file reports it, with amounts in US cents. */
export interface Metro2Account {
  /** The furnisher's identification number at the bureau: 5 to 20 letters and digits. */
  identificationNumber: string;
  /** Up to 30 letters and digits, stable from month to month. */
  accountNumber: string;
  portfolioType: PortfolioType;
  /** Two-character account type code, such as 4D for telecommunication accounts. */
  accountType: string;
  dateOpened: IsoDate;
  /** Only USD can be reported. */
  currency: string;
  creditLimitMinor?: number;
  highestCreditMinor?: number;
  /** Number of months, REV (revolving), LOC (line of credit), or 001 for open accounts. */
  termsDuration: string;
  /** M monthly, W weekly, and the other Metro 2 frequency codes. */
  termsFrequency?: string;
  scheduledPaymentMinor?: number;
  actualPaymentMinor?: number;
  /** Account status code from metro2Status(). */
  accountStatus: string;
  /** Required with status 05, 13, 65, 88, 89, 94 and 95, blank otherwise. */
  paymentRating?: string;
  /** Up to 24 monthly codes, most recent first, padded with B (no history). */
  paymentHistoryProfile: string;
  specialComment?: string;
  complianceConditionCode?: string;
  currentBalanceMinor: number;
  /** Amount 30 days or more past due, zero for status 11. */
  amountPastDueMinor: number;
  /** Required with status 64 and 97. */
  originalChargeOffMinor?: number;
  dateAccountInformation: IsoDate;
  /** Date of first delinquency, required with delinquent statuses (see firstDelinquencyDate()). */
  dateFirstDelinquency?: IsoDate;
  dateClosed?: IsoDate;
  dateLastPayment?: IsoDate;
  consumer: Metro2Consumer;
  address: Metro2Address;
}

/** An account left out of the file. The message never contains personal data. */
export interface Metro2Reject {
  accountNumber: string;
  field: string;
  code: string;
  message: string;
}

/** The counts that the trailer record reports. */
export interface Metro2Totals {
  baseRecords: number;
  /** Base segments per account status code. */
  statusCounts: Record<string, number>;
  ecoaCodeZ: number;
  datesOfBirth: number;
}

// ---------------------------------------------------------------------------
// Dunning picture to account status

/** The dunning state of an account on the date of account information. */
export interface DunningPicture {
  /**
   * Days past due of the oldest unpaid amount. For a paid account, the value
   * just before the final payment.
   */
  daysPastDue: number;
  chargedOff: boolean;
  /** The balance was paid in full. */
  paid: boolean;
}

export interface Metro2Status {
  accountStatus: string;
  /** Empty when the status takes no payment rating. */
  paymentRating: string;
}

/** Returns the payment rating (and payment history code) for a number of days past due. */
export function paymentRatingForDays(daysPastDue: number): string {
  if (daysPastDue < 30) return "0";
  if (daysPastDue >= 180) return "6";
  // 30-59 is 1, 60-89 is 2, ... 150-179 is 5.
  return String(Math.floor(daysPastDue / 30));
}

/**
 * Maps a dunning picture to the account status code. Under 30 days past due
 * is 11 (current). From 30, 60, 90, 120, 150 and 180 days the codes are 71,
 * 78, 80, 82, 83 and 84. Charged off is 97, paid is 13, and paid after a
 * charge-off is 64. Only status 13 carries a payment rating, which rates the
 * delinquency just before the payment.
 */
export function metro2Status(picture: DunningPicture): Metro2Status {
  if (picture.paid && picture.chargedOff) return { accountStatus: "64", paymentRating: "" };
  if (picture.paid) {
    return { accountStatus: "13", paymentRating: paymentRatingForDays(picture.daysPastDue) };
  }
  if (picture.chargedOff) return { accountStatus: "97", paymentRating: "" };
  const statusByRating = ["11", "71", "78", "80", "82", "83", "84"];
  const rating = Number(paymentRatingForDays(picture.daysPastDue));
  return { accountStatus: statusByRating[rating], paymentRating: "" };
}

/** Returns the date of first delinquency: 30 days after the oldest unpaid due date. */
export function firstDelinquencyDate(oldestDueDate: IsoDate): IsoDate {
  return addDays(oldestDueDate, 30);
}

// ---------------------------------------------------------------------------
// Record layouts

/**
 * A: alphanumeric, left-justified and blank-filled. N: numeric,
 * right-justified and zero-filled. D: date as MMDDYYYY, zero-filled when absent.
 */
type FieldKind = "A" | "N" | "D";

interface FieldSpec {
  name: string;
  /** 1-based position of the first byte, as the Metro 2 tables number them. */
  start: number;
  length: number;
  kind: FieldKind;
}

function field(name: string, start: number, length: number, kind: FieldKind): FieldSpec {
  return { name, start, length, kind };
}

const HEADER_FIELDS: FieldSpec[] = [
  field("recordDescriptorWord", 1, 4, "N"),
  field("recordIdentifier", 5, 6, "A"),
  field("cycleIdentifier", 11, 2, "A"),
  field("innovisProgramId", 13, 10, "A"),
  field("equifaxProgramId", 23, 10, "A"),
  field("experianProgramId", 33, 5, "A"),
  field("transUnionProgramId", 38, 10, "A"),
  field("activityDate", 48, 8, "D"),
  field("dateCreated", 56, 8, "D"),
  field("programDate", 64, 8, "D"),
  field("programRevisionDate", 72, 8, "D"),
  field("reporterName", 80, 40, "A"),
  field("reporterAddress", 120, 96, "A"),
  field("reporterTelephone", 216, 10, "N"),
  field("softwareVendorName", 226, 40, "A"),
  field("softwareVersion", 266, 5, "A"),
  field("prbcProgramId", 271, 10, "A"),
  field("reserved", 281, 146, "A"),
];

const BASE_FIELDS: FieldSpec[] = [
  field("recordDescriptorWord", 1, 4, "N"),
  field("processingIndicator", 5, 1, "N"),
  field("timeStamp", 6, 14, "A"),
  field("correctionIndicator", 20, 1, "N"),
  field("identificationNumber", 21, 20, "A"),
  field("cycleIdentifier", 41, 2, "A"),
  field("accountNumber", 43, 30, "A"),
  field("portfolioType", 73, 1, "A"),
  field("accountType", 74, 2, "A"),
  field("dateOpened", 76, 8, "D"),
  field("creditLimit", 84, 9, "N"),
  field("highestCredit", 93, 9, "N"),
  field("termsDuration", 102, 3, "A"),
  field("termsFrequency", 105, 1, "A"),
  field("scheduledPayment", 106, 9, "N"),
  field("actualPayment", 115, 9, "N"),
  field("accountStatus", 124, 2, "A"),
  field("paymentRating", 126, 1, "A"),
  field("paymentHistoryProfile", 127, 24, "A"),
  field("specialComment", 151, 2, "A"),
  field("complianceConditionCode", 153, 2, "A"),
  field("currentBalance", 155, 9, "N"),
  field("amountPastDue", 164, 9, "N"),
  field("originalChargeOff", 173, 9, "N"),
  field("dateAccountInformation", 182, 8, "D"),
  field("dateFirstDelinquency", 190, 8, "D"),
  field("dateClosed", 198, 8, "D"),
  field("dateLastPayment", 206, 8, "D"),
  field("interestTypeIndicator", 214, 1, "A"),
  field("reserved", 215, 17, "A"),
  field("surname", 232, 25, "A"),
  field("firstName", 257, 20, "A"),
  field("middleName", 277, 20, "A"),
  field("generationCode", 297, 1, "A"),
  field("socialSecurityNumber", 298, 9, "N"),
  field("dateOfBirth", 307, 8, "D"),
  field("telephoneNumber", 315, 10, "N"),
  field("ecoaCode", 325, 1, "A"),
  field("consumerInformationIndicator", 326, 2, "A"),
  field("countryCode", 328, 2, "A"),
  field("addressLine1", 330, 32, "A"),
  field("addressLine2", 362, 32, "A"),
  field("city", 394, 20, "A"),
  field("state", 414, 2, "A"),
  field("postalCode", 416, 9, "A"),
  field("addressIndicator", 425, 1, "A"),
  field("residenceCode", 426, 1, "A"),
];

/** Account status codes whose totals the trailer reports, 9 digits each from position 75. */
const TRAILER_STATUS_CODES = [
  "05", "11", "13", "61", "62", "63", "64", "65", "71", "78", "80",
  "82", "83", "84", "88", "89", "93", "94", "95", "96", "97",
];

const TRAILER_FIELDS: FieldSpec[] = [
  field("recordDescriptorWord", 1, 4, "N"),
  field("recordIdentifier", 5, 7, "A"),
  field("totalBaseRecords", 12, 9, "N"),
  field("reserved1", 21, 9, "A"),
  field("status:DF", 30, 9, "N"),
  field("totalJ1Segments", 39, 9, "N"),
  field("totalJ2Segments", 48, 9, "N"),
  field("blockCount", 57, 9, "N"),
  field("status:DA", 66, 9, "N"),
  ...TRAILER_STATUS_CODES.map((code, index) => field(`status:${code}`, 75 + 9 * index, 9, "N")),
  field("totalEcoaCodeZ", 264, 9, "N"),
  field("totalEmploymentSegments", 273, 9, "N"),
  field("totalOriginalCreditorSegments", 282, 9, "N"),
  field("totalPurchasedSoldSegments", 291, 9, "N"),
  field("totalMortgageSegments", 300, 9, "N"),
  field("totalPaymentInformationSegments", 309, 9, "N"),
  field("totalChangeSegments", 318, 9, "N"),
  field("totalSocialNumbersAll", 327, 9, "N"),
  field("totalSocialNumbersBase", 336, 9, "N"),
  field("totalSocialNumbersJ1", 345, 9, "N"),
  field("totalSocialNumbersJ2", 354, 9, "N"),
  field("totalDatesOfBirthAll", 363, 9, "N"),
  field("totalDatesOfBirthBase", 372, 9, "N"),
  field("totalDatesOfBirthJ1", 381, 9, "N"),
  field("totalDatesOfBirthJ2", 390, 9, "N"),
  field("totalTelephoneNumbersAll", 399, 9, "N"),
  field("reserved2", 408, 19, "A"),
];

// A layout that leaves a gap or overlaps would shift every later field.
for (const layout of [HEADER_FIELDS, BASE_FIELDS, TRAILER_FIELDS]) {
  let next = 1;
  for (const spec of layout) {
    const message = `Metro 2 field ${spec.name} starts at ${spec.start}, expected ${next}`;
    invariant(spec.start === next, message);
    next += spec.length;
  }
  const message = `Metro 2 layout ends at ${next - 1}, expected ${RECORD_LENGTH}`;
  invariant(next === RECORD_LENGTH + 1, message);
}

type FieldValues = Record<string, string | number | undefined>;

/** Formats one record from values that are already validated, ASCII and uppercase. */
function formatRecord(layout: FieldSpec[], values: FieldValues): string {
  let record = "";
  for (const spec of layout) {
    const value = values[spec.name];
    record += formatField(spec, value);
  }
  invariant(record.length === RECORD_LENGTH, `Metro 2 record has ${record.length} bytes`);
  return record;
}

function formatField(spec: FieldSpec, value: string | number | undefined): string {
  if (spec.kind === "N") {
    const digits = value === undefined || value === "" ? "0" : String(value);
    invariant(/^\d+$/.test(digits), `Metro 2 field ${spec.name} is not numeric`);
    invariant(digits.length <= spec.length, `Metro 2 field ${spec.name} overflows`);
    return digits.padStart(spec.length, "0");
  }
  if (spec.kind === "D") {
    if (value === undefined || value === "") return "0".repeat(spec.length);
    return formatDate(String(value));
  }
  return String(value ?? "").slice(0, spec.length).padEnd(spec.length, " ");
}

/** Formats an ISO date as MMDDYYYY. */
function formatDate(iso: IsoDate): string {
  return iso.slice(5, 7) + iso.slice(8, 10) + iso.slice(0, 4);
}

// ---------------------------------------------------------------------------
// Text and amounts

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/**
 * Uppercases and removes accents (É to E, ß to SS). Returns undefined when
 * other non-ASCII characters remain.
 */
function asciiUpper(text: string): string | undefined {
  const plain = text.normalize("NFKD").replace(/\p{M}/gu, "").toUpperCase().trim();
  return PRINTABLE_ASCII.test(plain) ? plain.replace(/\s+/g, " ") : undefined;
}

/** Metro 2 names keep letters, digits, blanks and hyphens only. */
function nameText(text: string): string | undefined {
  const upper = asciiUpper(text);
  return upper?.replace(/[^A-Z0-9 -]/g, "").replace(/ +/g, " ").trim();
}

/** Largest amount a 9-digit field can hold, in whole dollars. */
const MAX_DOLLARS = 999_999_999;

/** Truncates US cents to whole dollars, toward zero, in exact integer arithmetic. */
export function wholeDollars(minor: number): number {
  return (minor - (minor % 100)) / 100;
}

// ---------------------------------------------------------------------------
// Validation of one account

const STATUS_CODES = new Set([...TRAILER_STATUS_CODES, "DA", "DF"]);
const RATING_REQUIRED = new Set(["05", "13", "65", "88", "89", "94", "95"]);
const FIRST_DELINQUENCY_REQUIRED = new Set([
  "61", "62", "63", "64", "65", "71", "78", "80", "82", "83", "84",
  "88", "89", "93", "94", "95", "96", "97",
]);
const CHARGE_OFF_AMOUNT_REQUIRED = new Set(["64", "97"]);
/** Codes 0 to 6 and D, E, G, H, J, K, L, then B for the months without history. */
const HISTORY_PROFILE = /^[0-6DEGHJKL]*B*$/;

/** Collects the problems of one account while its fields are converted. */
class AccountCheck {
  readonly rejects: Metro2Reject[] = [];

  constructor(private readonly accountNumber: string) {}

  problem(field: string, code: string, message: string): void {
    this.rejects.push({ accountNumber: this.accountNumber, field, code, message });
  }

  missing(field: string, expected: string): void {
    this.problem(field, "required_value_missing", `${field} is required; report ${expected}.`);
  }

  /** Returns uppercase ASCII text, or "" after recording a problem. */
  text(field: string, value: string | undefined, required: boolean, isName = false): string {
    const trimmed = (value ?? "").trim();
    if (!trimmed) {
      if (required) this.missing(field, "it in the account data");
      return "";
    }
    const text = isName ? nameText(trimmed) : asciiUpper(trimmed);
    if (text === undefined) {
      this.problem(
        field,
        "unsupported_character",
        `${field} contains characters other than Latin letters, digits and ` +
          `punctuation; store a transliterated form for bureau reporting.`,
      );
      return "";
    }
    if (!text && required) this.missing(field, "letters or digits, not only special characters");
    return text;
  }

  /** Returns the uppercase code when it matches the pattern, or "" after recording a problem. */
  code(
    field: string,
    value: string | undefined,
    pattern: RegExp,
    expected: string,
    required = false,
  ): string {
    const text = (value ?? "").trim().toUpperCase();
    if (!text) {
      if (required) this.missing(field, expected);
      return "";
    }
    if (pattern.test(text)) return text;
    this.problem(
      field,
      `invalid_${snakeCase(field)}`,
      `${field} ${JSON.stringify(text)} is invalid; report ${expected}.`,
    );
    return "";
  }

  /** Returns the date, or undefined when absent or after recording a problem. */
  date(field: string, value: IsoDate | undefined, required: boolean, isPersonal = false) {
    if (value === undefined || value === "") {
      if (required) this.missing(field, "a date as YYYY-MM-DD");
      return undefined;
    }
    if (isIsoDate(value)) return value;
    // A birth date is personal data and stays out of the message.
    const quoted = isPersonal ? "" : ` ${JSON.stringify(value)}`;
    this.problem(field, "invalid_date", `${field}${quoted} is not a date; report it as YYYY-MM-DD.`);
    return undefined;
  }

  /** Returns whole dollars, or undefined when absent or after recording a problem. */
  dollars(field: string, minor: number | undefined, allowCredit = false): number | undefined {
    if (minor === undefined) return undefined;
    if (!Number.isSafeInteger(minor)) {
      this.problem(
        field,
        "invalid_amount",
        `${field} ${minor} is not a whole number of cents; pass the amount in minor units.`,
      );
      return undefined;
    }
    if (minor < 0 && !allowCredit) {
      this.problem(
        field,
        "negative_amount",
        `${field} ${minor} is negative; Metro 2 amounts are zero or positive.`,
      );
      return undefined;
    }
    // A credit balance is reported as zero.
    const dollars = Math.max(wholeDollars(minor), 0);
    if (dollars > MAX_DOLLARS) {
      this.problem(
        field,
        "amount_too_large",
        `${field} of ${dollars} dollars does not fit the 9-digit Metro 2 field.`,
      );
      return undefined;
    }
    return dollars;
  }
}

/** Turns "address.postalCode" into "postal_code". */
function snakeCase(field: string): string {
  const last = field.slice(field.lastIndexOf(".") + 1);
  return last.replace(/[A-Z]/g, (letter) => "_" + letter.toLowerCase());
}

function accountFields(check: AccountCheck, account: Metro2Account): FieldValues {
  if (account.currency !== "USD") {
    check.problem(
      "currency",
      "currency_not_supported",
      `currency ${JSON.stringify(account.currency)} cannot be reported; ` +
        `Metro 2 amounts are US dollars.`,
    );
  }
  const termsDuration = check.code(
    "termsDuration",
    account.termsDuration,
    /^(\d{1,3}|REV|LOC)$/,
    "a number of months, REV or LOC",
    true,
  );
  return {
    identificationNumber: check.code(
      "identificationNumber",
      account.identificationNumber,
      /^(?!0+$)(?!9+$)[A-Z0-9]{5,20}$/,
      "the 5 to 20 letters and digits that the bureau assigned",
      true,
    ),
    accountNumber: check.code(
      "accountNumber",
      account.accountNumber,
      /^[A-Z0-9]{1,30}$/,
      "up to 30 letters and digits without blanks or special characters",
      true,
    ),
    portfolioType: check.code(
      "portfolioType",
      account.portfolioType,
      /^[CIMOR]$/,
      "C, I, M, O or R",
      true,
    ),
    accountType: check.code(
      "accountType",
      account.accountType,
      /^[0-9A-Z]{2}$/,
      "a two-character account type code such as 4D",
      true,
    ),
    dateOpened: check.date("dateOpened", account.dateOpened, true),
    termsDuration: /^\d+$/.test(termsDuration) ? termsDuration.padStart(3, "0") : termsDuration,
    termsFrequency: check.code(
      "termsFrequency",
      account.termsFrequency,
      /^[DPWBEMLQTSY]$/,
      "one of D, P, W, B, E, M, L, Q, T, S, Y",
    ),
    specialComment: check.code(
      "specialComment",
      account.specialComment,
      /^[A-Z0-9]{1,2}$/,
      "a special comment code of one or two characters",
    ),
    complianceConditionCode: check.code(
      "complianceConditionCode",
      account.complianceConditionCode,
      /^[A-Z0-9]{2}$/,
      "a two-character compliance condition code such as XB",
    ),
    dateAccountInformation: check.date(
      "dateAccountInformation",
      account.dateAccountInformation,
      true,
    ),
    dateClosed: check.date("dateClosed", account.dateClosed, false),
    dateLastPayment: check.date("dateLastPayment", account.dateLastPayment, false),
  };
}

function statusFields(check: AccountCheck, account: Metro2Account): FieldValues {
  const status = check.code(
    "accountStatus",
    account.accountStatus,
    /^[0-9A-Z]{2}$/,
    "a Metro 2 account status code",
    true,
  );
  if (status && !STATUS_CODES.has(status)) {
    check.problem(
      "accountStatus",
      "invalid_account_status",
      `accountStatus ${status} is not a Metro 2 account status code; ` +
        `map the dunning picture with metro2Status().`,
    );
  }
  const rating = check.code("paymentRating", account.paymentRating, /^[0-6GL]$/, "0 to 6, G or L");
  if (RATING_REQUIRED.has(status) && !rating) {
    check.problem(
      "paymentRating",
      "payment_rating_missing",
      `status ${status} requires a payment rating; report 0 to 6, G or L.`,
    );
  }
  if (status && !RATING_REQUIRED.has(status) && rating) {
    check.problem(
      "paymentRating",
      "payment_rating_not_allowed",
      `status ${status} takes no payment rating; leave it empty.`,
    );
  }

  const history = (account.paymentHistoryProfile ?? "").trim().toUpperCase();
  if (history.length > 24 || !HISTORY_PROFILE.test(history)) {
    check.problem(
      "paymentHistoryProfile",
      "invalid_payment_history_profile",
      `paymentHistoryProfile must hold up to 24 codes (0-6, D, E, G, H, J, K, L), ` +
        `most recent first, with B only at the end.`,
    );
  }

  const paidAfterDelinquency = (status === "05" || status === "13") && /^[1-6GL]$/.test(rating);
  const needsFirstDelinquency = FIRST_DELINQUENCY_REQUIRED.has(status) || paidAfterDelinquency;
  if (needsFirstDelinquency && !account.dateFirstDelinquency) {
    check.problem(
      "dateFirstDelinquency",
      "first_delinquency_date_missing",
      `status ${status}${rating ? ` with rating ${rating}` : ""} requires the date of ` +
        `first delinquency; report 30 days after the oldest unpaid due date.`,
    );
  }
  const firstDelinquency = check.date("dateFirstDelinquency", account.dateFirstDelinquency, false);
  return {
    accountStatus: status,
    paymentRating: rating,
    paymentHistoryProfile: history.padEnd(24, "B"),
    // Without a delinquency behind the status, the date is zero-filled, so a
    // cured account does not keep the date of its earlier delinquency.
    dateFirstDelinquency: needsFirstDelinquency ? firstDelinquency : undefined,
  };
}

function amountFields(check: AccountCheck, account: Metro2Account, status: string): FieldValues {
  const amountPastDue = check.dollars("amountPastDueMinor", account.amountPastDueMinor);
  if (status === "11" && (amountPastDue ?? 0) > 0) {
    check.problem(
      "amountPastDueMinor",
      "past_due_on_current_account",
      `status 11 (current) reports no amount past due, but ${amountPastDue} dollars ` +
        `were given; map the status from the days past due.`,
    );
  }
  if (CHARGE_OFF_AMOUNT_REQUIRED.has(status) && account.originalChargeOffMinor === undefined) {
    check.problem(
      "originalChargeOffMinor",
      "original_charge_off_missing",
      `status ${status} requires the original charge-off amount; report the amount written off.`,
    );
  }
  return {
    creditLimit: check.dollars("creditLimitMinor", account.creditLimitMinor),
    highestCredit: check.dollars("highestCreditMinor", account.highestCreditMinor),
    scheduledPayment: check.dollars("scheduledPaymentMinor", account.scheduledPaymentMinor),
    actualPayment: check.dollars("actualPaymentMinor", account.actualPaymentMinor),
    currentBalance: check.dollars("currentBalanceMinor", account.currentBalanceMinor, true),
    amountPastDue,
    originalChargeOff: check.dollars("originalChargeOffMinor", account.originalChargeOffMinor),
  };
}

function consumerFields(check: AccountCheck, account: Metro2Account): FieldValues {
  const consumer: Partial<Metro2Consumer> = account.consumer ?? {};
  const address: Partial<Metro2Address> = account.address ?? {};
  const postalCode = (address.postalCode ?? "").replace(/^(\d{5})-(\d{4})$/, "$1$2");
  return {
    surname: check.text("consumer.surname", consumer.surname, true, true),
    firstName: check.text("consumer.firstName", consumer.firstName, true, true),
    middleName: check.text("consumer.middleName", consumer.middleName, false, true),
    generationCode: check.code(
      "consumer.generationCode",
      consumer.generationCode,
      /^[JS2-9]$/,
      "J, S or 2 to 9",
    ),
    dateOfBirth: check.date("consumer.birthDate", consumer.birthDate, false, true),
    ecoaCode: check.code(
      "consumer.ecoaCode",
      consumer.ecoaCode ?? "1",
      /^[0-9A-Z]$/,
      "a one-character ECOA code",
    ),
    countryCode: check.code(
      "address.countryCode",
      address.countryCode,
      /^[A-Z]{2}$/,
      "a two-letter country code",
    ),
    addressLine1: check.text("address.line1", address.line1, true),
    addressLine2: check.text("address.line2", address.line2, false),
    city: check.text("address.city", address.city, true),
    state: check.code(
      "address.state",
      address.state,
      /^[A-Z]{2}$/,
      "the two-letter postal abbreviation",
      true,
    ),
    postalCode: check.code(
      "address.postalCode",
      postalCode,
      /^(\d{5}|\d{9})$/,
      "five or nine digits",
      true,
    ),
  };
}

/** Validates an account and returns the values of its base segment, or its problems. */
function baseValues(account: Metro2Account): { values?: FieldValues; rejects: Metro2Reject[] } {
  const check = new AccountCheck(account.accountNumber ?? "");
  const status = statusFields(check, account);
  const values: FieldValues = {
    recordDescriptorWord: RECORD_LENGTH,
    processingIndicator: 1,
    correctionIndicator: 0,
    ...accountFields(check, account),
    ...status,
    ...amountFields(check, account, String(status.accountStatus)),
    ...consumerFields(check, account),
  };
  if (check.rejects.length > 0) return { rejects: check.rejects };
  // Date and time of the account information. dcms keeps no time of day, so it is midnight.
  values.timeStamp = formatDate(String(values.dateAccountInformation)) + "000000";
  return { values, rejects: [] };
}

// ---------------------------------------------------------------------------
// The file

function headerValues(header: Metro2Header): FieldValues {
  const problems: string[] = [];
  const date = (name: string, value: IsoDate | undefined, required: boolean) => {
    if (value === undefined || value === "") {
      if (required) problems.push(`${name} is required`);
      return undefined;
    }
    if (!isIsoDate(value)) {
      problems.push(`${name} ${JSON.stringify(value)} is not a date as YYYY-MM-DD`);
    }
    return value;
  };
  const text = (name: string, value: string | undefined, required: boolean) => {
    const upper = asciiUpper(value ?? "");
    if (upper === undefined) problems.push(`${name} contains characters outside ASCII`);
    else if (!upper && required) problems.push(`${name} is required`);
    return upper ?? "";
  };
  const telephone = (header.reporterTelephone ?? "").replace(/\D/g, "");
  if (telephone && telephone.length !== 10) {
    problems.push("reporter telephone must have 10 digits");
  }
  const values: FieldValues = {
    recordDescriptorWord: RECORD_LENGTH,
    recordIdentifier: "HEADER",
    innovisProgramId: text("innovis program id", header.innovisProgramId, false),
    equifaxProgramId: text("equifax program id", header.equifaxProgramId, false),
    experianProgramId: text("experian program id", header.experianProgramId, false),
    transUnionProgramId: text("transunion program id", header.transUnionProgramId, false),
    activityDate: date("activity date", header.activityDate, true),
    dateCreated: date("date created", header.dateCreated, true),
    programDate: date("program date", header.programDate, false),
    programRevisionDate: date("program revision date", header.programRevisionDate, false),
    reporterName: text("reporter name", header.reporterName, true),
    reporterAddress: text("reporter address", header.reporterAddress, true),
    reporterTelephone: telephone,
    softwareVendorName: text("software vendor name", header.softwareVendorName, false),
    softwareVersion: text("software version", header.softwareVersion, false),
  };
  if (problems.length > 0) {
    const message = `Metro 2 header settings are invalid: ${problems.join("; ")}.`;
    throw new RequestError(message, problems);
  }
  return values;
}

/**
 * Writes a Metro 2 file record by record, so that a caller can stream
 * accounts to disk. Call headerRecord() first, baseRecord() per account,
 * then trailerRecord() for the totals of the accepted accounts.
 */
export class Metro2Writer {
  readonly totals: Metro2Totals = {
    baseRecords: 0,
    statusCounts: {},
    ecoaCodeZ: 0,
    datesOfBirth: 0,
  };
  readonly rejects: Metro2Reject[] = [];
  private readonly header: FieldValues;

  /** Raises RequestError when the header settings are invalid. */
  constructor(header: Metro2Header) {
    this.header = headerValues(header);
  }

  headerRecord(): string {
    return formatRecord(HEADER_FIELDS, this.header);
  }

  /** Returns the base segment, or undefined after adding the account's problems to rejects. */
  baseRecord(account: Metro2Account): string | undefined {
    const { values, rejects } = baseValues(account);
    if (!values) {
      this.rejects.push(...rejects);
      return undefined;
    }
    const totals = this.totals;
    const status = String(values.accountStatus);
    totals.baseRecords += 1;
    totals.statusCounts[status] = (totals.statusCounts[status] ?? 0) + 1;
    if (values.ecoaCode === "Z") totals.ecoaCodeZ += 1;
    if (values.dateOfBirth) totals.datesOfBirth += 1;
    return formatRecord(BASE_FIELDS, values);
  }

  trailerRecord(): string {
    const totals = this.totals;
    const values: FieldValues = {
      recordDescriptorWord: RECORD_LENGTH,
      recordIdentifier: "TRAILER",
      totalBaseRecords: totals.baseRecords,
      // One record per block in the fixed-length form: header, base segments, trailer.
      blockCount: totals.baseRecords + 2,
      totalEcoaCodeZ: totals.ecoaCodeZ,
      totalDatesOfBirthAll: totals.datesOfBirth,
      totalDatesOfBirthBase: totals.datesOfBirth,
    };
    for (const [status, count] of Object.entries(totals.statusCounts)) {
      values[`status:${status}`] = count;
    }
    return formatRecord(TRAILER_FIELDS, values);
  }
}

export interface Metro2File {
  text: string;
  totals: Metro2Totals;
  rejects: Metro2Reject[];
}

/**
 * Renders a whole Metro 2 file in memory. Each record is followed by
 * recordSeparator, "\n" by default, or "" for one continuous stream.
 */
export function renderMetro2(
  header: Metro2Header,
  accounts: Iterable<Metro2Account>,
  options: { recordSeparator?: "" | "\n" | "\r\n" } = {},
): Metro2File {
  const separator = options.recordSeparator ?? "\n";
  const writer = new Metro2Writer(header);
  const records = [writer.headerRecord()];
  for (const account of accounts) {
    const record = writer.baseRecord(account);
    if (record !== undefined) records.push(record);
  }
  records.push(writer.trailerRecord());
  return {
    text: records.map((record) => record + separator).join(""),
    totals: writer.totals,
    rejects: writer.rejects,
  };
}
