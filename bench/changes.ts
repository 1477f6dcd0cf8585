// The second night of a benchmark: a payment for every tenth open invoice,
// dated the next day, about 1 % of the items. Written as a delta extract
// (the changed rows only) for sources in mode: delta.

import { createReadStream, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";
import { SOURCES } from "./generate.ts";

const ITEMS_HEADER = "item_id,account_id,type,document_date,due_date,currency,amount,applies_to";
const ACCOUNTS_HEADER = "account_id,customer_id,segment,currency";

/** Returns payments for every tenth invoice that no payment in the source's items.csv applies to. */
async function paymentsFor(file: string, date: string): Promise<string[]> {
  const invoices: { id: string; account: string; amount: string }[] = [];
  const paid = new Set<string>();
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  let header = true;
  for await (const line of lines) {
    if (header) {
      header = false;
      continue;
    }
    const [itemId, accountId, type, , , , amount, appliesTo] = line.split(",");
    if (type === "invoice") invoices.push({ id: itemId, account: accountId, amount });
    else if (type === "payment" && appliesTo) paid.add(appliesTo);
  }
  const payments: string[] = [];
  let open = 0;
  for (const invoice of invoices) {
    if (paid.has(invoice.id)) continue;
    if (open++ % 10 !== 0) continue;
    payments.push(`X${invoice.id},${invoice.account},payment,${date},,EUR,${invoice.amount},${invoice.id}`);
  }
  return payments;
}

/**
 * Writes the delta extract of the next night into target/<source>/ (items
 * with the new payments, accounts with none) from the first night's files in
 * folder; returns the number of items it adds.
 */
export async function writeDeltaNight(folder: string, target: string, date: string): Promise<number> {
  let added = 0;
  for (const source of SOURCES) {
    const payments = await paymentsFor(path.join(folder, source, "items.csv"), date);
    mkdirSync(path.join(target, source), { recursive: true });
    writeFileSync(path.join(target, source, "items.csv"), [ITEMS_HEADER, ...payments].join("\n") + "\n");
    writeFileSync(path.join(target, source, "accounts.csv"), ACCOUNTS_HEADER + "\n");
    added += payments.length;
  }
  return added;
}
