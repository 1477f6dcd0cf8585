// An allocation that applies a payment to an item nobody knows is rejected
// with its file and line, and the rest of the file still loads.

import { appendFileSync, readFileSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { copyFolder, readCsv, removeFolder, rowsWhere, runDate } from "./support/run.ts";

describe("allocation rejects", function () {
  let folder: string;

  before(function () {
    folder = copyFolder("fixtures/sample");
  });

  after(function () {
    removeFolder(folder);
  });

  it("rejects an allocation to an unknown item", async function () {
    const file = path.join(folder, "mobile/allocations.csv");
    const header = readFileSync(file, "utf8").split("\n")[0].split(",");
    const values: Record<string, string> = { item_id: "M-PAY-1002-01", applies_to: "M-NOPE", amount: "1.00", date: "2026-03-17" };
    appendFileSync(file, header.map((column) => values[column] ?? "").join(",") + "\n");
    const lines = readFileSync(file, "utf8").trimEnd().split("\n").length;
    const out = path.join(folder, "out");
    await runDate(path.join(folder, "dcms.yaml"), "2026-03-31", out);
    const rejects = rowsWhere(path.join(out, "rejects.csv"), { source: "mobile", file: "allocations.csv" });
    expect(rejects.map((row) => [row.line, row.field, row.code])).to.deep.equal([[String(lines), "applies_to", "item_not_found"]]);
    // Jonas's two valid allocations still settle both his invoices.
    expect(readCsv(path.join(out, "aging.csv")).filter((row) => row.customer_id === "C-1002")).to.have.length(0);
  });
});
