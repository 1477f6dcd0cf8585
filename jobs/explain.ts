// `dcms explain`: a customer's story from the ledger alone: its accounts and
// holds, then per committed run the aging, the decisions with their rule,
// reason and inputs, the actions, the charges and the letters.

import type { Knex } from "knex";
import type { ResolvedConfig } from "../src/config/resolve.ts";
import { RequestError } from "../src/errors.ts";
import { migrateLedger, openLedger } from "../src/ledger/db.ts";
import { formatMoney } from "../src/money.ts";

type Row = Record<string, any>;

export async function explainCustomer(config: ResolvedConfig, customerId: string, asOf?: string): Promise<string> {
  const knex = openLedger(config.ledger);
  try {
    await migrateLedger(knex);
    const customer = await findCustomer(knex, customerId);
    const key = Number(customer.customer_key);
    const runs: Row[] = await knex("runs")
      .whereIn("status", ["committed", "superseded"])
      .modify((query) => {
        if (asOf) query.where("business_date", "<=", asOf);
      })
      .orderBy(["business_date", "run_id"]);
    const lines: string[] = [`customer ${customer.customer_ref}`];
    lines.push(...(await accountLines(knex, key)));
    lines.push(...(await holdLines(knex, key, asOf)));
    for (const run of runs) lines.push(...(await runLines(knex, key, run)));
    return lines.join("\n");
  } finally {
    await knex.destroy();
  }
}

async function findCustomer(knex: Knex, customerId: string): Promise<Row> {
  let customer = await knex("customers").where({ customer_ref: customerId }).first();
  if (!customer) {
    const [source, ...rest] = customerId.split(":");
    const account = await knex("accounts").where({ source, account_id: rest.join(":") }).whereNull("superseded_run").first();
    if (account) customer = await knex("customers").where({ customer_key: account.customer_key }).first();
  }
  if (!customer) {
    throw new RequestError(`customer ${customerId} is not in the ledger; give a customer id from aging.csv or source:account_id`);
  }
  return customer;
}

async function accountLines(knex: Knex, key: number): Promise<string[]> {
  const accounts: Row[] = await knex("accounts").where({ customer_key: key }).whereNull("superseded_run").orderBy(["source", "account_id"]);
  return accounts.map(
    (account) =>
      `  account ${account.source}/${account.account_id} (${account.currency}, entity ${account.entity}, segment ${account.segment ?? "none"}${account.autopay ? ", autopay" : ""})`,
  );
}

async function holdLines(knex: Knex, key: number, asOf?: string): Promise<string[]> {
  const holds: Row[] = await knex("holds")
    .where({ customer_key: key })
    .whereNull("superseded_run")
    .modify((query) => {
      if (asOf) query.where("start_date", "<=", asOf);
    })
    .orderBy(["source", "account_id", "start_date", "kind"]);
  return holds.map((hold) => {
    const until = hold.end_date ? ` until ${hold.end_date}` : "";
    const promise = hold.promised_minor === null ? "" : `, ${hold.promised_minor} minor units promised by ${hold.promised_date}`;
    const reason = hold.reason ? `: ${hold.reason}` : "";
    return `  hold ${hold.kind} on ${hold.source}/${hold.account_id} from ${hold.start_date}${until}${promise} (by ${hold.origin})${reason}`;
  });
}

async function runLines(knex: Knex, key: number, run: Row): Promise<string[]> {
  const where = { run_id: run.run_id, customer_key: key };
  const decisions: Row[] = await knex("decisions").where(where).orderBy(["source", "account_id"]);
  const actions: Row[] = await knex("actions").where(where).orderBy(["source", "account_id", "action"]);
  const aging: Row[] = await knex("account_aging").where(where).orderBy(["source", "account_id", "currency"]);
  const charges: Row[] = await knex("dunning_charges").where(where).orderBy(["source", "account_id", "item_id"]);
  const letters: Row[] = await knex("letters").where(where).orderBy("letter_id");
  if (decisions.length === 0 && actions.length === 0 && aging.length === 0) return [];
  const superseded = run.status === "superseded" ? " (superseded by a re-run)" : "";
  const lines = ["", `${run.business_date} run ${run.run_id}${superseded}`];
  for (const row of aging) {
    const money = (column: string) => `${formatMoney(Number(row[column]), row.currency)} ${row.currency}`;
    lines.push(
      `  ${row.source}/${row.account_id}: balance ${money("balance_minor")}, overdue ${money("overdue_minor")}, ${row.days_past_due_max} days past due at most, stage ${row.stage ?? "none"}`,
    );
  }
  for (const decision of decisions) {
    const inputs = JSON.parse(decision.inputs) as Record<string, unknown>;
    lines.push(`  decision ${decision.source}/${decision.account_id}: level ${decision.level_before} -> ${decision.level} by ${decision.rule}: ${decision.reason}`);
    lines.push(`    ${describeInputs(inputs)}`);
  }
  for (const action of actions) {
    const channel = action.channel ? ` by ${action.channel}` : "";
    const agency = action.agency ? ` to ${action.agency}` : "";
    lines.push(`  action ${action.action}${channel}${agency} for ${action.source}/${action.account_id}, effective ${action.effective_date}`);
  }
  for (const charge of charges) {
    lines.push(
      `  charge ${charge.kind} ${formatMoney(Number(charge.amount_minor), charge.currency)} ${charge.currency} on ${charge.source}/${charge.account_id} for stage ${charge.stage} in ${charge.period} (item ${charge.item_id}): ${charge.reason}`,
    );
  }
  for (const letter of letters) {
    lines.push(`  letter ${letter.letter_id} (${letter.template}) by ${letter.channel}`);
  }
  return lines;
}

/** Summarises a decision's inputs: the strategy, the figures and the holds it used. */
function describeInputs(inputs: Record<string, unknown>): string {
  const currency = String(inputs.currency ?? "");
  const money = (value: unknown) => (currency ? `${formatMoney(Number(value ?? 0), currency)} ${currency}` : String(value));
  const parts = [
    `strategy ${inputs.strategy ?? "?"} (${inputs.segment ?? "?"}, ${inputs.variant ?? "champion"})`,
    `overdue ${money(inputs.overdue_minor)}`,
    `balance ${money(inputs.balance_minor)}`,
    `${inputs.days_past_due_max ?? 0} days past due`,
    `stage level met ${inputs.level_reached ?? 0}`,
  ];
  const holds = (inputs.holds as string[] | undefined) ?? [];
  parts.push(holds.length > 0 ? `holds ${holds.join(", ")}` : "no holds");
  if (Number(inputs.disputed_overdue_minor ?? 0) > 0) parts.push(`disputed ${money(inputs.disputed_overdue_minor)}`);
  if (inputs.score !== undefined) parts.push(`score ${inputs.score}`);
  if (inputs.unbilled_minor !== undefined) parts.push(`unbilled usage ${money(inputs.unbilled_minor)}, credit limit ${money(inputs.credit_limit_minor)}`);
  if (inputs.arrangement_missed !== undefined) parts.push(`${inputs.arrangement_missed} instalments missed`);
  const notes = (inputs.charge_notes as string[] | undefined) ?? [];
  parts.push(...notes);
  return parts.join("; ");
}
