// Keeps the loading-memory benchmark working; the sizes it measures are
// for bench/load-memory.ts, not for the test suite.

import { readFileSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { generateStandardExtract, readExtract } from "../../bench/load-memory.ts";
import { TempFolder } from "./helpers.ts";

describe("loading memory benchmark", () => {
  it("reads back every generated row", async () => {
    const folder = new TempFolder();
    try {
      await generateStandardExtract(folder.path, 2_000);
      const items = readFileSync(path.join(folder.path, "items.csv"), "utf8").split("\n");
      expect(items[1]).to.equal("I0,A0,invoice,2026-02-01,2026-03-01,EUR,1.00,R0");
      const sink = await readExtract(folder.path);
      // One account per ten items.
      expect([sink.items, sink.accounts, sink.rejects]).to.deep.equal([2_000, 200, 0]);
    } finally {
      folder.remove();
    }
  });
});
