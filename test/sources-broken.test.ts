// Broken extracts in a nightly run. Night one (2026-03-31) loads a clean
// mobile source and a legacy cable source (Windows-1252, semicolons,
// 1.234,50, DD.MM.YYYY, a trailer with control totals). Nothing is overdue
// by 10 days yet. Night two (2026-04-10) reads a broken cable file: a bad
// row is rejected and the night goes on; a broken file rejects the whole
// source, the run exits 3, cable's accounts get no actions although their
// invoices are now 13 and 16 days overdue, and cable's ledger rows stay as
// they were. Mobile's invoice, 16 days overdue, gets its reminder in every
// case, which shows that the run went on for the other source.

import { expect } from "chai";
import iconv from "iconv-lite";
import { actionKeys, csvText, Operator, STANDARD_ACCOUNTS, STANDARD_ITEMS } from "./connectors/operator.ts";

const CABLE = {
  kind: "csv",
  path: "cable",
  entity: "DE01",
  encoding: "windows-1252",
  delimiter: ";",
  decimal: ",",
  grouping: ".",
  date_format: "DD.MM.YYYY",
  reject_threshold: 0.25,
  files: {
    accounts: { file: "kunden.csv", columns: { account_id: "Kontonr", name: "Name", currency: "Waehrung" } },
    items: {
      file: "posten.csv",
      columns: {
        item_id: "Belegnr",
        account_id: "Kontonr",
        type: "Belegart",
        document_date: "Belegdatum",
        due_date: "Faellig",
        amount: "Betrag",
        currency: "Waehrung",
      },
      maps: { type: { RE: "invoice", GS: "credit_note" } },
      trailer: { prefix: "T", count_column: 2, amount_column: 3, currency_column: 4 },
    },
  },
};

const KUNDEN = "Kontonr;Name;Waehrung\r\nK1;Jürgen Weiß;EUR\r\nK2;Zoë Brandt;EUR\r\n";
const HEADER = "Belegnr;Kontonr;Belegart;Belegdatum;Faellig;Betrag;Waehrung";
const ROW_4001 = "4001;K1;RE;01.03.2026;25.03.2026;100,00;EUR";
const ROW_4002 = "4002;K2;RE;01.03.2026;28.03.2026;1.234,50;EUR";

function cp1252(lines: string[]): Buffer {
  return iconv.encode(lines.join("\r\n") + "\r\n", "windows-1252");
}

const GOOD_POSTEN = cp1252([HEADER, ROW_4001, ROW_4002, "T;2;1.334,50;EUR"]);

interface BrokenCase {
  name: string;
  posten?: Buffer;
  kunden?: Buffer;
  exitStatus: 0 | 3;
  /** Status of cable in run.json. */
  status: "loaded" | "rejected" | "failed";
  /** file:line:field:code of cable's rejects. */
  rejects: string[];
}

