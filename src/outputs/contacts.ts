// A night's letters by channel. The customer's preferred channel decides:
// e-mail when the customer prefers it and one of its accounts has an e-mail
// address, paper otherwise. Paper letters are rendered as PDFs into
// letters/ with the print index. E-mail letters and the SMS of stages with
// an sms action go to the messaging platform as contact files:
//
//   contacts/email.csv  letter_id, email, language, template, stage,
//                       deadline, currency, overdue
//   contacts/sms.csv    letter_id, phone, language, template, deadline,
//                       currency, overdue
//
// with one row per letter and currency. The platform gets no name and no
// postal address: it fills its own template from these fields.

import { mkdir } from "node:fs/promises";
import path from "node:path";
import type { Knex } from "knex";
import type { ResolvedConfig } from "../config/resolve.ts";
import { formatMoney } from "../money.ts";
import { compareCodePoints, writeCsvFile, type CsvColumn } from "./csv.ts";
import { renderLetters } from "./letters/batch.ts";
import type { LetterData } from "./letters/letter-data.ts";

type Db = Knex | Knex.Transaction;
type Row = Record<string, any>;

/** One row of contacts/email.csv or contacts/sms.csv. */
export interface ContactRow {
  letterId: string;
  /** E-mail address or phone number. */
  address: string;
  language: string;
  template: string;
  stage: string;
  deadline: string;
  currency: string;
  overdueMinor: number;
}

const common = (name: "email" | "phone"): CsvColumn<ContactRow>[] => [
  { name: "letter_id", kind: "text", value: (row) => row.letterId },
  { name, kind: "text", value: (row) => row.address },
  { name: "language", kind: "text", value: (row) => row.language },
  { name: "template", kind: "text", value: (row) => row.template },
];

export const EMAIL_COLUMNS: CsvColumn<ContactRow>[] = [
  ...common("email"),
  { name: "stage", kind: "text", value: (row) => row.stage },
  { name: "deadline", kind: "date", value: (row) => row.deadline },
  { name: "currency", kind: "text", value: (row) => row.currency },
  { name: "overdue", kind: "amount", value: (row) => formatMoney(row.overdueMinor, row.currency) },
];

export const SMS_COLUMNS: CsvColumn<ContactRow>[] = [
  ...common("phone"),
  { name: "deadline", kind: "date", value: (row) => row.deadline },
  { name: "currency", kind: "text", value: (row) => row.currency },
  { name: "overdue", kind: "amount", value: (row) => formatMoney(row.overdueMinor, row.currency) },
];

export interface LetterFileCounts {
  paper: number;
  email: number;
  /** E-mail letters sent on paper because no account of the customer has an e-mail address. */
  emailOnPaper: number;
  sms: number;
  /** SMS not sent because no account of the customer has a phone number. */
  smsWithoutPhone: number;
}

/**
 * Writes a run's letters into `folder` (the run's folder): PDFs of paper
 * letters in letters/ (unless pdfs is false) and the contact files.
 */
export async function writeLetterFiles(
  db: Db,
  config: ResolvedConfig,
  runId: number,
  letters: Row[],
  folder: string,
  options: { pdfs?: boolean } = {},
): Promise<LetterFileCounts> {
  const counts: LetterFileCounts = { paper: 0, email: 0, emailOnPaper: 0, sms: 0, smsWithoutPhone: 0 };
  const smsActions: Row[] = await db("actions")
    .where({ run_id: runId, action: "sms" })
    .orderBy(["customer_key", "source", "account_id"]);
  const keys = [...new Set([...letters, ...smsActions].map((row) => Number(row.customer_key)))];
  const contacts = await customerContacts(db, runId, keys);

  const paper: LetterData[] = [];
  const emails: ContactRow[] = [];
  const letterByCustomer = new Map<number, { row: Row; data: LetterData }>();
  for (const row of letters) {
    const data = JSON.parse(row.payload) as LetterData;
    letterByCustomer.set(Number(row.customer_key), { row, data });
    const email = contacts.get(Number(row.customer_key))?.email ?? null;
    if (row.channel === "email" && email) {
      emails.push(...contactRows(data, email, row.template));
      counts.email++;
      continue;
    }
    if (row.channel === "email") counts.emailOnPaper++;
    paper.push(data);
    counts.paper++;
  }
  if (options.pdfs !== false) await renderLetters(paper, path.join(folder, "letters"));

  const sms: ContactRow[] = [];
  const smsCustomers = new Map<number, Row[]>();
  for (const action of smsActions) {
    const key = Number(action.customer_key);
    smsCustomers.set(key, [...(smsCustomers.get(key) ?? []), action]);
  }
  for (const [key, actions] of smsCustomers) {
    const phone = contacts.get(key)?.phone ?? null;
    if (!phone) {
      counts.smsWithoutPhone++;
      continue;
    }
    const letter = letterByCustomer.get(key);
    const template = smsTemplate(config, actions[0].stage) ?? actions[0].stage;
    const data = letter?.data ?? smsOnlyLetter(contacts.get(key)?.language ?? config.dunning.defaultLanguage, key, actions);
    sms.push(...contactRows(data, phone, template));
    counts.sms++;
  }

  await mkdir(path.join(folder, "contacts"), { recursive: true });
  await writeCsvFile(path.join(folder, "contacts", "email.csv"), EMAIL_COLUMNS, sortRows(emails));
  await writeCsvFile(path.join(folder, "contacts", "sms.csv"), SMS_COLUMNS, sortRows(sms));
  return counts;
}

