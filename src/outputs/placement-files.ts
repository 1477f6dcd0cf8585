// One placement file per agency and night (the accounts placed with it, with
// the contact data the agency needs to collect) and one recall file per
// agency that has recalls.

import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Knex } from "knex";
import type { ResolvedConfig } from "../config/resolve.ts";
import { formatMoney } from "../money.ts";
import { writeCsvFile, type CsvColumn } from "./csv.ts";
import { renderPlacementCsv, type PlacementRecord } from "./placement.ts";

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

/** The agency's id for a placement: stable for the account and the business date. */
function placementId(row: Row, businessDate: string): string {
  return `${row.source}-${row.account_id}-${businessDate}`;
}

export async function writePlacementFiles(
  db: Knex | Knex.Transaction,
  config: ResolvedConfig,
  runId: number,
  placements: Row[],
  folder: string,
): Promise<void> {
  await mkdir(folder, { recursive: true });
  const run = await db("runs").where({ run_id: runId }).first();
  for (const agency of config.agencies) {
    const rows = placements.filter((row) => row.agency === agency.id);
    const records: PlacementRecord[] = [];
    const recalls: Row[] = [];
    for (const row of rows) {
      const customer = await db("customers").where({ customer_key: row.customer_key }).first();
      if (row.kind === "recall") {
        recalls.push({ ...row, customer_ref: customer?.customer_ref, placement_id: placementId(row, run.business_date) });
        continue;
      }
      // The contact data as the run saw it: the latest account version it wrote or kept.
      const account = await db("accounts")
        .where({ source: row.source, account_id: row.account_id })
        .where("run_id", "<=", runId)
        .orderBy("version", "desc")
        .first();
      records.push({
        placementId: placementId(row, run.business_date),
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
      });
    }
    await writeFile(path.join(folder, `${agency.id}.csv`), renderPlacementCsv(records), { mode: 0o600 });
    if (recalls.length > 0) await writeCsvFile(path.join(folder, `${agency.id}-recalls.csv`), RECALL_COLUMNS, recalls);
  }
}
