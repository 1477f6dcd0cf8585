import { expect } from "chai";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { createConnector } from "../../connectors/index.ts";
import { sourceSchema } from "../../src/config/sources.ts";
import { BUSINESS_DATE, CollectingSink } from "./helpers.ts";

const exampleDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../examples/ibm-ar");

describe("IBM accounts receivable example", () => {
  let sink: CollectingSink;
  let rowsRead: Record<string, number>;

  before(async function () {
    const dataDir = process.env.DCMS_SAMPLE_DATA;
    const folder = dataDir ? path.join(dataDir, "ibm-accounts-receivable") : "";
    if (!dataDir || !existsSync(path.join(folder, "accounts-receivable.csv"))) {
      console.log("    skipped: set DCMS_SAMPLE_DATA to the public sample data folder to run these");
      this.skip();
    }
    const fragment = parse(readFileSync(path.join(exampleDir, "sources.yaml"), "utf8"));
    const config = sourceSchema.parse({ ...fragment.sources["ibm-ar"], path: folder });
    sink = new CollectingSink();
    const result = await createConnector("ibm-ar", config).read(
      { businessDate: BUSINESS_DATE, baseDir: exampleDir },
      sink,
    );
    rowsRead = result.rowsRead;
  });

  it("stages an invoice per row", () => {
    expect(rowsRead).to.deep.equal({ accounts: 2466, items: 2466 });
    expect(sink.rejects).to.deep.equal([]);
    expect(sink.items.filter((i) => i.type === "invoice")).to.have.length(2466);
  });

  it("derives a payment per settled row", () => {
    // Every row of the file has a SettledDate.
    const payments = sink.items.filter((i) => i.type === "payment");
    expect(payments).to.have.length(2466);
    const invoiced = sink.items
      .filter((i) => i.type === "invoice")
      .reduce((sum, i) => sum + i.amountMinor, 0);
    const paid = payments.reduce((sum, i) => sum + i.amountMinor, 0);
    // The InvoiceAmount column adds up to 147,703.18 USD.
    expect(invoiced).to.equal(14770318);
    expect(paid).to.equal(14770318);
  });

  it("stages one account per customer", () => {
    expect(sink.accounts).to.have.length(100);
    const first = sink.accounts[0];
    // Line 2: 391,0379-NEVHP,...,Paper
    expect([first.line, first.accountId, first.entity, first.currency, first.channel]).to.deep.equal(
      [2, "0379-NEVHP", "391", "USD", "letter"],
    );
  });

  it("marks disputed invoices in full", () => {
    const disputed = sink.items.filter((i) => i.disputedMinor > 0);
    // 561 rows have Disputed=Yes.
    expect(disputed).to.have.length(561);
    expect(disputed.every((i) => i.disputedMinor === i.amountMinor)).to.equal(true);
  });

  it("stages exact rows", () => {
    // Line 3: 406,8976-AMJEO,3/3/2012,7900770,1/26/2013,2/25/2013,61.74,Yes,3/3/2013,...
    const invoice = sink.item$("7900770");
    expect(invoice).to.deep.include({
      line: 3,
      accountId: "8976-AMJEO",
      type: "invoice",
      documentDate: "2013-01-26",
      dueDate: "2013-02-25",
      currency: "USD",
      amountMinor: 6174,
      disputedMinor: 6174,
    });
    expect(sink.item$("7900770-paid")).to.deep.include({
      line: 3,
      type: "payment",
      documentDate: "2013-03-03",
      dueDate: null,
      amountMinor: 6174,
      appliesTo: "7900770",
    });
    // Last line, 2467: 406,9758-AIEIK,...,9990243864,7/4/2013,8/3/2013,68.66,No,7/18/2013,...
    expect(sink.item$("9990243864")).to.deep.include({
      line: 2467,
      documentDate: "2013-07-04",
      dueDate: "2013-08-03",
      amountMinor: 6866,
      disputedMinor: 0,
    });
    expect(sink.item$("9990243864-paid")?.documentDate).to.equal("2013-07-18");
  });
});
