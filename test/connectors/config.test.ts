import { expect } from "chai";
import { parse } from "yaml";
import { maxCloseShare, sourceMode, sourceSchema } from "../../src/config/sources.ts";

/** Returns "path: message" for every problem the schema finds. */
function problems(yaml: string): string[] {
  const result = sourceSchema.safeParse(parse(yaml));
  if (result.success) return [];
  return result.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
}

const CSV = `
kind: csv
path: cable
files:
  accounts:
    file: kunden.csv
    columns: { account_id: Konto, currency: Whg }
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
`;

describe("source schema", () => {
  it("fills the defaults of a standard source", () => {
    const config = sourceSchema.parse({ kind: "standard", path: "mobile" });
    expect(config).to.deep.equal({
      kind: "standard",
      path: "mobile",
      enabled: true,
      customer_ids: "local",
      reject_threshold: 0.05,
    });
  });

  it("fills the defaults of a csv source", () => {
    const config = sourceSchema.parse(parse(CSV));
    if (config.kind !== "csv") throw new Error("expected a csv source");
    expect(config.encoding).to.equal("utf-8");
    expect(config.delimiter).to.equal(",");
    expect(config.quote).to.equal('"');
    expect(config.decimal).to.equal(".");
    expect(config.grouping).to.equal("none");
    expect(config.date_format).to.equal("YYYY-MM-DD");
    expect(config.credit_sign).to.equal("positive");
    expect(config.files.accounts.distinct).to.equal(false);
    expect(config.files.items.maps).to.deep.equal({});
  });

  it("turns YAML constants into text", () => {
    const config = sourceSchema.parse(
      parse(CSV + "    values: { status: 1 }\n    maps: { type: { 10: invoice, Y: true } }\n"),
    );
    if (config.kind !== "csv") throw new Error("expected a csv source");
    expect(config.files.items.values).to.deep.equal({ status: "1" });
    expect(config.files.items.maps).to.deep.equal({ type: { "10": "invoice", Y: "true" } });
  });

  it("rejects unknown keys", () => {
    expect(problems("kind: standard\npath: x\nfolder: y\n")).to.deep.equal([
      ': Unrecognized key: "folder"',
    ]);
    expect(problems(CSV + "    colums: {}\n")).to.deep.equal([
      'files.items: Unrecognized key: "colums"',
    ]);
  });

  it("rejects unknown fields in a mapping", () => {
    expect(problems(CSV + "    values: { amount_eur: x }\n")).to.have.length(1);
    expect(problems(CSV + "    values: { amount_eur: x }\n")[0]).to.match(/^files\.items\.values/);
  });

  it("rejects bad settings", () => {
    expect(problems("kind: standard\npath: x\nreject_threshold: 1.5\n")).to.have.length(1);
    expect(problems("kind: standard\npath: x\ncustomer_ids: world\n")).to.have.length(1);
    expect(problems("kind: standard\npath: x\ndefault_currency: EUX\n")).to.deep.equal([
      "default_currency: must be a supported ISO 4217 currency code",
    ]);
    expect(problems(CSV + "date_format: DD-MM-YY\n")).to.have.length(1);
    expect(problems(CSV + "decimal: ','\ngrouping: ','\n")).to.deep.equal([
      'grouping: must differ from the decimal separator ","',
    ]);
    expect(problems(CSV + "delimiter: ';;'\n")).to.deep.equal([
      "delimiter: must be a single character",
    ]);
    expect(problems("kind: xml\npath: x\n")).to.have.length(1);
  });

  it("needs every required field mapped", () => {
    const withoutAmount = CSV.replace("      amount: Betrag\n", "");
    expect(problems(withoutAmount)).to.deep.equal([
      "files.items: amount is required: map it in columns or set it in values",
    ]);
    const asConstant = withoutAmount + "    values: { amount: '10.00' }\n";
    expect(problems(asConstant)).to.deep.equal([]);
  });

  it("checks value maps", () => {
    expect(problems(CSV + "    maps: { status: { O: posted } }\n")).to.deep.equal([
      "files.items.maps.status: status has a value map but no column to read from",
    ]);
    expect(problems(CSV + "    maps: { type: { X: { field: reference } } }\n")).to.deep.equal([
      "files.items.maps.type.X.field: reference must be a field of items read from a column or a value, without a map of its own",
    ]);
  });

  it("checks sql sources", () => {
    const sql = `
kind: sql
connection: { client: sqlite, filename: billing.sqlite }
queries:
  accounts: SELECT * FROM subscriber
  items: SELECT * FROM bill WHERE issued_on <= :business_date AND x = :account
`;
    expect(problems(sql)).to.deep.equal([
      "queries.items: unknown parameter :account; the only parameter is :business_date",
    ]);
    const casts = sql.replace(" AND x = :account", " AND '10:30' <> y::text");
    expect(problems(casts)).to.deep.equal([]);
    expect(problems(casts.replace(/connection: .*/, "connection: oracle://db/billing"))).to.deep.equal([
      "connection: must be a postgres:// or mysql:// URL, or an object with client",
    ]);
    const config = sourceSchema.parse(parse(casts));
    if (config.kind !== "sql") throw new Error("expected an sql source");
    expect(config.amounts).to.equal("decimal");
  });

  it("checks watermarks", () => {
    const sql = `
kind: sql
connection: { client: sqlite, filename: billing.sqlite }
queries:
  accounts: SELECT * FROM subscriber
  items: SELECT * FROM bill WHERE changed > :watermark
`;
    expect(problems(sql)).to.deep.equal([
      "queries.items: parameter :watermark needs the watermark key with its column",
    ]);
    expect(problems(sql + "watermark: { column: changed_at }\n")).to.deep.equal([
      "watermark.initial: is required when a query uses :watermark: the value to bind on the first run, such as 1970-01-01",
    ]);
    const complete = sql + "watermark: { column: changed_at, initial: 0 }\n";
    expect(problems(complete)).to.deep.equal([]);
    expect(problems(complete + "mode: snapshot\n")).to.deep.equal([
      "mode: a source read by watermark delivers only changed rows; use mode: delta or remove the watermark",
    ]);
    expect(problems(complete.replace("column: changed_at", "column: changed-at"))).to.deep.equal([
      "watermark.column: must be a column name of letters, digits and _",
    ]);
    const config = sourceSchema.parse(parse(complete));
    expect(sourceMode(config)).to.equal("delta");
  });

  it("defaults files to full snapshots", () => {
    const config = sourceSchema.parse({ kind: "standard", path: "mobile", control_file: "mobile.ctl" });
    expect(sourceMode(config)).to.equal("snapshot");
    expect(maxCloseShare(config)).to.equal(0.5);
    expect(problems("kind: standard\npath: x\nmax_close_share: 2\n")).to.have.length(1);
    expect(problems("kind: standard\npath: x\ncustomer_match: [phone]\n")).to.have.length(1);
  });

  it("reads fixed-width positions and trailers", () => {
    const fixed = `
kind: fixed_width
path: host
files:
  accounts:
    file: KONTEN.TXT
    columns: { account_id: { start: 1, width: 8 }, currency: { start: 9, width: 3 } }
    trailer: { prefix: "99", count_column: { start: 3, width: 7 }, amount_column: { start: 10, width: 9 } }
  items:
    file: POSTEN.TXT
    columns:
      item_id: { start: 1, width: 10 }
      account_id: { start: 11, width: 8 }
      type: { start: 0, width: 2 }
      document_date: { start: 21, width: 8 }
      amount: { start: 37, width: 12 }
      currency: { start: 49, width: 3 }
`;
    expect(problems(fixed)).to.deep.equal([
      "files.items.columns.type.start: Too small: expected number to be >=1",
      "files.accounts.trailer.amount_column: accounts has no amount to total; remove amount_column",
    ]);
  });

  it("fills the defaults of an xlsx source", () => {
    const xlsx = CSV.replace("kind: csv", "kind: xlsx");
    const config = sourceSchema.parse(parse(xlsx));
    if (config.kind !== "xlsx") throw new Error("expected an xlsx source");
    expect(config.files.items.sheet).to.equal(1);
    expect(config.files.items.header_row).to.equal(1);
    expect(problems(xlsx + "    trailer: { prefix: T, count_column: 2 }\n")).to.deep.equal([
      'files.items: Unrecognized key: "trailer"',
    ]);
  });
});

