// The remittance file layout: what parses, and what is rejected with which code.

import { expect } from "chai";
import { parseRemittance } from "../../src/agencies/remittance.ts";

const HEADER = "remittance_id,record_type,placement_id,source,account_id,date,currency,amount,status_code,reverses";

function parse(...lines: string[]) {
  return parseRemittance([HEADER, ...lines].join("\n") + "\n", "alpha", "alpha-1.csv");
}

describe("parseRemittance", () => {
  it("reads the four record types", () => {
    const result = parse(
      "R1,payment,m-A1-2026-03-31,mobile,A1,2026-04-01,EUR,1234.50,,",
      "R2,reversal,,mobile,A1,2026-04-02,JPY,1200,,R0",
      "R3,closure,,mobile,A2,2026-04-02,,,uncollectable,",
      "R4,status,,mobile,A3,2026-04-02,,,promise_received,",
    );
    expect(result.rejects).to.deep.equal([]);
    expect(result.rowsRead).to.equal(4);
    expect(result.lines.map((line) => [line.line, line.recordType, line.currency, line.amountMinor, line.statusCode, line.reverses])).to.deep.equal([
      [2, "payment", "EUR", 123_450, null, null],
      // JPY has no decimals: 1200 is 1200 minor units.
      [3, "reversal", "JPY", 1200, null, "R0"],
      [4, "closure", null, 0, "uncollectable", null],
      [5, "status", null, 0, "promise_received", null],
    ]);
    expect(result.lines[0].placementId).to.equal("m-A1-2026-03-31");
  });

  it("accepts columns in any order", () => {
    const text = "account_id,source,date,record_type,remittance_id,amount,currency\nA1,mobile,2026-04-01,payment,R1,10.00,EUR\n";
    const result = parseRemittance(text, "alpha", "alpha-2.csv");
    expect(result.rejects).to.deep.equal([]);
    expect(result.lines[0].amountMinor).to.equal(1000);
  });

  it("rejects bad lines with a code each", () => {
    const result = parse(
      "R1,refund,,mobile,A1,2026-04-01,EUR,10.00,,",
      "R2,payment,,mobile,A1,01.04.2026,EUR,10.00,,",
      "R3,payment,,mobile,A1,2026-04-01,EUR,1.234,50,",
      "R4,payment,,mobile,A1,2026-04-01,EUR,-5.00,,",
      "R5,payment,,mobile,A1,2026-04-01,EUX,5.00,,",
      "R6,reversal,,mobile,A1,2026-04-01,EUR,5.00,,",
      "R7,status,,mobile,A1,2026-04-01,,,,",
      ",payment,,mobile,A1,2026-04-01,EUR,5.00,,",
      "R8,payment,,mobile,A1,2026-04-01,EUR,5.00,,",
      "R8,payment,,mobile,A1,2026-04-01,EUR,6.00,,",
    );
    expect(result.rejects.map((reject) => [reject.line, reject.field, reject.code])).to.deep.equal([
      [2, "record_type", "invalid_record_type"],
      [3, "date", "invalid_date"],
      [4, "amount", "invalid_decimal"],
      [5, "amount", "invalid_decimal"],
      [6, "currency", "currency_not_supported"],
      [7, "reverses", "required_value_missing"],
      [8, "status_code", "required_value_missing"],
      [9, "remittance_id", "required_value_missing"],
      [11, "remittance_id", "duplicate_remittance_id"],
    ]);
    expect(result.rejects.every((reject) => reject.source === "agency:alpha" && reject.file === "alpha-1.csv")).to.equal(true);
    expect(result.lines.map((line) => line.remittanceId)).to.deep.equal(["R8"]);
  });

  it("rejects a file without a required column", () => {
    const result = parseRemittance("remittance_id,record_type,source,date\nR1,payment,mobile,2026-04-01\n", "alpha", "bad.csv");
    expect(result.lines).to.deep.equal([]);
    expect(result.rejects.map((reject) => [reject.line, reject.code, reject.message])).to.deep.equal([
      [1, "column_missing", "bad.csv lacks the column(s) account_id; the layout is in docs/agencies.md"],
    ]);
  });
});