const CASES: BrokenCase[] = [
  { name: "a good file", posten: GOOD_POSTEN, exitStatus: 0, status: "loaded", rejects: [] },
  {
    // The billing system wrote UTF-8: Ł is C5 81, and 81 is no character in Windows-1252.
    name: "a file in another encoding",
    kunden: Buffer.from("Kontonr;Name;Waehrung\r\nK1;Łukasz Weiß;EUR\r\nK2;Zoë Brandt;EUR\r\n", "utf8"),
    exitStatus: 3,
    status: "failed",
    rejects: ["kunden.csv:0::invalid_encoding"],
  },
  {
    name: "a truncated file",
    posten: Buffer.from([HEADER, ROW_4001, "4002;K2;RE;01.03.20"].join("\r\n")),
    exitStatus: 3,
    status: "rejected",
    // The cut row has too few fields; the file ends without its trailer.
    rejects: ["posten.csv:0::trailer_missing", "posten.csv:3:row:wrong_column_count"],
  },
  {
    name: "a missing column",
    posten: cp1252([HEADER.replace(";Betrag", ""), "4001;K1;RE;01.03.2026;25.03.2026;EUR", "T;1;;EUR"]),
    exitStatus: 3,
    status: "failed",
    rejects: ["posten.csv:0::column_missing"],
  },
  {
    // One bad row of 2 accounts and 3 items is 20 %, within the threshold of 25 %.
    name: "a duplicate id",
    posten: cp1252([HEADER, ROW_4001, ROW_4002, ROW_4001, "T;3;1.434,50;EUR"]),
    exitStatus: 0,
    status: "loaded",
    rejects: ["posten.csv:4:item_id:duplicate_item_id"],
  },
  {
    name: "an impossible date",
    posten: cp1252([HEADER, ROW_4001, ROW_4002.replace("01.03.2026", "30.02.2026"), "T;2;1.334,50;EUR"]),
    exitStatus: 0,
    status: "loaded",
    rejects: ["posten.csv:3:document_date:invalid_date"],
  },
  {
    // 1.23,50 is no amount with "." between thousands, so the file's amounts
    // cannot add up to the trailer's 223,50 and the totals cannot be proved.
    name: "a misplaced thousands separator",
    posten: cp1252([HEADER, ROW_4001, ROW_4002.replace("1.234,50", "1.23,50"), "T;2;223,50;EUR"]),
    exitStatus: 3,
    status: "rejected",
    rejects: ["posten.csv:0::control_totals_mismatch", "posten.csv:3:amount:invalid_decimal"],
  },
  { name: "an empty file", posten: Buffer.alloc(0), exitStatus: 3, status: "failed", rejects: ["posten.csv:0::file_empty"] },
  {
    // Both open items of cable would close: 2 of 2 is more than max_close_share 0.5.
    name: "a header only",
    posten: cp1252([HEADER, "T;0;0,00;EUR"]),
    exitStatus: 3,
    status: "rejected",
    rejects: [],
  },
  {
    name: "a trailer whose amount disagrees",
    posten: cp1252([HEADER, ROW_4001, ROW_4002, "T;2;1.334,00;EUR"]),
    exitStatus: 3,
    status: "rejected",
    rejects: ["posten.csv:0::control_totals_mismatch"],
  },
  {
    name: "a trailer whose count disagrees",
    posten: cp1252([HEADER, ROW_4001, ROW_4002, "T;3;1.334,50;EUR"]),
    exitStatus: 3,
    status: "rejected",
    rejects: ["posten.csv:0::control_totals_mismatch"],
  },
  {
    // Two bad rows of 2 accounts and 4 items are 33 %, above the threshold of 25 %.
    name: "too many bad rows",
    posten: cp1252([
      HEADER,
      ROW_4001,
      ROW_4002,
      "4003;K1;RE;31.04.2026;15.05.2026;10,00;EUR",
      "4004;K2;XX;01.03.2026;15.03.2026;10,00;EUR",
      "T;4;1.354,50;EUR",
    ]),
    exitStatus: 3,
    status: "rejected",
    rejects: ["posten.csv:4:document_date:invalid_date", "posten.csv:5:type:value_not_mapped"],
  },
];

