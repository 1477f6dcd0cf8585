import { expect } from "chai";
import iconv from "iconv-lite";
import { createConnector } from "../../connectors/index.ts";
import { ExtractError } from "../../src/extract.ts";
import {
  BUSINESS_DATE,
  CollectingSink,
  rejectKey,
  sourceFromYaml,
  TempFolder,
} from "./helpers.ts";

/** A legacy layout in the manner of the sample cable system. */
const LEGACY = `
kind: csv
path: legacy
entity: DE01
encoding: latin1
delimiter: ";"
decimal: ","
grouping: "."
date_format: DD.MM.YYYY
credit_sign: negative
files:
  accounts:
    file: kunden.csv
    columns: { account_id: Konto, name: Name, city: Ort, status: Status, currency: Whg }
    values: { segment: consumer }
    maps:
      status: { A: active, G: suspended }
  items:
    file: posten.csv
    columns:
      item_id: Beleg
      account_id: Konto
      type: Art
      document_date: Datum
      due_date: Faellig
      amount: Betrag
      currency: Whg
      applies_to: Bezug
    maps:
      type: { RE: invoice, GS: credit_note, ZE: payment }
`;

const KUNDEN = [
  "Konto;Name;Ort;Status;Whg",
  "K1;Dieter Großmann;Köln;A;EUR",
  "K2;José Peña;Düsseldorf;G;EUR",
].join("\r\n");

const POSTEN_HEADER = "Beleg;Konto;Art;Datum;Faellig;Betrag;Whg;Bezug";

let root: TempFolder;

async function readLegacy(posten: string[] | Buffer, yaml = LEGACY) {
  root.write("legacy/kunden.csv", iconv.encode(KUNDEN + "\r\n", "latin1"));
  const items = Buffer.isBuffer(posten)
    ? posten
    : iconv.encode([POSTEN_HEADER, ...posten].join("\r\n") + "\r\n", "latin1");
  root.write("legacy/posten.csv", items);
  const sink = new CollectingSink();
  const result = await createConnector("cable", sourceFromYaml(yaml)).read(
    { businessDate: BUSINESS_DATE, baseDir: root.path },
    sink,
  );
  return { sink, result };
}

async function extractError(promise: Promise<unknown>): Promise<ExtractError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ExtractError) return error;
    throw error;
  }
  throw new Error("expected an ExtractError");
}

