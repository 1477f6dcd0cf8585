import { expect } from "chai";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";

import { RequestError } from "../../../src/errors.ts";
import {
  buildLetterContext,
  composeAddressLines,
  findLetterTemplate,
  loadLetterTemplate,
} from "../../../src/outputs/letters/templates.ts";
import { germanLetter } from "./fixtures.ts";

const STAGES = ["reminder", "final_notice", "suspension", "agency"];

describe("findLetterTemplate", function () {
  it("falls back from region to language", function () {
    const found = findLetterTemplate("reminder", "de-AT");
    expect(found.language).to.equal("de");
    expect(basename(found.file)).to.equal("reminder.de.hbs");
  });

  it("falls back to English", function () {
    expect(findLetterTemplate("final_notice", "fr").language).to.equal("en");
    expect(findLetterTemplate("reminder", "EN-gb").language).to.equal("en");
  });

  it("names the missing template", function () {
    expect(() => findLetterTemplate("collection_call", "de")).to.throw(
      RequestError,
      /no letter template for stage "collection_call".*collection_call\.de\.hbs or collection_call\.en\.hbs/,
    );
  });

  it("rejects names that are not file names", function () {
    expect(() => findLetterTemplate("../reminder", "de")).to.throw(RequestError);
    expect(() => findLetterTemplate("reminder", "de/../../x")).to.throw(RequestError);
  });

  it("ships every stage in German and English", function () {
    for (const stage of STAGES) {
      for (const language of ["de", "en"]) {
        expect(findLetterTemplate(stage, language).language, `${stage}.${language}`).to.equal(
          language,
        );
      }
    }
  });
});

describe("bundled letter templates", function () {
  for (const stage of STAGES) {
    for (const language of ["de", "en"]) {
      it(`fills ${stage}.${language}`, function () {
        const template = loadLetterTemplate(stage, language);
        const text = template.fill(buildLetterContext(germanLetter({ stage }), language));
        // Strict mode would throw on a misspelt variable. Each item, the
        // deadline (14 April 2026) and the EUR total must reach the text.
        for (const reference of ["MOB\\-2026\\-0001", "BB\\-INV\\-5531", "BB\\-INV\\-5600"]) {
          expect(text).to.contain(reference);
        }
        expect(text).to.contain(language === "de" ? "14.04.2026" : "14 April 2026");
        expect(text).to.contain(language === "de" ? "1.284,55\u00a0EUR" : "EUR\u00a01,284.55");
      });
    }
  }
});

describe("loadLetterTemplate", function () {
  let folder: string;

  before(async function () {
    folder = await mkdtemp(join(tmpdir(), "dcms-templates-"));
    await writeFile(join(folder, "reminder.en.hbs"), "# Reminder {{customerReff}}\n");
  });

  after(async function () {
    await rm(folder, { recursive: true, force: true });
  });

  it("rejects a misspelt variable", function () {
    const template = loadLetterTemplate("reminder", "de", folder);
    expect(template.language).to.equal("en");
    expect(() => template.fill(buildLetterContext(germanLetter(), "en"))).to.throw(
      RequestError,
      /customerReff/,
    );
  });
});

describe("buildLetterContext", function () {
  it("escapes values for the markup", function () {
    const letter = germanLetter();
    letter.addressee.name = "#1 | Test";
    const context = buildLetterContext(letter, "de");
    expect(context.addressee.name).to.equal("\\#1 \\| Test");
    expect(context.addressee.addressLine2).to.equal("");
    expect(context.businessDate).to.equal("31.03.2026");
    expect(context.items[1].openAmount).to.equal("1.234,56\u00a0EUR");
    expect(context.items[0].daysPastDue).to.equal("45");
  });

  it("composes the address lines", function () {
    expect(composeAddressLines(germanLetter().addressee)).to.deep.equal([
      "Jürgen Größmann",
      "Königsallee 12",
      "40212 Düsseldorf",
      "DE",
    ]);
  });
});
