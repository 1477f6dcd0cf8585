import { expect } from "chai";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";

import { InvariantError } from "../../src/errors.ts";
import {
  amountCell,
  compareCodePoints,
  compareDecimals,
  compareRowsBy,
  CsvWriter,
  formatCsvCell,
  renderCsv,
  writeCsvFile,
  type CsvCell,
  type CsvColumn,
} from "../../src/outputs/csv.ts";

interface Row {
  note: CsvCell;
  amount?: CsvCell;
  date?: CsvCell;
  count?: CsvCell;
  rate?: CsvCell;
}

const COLUMNS: CsvColumn<Row>[] = [
  { name: "note", kind: "text", value: (row) => row.note },
  { name: "amount", kind: "amount", value: (row) => row.amount },
  { name: "date", kind: "date", value: (row) => row.date },
  { name: "count", kind: "integer", value: (row) => row.count },
  { name: "rate", kind: "rate", value: (row) => row.rate },
];

describe("renderCsv", function () {
  it("prefixes formula-like text cells", function () {
    const csv = renderCsv(COLUMNS, [
      { note: "=SUM(A1:A2)" },
      { note: "+49 170 1234567" },
      { note: "-5" },
      { note: "@SUM(1)" },
      { note: "\tcmd" },
      { note: "plain = text" },
    ]);
    // Each text cell that starts with = + - @ or a tab gets a leading '.
    // A tab needs no quotes, and "=" inside a cell is harmless.
    expect(csv).to.equal(
      "note,amount,date,count,rate\n" +
        "'=SUM(A1:A2),,,,\n" +
        "'+49 170 1234567,,,,\n" +
        "'-5,,,,\n" +
        "'@SUM(1),,,,\n" +
        "'\tcmd,,,,\n" +
        "plain = text,,,,\n",
    );
  });

  it("quotes only cells that need it", function () {
    const csv = renderCsv(COLUMNS, [
      { note: "a,b" },
      { note: 'say "hi"' },
      { note: "line1\nline2" },
      { note: "\rcmd" },
      { note: "=1,2" },
      { note: "Jürgen Größmann" },
      { note: "" },
      { note: null },
    ]);
    // A carriage return both starts a formula and needs quotes, so the
    // prefix goes inside the quotes, as does the prefix of "=1,2".
    expect(csv).to.equal(
      "note,amount,date,count,rate\n" +
        '"a,b",,,,\n' +
        '"say ""hi""",,,,\n' +
        '"line1\nline2",,,,\n' +
        "\"'\rcmd\",,,,\n" +
        "\"'=1,2\",,,,\n" +
        "Jürgen Größmann,,,,\n" +
        ",,,,\n" +
        ",,,,\n",
    );
  });

  it("writes typed cells unaltered", function () {
    const csv = renderCsv(COLUMNS, [
      { note: "refund", amount: "-12.50", date: "2026-03-31", count: -3, rate: "0.016" },
      { note: "yen", amount: amountCell(-1200, "JPY"), count: "42", rate: 1.0845 },
      { note: "dinar", amount: amountCell(1234, "KWD") },
    ]);
    // A negative amount and a negative integer keep their minus sign. JPY
    // has no decimals and KWD three (1234 fils = 1.234).
    expect(csv).to.equal(
      "note,amount,date,count,rate\n" +
        "refund,-12.50,2026-03-31,-3,0.016\n" +
        "yen,-1200,,42,1.0845\n" +
        "dinar,1.234,,,\n",
    );
  });

  it("rejects typed cells of the wrong shape", function () {
    expect(() => formatCsvCell("amount", 1250, "amount")).to.throw(InvariantError, /amountCell/);
    expect(() => formatCsvCell("amount", "1,234.50", "amount")).to.throw(InvariantError);
    expect(() => formatCsvCell("amount", "=1+1", "amount")).to.throw(InvariantError);
    expect(() => formatCsvCell("date", "31.03.2026", "date")).to.throw(InvariantError);
    expect(() => formatCsvCell("date", "2026-02-30", "date")).to.throw(InvariantError);
    expect(() => formatCsvCell("integer", 1.5, "count")).to.throw(InvariantError);
    expect(() => formatCsvCell("rate", "-@1", "rate")).to.throw(InvariantError);
  });

  it("writes a header even without rows", function () {
    expect(renderCsv(COLUMNS, [])).to.equal("note,amount,date,count,rate\n");
  });
});

