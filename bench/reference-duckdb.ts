// Reference pipeline 2: DuckDB reads the same CSV files and runs the same
// aging query. Usage: node --import tsx bench/reference-duckdb.ts <operator folder>

import path from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { SOURCES } from "./generate.ts";
import { AGING_SQL_DUCKDB } from "./aging-sql.ts";

const folder = process.argv[2];
const started = performance.now();
const instance = await DuckDBInstance.create(":memory:");
const connection = await instance.connect();
const files = SOURCES.map((source) => `'${path.join(folder, source, "items.csv")}'`).join(", ");
await connection.run(`create table items as
  select item_id, account_id, type, document_date, due_date,
         cast(round(amount * 100) as bigint) as amount_minor, applies_to
  from read_csv([${files}], header = true, types = {'amount': 'DECIMAL(18,2)', 'applies_to': 'VARCHAR', 'due_date': 'DATE', 'document_date': 'DATE'})`);
const loadMs = performance.now() - started;
const result = await connection.runAndReadAll(AGING_SQL_DUCKDB);
const wallMs = Math.round(performance.now() - started);
process.stdout.write(JSON.stringify({ agingRows: result.getRows().length, loadMs: Math.round(loadMs), wallMs }) + "\n");
