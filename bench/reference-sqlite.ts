// Reference pipeline 1: a bare load of the items files into better-sqlite3
// (one prepared insert in one transaction) and the aging query, no dcms code.
// Usage: node --import tsx bench/reference-sqlite.ts <operator folder>

import { createReadStream, rmSync } from "node:fs";
import path from "node:path";
import { parse } from "csv-parse";
import Database from "better-sqlite3";
import { SOURCES } from "./generate.ts";
import { AGING_SQL_SQLITE } from "./aging-sql.ts";

const folder = process.argv[2];
const file = path.join(folder, "reference.sqlite");
rmSync(file, { force: true });
const started = performance.now();
const db = new Database(file);
db.pragma("journal_mode = WAL");
db.pragma("synchronous = NORMAL");
db.exec(`create table items (source text, item_id text, account_id text, type text,
  document_date text, due_date text, amount_minor integer, applies_to text)`);
const insert = db.prepare("insert into items values (?, ?, ?, ?, ?, ?, ?, ?)");
db.exec("begin");
let rows = 0;
for (const source of SOURCES) {
  const parser = createReadStream(path.join(folder, source, "items.csv")).pipe(parse({ columns: true }));
  for await (const row of parser) {
    const [whole, fraction = ""] = (row.amount as string).split(".");
    const cents = Number(whole) * 100 + Number(fraction.padEnd(2, "0"));
    insert.run(source, row.item_id, row.account_id, row.type, row.document_date, row.due_date || null, cents, row.applies_to || null);
    rows++;
  }
}
db.exec("commit");
const loadedMs = performance.now() - started;
const aging = db.prepare(AGING_SQL_SQLITE).all();
const wallMs = Math.round(performance.now() - started);
db.close();
rmSync(file, { force: true });
process.stdout.write(JSON.stringify({ rows, agingRows: aging.length, loadMs: Math.round(loadedMs), wallMs }) + "\n");
