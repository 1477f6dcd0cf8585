import { expect } from "chai";

import { InvariantError, RequestError } from "../../src/errors.ts";
import {
  encodePlacementFile,
  FIXED_WIDTH_RECORD_LENGTH,
  FixedWidthOverflowError,
  placementTotals,
  renderPlacementCsv,
  renderPlacementFixedWidth,
  type PlacementRecord,
} from "../../src/outputs/placement.ts";

function placement(overrides: Partial<PlacementRecord>): PlacementRecord {
  return {
    placementId: "P-2026-03-31-0002",
    source: "mobile",
    accountId: "M-100234",
    customerId: "C-4711",
    currency: "EUR",
    placedMinor: 150000,
    oldestDueDate: "2025-11-14",
    daysPastDueMax: 137,
    name: "Jürgen Größmann",
    addressLine1: "Königsallee 12",
    addressLine2: null,
    postalCode: "40212",
    city: "Düsseldorf",
    country: "DE",
    phone: "+49 211 5550100",
    email: "j.groessmann@example.org",
    language: "de",
    ...overrides,
  };
}

// Given out of order: the files sort them by source, account, currency, id.
const RECORDS: PlacementRecord[] = [
  placement({}),
  placement({
    placementId: "P-2026-03-31-0003",
    accountId: "M-9",
    customerId: null,
    currency: "JPY",
    placedMinor: 12000,
    oldestDueDate: "2025-10-01",
    daysPastDueMax: 181,
    name: '=HYPERLINK("x")',
    addressLine1: "1-2-3 Ginza",
    postalCode: "104-0061",
    city: "Tokyo",
    country: "JP",
    phone: "-",
    email: null,
    language: "ja",
  }),
  placement({
    placementId: "P-2026-03-31-0001",
    source: "broadband",
    accountId: "BB-77",
    placedMinor: 25005,
    oldestDueDate: "2025-12-01",
    daysPastDueMax: 120,
    phone: null,
    email: null,
  }),
];

describe("placementTotals", function () {
  it("sums placed amounts per currency", function () {
    // EUR 1500.00 + 250.05 = 1750.05 (175005 cents), and JPY 12000 alone.
    expect(placementTotals(RECORDS)).to.deep.equal({
      recordCount: 3,
      amounts: [
        { currency: "EUR", amountMinor: 175005 },
        { currency: "JPY", amountMinor: 12000 },
      ],
    });
  });

  it("counts nothing for no records", function () {
    expect(placementTotals([])).to.deep.equal({ recordCount: 0, amounts: [] });
  });
});

describe("renderPlacementCsv", function () {
  it("writes sorted rows and the trailer", function () {
    // broadband/BB-77 sorts first, and M-100234 precedes M-9 because "1" < "9".
    // The phone "+49..." and the name "=HYPERLINK(...)" get a leading '.
    expect(renderPlacementCsv(RECORDS)).to.equal(
      "placement_id,source,account_id,customer_id,currency,placed_amount," +
        "oldest_due_date,days_past_due_max,name,address_line1,address_line2," +
        "postal_code,city,country,phone,email,language\n" +
        "P-2026-03-31-0001,broadband,BB-77,C-4711,EUR,250.05,2025-12-01,120," +
        "Jürgen Größmann,Königsallee 12,,40212,Düsseldorf,DE,,,de\n" +
        "P-2026-03-31-0002,mobile,M-100234,C-4711,EUR,1500.00,2025-11-14,137," +
        "Jürgen Größmann,Königsallee 12,,40212,Düsseldorf,DE,'+49 211 5550100," +
        "j.groessmann@example.org,de\n" +
        "P-2026-03-31-0003,mobile,M-9,,JPY,12000,2025-10-01,181," +
        "\"'=HYPERLINK(\"\"x\"\")\",1-2-3 Ginza,,104-0061,Tokyo,JP,'-,,ja\n" +
        "TRAILER,3,EUR,1750.05,JPY,12000\n",
    );
  });

  it("writes a zero trailer for no records", function () {
    const lines = renderPlacementCsv([]).split("\n");
    expect(lines.slice(1)).to.deep.equal(["TRAILER,0", ""]);
  });

  it("rejects the trailer tag as an id", function () {
    expect(() => renderPlacementCsv([placement({ placementId: "TRAILER" })])).to.throw(
      InvariantError,
    );
  });
});