function contactRows(letter: LetterData, address: string, template: string): ContactRow[] {
  return letter.totals.map((total) => ({
    letterId: letter.letterId,
    address,
    language: letter.language,
    template,
    stage: letter.stage,
    deadline: letter.deadline,
    currency: total.currency,
    overdueMinor: total.overdueMinor,
  }));
}

function sortRows(rows: ContactRow[]): ContactRow[] {
  return rows.sort(
    (a, b) => compareCodePoints(a.letterId, b.letterId) || compareCodePoints(a.currency, b.currency),
  );
}

/** Returns the template of the stage's sms action, from any strategy that has the stage. */
function smsTemplate(config: ResolvedConfig, stageName: string | null): string | undefined {
  for (const strategy of config.dunning.strategies.values()) {
    const stage = strategy.stages.find((candidate) => candidate.name === stageName);
    const action = stage?.actions.find((candidate) => candidate.kind === "sms");
    if (action) return action.template;
  }
  return undefined;
}

/**
 * Builds the fields of an SMS for a customer that got no letter tonight
 * (its letters are stopped, for example) from the amounts of its sms actions.
 */
function smsOnlyLetter(language: string, customerKey: number, actions: Row[]): LetterData {
  const totals = new Map<string, number>();
  for (const action of actions) totals.set(action.currency, (totals.get(action.currency) ?? 0) + Number(action.overdue_minor));
  const first = actions[0];
  return {
    letterId: `${first.effective_date}-C${customerKey}`,
    businessDate: first.effective_date,
    customerRef: first.customer_ref,
    language,
    stage: first.stage ?? "",
    addressee: { name: null, addressLine1: null, addressLine2: null, postalCode: null, city: null, region: null, country: null },
    deadline: first.effective_date,
    items: [],
    totals: [...totals].sort().map(([currency, overdueMinor]) => ({ currency, overdueMinor })),
    waysToPay: [],
  };
}

interface CustomerContact {
  email: string | null;
  phone: string | null;
  language: string | null;
}

/** Returns the first e-mail address, phone number and language among each customer's accounts as of the run. */
async function customerContacts(db: Db, runId: number, customerKeys: number[]): Promise<Map<number, CustomerContact>> {
  const contacts = new Map<number, CustomerContact>();
  for (let start = 0; start < customerKeys.length; start += 500) {
    const rows: Row[] = await db("accounts")
      .whereIn("customer_key", customerKeys.slice(start, start + 500))
      .where("run_id", "<=", runId)
      .andWhere((query) => query.whereNull("superseded_run").orWhere("superseded_run", ">", runId))
      .orderBy(["customer_key", "source", "account_id"])
      .select("customer_key", "email", "phone", "language");
    for (const row of rows) {
      const key = Number(row.customer_key);
      const entry = contacts.get(key) ?? { email: null, phone: null, language: null };
      entry.email ??= row.email || null;
      entry.phone ??= row.phone || null;
      entry.language ??= row.language || null;
      contacts.set(key, entry);
    }
  }
  return contacts;
}
