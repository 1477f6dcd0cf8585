// Renders one dunning letter to PDF bytes. The same letter and template give
// the same bytes on every run, because the document dates come from the
// business date. pdfkit 0.20 derives the file /ID from the document info
// (PDFSecurity.generateFileID), so no clock value or random id reaches the
// file.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

import { create as createFont, type FontkitFont } from "fontkit";
import PDFDocument from "pdfkit";

import { toDayNumber } from "../../dates.ts";
import { InvariantError } from "../../errors.ts";
import { drawBlocks, drawFooters, FONT_BOLD, FONT_REGULAR, PAGE } from "./layout.ts";
import { LETTER_ID, type LetterData } from "./letter-data.ts";
import { parseLetterMarkup } from "./markup.ts";
import { buildLetterContext, type LetterTemplate } from "./templates.ts";

export type { LetterAddressee, LetterData, LetterItem, LetterTotal } from "./letter-data.ts";
export type { LetterTemplate } from "./templates.ts";

const require = createRequire(import.meta.url);

interface LetterFonts {
  regular: FontkitFont;
  bold: FontkitFont;
}

let fonts: LetterFonts | undefined;

/**
 * Parses the DejaVu Sans faces, which cover Latin, Greek and Cyrillic, once
 * per thread. Given file bytes, pdfkit would parse the font tables again for
 * every document, which took about two thirds of a letter's time.
 */
function letterFonts(): LetterFonts {
  const load = (file: string): FontkitFont =>
    createFont(readFileSync(require.resolve(`dejavu-fonts-ttf/ttf/${file}`)));
  fonts ??= { regular: load("DejaVuSans.ttf"), bold: load("DejaVuSans-Bold.ttf") };
  return fonts;
}

export interface RenderedLetter {
  pdf: Buffer;
  pages: number;
}

/** Renders a letter and returns the PDF bytes. */
export async function renderLetter(letter: LetterData, template: LetterTemplate): Promise<Buffer> {
  return (await renderLetterWithPages(letter, template)).pdf;
}

/** Renders a letter and returns the PDF bytes with the page count. */
export async function renderLetterWithPages(
  letter: LetterData,
  template: LetterTemplate,
): Promise<RenderedLetter> {
  if (!LETTER_ID.test(letter.letterId)) {
    throw new InvariantError(
      `letter id ${JSON.stringify(letter.letterId)} is not usable as a file name`,
    );
  }
  const markup = template.fill(buildLetterContext(letter, template.language));
  const blocks = parseLetterMarkup(markup);

  // Midnight UTC of the business date: a plain calendar date, no time zone.
  const documentDate = new Date(toDayNumber(letter.businessDate) * 86_400_000);
  const doc = new PDFDocument({
    size: PAGE.size,
    margins: {
      top: PAGE.marginTop,
      bottom: PAGE.marginBottom,
      left: PAGE.marginLeft,
      right: PAGE.marginRight,
    },
    // No default font: pdfkit would otherwise load Helvetica, which lacks
    // most characters outside Latin-1.
    font: null as unknown as string,
    bufferPages: true,
    lang: template.language,
    info: {
      Producer: "dcms",
      Creator: "dcms",
      CreationDate: documentDate,
      ModDate: documentDate,
    },
  });
  const chunks: Buffer[] = [];
  doc.on("data", (chunk: Buffer) => chunks.push(chunk));
  const ended = new Promise<void>((resolve, reject) => {
    doc.on("end", resolve);
    doc.on("error", reject);
  });

  const { regular, bold } = letterFonts();
  // pdfkit 0.20 accepts a parsed fontkit font wherever it accepts font bytes.
  doc.registerFont(FONT_REGULAR, regular as unknown as Buffer);
  doc.registerFont(FONT_BOLD, bold as unknown as Buffer);
  doc.font(FONT_REGULAR);

  drawBlocks(doc, blocks);
  const pages = drawFooters(doc, letter.letterId);
  doc.end();
  await ended;
  return { pdf: Buffer.concat(chunks), pages };
}
