// The credit-bureau file of a run, bureau/metro2.txt, when the configuration
// has a bureau: key. It reports the consumer accounts that are at the
// configured dunning stage or a later one, and once more, as paid (status
// 13), the accounts that left dunning tonight from such a stage. Accounts
// with a disputed amount or an active dispute hold are left out, because
// disputes are excluded from bureau reporting. The bureau receives the
// name, postal address and account figures; no phone, e-mail or customer id.
//
// Accounts that Metro 2 cannot carry (not USD, no US state, a name that
// cannot be written in ASCII) are listed in bureau/metro2-rejects.csv with
// the account number, the field and a code, without personal data.

import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Knex } from "knex";
import type { BureauSettings } from "../agencies/config.ts";
import { effectiveRuns } from "../agencies/ledger.ts";
import type { ResolvedConfig } from "../config/resolve.ts";
import { addDays } from "../dates.ts";
import { compareCodePoints, writeCsvFile, type CsvColumn } from "./csv.ts";
import {
  firstDelinquencyDate,
  metro2Status,
  renderMetro2,
  type Metro2Account,
  type Metro2Reject,
} from "./metro2.ts";

type Db = Knex | Knex.Transaction;
type Row = Record<string, any>;

const REJECT_COLUMNS: CsvColumn<Metro2Reject>[] = [
  { name: "account_number", kind: "text", value: (row) => row.accountNumber },
  { name: "field", kind: "text", value: (row) => row.field },
  { name: "code", kind: "text", value: (row) => row.code },
  { name: "message", kind: "text", value: (row) => row.message },
];

/** Returns the furnisher's account number: the account id's letters and digits, uppercase. */
export function metro2AccountNumber(accountId: string): string {
  return accountId.toUpperCase().replace(/[^A-Z0-9]/g, "");
}

/**
 * Splits the single name field of the extract: the last word is the
 * surname, the words before it the first name.
 */
export function splitName(name: string | null): { firstName: string; surname: string } {
  const words = (name ?? "").trim().split(/\s+/).filter(Boolean);
  // NOTE: compound surnames ("Peña Ortega") lose their first part to the
  // first name; a surname column in the extract would fix that.
  if (words.length < 2) return { firstName: "", surname: words[0] ?? "" };
  return { firstName: words.slice(0, -1).join(" "), surname: words[words.length - 1] };
}

/** Writes bureau/metro2.txt and bureau/metro2-rejects.csv; nothing without a bureau: key. */
export async function writeBureauFile(db: Db, config: ResolvedConfig, runId: number, folder: string): Promise<void> {
  const bureau = config.bureau;
  if (!bureau) return;
  const run: Row = await db("runs").where({ run_id: runId }).first();
  const businessDate: string = run.business_date;
  const accounts: Metro2Account[] = [];
  const seen = new Set<string>();
  const rejects: Metro2Reject[] = [];

  const aging: Row[] = await db("account_aging").where({ run_id: runId }).whereNotNull("stage").orderBy(["source", "account_id", "currency"]);
  for (const row of aging) {
    if (!reportable(config, bureau, row.segment, row.stage)) continue;
    if (Number(row.disputed_minor) > 0 || (await disputeHold(db, runId, businessDate, row))) continue;
    const days = Number(row.days_past_due_max);
    const account = await bureauAccount(db, bureau, runId, businessDate, row, {
      daysPastDue: days,
      oldestDueDate: days > 0 ? addDays(businessDate, -days) : undefined,
      balanceMinor: Number(row.balance_minor),
      overdueMinor: Number(row.overdue_minor),
      paid: false,
    });
    addAccount(account, accounts, seen, rejects);
  }

  const cured: Row[] = await db("decisions").where({ run_id: runId, rule: "cure" }).orderBy(["source", "account_id"]);
  for (const decision of cured) {
    // The account as the last run before tonight aged it, when it was still in dunning.
    const previous: Row | undefined = await db("account_aging as a")
      .join("runs as r", "r.run_id", "a.run_id")
      .where({ "a.source": decision.source, "a.account_id": decision.account_id })
      .whereIn("a.run_id", effectiveRuns(db, runId))
      .whereNot("a.run_id", runId)
      .orderBy("a.run_id", "desc")
      .select("a.*", "r.business_date")
      .first();
    if (!previous || !reportable(config, bureau, previous.segment, previous.stage)) continue;
    if (await disputeHold(db, runId, businessDate, previous)) continue;
    const current: Row | undefined = await db("account_aging")
      .where({ run_id: runId, source: decision.source, account_id: decision.account_id, currency: previous.currency })
      .first();
    const days = Number(previous.days_past_due_max);
    const account = await bureauAccount(db, bureau, runId, businessDate, previous, {
      // The rating of a paid account rates the delinquency before the payment.
      daysPastDue: days,
      oldestDueDate: days > 0 ? addDays(previous.business_date, -days) : undefined,
      balanceMinor: current ? Number(current.balance_minor) : 0,
      overdueMinor: 0,
      paid: true,
    });
    addAccount(account, accounts, seen, rejects);
  }

  accounts.sort((a, b) => compareCodePoints(a.accountNumber, b.accountNumber));
  const file = renderMetro2(
    {
      activityDate: businessDate,
      dateCreated: businessDate,
      reporterName: bureau.reporterName,
      reporterAddress: bureau.reporterAddress,
      reporterTelephone: bureau.reporterTelephone,
      equifaxProgramId: bureau.equifaxProgramId,
      experianProgramId: bureau.experianProgramId,
      transUnionProgramId: bureau.transUnionProgramId,
      innovisProgramId: bureau.innovisProgramId,
      softwareVendorName: "dcms",
    },
    accounts,
  );
  const target = path.join(folder, "bureau");
  await mkdir(target, { recursive: true });
  await writeFile(path.join(target, "metro2.txt"), file.text, { encoding: "ascii", mode: 0o600 });
  await writeCsvFile(path.join(target, "metro2-rejects.csv"), REJECT_COLUMNS, [...rejects, ...file.rejects]);
}

