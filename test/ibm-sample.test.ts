// The public IBM accounts-receivable sample read through the mapped CSV
// connector (examples/ibm-ar), run night after night through June 2013. The
// month-end figures are checked against a computation written here from the
// raw file alone: an invoice is open on a date when it was issued on or
// before that date and settled after it.

import { readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "csv-parse/sync";
import { expect } from "chai";
import { addDays } from "../src/dates.ts";
import { requireSampleData } from "./support/environment.ts";
import { copyFolder, readCsv, removeFolder, runDate } from "./support/run.ts";

/** M/D/YYYY to YYYY-MM-DD. */
function isoOf(text: string): string {
  const [month, day, year] = text.split("/").map(Number);
  return `${year}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
}

/** Cents of a decimal such as 55.94, 47.1 or -3.50, from its digits. */
function centsOf(text: string): number {
  const negative = text.startsWith("-");
  const [whole, fraction = ""] = text.replace("-", "").split(".");
  const cents = Number(whole) * 100 + Number(fraction.padEnd(2, "0"));
  return negative ? -cents : cents;
}

describe("IBM accounts-receivable sample", function () {
  let folder: string;
  let file: string;

  before(function () {
    file = requireSampleData(this, "ibm-accounts-receivable/accounts-receivable.csv");
    folder = copyFolder("examples/ibm-ar");
  });

  after(function () {
    if (folder) removeFolder(folder);
  });

  it("runs every night of June 2013 and ties out at month-end", async function () {
    this.timeout(240_000);
    const config = path.join(folder, "dcms.yaml");
    let date = "2013-06-01";
    let last = "";
    while (date <= "2013-06-30") {
      last = path.join(folder, `out-${date}`);
      const outcome = await runDate(config, date, last);
      expect(outcome.result, date).to.equal("committed");
      expect(outcome.exitStatus, date).to.equal(0);
      date = addDays(date, 1);
    }

    const monthEnd = "2013-06-30";
    const rows: Record<string, string>[] = parse(readFileSync(file, "utf8"), { columns: true });
    let openCents = 0;
    let overdueCents = 0;
    let openInvoices = 0;
    for (const row of rows) {
      const issued = isoOf(row.InvoiceDate);
      const settled = row.SettledDate ? isoOf(row.SettledDate) : "9999-12-31";
      if (issued > monthEnd || settled <= monthEnd) continue;
      openInvoices++;
      openCents += centsOf(row.InvoiceAmount);
      if (isoOf(row.DueDate) < monthEnd) overdueCents += centsOf(row.InvoiceAmount);
    }
    // Guards against a vacuous comparison: some invoices are open that day.
    expect(openInvoices).to.be.greaterThan(10);

    const aging = readCsv(path.join(last, "aging.csv"));
    const balanceCents = aging.reduce((sum, row) => sum + centsOf(row.balance), 0);
    const agedOverdueCents = aging.reduce((sum, row) => sum + centsOf(row.overdue), 0);
    expect(balanceCents).to.equal(openCents);
    expect(agedOverdueCents).to.equal(overdueCents);
    expect(aging.every((row) => row.currency === "USD")).to.equal(true);
  });
});
