// Lookups in the runs table that several passes share.

import type { Knex } from "knex";

/** Returns the latest committed run with a business date before the given one, if any. */
export async function previousCommittedRun(db: Knex | Knex.Transaction, businessDate: string): Promise<Record<string, any> | undefined> {
  return db("runs")
    .where({ status: "committed" })
    .where("business_date", "<", businessDate)
    .orderBy("business_date", "desc")
    .orderBy("run_id", "desc")
    .first();
}
