// Content of a dunning letter, as plain data that the renderer turns into a
// PDF. Amounts are minor units of their own currency, and dates ISO strings.

import type { IsoDate } from "../../dates.ts";

export interface LetterAddressee {
  name: string | null;
  addressLine1: string | null;
  addressLine2: string | null;
  postalCode: string | null;
  city: string | null;
  region: string | null;
  /** ISO 3166-1 alpha-2 code. */
  country: string | null;
}

/** One overdue open item that the letter lists. */
export interface LetterItem {
  /** Billing system the item comes from. */
  source: string;
  accountId: string;
  /** Document number printed for the customer, or null when billing sent none. */
  reference: string | null;
  documentDate: IsoDate;
  dueDate: IsoDate;
  currency: string;
  openMinor: number;
  daysPastDue: number;
}

export interface LetterTotal {
  currency: string;
  overdueMinor: number;
}

export interface LetterData {
  /** Deterministic id, also the PDF's file name: letters, digits, ".", "_" and "-". */
  letterId: string;
  businessDate: IsoDate;
  customerRef: string;
  /** BCP 47 tag of the customer's language, such as "de" or "en-GB". */
  language: string;
  /** Dunning stage that the letter announces, such as "reminder". */
  stage: string;
  addressee: LetterAddressee;
  /** New payment deadline. */
  deadline: IsoDate;
  items: LetterItem[];
  totals: LetterTotal[];
  /** Payment options, one sentence each (bank transfer details, portal, shop). */
  waysToPay: string[];
}

/** Letter ids become file names, so they are limited to safe characters. */
export const LETTER_ID = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,199}$/;
