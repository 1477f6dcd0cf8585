// The ordered list of ledger migrations, served to knex's migrator so that
// the same code runs under tsx and from any working folder.

import type { Knex } from "knex";
import * as ledger0001 from "./0001-ledger.ts";
import * as sources0002 from "./0002-sources.ts";
import * as accounting0003 from "./0003-accounting.ts";
import * as dunning0004 from "./0004-dunning.ts";
import * as agencies0005 from "./0005-agencies.ts";
import * as cash0006 from "./0006-cash.ts";
import * as indexes0007 from "./0007-indexes.ts";
import * as reviews0008 from "./0008-reviews.ts";
import * as staging0009 from "./0009-staging.ts";

const MIGRATIONS: Record<string, Knex.Migration> = {
  "0001-ledger": ledger0001,
  "0002-sources": sources0002,
  "0003-accounting": accounting0003,
  "0004-dunning": dunning0004,
  "0005-agencies": agencies0005,
  "0006-cash": cash0006,
  "0007-indexes": indexes0007,
  "0008-reviews": reviews0008,
  "0009-staging": staging0009,
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
