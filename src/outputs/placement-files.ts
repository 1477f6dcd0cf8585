// The files of one night for each agency, in placements/ of the run's folder:
//
//   <id>.csv          accounts placed tonight, with the contact data the
//                     agency needs to collect; header and trailer
//   <id>.txt          the same records in the fixed-width layout, when the
//                     agency's fixed_width is set, in its encoding
//   <id>-recalls.csv  placements that end tonight and why: paid, disputed,
//                     bankrupt, deceased, end_of_period
//   <id>-updates.csv  payments and credits that reached accounts placed with
//                     the agency directly (not through the agency) tonight
//
// Every file is written every night, empty when nothing happened, so the
// agency can tell a quiet night from a lost file. Recall and update files
// carry ids and amounts only.

import { writeFile } from "node:fs/promises";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import type { Knex } from "knex";
import type { AgencyTerms } from "../agencies/config.ts";
import { effectiveRuns } from "../agencies/ledger.ts";
import type { ResolvedConfig } from "../config/resolve.ts";
import { formatMoney } from "../money.ts";
import { writeCsvFile, type CsvColumn } from "./csv.ts";
import {
  encodePlacementFile,
  FixedWidthOverflowError,
  renderPlacementCsv,
  renderPlacementFixedWidth,
  type PlacementRecord,
} from "./placement.ts";

type Db = Knex | Knex.Transaction;
type Row = Record<string, any>;

const RECALL_COLUMNS: CsvColumn<Row>[] = [
  { name: "placement_id", kind: "text", value: (row) => row.placement_id },
  { name: "source", kind: "text", value: (row) => row.source },
  { name: "account_id", kind: "text", value: (row) => row.account_id },
  { name: "customer_id", kind: "text", value: (row) => row.customer_ref },
  { name: "currency", kind: "text", value: (row) => row.currency },
  { name: "open_amount", kind: "amount", value: (row) => formatMoney(Number(row.amount_minor), row.currency) },
  { name: "reason", kind: "text", value: (row) => row.reason },
];

const UPDATE_COLUMNS: CsvColumn<Row>[] = [
  { name: "placement_id", kind: "text", value: (row) => row.placement_id },
  { name: "source", kind: "text", value: (row) => row.source },
  { name: "account_id", kind: "text", value: (row) => row.account_id },
  { name: "item_id", kind: "text", value: (row) => row.item_id },
  { name: "type", kind: "text", value: (row) => row.type },
  { name: "date", kind: "date", value: (row) => row.document_date },
  { name: "currency", kind: "text", value: (row) => row.currency },
  { name: "amount", kind: "amount", value: (row) => formatMoney(row.signed_minor, row.currency) },
  { name: "open_balance", kind: "amount", value: (row) => formatMoney(row.balance_minor, row.currency) },
];

/** Item types that lower the debt; a payment reversal raises it again. */
const CREDIT_TYPES = ["payment", "credit_note", "credit_adjustment"];
const UPDATE_TYPES = [...CREDIT_TYPES, "payment_reversal"];

/** Returns the agency's id of a placement: the account and the business date it was placed on. */
export function placementId(source: string, accountId: string, placedOn: string): string {
  return `${source}-${accountId}-${placedOn}`;
}

/** Writes each agency's files of a run into `folder`. */
export async function writePlacementFiles(
  db: Db,
  config: ResolvedConfig,
  runId: number,
  placements: Row[],
  folder: string,
): Promise<void> {
  await mkdir(folder, { recursive: true });
  const run: Row = await db("runs").where({ run_id: runId }).first();
  const businessDate: string = run.business_date;
  for (const agency of config.agencies) {
    const terms = config.agencyTerms.get(agency.id);
    const rows = placements.filter((row) => row.agency === agency.id);
    const records: PlacementRecord[] = [];
    for (const row of rows.filter((candidate) => candidate.kind === "placement")) {
      records.push(await placementRecord(db, runId, businessDate, row));
    }
    await writeFile(path.join(folder, `${agency.id}.csv`), renderPlacementCsv(records), { mode: 0o600 });
    if (terms?.fixedWidth) await writeFixedWidth(folder, terms, records);

    const recalls: Row[] = [];
    for (const row of rows.filter((candidate) => candidate.kind === "recall")) {
      const customer: Row | undefined = await db("customers").where({ customer_key: row.customer_key }).first();
      const placedOn = await placementDate(db, runId, row);
      recalls.push({
        ...row,
        customer_ref: customer?.customer_ref ?? null,
        placement_id: placementId(row.source, row.account_id, placedOn ?? businessDate),
      });
    }
    await writeCsvFile(path.join(folder, `${agency.id}-recalls.csv`), RECALL_COLUMNS, recalls);
    await writeCsvFile(
      path.join(folder, `${agency.id}-updates.csv`),
      UPDATE_COLUMNS,
      await directPayments(db, runId, agency.id),
    );
  }
}