describe("broken extracts in a nightly run", function () {
  let nightOne: Operator;

  before(async function () {
    nightOne = Operator.create({
      mobile: { kind: "standard", path: "mobile", entity: "DE01" },
      cable: CABLE,
    });
    nightOne.write(
      "mobile/accounts.csv",
      csvText(STANDARD_ACCOUNTS, [["M1", "", "", "", "", "", "EUR"]]),
    );
    nightOne.write(
      "mobile/items.csv",
      csvText(STANDARD_ITEMS, [["I1", "M1", "invoice", "posted", "2026-03-01", "2026-03-25", "EUR", "50.00"]]),
    );
    nightOne.write("cable/kunden.csv", iconv.encode(KUNDEN, "windows-1252"));
    nightOne.write("cable/posten.csv", GOOD_POSTEN);
    const outcome = await nightOne.night("2026-03-31");
    expect(outcome.exitStatus).to.equal(0);
  });

  after(() => nightOne.remove());

  it("reads the legacy layout on night one", async function () {
    const items = await nightOne.ledger((knex) =>
      knex("items").where({ source: "cable" }).orderBy("item_id").select("item_id", "amount_minor", "due_date"),
    );
    // 100,00 is 10000 cents and 1.234,50 is 123450.
    expect(items.map((row) => [row.item_id, Number(row.amount_minor), row.due_date])).to.deep.equal([
      ["4001", 10000, "2026-03-25"],
      ["4002", 123450, "2026-03-28"],
    ]);
    expect(nightOne.csv("2026-03-31", "actions.csv")).to.deep.equal([]);
  });

  for (const brokenCase of CASES) {
    it(`handles ${brokenCase.name}`, async function () {
      const operator = nightOne.copy();
      try {
        if (brokenCase.posten) operator.write("cable/posten.csv", brokenCase.posten);
        if (brokenCase.kunden) operator.write("cable/kunden.csv", brokenCase.kunden);
        const before = await operator.sourceRows("cable");
        const outcome = await operator.night("2026-04-10");
        expect(outcome.exitStatus).to.equal(brokenCase.exitStatus);

        const run = operator.runJson("2026-04-10");
        expect(run.exit_status).to.equal(brokenCase.exitStatus);
        const cable = run.sources.find((source: { source: string }) => source.source === "cable");
        expect(cable.status).to.equal(brokenCase.status);
        const rejects = operator
          .csv("2026-04-10", "rejects.csv")
          .filter((row) => row.source === "cable")
          .map((row) => `${row.file}:${row.line}:${row.field}:${row.code}`);
        expect(rejects).to.deep.equal(brokenCase.rejects);

        const actions = actionKeys(operator.csv("2026-04-10", "actions.csv"));
        if (brokenCase.exitStatus === 0) {
          expect(actions).to.include("mobile/M1/letter");
          expect(actions).to.include("cable/K1/letter");
          return;
        }
        expect(cable.reason).to.be.a("string").and.not.equal("");
        expect(run.warnings.some((warning: string) => warning.startsWith(`source cable was ${brokenCase.status}`))).to.equal(true);
        expect(actions).to.deep.equal(["mobile/M1/letter"]);
        expect(await operator.sourceRows("cable")).to.deep.equal(before);
      } finally {
        operator.remove();
      }
    });
  }

  it("keeps an item whose row was rejected open", async function () {
    const operator = nightOne.copy();
    try {
      operator.write(
        "cable/posten.csv",
        cp1252([HEADER, ROW_4001, ROW_4002.replace("01.03.2026", "30.02.2026"), "T;2;1.334,50;EUR"]),
      );
      await operator.night("2026-04-10");
      // 4002's row is in the snapshot, though invalid, so the item is not closed.
      const items = await operator.ledger((knex) =>
        knex("items").where({ source: "cable", item_id: "4002" }).select("version", "status"),
      );
      expect(items).to.deep.equal([{ version: 1, status: "posted" }]);
      const reason = operator.runJson("2026-04-10").sources.find((source: { source: string }) => source.source === "cable");
      expect(reason.status).to.equal("loaded");
    } finally {
      operator.remove();
    }
  });

  it("says why a header-only snapshot is rejected", async function () {
    const operator = nightOne.copy();
    try {
      operator.write("cable/posten.csv", cp1252([HEADER, "T;0;0,00;EUR"]));
      await operator.night("2026-04-10");
      const cable = operator.runJson("2026-04-10").sources.find((source: { source: string }) => source.source === "cable");
      expect(cable.reason).to.equal(
        "the snapshot lacks 2 of the source's 2 open items, more than max_close_share 0.5; " +
          "the extract is probably truncated, so it was not loaded",
      );
    } finally {
      operator.remove();
    }
  });
});
