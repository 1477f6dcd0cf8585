// The machine summary of a run, stored with the run and rendered as run.json.

export interface SourceSummary {
  source: string;
  /** loaded, rejected (too many bad rows, failed control totals) or failed (unreadable). */
  status: "loaded" | "rejected" | "failed";
  reason?: string;
  rows_read: number;
  rows_rejected: number;
  accounts_changed: number;
  items_changed: number;
  customers_created: number;
}

export interface RunSummary {
  run_id: number;
  business_date: string;
  status: "committed" | "dry_run";
  exit_status: number;
  rerun_of: number | null;
  input_checksum: string;
  warnings: string[];
  sources: SourceSummary[];
  /**
   * The customers the passes evaluated: all of them (full), or those whose
   * rows changed or whose review date came (incremental). Absent on runs
   * before incremental nights.
   */
  evaluation?: { mode: "full" | "incremental"; reason: string | null; customers_evaluated: number };
  passes: Record<string, number | Record<string, number>>;
  /** Money totals per currency as decimal strings, filled in when the files are rendered. */
  totals: Record<string, unknown>;
}
