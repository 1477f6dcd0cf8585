// The ordered list of ledger migrations, served to knex's migrator so that
// the same code runs under tsx and from any working folder.

import type { Knex } from "knex";
import * as ledger0001 from "./0001-ledger.ts";

const MIGRATIONS: Record<string, Knex.Migration> = {
  "0001-ledger": ledger0001,
};

export const migrationSource: Knex.MigrationSource<string> = {
  async getMigrations() {
    return Object.keys(MIGRATIONS);
  },
  getMigrationName(name) {
    return name;
  },
  async getMigration(name) {
    return MIGRATIONS[name];
  },
};
