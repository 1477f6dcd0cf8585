// Retention of the per-run aging snapshots (account_aging). Every run keeps
// one row per account and currency with a balance or a stage. The reports
// need the snapshots of the dates they cover, and nothing older. Pruning
// deletes the snapshots of runs whose business date lies more than the
// retention before the latest committed business date. The latest committed
// run keeps its snapshot whatever the retention, because its aging.csv and
// the next report start from it. Decisions, actions, states, allowances and
// journals are never pruned.

import type { Knex } from "knex";
import { addDays } from "../dates.ts";

export interface PruneResult {
  retentionDays: number;
  /** The latest committed business date, or null on an empty ledger. */
  latestBusinessDate: string | null;
  /** Snapshots of business dates before this date were deleted. */
  cutoffDate: string | null;
  runsPruned: number;
  rowsDeleted: number;
}

export async function pruneAgingSnapshots(trx: Knex.Transaction, retentionDays: number): Promise<PruneResult> {
  const latest = await trx("runs")
    .where({ status: "committed" })
    .orderBy("business_date", "desc")
    .orderBy("run_id", "desc")
    .first("run_id", "business_date");
  if (!latest) return { retentionDays, latestBusinessDate: null, cutoffDate: null, runsPruned: 0, rowsDeleted: 0 };
  const cutoffDate = addDays(latest.business_date, -retentionDays);
  const runs: { run_id: number }[] = await trx("runs")
    .where("business_date", "<", cutoffDate)
    .whereNot("run_id", latest.run_id)
    .whereExists(function () {
      this.select("run_id").from("account_aging").whereRaw("account_aging.run_id = runs.run_id");
    })
    .orderBy("run_id")
    .select("run_id");
  let rowsDeleted = 0;
  for (const run of runs) {
    rowsDeleted += Number(await trx("account_aging").where({ run_id: run.run_id }).delete());
  }
  return {
    retentionDays,
    latestBusinessDate: latest.business_date,
    cutoffDate,
    runsPruned: runs.length,
    rowsDeleted,
  };
}