describe("renderPlacementFixedWidth", function () {
  const lines = renderPlacementFixedWidth(RECORDS).split("\n");

  it("pads every line to the record length", function () {
    // 1 record type + the 17 field widths (40+20+30+30+3+18+10+6+60+60+60
    // +12+40+2+25+100+12 = 528) = 529 characters. Splitting gives three
    // records, a trailer and the empty string after the final line end.
    expect(FIXED_WIDTH_RECORD_LENGTH).to.equal(529);
    expect(lines).to.have.length(5);
    expect(lines[4]).to.equal("");
    for (const line of lines.slice(0, 4)) expect([...line]).to.have.length(529);
  });

  it("places fields at their offsets", function () {
    const record = lines[1];
    expect(record.slice(0, 1)).to.equal("D");
    expect(record.slice(1, 41)).to.equal("P-2026-03-31-0002".padEnd(40));
    expect(record.slice(41, 61)).to.equal("mobile".padEnd(20));
    expect(record.slice(121, 124)).to.equal("EUR");
    // Amounts and integers align right, text aligns left.
    expect(record.slice(124, 142)).to.equal("1500.00".padStart(18));
    expect(record.slice(142, 152)).to.equal("2025-11-14");
    expect(record.slice(152, 158)).to.equal("   137");
    expect(record.slice(158, 218)).to.equal("Jürgen Größmann".padEnd(60));
    expect(record.slice(338, 350)).to.equal("40212".padEnd(12));
    // No formula prefix: this layout is not opened as a spreadsheet.
    expect(record.slice(392, 417)).to.equal("+49 211 5550100".padEnd(25));
    expect(record.slice(517, 529)).to.equal("de".padEnd(12));
  });

  it("writes the control totals in the trailer", function () {
    // T, the count in 9 characters, then currency and 18-character amount
    // per currency: EUR 1750.05 and JPY 12000.
    const expected =
      "T" + "        3" + "EUR" + "1750.05".padStart(18) + "JPY" + "12000".padStart(18);
    expect(lines[3]).to.equal(expected.padEnd(529));
  });

  it("cuts long names and flattens line breaks", function () {
    const [line] = renderPlacementFixedWidth([
      placement({ name: "A".repeat(70), addressLine2: "c/o Office\nFloor 2" }),
    ]).split("\n");
    expect(line.slice(158, 218)).to.equal("A".repeat(60));
    expect(line.slice(278, 338)).to.equal("c/o Office Floor 2".padEnd(60));
  });

  it("normalises names to NFC", function () {
    // "n" + U+0303 COMBINING TILDE is one character once composed.
    const [line] = renderPlacementFixedWidth([placement({ name: "Pen\u0303a" })]).split("\n");
    expect(line.slice(158, 218)).to.equal("Peña".padEnd(60));
  });

  it("rejects an id that does not fit", function () {
    const render = () => renderPlacementFixedWidth([placement({ accountId: "X".repeat(31) })]);
    expect(render).to.throw(FixedWidthOverflowError, /account_id is 31 characters/);
    expect(render).to.throw(/P-2026-03-31-0002/);
    // The value itself stays out of the message.
    let message = "";
    try {
      render();
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).to.not.contain("XXXX");
  });
});

describe("encodePlacementFile", function () {
  const text = renderPlacementFixedWidth(RECORDS);

  it("keeps positions as bytes in latin1", function () {
    // Four lines of 529 characters plus "\n", one byte per character.
    expect(encodePlacementFile(text, "latin1").length).to.equal(4 * 530);
  });

  it("writes UTF-8 by default", function () {
    // ü, ö and ß in the name, ö in the street and ü in the city take two
    // bytes each: 5 extra bytes on each of the two German records.
    expect(encodePlacementFile(text).length).to.equal(4 * 530 + 10);
  });

  it("rejects an unknown encoding", function () {
    expect(() => encodePlacementFile(text, "klingon")).to.throw(RequestError, /klingon/);
  });
});
