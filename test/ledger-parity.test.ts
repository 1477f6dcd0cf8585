// The same night on the SQLite and the PostgreSQL ledger writes the same
// files, byte for byte.

import { readFileSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { skipUnreachable } from "./support/environment.ts";
import { postgresReachable, useLedger } from "./support/ledgers.ts";
import { copyFolder, removeFolder, runDate } from "./support/run.ts";

describe("ledger parity", function () {
  const folders: string[] = [];
  const drops: (() => Promise<void>)[] = [];

  after(async function () {
    for (const drop of drops) await drop();
    for (const folder of folders) removeFolder(folder);
  });

  it("writes identical files on SQLite and PostgreSQL", async function () {
    const unreachable = await postgresReachable();
    if (unreachable) skipUnreachable(this, "PostgreSQL on 127.0.0.1:5432", unreachable);
    const outputs: string[] = [];
    for (const ledger of ["sqlite", "postgres"] as const) {
      const folder = copyFolder("fixtures/sample");
      folders.push(folder);
      drops.push(await useLedger(folder, ledger));
      const config = path.join(folder, "dcms.yaml");
      await runDate(config, "2026-03-31", path.join(folder, "out-1"));
      await runDate(config, "2026-04-14", path.join(folder, "out-2"));
      outputs.push(path.join(folder, "out-2"));
    }
    for (const file of ["aging.csv", "actions.csv", "provision.csv", "journal.csv", "rejects.csv", "letters/index.csv"]) {
      const sqlite = readFileSync(path.join(outputs[0], file), "utf8");
      const postgres = readFileSync(path.join(outputs[1], file), "utf8");
      expect(postgres, file).to.equal(sqlite);
    }
  });
});
