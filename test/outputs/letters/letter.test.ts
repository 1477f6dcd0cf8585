import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { fileURLToPath } from "node:url";

import { InvariantError } from "../../../src/errors.ts";
import { renderLetter, renderLetterWithPages } from "../../../src/outputs/letters/letter.ts";
import { loadLetterTemplate } from "../../../src/outputs/letters/templates.ts";
import { germanLetter, letterItem } from "./fixtures.ts";
import { collapseSpaces, pdfPageTexts } from "./pdf-text.ts";

const sha256 = (bytes: Buffer): string => createHash("sha256").update(bytes).digest("hex");

function templateFor(letter: { stage: string; language: string }) {
  return loadLetterTemplate(letter.stage, letter.language);
}

describe("renderLetter", function () {
  it("shows a German letter's items and totals", async function () {
    const letter = germanLetter();
    const [page] = await pdfPageTexts(await renderLetter(letter, templateFor(letter)));
    const expected = [
      "Jürgen Größmann",
      "Königsallee 12",
      "40212 Düsseldorf",
      "31.03.2026",
      "Zahlungserinnerung",
      "Kundennummer: C-4711",
      // Each item: system, account, reference, due date, days, open amount.
      "mobile M-100234 MOB-2026-0001 14.02.2026 45 49,99 EUR",
      "broadband BB-77 BB-INV-5531 28.02.2026 31 1.234,56 EUR",
      "broadband BB-78 BB-INV-5600 01.03.2026 30 250,00 CHF",
      // Totals per currency: 250.00 CHF, and 49.99 + 1234.56 = 1284.55 EUR.
      "250,00 CHF",
      "1.284,55 EUR",
      "bis zum 14.04.2026",
      "Überweisung auf IBAN DE02 1203 0000 0000 2020 51 mit Ihrer Kundennummer",
      "Online im Kundenportal",
      "L-2026-03-31-C000042 1/1",
    ];
    for (const text of expected) expect(page).to.contain(text);
  });

  it("shows an English letter for a Spanish name", async function () {
    const letter = germanLetter({ language: "es", stage: "final_notice" });
    letter.addressee = {
      name: "María Peña",
      addressLine1: "Calle de Alcalá 7",
      addressLine2: "Piso 3",
      postalCode: "28014",
      city: "Madrid",
      region: null,
      country: "ES",
    };
    const [page] = await pdfPageTexts(await renderLetter(letter, templateFor(letter)));
    // No Spanish template ships, so the English one is used with English formats.
    for (const text of [
      "María Peña",
      "Calle de Alcalá 7",
      "28014 Madrid",
      "Final notice",
      "31 March 2026",
      "mobile M-100234 MOB-2026-0001 14 February 2026 45 EUR 49.99",
      "EUR 1,284.55",
      "CHF 250.00",
      "by 14 April 2026",
    ]) {
      expect(page).to.contain(text);
    }
  });

  it("prints markup characters in values literally", async function () {
    const letter = germanLetter();
    letter.addressee.name = "#1 | Test - GmbH";
    letter.items[0].reference = "REF|7";
    const [page] = await pdfPageTexts(await renderLetter(letter, templateFor(letter)));
    expect(page).to.contain("#1 | Test - GmbH");
    expect(page).to.contain("M-100234 REF|7 14.02.2026");
  });

  it("continues a long table on the next page", async function () {
    const items = Array.from({ length: 80 }, (_, i) =>
      letterItem({ reference: `INV-${String(i).padStart(4, "0")}`, openMinor: 1000 + i }),
    );
    const letter = germanLetter({ items });
    const { pdf, pages } = await renderLetterWithPages(letter, templateFor(letter));
    const texts = await pdfPageTexts(pdf);
    expect(pages).to.be.at.least(2);
    expect(texts).to.have.length(pages);
    const all = texts.join(" ");
    for (const item of items) {
      expect(all.split(`${item.reference} `)).to.have.length(2, `${item.reference} once`);
    }
    // The header row repeats on every page the table reaches.
    expect(texts[1]).to.contain("System Konto Beleg Fällig am");
    expect(texts[1]).to.contain(`L-2026-03-31-C000042 2/${pages}`);
  });

  it("rejects an id that is no file name", async function () {
    const letter = germanLetter({ letterId: "../escape" });
    let failure: unknown;
    try {
      await renderLetter(letter, templateFor(letter));
    } catch (error) {
      failure = error;
    }
    expect(failure).to.be.instanceOf(InvariantError);
  });
});

describe("renderLetter determinism", function () {
  it("renders identical bytes twice", async function () {
    const letter = germanLetter();
    const first = await renderLetter(letter, templateFor(letter));
    // Another letter in between warms the shared font caches differently.
    const other = germanLetter({ letterId: "L-other", language: "en", stage: "agency" });
    await renderLetter(other, templateFor(other));
    const second = await renderLetter(letter, templateFor(letter));
    expect(first.equals(second)).to.equal(true);
  });

  it("dates the PDF by the business date", async function () {
    const letter = germanLetter();
    const text = (await renderLetter(letter, templateFor(letter))).toString("latin1");
    // CreationDate and ModDate, both midnight UTC of 2026-03-31.
    expect(text.match(/\(D:\d{14}Z\)/g)).to.deep.equal([
      "(D:20260331000000Z)",
      "(D:20260331000000Z)",
    ]);
    expect(text).to.match(/\/ID \[<[0-9a-f]{32}> <[0-9a-f]{32}>\]/);
    // The info dictionary names dcms, not the PDF library, as producer.
    expect(text).to.match(/\/Producer (\d+) 0 R/);
    const producer = /\/Producer (\d+) 0 R/.exec(text)?.[1];
    expect(text).to.contain(`${producer} 0 obj\n(dcms)\n`);
  });

  it("changes the file id with the business date", async function () {
    const fileId = (pdf: Buffer) => /\/ID \[<([0-9a-f]{32})>/.exec(pdf.toString("latin1"))?.[1];
    const march = germanLetter();
    const april = germanLetter({ businessDate: "2026-04-01" });
    const marchId = fileId(await renderLetter(march, templateFor(march)));
    const aprilId = fileId(await renderLetter(april, templateFor(april)));
    expect(marchId).to.be.a("string");
    expect(aprilId).to.be.a("string");
    expect(marchId).to.not.equal(aprilId);
  });

  it("renders identical bytes in another process", async function () {
    const letter = germanLetter();
    const here = sha256(await renderLetter(letter, templateFor(letter)));
    const child = spawnSync(
      process.execPath,
      ["--import", "tsx", fileURLToPath(new URL("./render-child.ts", import.meta.url))],
      { encoding: "utf8", cwd: fileURLToPath(new URL("../../../", import.meta.url)) },
    );
    expect(child.status, child.stderr).to.equal(0);
    expect(collapseSpaces(child.stdout)).to.equal(here);
  });
});