describe("compareRowsBy", function () {
  it("orders amounts by value", function () {
    const amounts = ["10.00", "-12.50", "3", "-3.5", "0", "2.999", "-0.00", "100"];
    const sorted = amounts
      .map((amount) => ({ note: "", amount }))
      .sort(compareRowsBy(COLUMNS, ["amount"]))
      .map((row) => row.amount);
    // -0.00 equals 0 and keeps its input order after it.
    expect(sorted).to.deep.equal(["-12.50", "-3.5", "0", "-0.00", "2.999", "3", "10.00", "100"]);
  });

  it("orders text by code point", function () {
    const notes = ["b", "😀", "a", "\uffef", "é", "Z", ""];
    const sorted = notes
      .map((note) => ({ note }))
      .sort(compareRowsBy(COLUMNS, ["note"]))
      .map((row) => row.note);
    // U+1F600 follows U+FFEF by code point, although its first UTF-16 unit
    // (D83D) is smaller. The empty cell sorts first.
    expect(sorted).to.deep.equal(["", "Z", "a", "b", "é", "\uffef", "😀"]);
  });

  it("keeps input order for equal keys", function () {
    const rows = [
      { note: "x", count: 2, rate: "first" },
      { note: "x", count: 1, rate: "second" },
      { note: "x", count: 2, rate: "third" },
      { note: "w", count: 2, rate: "fourth" },
    ];
    const sorted = [...rows].sort(compareRowsBy(COLUMNS, ["note", "count"]));
    expect(sorted.map((row) => row.rate)).to.deep.equal(["fourth", "second", "first", "third"]);
  });

  it("orders integers numerically", function () {
    const sorted = [{ count: 10 }, { count: 9 }, { count: -1 }]
      .map((row) => ({ note: "", ...row }))
      .sort(compareRowsBy(COLUMNS, ["count"]))
      .map((row) => row.count);
    expect(sorted).to.deep.equal([-1, 9, 10]);
  });

  it("rejects an unknown key column", function () {
    expect(() => compareRowsBy(COLUMNS, ["missing"])).to.throw(InvariantError, /missing/);
  });

  it("compares helpers directly", function () {
    expect(compareDecimals("0.5", "0.55")).to.be.below(0);
    expect(compareDecimals("0.6", "0.55")).to.be.above(0);
    expect(compareDecimals("-0.6", "-0.55")).to.be.below(0);
    expect(compareDecimals("007.10", "7.1")).to.equal(0);
    expect(compareCodePoints("\uffff", "\u{10000}")).to.be.below(0);
  });
});

/** A stream that accepts one chunk per event-loop turn and records its buffer. */
class SlowStream extends Writable {
  chunks: string[] = [];
  maxBuffered = 0;

  constructor() {
    super({ highWaterMark: 1024, decodeStrings: false });
  }

  override _write(chunk: string, _encoding: BufferEncoding, done: () => void): void {
    this.maxBuffered = Math.max(this.maxBuffered, this.writableLength);
    this.chunks.push(chunk);
    setImmediate(done);
  }
}

describe("CsvWriter", function () {
  let folder: string;

  beforeEach(async function () {
    folder = await mkdtemp(join(tmpdir(), "dcms-csv-"));
  });

  afterEach(async function () {
    await rm(folder, { recursive: true, force: true });
  });

  const manyRows = (count: number): Row[] =>
    Array.from({ length: count }, (_, i) => ({
      note: i % 7 === 0 ? `=row ${i}` : `row, ${i}`,
      amount: amountCell(i * 37 - 5000, "EUR"),
      date: "2026-03-31",
      count: i,
    }));

  it("streams the same bytes as renderCsv", async function () {
    const rows = manyRows(20_000);
    const file = join(folder, "rows.csv");
    const written = await writeCsvFile(file, COLUMNS, rows);
    expect(written).to.equal(20_000);
    expect(await readFile(file, "utf8")).to.equal(renderCsv(COLUMNS, rows));
  });

  it("waits for a full stream to drain", async function () {
    const rows = manyRows(20_000);
    const stream = new SlowStream();
    const writer = new CsvWriter(stream, COLUMNS);
    for (const row of rows) await writer.write(row);
    await writer.close();
    const text = stream.chunks.join("");
    expect(text).to.equal(renderCsv(COLUMNS, rows));
    // The text is about 700 KB. Without waiting for "drain", the writer
    // would queue all of it. With the wait, the stream buffers at most one
    // 64 KiB chunk plus a row at a time.
    expect(text.length).to.be.above(700_000);
    expect(stream.maxBuffered).to.be.below(64 * 1024 + 200);
  });

  it("appends a raw trailer line", async function () {
    const stream = new SlowStream();
    const writer = new CsvWriter(stream, COLUMNS);
    await writer.write({ note: "x", amount: "1.00" });
    await writer.writeRawLine("TRAILER,1");
    await writer.close();
    expect(stream.chunks.join("")).to.equal(
      "note,amount,date,count,rate\nx,1.00,,,\nTRAILER,1\n",
    );
    expect(writer.rowCount).to.equal(1);
  });

  it("rejects when the file cannot be opened", async function () {
    const file = join(folder, "missing", "rows.csv");
    let failure: unknown;
    try {
      await writeCsvFile(file, COLUMNS, manyRows(3));
    } catch (error) {
      failure = error;
    }
    expect((failure as NodeJS.ErrnoException)?.code).to.equal("ENOENT");
  });

  it("stops at a row of the wrong shape", async function () {
    const file = join(folder, "bad.csv");
    const rows = [...manyRows(2), { note: "bad", amount: "12,50" }];
    let failure: unknown;
    try {
      await writeCsvFile(file, COLUMNS, rows);
    } catch (error) {
      failure = error;
    }
    expect(failure).to.be.instanceOf(InvariantError);
    expect((failure as Error).message).to.contain('"12,50"');
  });

  it("writes only the header for no rows", async function () {
    const file = join(folder, "empty.csv");
    expect(await writeCsvFile(file, COLUMNS, [])).to.equal(0);
    expect(await readFile(file, "utf8")).to.equal("note,amount,date,count,rate\n");
  });
});
