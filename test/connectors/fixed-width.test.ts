import { expect } from "chai";
import iconv from "iconv-lite";
import { createConnector } from "../../connectors/index.ts";
import { ExtractError } from "../../src/extract.ts";
import { BUSINESS_DATE, CollectingSink, rejectKey, sourceFromYaml, TempFolder } from "./helpers.ts";

/**
 * A mainframe export in Windows-1252. Accounts: a header line, then account
 * (8), name (20), currency (3) in lines of 31 characters. Items: id (10),
 * account (8), type (2), document date (8), due date (8), amount (12, right
 * aligned, decimal comma), currency (3), paid date (8), and a trailer line
 * "99" + row count (7) + amount (15) + currency (3).
 */
const SOURCE = `
kind: fixed_width
path: host
entity: DE01
encoding: windows-1252
decimal: ","
grouping: "."
date_format: YYYYMMDD
credit_sign: negative
files:
  accounts:
    file: KONTEN.TXT
    skip_lines: 1
    line_length: 31
    columns:
      account_id: { start: 1, width: 8 }
      name: { start: 9, width: 20 }
      currency: { start: 29, width: 3 }
  items:
    file: POSTEN.TXT
    columns:
      item_id: { start: 1, width: 10 }
      account_id: { start: 11, width: 8 }
      type: { start: 19, width: 2 }
      document_date: { start: 21, width: 8 }
      due_date: { start: 29, width: 8 }
      amount: { start: 37, width: 12 }
      currency: { start: 49, width: 3 }
    maps:
      type: { RE: invoice, GS: credit_note, ZE: payment }
    derived_payment:
      column: { start: 52, width: 8 }
    trailer:
      prefix: "99"
      count_column: { start: 3, width: 7 }
      amount_column: { start: 10, width: 15 }
      currency_column: { start: 25, width: 3 }
`;

/** Joins fields padded to their widths; numbers are right aligned. */
function record(fields: [string | number, number, ("left" | "right")?][]): string {
  return fields
    .map(([value, width, align]) => (align === "right" ? String(value).padStart(width) : String(value).padEnd(width)))
    .join("");
}

function account(id: string, name: string, currency = "EUR"): string {
  return record([[id, 8], [name, 20], [currency, 3]]);
}

function item(id: string, accountId: string, type: string, date: string, due: string, amount: string, paid = ""): string {
  return record([[id, 10], [accountId, 8], [type, 2], [date, 8], [due, 8], [amount, 12, "right"], ["EUR", 3], [paid, 8]]);
}

function trailer(count: number, amount: string, currency = "EUR"): string {
  return "99" + record([[String(count).padStart(7, "0"), 7], [amount, 15, "right"], [currency, 3]]);
}

const KONTEN = ["KONTO   NAME                WHG", account("K1", "Müller € Söhne GmbH"), account("K2", "Zoë Brandt")];

let folder: TempFolder;

