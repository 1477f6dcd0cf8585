import { expect } from "chai";
import { XMLParser } from "fast-xml-parser";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { validateXML } from "xmllint-wasm";
import { RequestError } from "../../src/errors.ts";
import { parseMinor } from "../../src/money.ts";
import {
  buildPain008,
  isValidCreditorId,
  isValidIban,
  toSepaText,
  type DirectDebitCollection,
  type DirectDebitTransaction,
} from "../../src/outputs/pain008.ts";

const sampleRoot = process.env.DCMS_SAMPLE_DATA;

function debit(overrides: Partial<DirectDebitTransaction> = {}): DirectDebitTransaction {
  return {
    endToEndId: "DCMS-E2E-000001",
    amountMinor: 1999,
    currency: "EUR",
    mandateId: "MANDATE-0001",
    mandateDate: "2025-06-01",
    sequenceType: "RCUR",
    debtorName: "Erika Mustermann",
    debtorIban: "DE02120300000000202051",
    remittanceText: "Invoice INV-2026-0311",
    ...overrides,
  };
}

function collection(transactions: DirectDebitTransaction[]): DirectDebitCollection {
  return {
    messageId: "DCMS-20260406-01",
    creationDateTime: "2026-04-06T20:00:00",
    collectionDate: "2026-04-09",
    creditor: {
      name: "Telco Nord GmbH",
      iban: "DE89 3704 0044 0532 0130 00",
      bic: "COBADEFFXXX",
      creditorId: "DE98ZZZ09999999999",
    },
    transactions,
  };
}

const THREE_DEBITS = [
  debit({ endToEndId: "DCMS-E2E-000002", amountMinor: 4990 }),
  debit({ endToEndId: "DCMS-E2E-000001", amountMinor: 1999 }),
  debit({
    endToEndId: "DCMS-E2E-000003",
    amountMinor: 12_345,
    sequenceType: "FRST",
    mandateId: "MANDATE-0003",
    mandateDate: "2026-03-30",
    debtorName: "Jürgen O'Brien & Söhne",
    debtorIban: "NL91ABNA0417164300",
    debtorBic: "ABNANL2A",
  }),
];

/** Reads CtrlSum, NbOfTxs and the InstdAmt values back from the XML. */
function readBack(xml: string) {
  const parser = new XMLParser({ parseTagValue: false, ignoreAttributes: false, isArray: (name) => ["PmtInf", "DrctDbtTxInf"].includes(name) });
  const initiation = parser.parse(xml).Document.CstmrDrctDbtInitn;
  return {
    numberOfTransactions: initiation.GrpHdr.NbOfTxs as string,
    controlSum: initiation.GrpHdr.CtrlSum as string,
    blocks: (initiation.PmtInf as any[]).map((block) => ({
      sequenceType: block.PmtTpInf.SeqTp as string,
      controlSum: block.CtrlSum as string,
      numberOfTransactions: block.NbOfTxs as string,
      amounts: (block.DrctDbtTxInf as any[]).map((tx) => tx.InstdAmt["#text"] as string),
      endToEndIds: (block.DrctDbtTxInf as any[]).map((tx) => tx.PmtId.EndToEndId as string),
      debtorNames: (block.DrctDbtTxInf as any[]).map((tx) => tx.Dbtr.Nm as string),
    })),
  };
}