function addAccount(account: Metro2Account, accounts: Metro2Account[], seen: Set<string>, rejects: Metro2Reject[]): void {
  if (seen.has(account.accountNumber)) {
    rejects.push({
      accountNumber: account.accountNumber,
      field: "accountNumber",
      code: "duplicate_account_number",
      message: "two accounts share this account number once blanks and special characters are removed; only the first is reported",
    });
    return;
  }
  seen.add(account.accountNumber);
  accounts.push(account);
}

/** Returns whether an account in a segment and stage is reported: its stage is the bureau stage or later. */
function reportable(config: ResolvedConfig, bureau: BureauSettings, segment: string | null, stage: string | null): boolean {
  if (stage === null || segment === null || !bureau.segments.includes(segment)) return false;
  const stages = config.dunning.strategyForSegment(segment).stages;
  const from = stages.findIndex((candidate) => candidate.name === bureau.stage);
  const at = stages.findIndex((candidate) => candidate.name === stage);
  return from >= 0 && at >= from;
}

async function disputeHold(db: Db, runId: number, businessDate: string, row: Row): Promise<boolean> {
  const hold = await db("holds")
    .where({ source: row.source, account_id: row.account_id, kind: "dispute" })
    .where("run_id", "<=", runId)
    .andWhere((query) => query.whereNull("superseded_run").orWhere("superseded_run", ">", runId))
    .where("start_date", "<=", businessDate)
    .andWhere((query) => query.whereNull("end_date").orWhere("end_date", ">=", businessDate))
    .first();
  return hold !== undefined;
}

interface Picture {
  daysPastDue: number;
  oldestDueDate: string | undefined;
  balanceMinor: number;
  overdueMinor: number;
  paid: boolean;
}

async function bureauAccount(
  db: Db,
  bureau: BureauSettings,
  runId: number,
  businessDate: string,
  aging: Row,
  picture: Picture,
): Promise<Metro2Account> {
  const account: Row | undefined = await db("accounts")
    .where({ source: aging.source, account_id: aging.account_id })
    .where("run_id", "<=", runId)
    .orderBy("version", "desc")
    .first();
  const opened: Row | undefined = await db("items")
    .where({ source: aging.source, account_id: aging.account_id })
    .where("run_id", "<=", runId)
    .min({ first: "document_date" })
    .first();
  const status = metro2Status({ daysPastDue: picture.daysPastDue, chargedOff: false, paid: picture.paid });
  const { firstName, surname } = splitName(account?.name ?? null);
  return {
    identificationNumber: bureau.identificationNumber,
    accountNumber: metro2AccountNumber(aging.account_id),
    portfolioType: bureau.portfolioType,
    accountType: bureau.accountType,
    // NOTE: the extract has no opening date, so the first document date is used instead.
    dateOpened: opened?.first ?? businessDate,
    currency: aging.currency,
    creditLimitMinor: account?.credit_limit_minor == null ? undefined : Number(account.credit_limit_minor),
    termsDuration: bureau.termsDuration,
    accountStatus: status.accountStatus,
    paymentRating: status.paymentRating,
    paymentHistoryProfile: "",
    currentBalanceMinor: picture.balanceMinor,
    amountPastDueMinor: status.accountStatus === "11" ? 0 : picture.overdueMinor,
    dateAccountInformation: businessDate,
    dateFirstDelinquency:
      picture.oldestDueDate && picture.daysPastDue >= 30 ? firstDelinquencyDate(picture.oldestDueDate) : undefined,
    consumer: { surname, firstName },
    address: {
      line1: account?.address_line1 ?? "",
      line2: account?.address_line2 ?? undefined,
      city: account?.city ?? "",
      state: account?.region ?? "",
      postalCode: account?.postal_code ?? "",
      countryCode: account?.country ?? undefined,
    },
  };
}