async function placementRecord(db: Db, runId: number, businessDate: string, row: Row): Promise<PlacementRecord> {
  const customer: Row | undefined = await db("customers").where({ customer_key: row.customer_key }).first();
  // The contact data as the run saw it: the latest account version it wrote or kept.
  const account: Row | undefined = await db("accounts")
    .where({ source: row.source, account_id: row.account_id })
    .where("run_id", "<=", runId)
    .orderBy("version", "desc")
    .first();
  return {
    placementId: placementId(row.source, row.account_id, businessDate),
    source: row.source,
    accountId: row.account_id,
    customerId: customer?.customer_ref ?? null,
    currency: row.currency,
    placedMinor: Number(row.amount_minor),
    oldestDueDate: row.oldest_due_date,
    daysPastDueMax: Number(row.days_past_due_max),
    name: account?.name ?? null,
    addressLine1: account?.address_line1 ?? null,
    addressLine2: account?.address_line2 ?? null,
    postalCode: account?.postal_code ?? null,
    city: account?.city ?? null,
    country: account?.country ?? null,
    phone: account?.phone ?? null,
    email: account?.email ?? null,
    language: account?.language ?? null,
  };
}

/** Business date of the placement that a recall ends: the latest with the same agency. */
async function placementDate(db: Db, runId: number, recall: Row): Promise<string | undefined> {
  const row: Row | undefined = await db("placements as p")
    .join("runs as r", "r.run_id", "p.run_id")
    .where({ "p.source": recall.source, "p.account_id": recall.account_id, "p.agency": recall.agency, "p.kind": "placement" })
    .whereIn("p.run_id", effectiveRuns(db, runId))
    .max({ placed_on: "r.business_date" })
    .first();
  return row?.placed_on ?? undefined;
}

/**
 * Writes <id>.txt. A value too long for its fixed width (an e-mail address
 * over 100 characters, say) is left blank there; the CSV file carries it.
 */
async function writeFixedWidth(folder: string, terms: AgencyTerms, records: PlacementRecord[]): Promise<void> {
  const fitted = records.map((record) => ({ ...record }));
  for (;;) {
    try {
      const text = renderPlacementFixedWidth(fitted);
      await writeFile(path.join(folder, `${terms.id}.txt`), encodePlacementFile(text, terms.encoding), { mode: 0o600 });
      return;
    } catch (error) {
      if (!(error instanceof FixedWidthOverflowError)) throw error;
      const record = fitted.find((candidate) => candidate.placementId === error.placementId);
      const field = FIELD_KEYS[error.field];
      if (!record || !field || record[field] === null) throw error;
      (record as unknown as Record<string, unknown>)[field] = null;
    }
  }
}

/** Record keys of the fields that may be blanked; ids and amounts never are. */
const FIELD_KEYS: Record<string, keyof PlacementRecord> = {
  postal_code: "postalCode",
  country: "country",
  phone: "phone",
  email: "email",
  language: "language",
};

/**
 * Items first seen tonight that lower or raise the debt of an account that
 * was placed with the agency when the night began, except the agency's own
 * remittances.
 */
async function directPayments(db: Db, runId: number, agency: string): Promise<Row[]> {
  const rows: Row[] = await db("items as i")
    .join("account_state as s", (join) => join.on("s.source", "i.source").andOn("s.account_id", "i.account_id"))
    .where("i.run_id", runId)
    .where("i.version", 1)
    .whereIn("i.type", UPDATE_TYPES)
    .where("s.agency", agency)
    .where("s.run_id", "<", runId)
    .andWhere((query) => query.whereNull("s.superseded_run").orWhere("s.superseded_run", ">=", runId))
    .whereNotExists((query) =>
      query
        .select(db.raw("1"))
        .from("agency_remittances as r")
        .whereRaw("r.source = i.source and r.item_id = i.item_id"),
    )
    .orderBy(["i.source", "i.account_id", "i.document_date", "i.item_id"])
    .select("i.source", "i.account_id", "i.item_id", "i.type", "i.document_date", "i.currency", "i.amount_minor");
  const dates = new Map<string, string | undefined>();
  const result: Row[] = [];
  for (const row of rows) {
    const key = `${row.source}\u0000${row.account_id}`;
    if (!dates.has(key)) dates.set(key, await placementDate(db, runId, { ...row, agency }));
    const aging: Row | undefined = await db("account_aging")
      .where({ run_id: runId, source: row.source, account_id: row.account_id, currency: row.currency })
      .first();
    const amount = Number(row.amount_minor);
    result.push({
      ...row,
      placement_id: placementId(row.source, row.account_id, dates.get(key) ?? ""),
      signed_minor: CREDIT_TYPES.includes(row.type) ? amount : -amount,
      balance_minor: aging ? Number(aging.balance_minor) : 0,
    });
  }
  return result;
}