describe("csv connector", () => {
  beforeEach(() => {
    root = new TempFolder();
  });

  afterEach(() => root.remove());

  it("decodes Latin-1 and maps codes", async () => {
    const { sink } = await readLegacy([]);
    expect(sink.accounts.map((a) => [a.line, a.accountId, a.name, a.city, a.status, a.segment]))
      .to.deep.equal([
        [2, "K1", "Dieter Großmann", "Köln", "active", "consumer"],
        [3, "K2", "José Peña", "Düsseldorf", "suspended", "consumer"],
      ]);
    expect(sink.accounts[0].entity).to.equal("DE01");
  });

  it("reads decimal commas, grouping and signs", async () => {
    const { sink } = await readLegacy([
      "4001;K1;RE;20.02.2026;06.03.2026;1.234,50;EUR;",
      "6001;K1;GS;10.03.2026;;-234,50;EUR;4001",
      "7001;K1;ZE;20.03.2026;;-500;EUR;4001",
      "4002;K2;RE;01.03.2026;15.03.2026;39,95;EUR;",
      "4003;K2;RE;01.03.2026;15.03.2026;1234567,8;EUR;",
    ]);
    expect(sink.rejects).to.deep.equal([]);
    // 1.234,50 is 123450 cents; -234,50 and -500 lose their minus as credits;
    // 1234567,8 has no grouping at all, which is allowed: 123456780 cents.
    expect(
      sink.items.map((i) => [i.itemId, i.type, i.documentDate, i.dueDate, i.amountMinor, i.appliesTo]),
    ).to.deep.equal([
      ["4001", "invoice", "2026-02-20", "2026-03-06", 123450, null],
      ["6001", "credit_note", "2026-03-10", null, 23450, "4001"],
      ["7001", "payment", "2026-03-20", null, 50000, "4001"],
      ["4002", "invoice", "2026-03-01", "2026-03-15", 3995, null],
      ["4003", "invoice", "2026-03-01", "2026-03-15", 123456780, null],
    ]);
  });

  it("rejects bad rows of the legacy layout", async () => {
    const { sink, result } = await readLegacy([
      "4001;K1;RE;30.02.2026;16.03.2026;24,90;EUR;",
      "4002;K1;RE;2026-03-02;16.03.2026;24,90;EUR;",
      "4003;K1;RE;02.03.2026;16.03.2026;24.90;EUR;",
      "4004;K1;RE;02.03.2026;16.03.2026;1.23,50;EUR;",
      "4005;K1;RE;02.03.2026;16.03.2026;-39,95;EUR;",
      "6001;K1;GS;02.03.2026;;39,95;EUR;4001",
      "4006;K1;XX;02.03.2026;16.03.2026;24,90;EUR;",
      "4007;K1;RE;02.03.2026;16.03.2026;24,90;EUX;",
      "4008;K1;RE;02.03.2026;16.03.2026;24,9O;EUR;",
      "4009;K1;RE;02.03.2026;16.03.2026;24,901;EUR;",
    ]);
    expect(sink.rejects.map(rejectKey)).to.deep.equal([
      "posten.csv:2:document_date:invalid_date",
      "posten.csv:3:document_date:invalid_date",
      "posten.csv:4:amount:invalid_decimal",
      "posten.csv:5:amount:invalid_decimal",
      "posten.csv:6:amount:amount_not_positive",
      "posten.csv:7:amount:credit_sign_missing",
      "posten.csv:8:type:value_not_mapped",
      "posten.csv:9:currency:currency_not_supported",
      "posten.csv:10:amount:invalid_decimal",
      "posten.csv:11:amount:too_many_decimals",
    ]);
    expect(sink.items).to.deep.equal([]);
    expect(result.rowsRead).to.deep.equal({ accounts: 2, items: 10 });
    expect(sink.rejects[6].message).to.include('column "Art"');
  });

  it("fails on a missing mapped column", async () => {
    const header = Buffer.from(POSTEN_HEADER.replace("Betrag", "Summe") + "\r\n");
    const error = await extractError(readLegacy(header));
    expect(error.code).to.equal("column_missing");
    expect(error.file).to.equal("posten.csv");
    expect(error.message).to.include('no column "Betrag"');
  });

  it("fails on bytes undefined in windows-1252", async () => {
    // 0x81 has no character in windows-1252.
    const posten = Buffer.concat([
      Buffer.from(POSTEN_HEADER + "\r\n4001;K1;RE;01.03.2026;15.03.2026;1"),
      Buffer.from([0x81]),
      Buffer.from(";EUR;\r\n"),
    ]);
    const yaml = LEGACY.replace("encoding: latin1", "encoding: windows-1252");
    const error = await extractError(readLegacy(posten, yaml));
    expect(error.code).to.equal("invalid_encoding");
    expect(error.message).to.include("line 2");
  });

  it("fails on Latin-1 read as UTF-8", async () => {
    const yaml = LEGACY.replace("encoding: latin1", "encoding: utf-8");
    const error = await extractError(readLegacy([], yaml));
    expect(error.code).to.equal("invalid_encoding");
    // The first non-ASCII byte is the ß of Großmann on line 2.
    expect(error.file).to.equal("kunden.csv");
    expect(error.message).to.include("line 2");
  });

  it("fails on a configured file that is missing", async () => {
    const yaml = LEGACY + "  holds:\n    file: sperren.csv\n    columns: { account_id: Konto, kind: Art, start_date: Ab }\n";
    const error = await extractError(readLegacy([], yaml));
    expect(error.code).to.equal("file_missing");
    expect(error.file).to.equal("sperren.csv");
  });

  describe("invoice files", () => {
    const INVOICES = `
kind: csv
path: ar
date_format: M/D/YYYY
files:
  accounts:
    file: invoices.csv
    distinct: true
    columns: { account_id: customer, entity: country, channel: bill }
    values: { currency: USD }
    maps:
      channel: { Paper: letter, Electronic: email }
  items:
    file: invoices.csv
    columns:
      item_id: invoice
      account_id: customer
      document_date: issued
      due_date: due
      amount: total
      disputed_amount: disputed
    values: { type: invoice, currency: USD }
    maps:
      disputed_amount: { "Yes": { field: amount }, "No": "0" }
    derived_payment: { column: settled }
`;

    async function readInvoices(lines: string[]) {
      root.write("ar/invoices.csv", ["country,customer,invoice,issued,due,total,disputed,settled,bill", ...lines].join("\n"));
      const sink = new CollectingSink();
      const result = await createConnector("ar", sourceFromYaml(INVOICES)).read(
        { businessDate: BUSINESS_DATE, baseDir: root.path },
        sink,
      );
      return { sink, result };
    }

    it("stages one account per customer", async () => {
      const { sink } = await readInvoices([
        "391,C1,100,1/2/2013,2/1/2013,55.94,No,1/15/2013,Paper",
        "406,C1,101,2/2/2013,3/4/2013,10.00,No,,Electronic",
        "406,C2,102,2/2/2013,3/4/2013,10.00,No,,Electronic",
      ]);
      // C1 keeps the entity and channel of its first row, line 2.
      expect(sink.accounts.map((a) => [a.line, a.accountId, a.entity, a.channel, a.currency]))
        .to.deep.equal([
          [2, "C1", "391", "letter", "USD"],
          [4, "C2", "406", "email", "USD"],
        ]);
    });

    it("derives payments and disputes", async () => {
      const { sink, result } = await readInvoices([
        "391,C1,100,1/2/2013,2/1/2013,55.94,Yes,1/15/2013,Paper",
        "391,C1,101,2/2/2013,3/4/2013,10.00,No,,Paper",
        "391,C1,102,2/2/2013,3/4/2013,10.00,No,2/30/2013,Paper",
      ]);
      // Invoice 100 of 55.94 is disputed in full and paid on 2013-01-15;
      // 101 is unpaid; 102 is staged but its paid date does not exist.
      expect(
        sink.items.map((i) => [i.line, i.itemId, i.type, i.documentDate, i.amountMinor, i.disputedMinor, i.appliesTo]),
      ).to.deep.equal([
        [2, "100", "invoice", "2013-01-02", 5594, 5594, null],
        [2, "100-paid", "payment", "2013-01-15", 5594, 0, "100"],
        [3, "101", "invoice", "2013-02-02", 1000, 0, null],
        [4, "102", "invoice", "2013-02-02", 1000, 0, null],
      ]);
      expect(sink.rejects.map(rejectKey)).to.deep.equal([
        "invoices.csv:4:paid_date:invalid_date",
      ]);
      expect(result.rowsRead).to.deep.equal({ accounts: 3, items: 3 });
    });

    it("rejects a value without a map entry", async () => {
      const { sink } = await readInvoices(["391,C1,100,1/2/2013,2/1/2013,55.94,Maybe,,Fax"]);
      expect(sink.rejects.map(rejectKey)).to.deep.equal([
        "invoices.csv:2:channel:value_not_mapped",
        "invoices.csv:2:disputed_amount:value_not_mapped",
      ]);
    });
  });

  describe("encodings and conventions", () => {
    const UTF8 = `
kind: csv
path: shop
entity: DE01
quote: "'"
signs: { payment: negative, credit_note: negative }
files:
  accounts:
    file: accounts.csv
    columns: { account_id: id, name: name, currency: ccy }
  items:
    file: items.csv
    columns: { item_id: id, account_id: account, type: type, document_date: date, due_date: due, amount: amount }
    values: { currency: EUR, status: posted }
`;
    const ITEMS_FILE = [
      "id,account,type,date,due,amount",
      "R1,A1,invoice,2026-03-01,2026-03-15,10.00",
      "G1,A1,credit_note,2026-03-02,,-2.50",
      "Z1,A1,payment,2026-03-03,,-5.00",
    ].join("\n");

    async function readShop(accounts: Buffer, yaml = UTF8) {
      root.write("shop/accounts.csv", accounts);
      root.write("shop/items.csv", ITEMS_FILE + "\n");
      const sink = new CollectingSink();
      await createConnector("shop", sourceFromYaml(yaml)).read({ businessDate: BUSINESS_DATE, baseDir: root.path }, sink);
      return sink;
    }

    it("reads UTF-8 with and without a byte order mark", async () => {
      const text = "id,name,ccy\nA1,'Łukasz, Ñuñez',EUR\n";
      for (const bytes of [Buffer.from(text), Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)])]) {
        const sink = await readShop(bytes);
        // The quote character is ', so the comma inside the name is no delimiter.
        expect(sink.accounts.map((a) => [a.accountId, a.name])).to.deep.equal([["A1", "Łukasz, Ñuñez"]]);
      }
    });

    it("reads Windows-1252", async () => {
      // 0x80 is the euro sign and 0x84 the low quotation mark in Windows-1252.
      const bytes = Buffer.concat([Buffer.from("id,name,ccy\nA1,"), Buffer.from([0x84, 0x80, 0x93]), Buffer.from(",EUR\n")]);
      const sink = await readShop(bytes, UTF8.replace("quote:", "encoding: windows-1252\nquote:"));
      expect(sink.accounts.map((a) => a.name)).to.deep.equal(["„€“"]);
    });

    it("takes constants and a sign per item type", async () => {
      const sink = await readShop(Buffer.from("id,name,ccy\nA1,x,EUR\n"));
      expect(sink.rejects).to.deep.equal([]);
      // Credit notes and payments of this source carry a minus sign, which is dropped.
      expect(sink.items.map((i) => [i.itemId, i.type, i.status, i.currency, i.amountMinor])).to.deep.equal([
        ["R1", "invoice", "posted", "EUR", 1000],
        ["G1", "credit_note", "posted", "EUR", 250],
        ["Z1", "payment", "posted", "EUR", 500],
      ]);
    });
  });
});

