// `dcms explain`: a customer's story from the ledger alone: per committed
// run, the decisions with their rule, reason and inputs, and the actions.

import type { ResolvedConfig } from "../src/config/resolve.ts";
import { RequestError } from "../src/errors.ts";
import { migrateLedger, openLedger } from "../src/ledger/db.ts";
import { formatMoney } from "../src/money.ts";

export async function explainCustomer(config: ResolvedConfig, customerId: string, asOf?: string): Promise<string> {
  const knex = openLedger(config.ledger);
  try {
    await migrateLedger(knex);
    let customer = await knex("customers").where({ customer_ref: customerId }).first();
    if (!customer) {
      const [source, ...rest] = customerId.split(":");
      const account = await knex("accounts")
        .where({ source, account_id: rest.join(":") })
        .whereNull("superseded_run")
        .first();
      if (account) customer = await knex("customers").where({ customer_key: account.customer_key }).first();
    }
    if (!customer) {
      throw new RequestError(`customer ${customerId} is not in the ledger; give a customer id from aging.csv or source:account_id`);
    }
    const key = Number(customer.customer_key);
    const runs = await knex("runs")
      .whereIn("status", ["committed", "superseded"])
      .modify((query) => {
        if (asOf) query.where("business_date", "<=", asOf);
      })
      .orderBy(["business_date", "run_id"]);
    const accounts = await knex("accounts").where({ customer_key: key }).whereNull("superseded_run").orderBy(["source", "account_id"]);
    const lines: string[] = [`customer ${customer.customer_ref}`];
    for (const account of accounts) {
      lines.push(`  account ${account.source}/${account.account_id} (${account.currency}, entity ${account.entity}, segment ${account.segment ?? "none"})`);
    }
    for (const run of runs) {
      const decisions = await knex("decisions").where({ run_id: run.run_id, customer_key: key }).orderBy(["source", "account_id"]);
      const actions = await knex("actions").where({ run_id: run.run_id, customer_key: key }).orderBy(["source", "account_id", "action"]);
      const aging = await knex("account_aging").where({ run_id: run.run_id, customer_key: key }).orderBy(["source", "account_id", "currency"]);
      if (decisions.length === 0 && actions.length === 0 && aging.length === 0) continue;
      const superseded = run.status === "superseded" ? " (superseded by a re-run)" : "";
      lines.push("", `${run.business_date} run ${run.run_id}${superseded}`);
      for (const row of aging) {
        lines.push(
          `  ${row.source}/${row.account_id}: balance ${formatMoney(Number(row.balance_minor), row.currency)} ${row.currency}, overdue ${formatMoney(Number(row.overdue_minor), row.currency)}, ${row.days_past_due_max} days past due at most, stage ${row.stage ?? "none"}`,
        );
      }
      for (const decision of decisions) {
        lines.push(`  decision ${decision.source}/${decision.account_id}: level ${decision.level_before} -> ${decision.level} by ${decision.rule}: ${decision.reason}`);
      }
      for (const action of actions) {
        const channel = action.channel ? ` by ${action.channel}` : "";
        const agency = action.agency ? ` to ${action.agency}` : "";
        lines.push(`  action ${action.action}${channel}${agency} for ${action.source}/${action.account_id}, effective ${action.effective_date}`);
      }
    }
    return lines.join("\n");
  } finally {
    await knex.destroy();
  }
}