describe("pain.008 collection file", function () {
  it("groups by sequence type with exact sums", function () {
    const file = buildPain008(collection(THREE_DEBITS));
    // 49.90 + 19.99 + 123.45 = 193.34 EUR.
    expect(file.numberOfTransactions).to.equal(3);
    expect(file.controlSumMinor).to.equal(19_334);
    expect(file.paymentInformation).to.deep.equal([
      { id: "DCMS-20260406-01-FRST", sequenceType: "FRST", numberOfTransactions: 1, controlSumMinor: 12_345 },
      // 49.90 + 19.99 = 69.89 EUR.
      { id: "DCMS-20260406-01-RCUR", sequenceType: "RCUR", numberOfTransactions: 2, controlSumMinor: 6989 },
    ]);
    const back = readBack(file.xml!);
    expect(back.numberOfTransactions).to.equal("3");
    expect(back.controlSum).to.equal("193.34");
    expect(back.blocks.map((b) => [b.sequenceType, b.numberOfTransactions, b.controlSum])).to.deep.equal([
      ["FRST", "1", "123.45"],
      ["RCUR", "2", "69.89"],
    ]);
    expect(back.blocks[1].endToEndIds).to.deep.equal(["DCMS-E2E-000001", "DCMS-E2E-000002"]);
  });

  it("has CtrlSum equal to the amounts", function () {
    const back = readBack(buildPain008(collection(THREE_DEBITS)).xml!);
    const total = back.blocks
      .flatMap((block) => block.amounts)
      .reduce((sum, amount) => sum + parseMinor(amount, 2)!, 0);
    expect(total).to.equal(parseMinor(back.controlSum, 2));
    for (const block of back.blocks) {
      const blockTotal = block.amounts.reduce((sum, amount) => sum + parseMinor(amount, 2)!, 0);
      expect(blockTotal).to.equal(parseMinor(block.controlSum, 2));
    }
  });

  it("writes the same bytes for reordered input", function () {
    const first = buildPain008(collection(THREE_DEBITS)).xml;
    const second = buildPain008(collection([...THREE_DEBITS].reverse())).xml;
    expect(second).to.equal(first);
  });

  it("restricts names to the SEPA set", function () {
    const back = readBack(buildPain008(collection(THREE_DEBITS)).xml!);
    // ü and ö lose their diaeresis, & becomes +, the apostrophe stays and is escaped.
    expect(back.blocks[0].debtorNames).to.deep.equal(["Jurgen O'Brien + Sohne"]);
    expect(buildPain008(collection(THREE_DEBITS)).xml).to.contain("<Nm>Jurgen O&apos;Brien + Sohne</Nm>");
  });

  it("leaves out invalid transactions", function () {
    const file = buildPain008(
      collection([
        debit({ endToEndId: "OK-1" }),
        debit({ endToEndId: "OK-1", amountMinor: 500 }),
        debit({ endToEndId: "BAD-IBAN", debtorIban: "DE02120300000000202052" }),
        debit({ endToEndId: "BAD-CCY", currency: "CHF" }),
        debit({ endToEndId: "BAD-ZERO", amountMinor: 0 }),
        debit({ endToEndId: "BAD-MANDATE", mandateId: "MANDATE 7" }),
        debit({ endToEndId: "BAD-SIGNED", mandateDate: "2026-04-10" }),
        debit({ endToEndId: "BAD-NAME", debtorName: "李雷" }),
        debit({ endToEndId: "BAD//ID" }),
      ]),
    );
    expect(file.endToEndIds).to.deep.equal(["OK-1"]);
    expect(file.controlSumMinor).to.equal(1999);
    expect(file.rejects.map((r) => [r.endToEndId, r.code])).to.deep.equal([
      ["OK-1", "duplicate_end_to_end_id"],
      ["BAD-IBAN", "invalid_iban"],
      ["BAD-CCY", "currency_not_supported"],
      ["BAD-ZERO", "invalid_amount"],
      ["BAD-MANDATE", "invalid_mandate_id"],
      ["BAD-SIGNED", "mandate_signed_after_collection_date"],
      ["BAD-NAME", "debtor_name_missing"],
      ["BAD//ID", "invalid_end_to_end_id"],
    ]);
    for (const reject of file.rejects) {
      expect(reject.message).not.to.contain("Mustermann");
      expect(reject.message).not.to.contain("DE0212030000000020205");
    }
  });

  it("returns no XML when all are rejected", function () {
    const file = buildPain008(collection([debit({ currency: "USD" })]));
    expect(file.xml).to.equal(null);
    expect(file.numberOfTransactions).to.equal(0);
    expect(file.rejects).to.have.length(1);
  });

  it("rejects invalid creditor settings", function () {
    const settings = collection(THREE_DEBITS);
    settings.creditor = { ...settings.creditor, creditorId: "DE97ZZZ09999999999", iban: "DE89370400440532013001" };
    let error: unknown;
    try {
      buildPain008(settings);
    } catch (caught) {
      error = caught;
    }
    expect(error).to.be.instanceOf(RequestError);
    expect((error as RequestError).problems).to.have.length(2);
    expect((error as RequestError).message).to.contain("creditorId");
  });

  it("rejects a message id too long", function () {
    const settings = { ...collection(THREE_DEBITS), messageId: "X".repeat(31) };
    expect(() => buildPain008(settings)).to.throw(RequestError, /1 to 30 characters/);
  });

  describe("against the XSD", function () {
    before(function () {
      if (!sampleRoot) {
        console.log("    skipped: set DCMS_SAMPLE_DATA to the public sample data folder to run these");
        this.skip();
      }
    });

    for (const version of ["pain.008.001.02", "pain.008.003.02"] as const) {
      it(`validates ${version}`, async function () {
        const xml = buildPain008(collection(THREE_DEBITS), { version }).xml!;
        const schema = readFileSync(join(sampleRoot!, "iso20022", "pain", `${version}.xsd`), "utf8");
        const result = await validateXML({ xml: [{ fileName: "collection.xml", contents: xml }], schema: [schema] });
        expect(result.errors.map((e) => e.message)).to.deep.equal([]);
        expect(result.valid).to.equal(true);
      });
    }

    it("fails the XSD without a creditor", async function () {
      // Proves the validation can fail: remove a required element.
      const xml = buildPain008(collection(THREE_DEBITS)).xml!.replace(/<Cdtr>.*<\/Cdtr>/g, "");
      const schema = readFileSync(join(sampleRoot!, "iso20022", "pain", "pain.008.001.02.xsd"), "utf8");
      const result = await validateXML({ xml: [{ fileName: "collection.xml", contents: xml }], schema: [schema] });
      expect(result.valid).to.equal(false);
    });
  });
});

describe("toSepaText", function () {
  it("transliterates and collapses", function () {
    expect(toSepaText("Jürgen  Øster & Söhne — Ça va, Straße", 70)).to.equal(
      "Jurgen Oster + Sohne - Ca va, Strasse",
    );
  });

  it("replaces other characters", function () {
    expect(toSepaText("a@b.example <x>; 50%", 70)).to.equal("a b.example x 50");
  });

  it("cuts to the maximum length", function () {
    expect(toSepaText("x".repeat(150), 140)).to.have.length(140);
    expect(toSepaText("abc def", 4)).to.equal("abc");
  });
});

describe("SEPA identifiers", function () {
  it("checks IBAN digits", function () {
    expect(isValidIban("DE89 3704 0044 0532 0130 00")).to.equal(true);
    expect(isValidIban("FR1420041010050500013M02606")).to.equal(true);
    expect(isValidIban("DE89370400440532013001")).to.equal(false);
    expect(isValidIban("DE8937040044")).to.equal(false);
  });

  it("checks creditor id digits", function () {
    // 09999999999 + DE00 as digits is 09999999999131400; 98 - (that mod 97) = 98.
    expect(isValidCreditorId("DE98ZZZ09999999999")).to.equal(true);
    expect(isValidCreditorId("DE97ZZZ09999999999")).to.equal(false);
  });
});
