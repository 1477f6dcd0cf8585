import { expect } from "chai";
import { createHash } from "node:crypto";
import { createConnector } from "../../connectors/index.ts";
import { ExtractError } from "../../src/extract.ts";
import {
  BUSINESS_DATE,
  CollectingSink,
  rejectKey,
  sourceFromYaml,
  TempFolder,
} from "./helpers.ts";

const ACCOUNTS = [
  "account_id,customer_id,name,currency,status,autopay,extra_column",
  "A-1,C-1,Erika Mustermann,EUR,active,false,ignored",
  "A-2,,Max Mustermann,USD,,,",
].join("\n");

const ITEMS_HEADER =
  "item_id,account_id,type,document_date,due_date,currency,amount,applies_to,reference";

let root: TempFolder;

/** Reads root/extract as the standard extract of a source named mobile. */
async function readFolder(yaml = "") {
  const config = sourceFromYaml(`kind: standard\npath: extract\nentity: DE01\n${yaml}`);
  const sink = new CollectingSink();
  const result = await createConnector("mobile", config).read(
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

describe("standard connector", () => {
  let folder: { write(name: string, content: string | Buffer): void };

  beforeEach(() => {
    root = new TempFolder();
    folder = { write: (name, content) => root.write(`extract/${name}`, content) };
  });

  afterEach(() => root.remove());

  it("stages accounts and items", async () => {
    folder.write("accounts.csv", ACCOUNTS + "\n");
    folder.write(
      "items.csv",
      [
        ITEMS_HEADER,
        "INV-1,A-1,invoice,2026-03-01,2026-03-15,EUR,120.50,,R-0001",
        "PAY-1,A-1,payment,2026-03-10,,EUR,20.00,INV-1,",
      ].join("\n") + "\n",
    );
    const { sink, result } = await readFolder();

    expect(sink.rejects).to.deep.equal([]);
    expect(sink.accounts.map((a) => [a.line, a.accountId, a.customerId, a.currency, a.entity]))
      .to.deep.equal([
        [2, "A-1", "C-1", "EUR", "DE01"],
        [3, "A-2", null, "USD", "DE01"],
      ]);
    // 120.50 EUR is 12050 cents and 20.00 EUR 2000 cents.
    expect(sink.items.map((i) => [i.line, i.itemId, i.type, i.amountMinor, i.dueDate, i.appliesTo]))
      .to.deep.equal([
        [2, "INV-1", "invoice", 12050, "2026-03-15", null],
        [3, "PAY-1", "payment", 2000, null, "INV-1"],
      ]);
    expect(sink.items[0].reference).to.equal("R-0001");
    expect(result.rowsRead).to.deep.equal({ accounts: 2, items: 2 });
  });

  it("computes the checksum over the bytes read", async () => {
    const accounts = ACCOUNTS + "\n";
    const items = ITEMS_HEADER + "\n";
    folder.write("accounts.csv", accounts);
    folder.write("items.csv", items);
    const { result } = await readFolder();
    // Each file contributes "<file>\0<name>\0", its bytes and a closing "\0".
    const expected = createHash("sha256")
      .update(`accounts\0accounts.csv\0${accounts}\0`)
      .update(`items\0items.csv\0${items}\0`)
      .digest("hex");
    expect(result.checksum).to.equal(expected);
  });

  it("reads the optional files", async () => {
    folder.write("accounts.csv", ACCOUNTS + "\n");
    folder.write("items.csv", ITEMS_HEADER + "\n");
    folder.write(
      "allocations.csv",
      "item_id,applies_to,amount,date\nPAY-1,INV-1,10.00,2026-03-10\nPAY-1,INV-2,1O.00,2026-03-10\n",
    );
    folder.write(
      "holds.csv",
      "account_id,kind,start_date,end_date,reason,promised_amount,promised_date\n" +
        "A-1,promise_to_pay,2026-03-25,2026-04-15,call,119.80,2026-04-15\n" +
        "A-2,promise_to_pay,2026-03-25,2026-04-15,call,,\n",
    );
    const { sink, result } = await readFolder("default_currency: EUR\n");
    expect(sink.allocations.map((a) => [a.line, a.itemId, a.appliesTo, a.amountMinor, a.date]))
      .to.deep.equal([[2, "PAY-1", "INV-1", 1000, "2026-03-10"]]);
    expect(sink.holds.map((h) => [h.line, h.accountId, h.promisedMinor, h.promisedDate]))
      .to.deep.equal([[2, "A-1", 11980, "2026-04-15"]]);
    expect(sink.rejects.map(rejectKey)).to.deep.equal([
      "allocations.csv:3:amount:invalid_decimal",
      "holds.csv:3:promised_amount:required_field_missing",
    ]);
    expect(result.rowsRead).to.deep.equal({ accounts: 2, items: 0, allocations: 2, holds: 2 });
  });

  it("rejects broken rows with their lines", async () => {
    folder.write("accounts.csv", ACCOUNTS + "\n");
    folder.write(
      "items.csv",
      [
        ITEMS_HEADER,
        "INV-1,A-1,invoice,2023-02-30,2023-03-15,EUR,10.00,,",
        "INV-2,A-1,invoice,2026-03-01,2026-03-15,EUR,ten,,",
        "INV-3,A-1,invoice,2026-03-01,2026-03-15,EUR,-10.00,,",
        "INV-4,A-1,invoice,2026-03-01,2026-03-15,EUR,\"1,000.00\",,",
        "INV-5,A-1,invoice,2026-03-01,2026-03-15,XXX,10.00,,",
        "INV-6,A-1,invoice,2026-03-01,2026-03-15",
        "INV-7,A-1,invoice,2026-03-01,2026-03-15,EUR,10.00,,",
      ].join("\n") + "\n",
    );
    const { sink, result } = await readFolder();
    expect(sink.rejects.map(rejectKey)).to.deep.equal([
      "items.csv:2:document_date:invalid_date",
      "items.csv:3:amount:invalid_decimal",
      "items.csv:4:amount:amount_not_positive",
      "items.csv:5:amount:invalid_decimal",
      "items.csv:6:currency:currency_not_supported",
      "items.csv:7:row:wrong_column_count",
    ]);
    expect(sink.items.map((i) => i.itemId)).to.deep.equal(["INV-7"]);
    expect(result.rowsRead.items).to.equal(7);
    expect(sink.rejects.every((r) => r.source === "mobile")).to.equal(true);
  });

  it("rejects text longer than its ledger column", async () => {
    folder.write("accounts.csv", ACCOUNTS + "\n");
    // item_id and reference are stored in columns of 100 characters.
    const longest = "I".repeat(100);
    folder.write(
      "items.csv",
      [
        ITEMS_HEADER,
        `${longest},A-1,invoice,2026-03-01,2026-03-15,EUR,10.00,,`,
        `${longest}X,A-1,invoice,2026-03-01,2026-03-15,EUR,10.00,,`,
        `INV-3,A-1,invoice,2026-03-01,2026-03-15,EUR,10.00,,${"R".repeat(101)}`,
      ].join("\n") + "\n",
    );
    const { sink } = await readFolder();
    expect(sink.rejects.map(rejectKey)).to.deep.equal([
      "items.csv:3:item_id:value_too_long",
      "items.csv:4:reference:value_too_long",
    ]);
    expect(sink.items.map((i) => i.itemId)).to.deep.equal([longest]);
    expect(sink.rejects[0].message).to.equal(
      "item_id has 101 characters; the ledger keeps at most 100, so shorten it in the billing system",
    );
  });

  for (const [ending, label] of [["\n", "LF"], ["\r\n", "CRLF"]]) {
    it(`counts physical lines with ${label}`, async () => {
      folder.write("accounts.csv", ACCOUNTS + "\n");
      // The reference of INV-1 spans lines 2 to 4 and an empty line follows,
      // so INV-2 starts on line 6 and the bad INV-3 on line 7.
      const lines = [
        ITEMS_HEADER,
        'INV-1,A-1,invoice,2026-03-01,2026-03-15,EUR,10.00,,"first',
        "second",
        'third"',
        "",
        "INV-2,A-1,invoice,2026-03-01,2026-03-15,EUR,10.00,,",
        "INV-3,A-1,invoice,2026-03-01,2026-02-15,EUR,10.00,,",
      ];
      folder.write("items.csv", lines.join(ending) + ending);
      const { sink } = await readFolder();
      expect(sink.items.map((i) => [i.itemId, i.line])).to.deep.equal([
        ["INV-1", 2],
        ["INV-2", 6],
      ]);
      expect(sink.items[0].reference).to.equal(["first", "second", "third"].join(ending));
      expect(sink.rejects.map(rejectKey)).to.deep.equal([
        "items.csv:7:due_date:due_date_before_document_date",
      ]);
    });
  }

  it("awaits a slow sink", async () => {
    folder.write("accounts.csv", ACCOUNTS + "\n");
    folder.write("items.csv", ITEMS_HEADER + "\n");
    const sink = new CollectingSink();
    let pending = 0;
    let maxPending = 0;
    sink.account = async (row) => {
      pending += 1;
      maxPending = Math.max(maxPending, pending);
      await new Promise((resolve) => setTimeout(resolve, 5));
      sink.accounts.push(row);
      pending -= 1;
    };
    const config = sourceFromYaml("kind: standard\npath: extract\n");
    await createConnector("mobile", config).read(
      { businessDate: BUSINESS_DATE, baseDir: root.path },
      sink,
    );
    // Both accounts arrive, one at a time and in file order.
    expect(maxPending).to.equal(1);
    expect(sink.accounts.map((a) => a.accountId)).to.deep.equal(["A-1", "A-2"]);
  });

  it("accepts a header only", async () => {
    folder.write("accounts.csv", ACCOUNTS.split("\n")[0] + "\n");
    folder.write("items.csv", ITEMS_HEADER);
    const { sink, result } = await readFolder();
    expect(sink.accounts).to.deep.equal([]);
    expect(sink.items).to.deep.equal([]);
    expect(result.rowsRead).to.deep.equal({ accounts: 0, items: 0 });
  });

  it("strips a UTF-8 byte order mark", async () => {
    folder.write("accounts.csv", "\uFEFF" + ACCOUNTS);
    folder.write("items.csv", ITEMS_HEADER);
    const { sink } = await readFolder();
    expect(sink.accounts.map((a) => a.accountId)).to.deep.equal(["A-1", "A-2"]);
  });

  describe("file errors", () => {
    beforeEach(() => {
      folder.write("accounts.csv", ACCOUNTS);
    });

    it("fails on a missing file", async () => {
      const error = await extractError(readFolder());
      expect(error.code).to.equal("file_missing");
      expect(error.source).to.equal("mobile");
      expect(error.file).to.equal("items.csv");
    });

    it("fails on an empty file", async () => {
      folder.write("items.csv", "");
      const error = await extractError(readFolder());
      expect(error.code).to.equal("file_empty");
      expect(error.file).to.equal("items.csv");
    });

    it("fails on a missing required column", async () => {
      folder.write("items.csv", ITEMS_HEADER.replace(",amount", ",amount_eur") + "\n");
      const error = await extractError(readFolder());
      expect(error.code).to.equal("column_missing");
      expect(error.file).to.equal("items.csv");
      expect(error.message).to.include('no column "amount"');
    });

    it("fails on a file cut off inside quotes", async () => {
      folder.write(
        "items.csv",
        ITEMS_HEADER + '\nINV-1,A-1,invoice,2026-03-01,2026-03-15,EUR,10.00,,"R-00',
      );
      const error = await extractError(readFolder());
      expect(error.code).to.equal("malformed_file");
      expect(error.message).to.include("line 2");
    });

    it("fails on bytes that are not UTF-8", async () => {
      // "Müller" written in Latin-1: 0xFC is not valid UTF-8.
      const latin1 = Buffer.concat([
        Buffer.from(ITEMS_HEADER + "\nINV-1,A-1,invoice,2026-03-01,2026-03-15,EUR,10.00,,M"),
        Buffer.from([0xfc]),
        Buffer.from("ller\n"),
      ]);
      folder.write("items.csv", latin1);
      const error = await extractError(readFolder());
      expect(error.code).to.equal("invalid_encoding");
      expect(error.message).to.include("line 2");
    });
  });
});