async function read(posten: string[], konten = KONTEN, yaml = SOURCE) {
  folder.write("host/KONTEN.TXT", iconv.encode(konten.join("\r\n") + "\r\n", "windows-1252"));
  folder.write("host/POSTEN.TXT", iconv.encode(posten.join("\r\n") + "\r\n", "windows-1252"));
  const sink = new CollectingSink();
  const result = await createConnector("host", sourceFromYaml(yaml)).read(
    { businessDate: BUSINESS_DATE, baseDir: folder.path },
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

describe("fixed_width connector", () => {
  beforeEach(() => {
    folder = new TempFolder();
  });

  afterEach(() => folder.remove());

  it("reads fields at their positions", async () => {
    const { sink, result } = await read([
      item("R-1", "K1", "RE", "20260301", "20260315", "1.234,50"),
      "",
      item("G-1", "K1", "GS", "20260310", "", "-34,50"),
      item("R-2", "K2", "RE", "20260301", "20260315", "99,90", "20260320"),
      trailer(3, "1.299,90"),
    ]);
    expect(sink.rejects).to.deep.equal([]);
    // Line 1 is the header of KONTEN.TXT; € is 0x80 in Windows-1252.
    expect(sink.accounts.map((a) => [a.line, a.accountId, a.name])).to.deep.equal([
      [2, "K1", "Müller € Söhne GmbH"],
      [3, "K2", "Zoë Brandt"],
    ]);
    // Line 2 of POSTEN.TXT is blank. -34,50 is a credit written with its
    // minus; R-2 was paid in full on 2026-03-20, so a payment is derived.
    expect(
      sink.items.map((i) => [i.line, i.itemId, i.type, i.documentDate, i.dueDate, i.amountMinor, i.appliesTo]),
    ).to.deep.equal([
      [1, "R-1", "invoice", "2026-03-01", "2026-03-15", 123450, null],
      [3, "G-1", "credit_note", "2026-03-10", null, 3450, null],
      [4, "R-2", "invoice", "2026-03-01", "2026-03-15", 9990, null],
      [4, "R-2-paid", "payment", "2026-03-20", null, 9990, "R-2"],
    ]);
    expect(result.rowsRead).to.deep.equal({ accounts: 2, items: 3 });
  });

  it("rejects lines of the wrong length and cut records", async () => {
    const { sink } = await read(
      [item("R-1", "K1", "RE", "20260301", "20260315", "10,00"), "R-2       K2      RE20260301", trailer(2, "10,00")],
      [...KONTEN, account("K3", "Kurz").slice(0, 20)],
    );
    expect(sink.rejects.map(rejectKey)).to.deep.equal([
      "KONTEN.TXT:4:row:wrong_line_length",
      // Without line_length, a cut record misses its amount.
      "POSTEN.TXT:2:due_date:required_field_missing",
    ]);
  });

  it("takes a sign convention per item type", async () => {
    const yaml = SOURCE.replace("credit_sign: negative", "credit_sign: negative\nsigns: { credit_note: positive }");
    const { sink } = await read([
      item("G-1", "K1", "GS", "20260310", "", "34,50"),
      item("Z-1", "K1", "ZE", "20260311", "", "-20,00"),
      item("Z-2", "K1", "ZE", "20260312", "", "20,00"),
      trailer(3, "34,50"),
    ], KONTEN, yaml);
    // Credit notes come positive, payments with a minus sign.
    expect(sink.items.map((i) => [i.itemId, i.amountMinor])).to.deep.equal([
      ["G-1", 3450],
      ["Z-1", 2000],
    ]);
    expect(sink.rejects.map(rejectKey)).to.deep.equal(["POSTEN.TXT:3:amount:credit_sign_missing"]);
  });

  it("checks the trailer per currency", async () => {
    const usd = item("U-1", "K1", "RE", "20260301", "20260315", "5,00").replace("EUR", "USD");
    const { sink } = await read([
      item("R-1", "K1", "RE", "20260301", "20260315", "10,00"),
      usd,
      trailer(2, "10,00", "EUR"),
      trailer(2, "5,00", "USD"),
    ]);
    expect(sink.items.map((i) => i.itemId)).to.deep.equal(["R-1", "U-1"]);
  });

  it("fails when the trailer disagrees", async () => {
    const error = await extractError(read([item("R-1", "K1", "RE", "20260301", "20260315", "10,00"), trailer(1, "10,01")]));
    expect(error.code).to.equal("control_totals_mismatch");
    expect(error.message).to.equal(
      "source host: POSTEN.TXT does not match its control totals: the amounts EUR sum to 10.00, " +
        "the control total is 10.01; the extract may be truncated or altered, so ask the billing system to send it again",
    );
  });

  it("fails without the trailer", async () => {
    const error = await extractError(read([item("R-1", "K1", "RE", "20260301", "20260315", "10,00")]));
    expect(error.code).to.equal("trailer_missing");
  });

  it("fails on a data line after the trailer", async () => {
    const row = item("R-1", "K1", "RE", "20260301", "20260315", "10,00");
    const error = await extractError(read([row, trailer(1, "10,00"), row]));
    expect(error.code).to.equal("malformed_file");
    expect(error.message).to.include("line 3 is a data row after the trailer");
  });

  it("fails when the header lines are missing", async () => {
    folder.write("host/KONTEN.TXT", "");
    folder.write("host/POSTEN.TXT", trailer(0, "0,00"));
    const error = await extractError(
      createConnector("host", sourceFromYaml(SOURCE)).read({ businessDate: BUSINESS_DATE, baseDir: folder.path }, new CollectingSink()),
    );
    expect(error.code).to.equal("file_empty");
    expect(error.file).to.equal("KONTEN.TXT");
  });

  it("fails on bytes that are not Windows-1252", async () => {
    folder.write("host/KONTEN.TXT", Buffer.concat([Buffer.from(KONTEN.slice(0, 2).join("\r\n") + "\r\n"), Buffer.from("K3      \x81", "latin1")]));
    folder.write("host/POSTEN.TXT", trailer(0, "0,00"));
    const error = await extractError(
      createConnector("host", sourceFromYaml(SOURCE)).read({ businessDate: BUSINESS_DATE, baseDir: folder.path }, new CollectingSink()),
    );
    expect(error.code).to.equal("invalid_encoding");
    expect(error.message).to.include("KONTEN.TXT line 3");
  });
});
