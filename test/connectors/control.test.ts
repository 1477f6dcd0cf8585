import { expect } from "chai";
import { compareTotals, FileTotals } from "../../connectors/control.ts";
import { createConnector } from "../../connectors/index.ts";
import { STANDARD_FORMAT } from "../../connectors/fields.ts";
import { ExtractError } from "../../src/extract.ts";
import { BUSINESS_DATE, CollectingSink, sourceFromYaml, TempFolder } from "./helpers.ts";

const ACCOUNTS = "account_id,currency\nA1,EUR\nA2,USD\n";
const ITEMS = [
  "item_id,account_id,type,document_date,due_date,currency,amount",
  "I1,A1,invoice,2026-03-01,2026-03-15,EUR,100.00",
  "I2,A1,credit_note,2026-03-02,,EUR,20.00",
  "I3,A2,invoice,2026-03-01,2026-03-15,USD,7.5",
].join("\n") + "\n";

const STANDARD = "kind: standard\npath: billing\ncontrol_file: billing.ctl\n";

let folder: TempFolder;

async function read(control: string | null, yaml = STANDARD) {
  folder.write("billing/accounts.csv", ACCOUNTS);
  folder.write("billing/items.csv", ITEMS);
  if (control !== null) folder.write("billing/billing.ctl", control);
  const sink = new CollectingSink();
  const result = await createConnector("billing", sourceFromYaml(yaml)).read(
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

// Amounts of items.csv as written: EUR 100.00 + 20.00 = 120.00 (the type
// gives a credit its direction, not the sign), USD 7.50.
const GOOD = "file,rows,currency,amount\naccounts,2,,\nitems.csv,3,EUR,120.00\nitems.csv,3,USD,7.50\n";

describe("control file", () => {
  beforeEach(() => {
    folder = new TempFolder();
  });

  afterEach(() => folder.remove());

  it("accepts totals that agree", async () => {
    const { sink, result } = await read(GOOD);
    expect(sink.items).to.have.length(3);
    expect(result.rowsRead).to.deep.equal({ accounts: 2, items: 3 });
  });

  it("covers the control file in the checksum", async () => {
    const first = await read(GOOD);
    const second = await read(GOOD.replace("accounts,2,,", "accounts,2, ,"));
    expect(second.result.checksum).to.not.equal(first.result.checksum);
  });

  const mismatches: [string, string, string][] = [
    ["a row count", GOOD.replace("accounts,2", "accounts,3"), "billing.ctl line 2 gives 3 rows, the file has 2"],
    ["an amount", GOOD.replace("EUR,120.00", "EUR,100.00"), "the amounts EUR sum to 120.00, the control total is 100.00"],
    [
      "a currency the control file lacks",
      "file,rows,currency,amount\nitems,3,EUR,120.00\n",
      "the amounts USD sum to 7.50, the control total is 0.00",
    ],
    ["a file the source does not read", GOOD + "holds,0,,\n", 'line 5 names "holds", which the source does not read'],
  ];
  for (const [name, control, detail] of mismatches) {
    it(`rejects ${name}`, async () => {
      const error = await extractError(read(control));
      expect(error.code).to.equal("control_totals_mismatch");
      expect(error.message).to.include(detail);
    });
  }

  it("fails without the control file", async () => {
    const error = await extractError(read(null));
    expect(error.code).to.equal("control_file_missing");
    expect(error.file).to.equal("billing.ctl");
  });

  it("fails on a control file without its columns", async () => {
    const error = await extractError(read("name;count\nitems;3\n"));
    expect(error.code).to.equal("control_file_invalid");
  });
});

describe("control totals", () => {
  const location = { source: "billing", file: "items.csv", filePath: "items.csv" };

  function totals(rows: [string, string][]): FileTotals {
    const result = new FileTotals();
    for (const [amount, currency] of rows) result.addRow({ amount, currency }, STANDARD_FORMAT);
    return result;
  }

  it("sums every currency when the control names none", () => {
    // 10.00 EUR + 5 JPY + 0.125 KWD = 15.1250 in ten-thousandths of any unit.
    const file = totals([["10.00", "EUR"], ["5", "JPY"], ["0.125", "KWD"]]);
    expect(() => compareTotals(location, [{ origin: "trailer", rows: "3", amount: "15.125" }], file, STANDARD_FORMAT)).to.not.throw();
    expect(() => compareTotals(location, [{ origin: "trailer", rows: "3", amount: "15.12" }], file, STANDARD_FORMAT)).to.throw(
      ExtractError,
      "the amounts of all currencies sum to 15.1250, the control total is 15.1200",
    );
  });

  it("counts rows whose amount cannot be read", () => {
    const file = totals([["10.00", "EUR"], ["zehn", "EUR"]]);
    expect(file.rows).to.equal(2);
    expect(file.amounts.get("EUR")).to.equal(100000n);
  });

  it("rejects a row count that is not a number", () => {
    expect(() => compareTotals(location, [{ origin: "trailer line 9", rows: "3x" }], totals([]), STANDARD_FORMAT)).to.throw(
      ExtractError,
      'trailer line 9 has the row count "3x", which is not a whole number',
    );
  });
});
