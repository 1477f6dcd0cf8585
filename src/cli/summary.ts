// The one-screen summary printed at the end of a run.

import type { RunOutcome } from "../../jobs/nightly-run.ts";

export function formatRunSummary(outcome: RunOutcome): string {
  const { summary } = outcome;
  const lines: string[] = [];
  const headline = {
    committed: "committed",
    unchanged: "already committed with the same inputs; files rendered again",
    dry_run: "dry run: nothing committed, nothing delivered",
  }[outcome.result];
  lines.push(`dcms run ${summary.run_id} for ${summary.business_date}: ${headline}`);
  lines.push("");
  lines.push("source            status     rows   rejected  accounts  items");
  for (const source of summary.sources) {
    lines.push(
      [
        source.source.padEnd(17),
        source.status.padEnd(9),
        String(source.rows_read).padStart(6),
        String(source.rows_rejected).padStart(10),
        String(source.accounts_changed).padStart(9),
        String(source.items_changed).padStart(6),
      ].join(" "),
    );
  }
  lines.push("");
  const passes = summary.passes;
  const actions = (passes.actions ?? {}) as Record<string, number>;
  lines.push(`customers ${passes.customers}, decisions ${passes.decisions}, letters ${passes.letters}, placements ${passes.placements}, recalls ${passes.recalls}`);
  const actionList = Object.entries(actions)
    .sort()
    .map(([name, count]) => `${name} ${count}`)
    .join(", ");
  lines.push(`actions: ${actionList || "none"}`);
  const aging = (summary.totals.aging ?? {}) as Record<string, { balance: string; overdue: string }>;
  for (const [currency, totals] of Object.entries(aging)) {
    lines.push(`aging ${currency}: balance ${totals.balance}, overdue ${totals.overdue}`);
  }
  const allowance = (summary.totals.allowance ?? {}) as Record<string, string>;
  for (const [key, amount] of Object.entries(allowance)) lines.push(`allowance ${key}: ${amount}`);
  lines.push(`journal lines ${passes.journal_lines}, rejected rows ${passes.rejects}`);
  for (const warning of summary.warnings) lines.push(`warning: ${warning}`);
  lines.push(`files: ${outcome.outDir}`);
  lines.push(`exit status ${outcome.exitStatus}`);
  return lines.join("\n");
}
