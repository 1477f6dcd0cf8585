// Extracts the text of a PDF with pdfjs-dist, one string per page, with runs
// of white space (the no-break space included) collapsed to one space.

import { getDocument } from "pdfjs-dist/legacy/build/pdf.mjs";

export async function pdfPageTexts(pdf: Buffer): Promise<string[]> {
  const document = await getDocument({ data: new Uint8Array(pdf), verbosity: 0 }).promise;
  const pages: string[] = [];
  for (let number = 1; number <= document.numPages; number++) {
    const page = await document.getPage(number);
    const content = await page.getTextContent();
    const strings = content.items.map((item) => ("str" in item ? item.str : ""));
    pages.push(collapseSpaces(strings.join(" ")));
  }
  await document.destroy();
  return pages;
}

export function collapseSpaces(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}
