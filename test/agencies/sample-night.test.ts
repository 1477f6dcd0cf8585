// A night of the bundled sample operator (fixtures/sample), 2026-03-31, as
// the receivers of its files see it: letters by channel with paper as the
// fallback, contact files without postal data, files readable by their
// owner only, and logs without personal data. In this copy José Peña Ortega
// (C-1008, cable and mobile, prefers e-mail) has no e-mail address in
// either system, so his letter goes on paper.

import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { expect } from "chai";
import iconv from "iconv-lite";
import { runNight } from "../../jobs/nightly-run.ts";
import { loadConfig } from "../../src/config/load.ts";
import { pdfPageTexts } from "../outputs/letters/pdf-text.ts";
import { copyFolder, readCsv, REPOSITORY, removeFolder } from "../support/run.ts";
import { capturingLogger } from "./support.ts";

const SAMPLE = path.join(REPOSITORY, "fixtures/sample");

/** Names, e-mail addresses, phone numbers and street lines of the sample's three systems. */
function samplePersonalData(): string[] {
  const values: string[] = [];
  for (const row of readCsv(path.join(SAMPLE, "mobile/accounts.csv"))) {
    values.push(row.name, row.email, row.phone, row.address_line1);
  }
  const cable = iconv.decode(readFileSync(path.join(SAMPLE, "cable/kunden.csv")), "latin1").trim().split("\n");
  const header = cable[0].split(";");
  for (const line of cable.slice(1)) {
    const cells = line.split(";");
    for (const column of ["Name", "Strasse", "EMail"]) values.push(cells[header.indexOf(column)]);
  }
  const billing = new Database(path.join(SAMPLE, "broadband/billing.sqlite"), { readonly: true });
  for (const row of billing.prepare("select full_name, street, email from subscriber").all() as Record<string, string>[]) {
    values.push(row.full_name, row.street, row.email);
  }
  billing.close();
  return [...new Set(values.filter((value) => value && value.trim()))];
}

/** Removes José Peña Ortega's e-mail address from both of his accounts. */
function withoutJosesEmail(folder: string): void {
  const mobile = path.join(folder, "mobile/accounts.csv");
  writeFileSync(mobile, readFileSync(mobile, "utf8").replace("jose.pena@example.com", ""));
  const cable = path.join(folder, "cable/kunden.csv");
  const text = iconv.decode(readFileSync(cable), "latin1").replace("jose.pena@example.com", "");
  writeFileSync(cable, iconv.encode(text, "latin1"));
}

describe("sample night as its receivers see it", function () {
  let folder: string;
  let out: string;
  let logLines: string[];

  before(async function () {
    folder = copyFolder("fixtures/sample");
    withoutJosesEmail(folder);
    out = path.join(folder, "out-0331");
    const { log, lines } = capturingLogger();
    const config = loadConfig(path.join(folder, "dcms.yaml"));
    await runNight(config, { businessDate: "2026-03-31", outDir: out, log });
    logLines = lines;
  });

  after(function () {
    removeFolder(folder);
  });

  const letterOf = (customerRef: string) => {
    const rows = readCsv(path.join(out, "letters/index.csv")).filter((row) => row.customer_ref === customerRef);
    expect(rows, `${customerRef} in the print index`).to.have.length(1);
    return rows[0];
  };

  it("prints a Latin-1 name's letter over two systems", async function () {
    // C-1008: cable 40001081 is 1234.50 - 234.50 - 500.00 = 500.00 open,
    // 25 days past due; the mobile invoice is fully credited. English.
    const [page] = await pdfPageTexts(readFileSync(path.join(out, "letters", letterOf("C-1008").file)));
    expect(page).to.include("José Peña Ortega");
    expect(page).to.include("Brückenstraße 3");
    expect(page).to.include("40221 Düsseldorf");
    expect(page).to.include("40001081");
    expect(page).to.match(/EUR 500\.00[\s\S]*Total[\s\S]*EUR 500\.00/);
  });

  it("prints each overdue item and the total", async function () {
    // C-1007 Dieter Großmann, cable K1001007: three invoices of 64.90,
    // 400, 200 and 150 days past due: 3 x 64.90 = 194.70. German.
    const [page] = await pdfPageTexts(readFileSync(path.join(out, "letters", letterOf("C-1007").file)));
    expect(page).to.include("Dieter Großmann");
    for (const item of ["40001071", "40001072", "40001073"]) expect(page).to.include(item);
    expect(page.match(/64,90 EUR/g)).to.have.length(3);
    expect(page).to.include("194,70 EUR");
  });

  it("sends e-mail letters as contact rows without postal data", function () {
    const rows = readCsv(path.join(out, "contacts/email.csv"));
    expect(Object.keys(rows[0])).to.deep.equal(["letter_id", "email", "language", "template", "stage", "deadline", "currency", "overdue"]);
    // C-1005 Ethan Brooks prefers e-mail and has an address: USD 40.00, no PDF.
    const ethan = rows.filter((row) => row.email === "ethan.brooks@example.com");
    expect(ethan.map((row) => [row.language, row.template, row.deadline, row.currency, row.overdue])).to.deep.equal([
      ["en", "reminder", "2026-04-14", "USD", "40.00"],
    ]);
    const printed = readCsv(path.join(out, "letters/index.csv"));
    expect(printed.map((row) => row.letter_id)).not.to.include(ethan[0].letter_id);
    // Every letter goes one way: paper or e-mail, never both, none lost.
    const run = JSON.parse(readFileSync(path.join(out, "run.json"), "utf8"));
    const emailed = new Set(rows.map((row) => row.letter_id));
    expect(printed.length + emailed.size).to.equal(run.passes.letters);
    for (const row of printed) expect(emailed.has(row.letter_id)).to.equal(false);
    expect(readFileSync(path.join(out, "contacts/sms.csv"), "utf8")).to.equal(
      "letter_id,phone,language,template,deadline,currency,overdue\n",
    );
  });

  it("makes every output file readable by its owner only", function () {
    const walk = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
        const full = path.join(dir, entry.name);
        return entry.isDirectory() ? [full, ...walk(full)] : [full];
      });
    const entries = walk(out);
    expect(entries.length).to.be.greaterThan(50);
    for (const entry of [out, ...entries]) {
      const mode = statSync(entry).mode & 0o777;
      const expected = statSync(entry).isDirectory() ? 0o700 : 0o600;
      expect(mode.toString(8), path.relative(out, entry) || ".").to.equal(expected.toString(8));
    }
  });

  it("logs no name, address or e-mail", function () {
    const personal = samplePersonalData();
    // 90 + 60 + 50 accounts; names and streets repeat across systems.
    expect(personal.length).to.be.greaterThan(300);
    expect(logLines.length).to.be.greaterThan(10);
    const log = logLines.join("");
    for (const value of personal) expect(log, value).not.to.include(value);
  });
});
