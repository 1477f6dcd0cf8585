import { expect } from "chai";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { createConnector } from "../../connectors/index.ts";
import { sourceSchema } from "../../src/config/sources.ts";
import { BUSINESS_DATE, CollectingSink, rejectKey } from "./helpers.ts";

const sampleDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../fixtures/sample");

async function readSample(name: string) {
  const fragment = parse(readFileSync(path.join(sampleDir, "sources.yaml"), "utf8"));
  const config = sourceSchema.parse(fragment.sources[name]);
  const sink = new CollectingSink();
  const result = await createConnector(name, config).read(
    { businessDate: BUSINESS_DATE, baseDir: sampleDir },
    sink,
  );
  return { sink, result };
}

/** [item id, type, document date, due date, amount in minor units, applies to] */
function itemSummary(sink: CollectingSink, ids: string[]) {
  return ids.map((id) => {
    const item = sink.item$(id);
    if (!item) return [id, "missing"];
    return [id, item.type, item.documentDate, item.dueDate, item.amountMinor, item.appliesTo];
  });
}

describe("sample operator", () => {
  it("reads the mobile system", async () => {
    const { sink, result } = await readSample("mobile");
    expect(result.rowsRead).to.deep.equal({ accounts: 90, items: 620, allocations: 2, holds: 1 });
    expect(sink.accounts).to.have.length(90);
    // 620 rows less the three rejected ones; the unknown account and the
    // duplicate id pass here and are rejected by the ledger.
    expect(sink.items).to.have.length(617);
    expect(sink.rejects.map(rejectKey)).to.deep.equal([
      "items.csv:617:document_date:invalid_date",
      "items.csv:618:amount:invalid_decimal",
      "items.csv:619:currency:currency_not_supported",
    ]);
    expect(itemSummary(sink, ["M-INV-1001-01", "M-PAY-1001-01", "M-INV-1005-01"])).to.deep.equal([
      ["M-INV-1001-01", "invoice", "2026-01-06", "2026-01-20", 4990, null],
      ["M-PAY-1001-01", "payment", "2026-02-10", null, 2000, "M-INV-1001-01"],
      ["M-INV-1005-01", "invoice", "2026-02-20", "2026-03-06", 12000, null],
    ]);
    expect(sink.item$("M-INV-1003-01")?.disputedMinor).to.equal(40000);
    expect(sink.item$("M-INV-1005-01")?.currency).to.equal("USD");
    expect(sink.allocations.map((a) => [a.itemId, a.appliesTo, a.amountMinor])).to.deep.equal([
      ["M-PAY-1002-01", "M-INV-1002-01", 2999],
      ["M-PAY-1002-01", "M-INV-1002-02", 2999],
    ]);
    expect(sink.holds.map((h) => [h.accountId, h.kind, h.promisedMinor, h.promisedDate]))
      .to.deep.equal([["M-100104", "promise_to_pay", 11980, "2026-04-15"]]);
  });

  it("reads the cable system", async () => {
    const { sink, result } = await readSample("cable");
    expect(result.rowsRead).to.deep.equal({ accounts: 60, items: 424 });
    expect(sink.items).to.have.length(421);
    expect(sink.rejects.map(rejectKey)).to.deep.equal([
      "posten.csv:421:document_date:invalid_date",
      "posten.csv:422:amount:invalid_decimal",
      "posten.csv:423:currency:currency_not_supported",
    ]);
    const dieter = sink.accounts.find((a) => a.accountId === "K1001007");
    expect([dieter?.name, dieter?.status, dieter?.customerId]).to.deep.equal([
      "Dieter Großmann",
      "suspended",
      "C-1007",
    ]);
    const jose = sink.accounts.find((a) => a.accountId === "K1001008");
    expect([jose?.name, jose?.language, jose?.channel]).to.deep.equal([
      "José Peña Ortega",
      "en",
      "email",
    ]);
    // 1.234,50 is 123450 cents; the credit note -234,50 and the payment
    // -500,00 are staged positive.
    expect(itemSummary(sink, ["40001081", "60001081", "70001081", "40001071"])).to.deep.equal([
      ["40001081", "invoice", "2026-02-20", "2026-03-06", 123450, null],
      ["60001081", "credit_note", "2026-03-10", null, 23450, "40001081"],
      ["70001081", "payment", "2026-03-20", null, 50000, "40001081"],
      ["40001071", "invoice", "2025-02-10", "2025-02-24", 6490, null],
    ]);
  });

  it("reads the broadband database", async () => {
    const { sink, result } = await readSample("broadband");
    // B-300001 is issued on 2026-04-01, after the business date.
    expect(result.rowsRead).to.deep.equal({ accounts: 50, items: 398 });
    expect(sink.accounts).to.have.length(50);
    expect(sink.item$("B-300001")).to.equal(undefined);
    expect(sink.rejects.map(rejectKey)).to.deep.equal(["items:251:document_date:invalid_date"]);
    expect(itemSummary(sink, ["B-100161", "R-100161", "R-100131"])).to.deep.equal([
      ["B-100161", "invoice", "2026-02-05", "2026-02-19", 4499, null],
      ["R-100161", "payment", "2026-03-12", null, 10000, null],
      ["R-100131", "payment", "2026-03-02", null, 8900, "B-100131"],
    ]);
  });

  it("links customers across systems", async () => {
    const accounts = [];
    for (const name of ["mobile", "cable", "broadband"]) {
      accounts.push(...(await readSample(name)).sink.accounts);
    }
    expect(accounts).to.have.length(200);
    const ofAnna = accounts.filter((a) => a.customerId === "C-1001").map((a) => a.accountId);
    expect(ofAnna).to.deep.equal(["M-100101", "K1001001", "BB-10011"]);
  });
});
