// Draws parsed letter blocks on A4 pages with pdfkit. Positions depend only
// on the text and the embedded font, so the same letter lays out the same
// way on every machine.

import type { Alignment, LetterBlock } from "./markup.ts";

type Document = PDFKit.PDFDocument;

const MM = 72 / 25.4;

/** Page geometry in points. The first page starts lower, at the address window. */
export const PAGE = {
  size: "A4",
  width: 595.28,
  height: 841.89,
  marginLeft: 25 * MM,
  marginRight: 20 * MM,
  marginTop: 20 * MM,
  marginBottom: 25 * MM,
  // DIN 5008 form B puts the window of a C4/DL envelope 45 mm from the top.
  firstPageTop: 45 * MM,
  footerBaseline: 15 * MM,
} as const;

const BODY_SIZE = 10;
const TABLE_SIZE = 9;
const CELL_PADDING = 3;
const MIN_COLUMN_WIDTH = 36;

export const FONT_REGULAR = "regular";
export const FONT_BOLD = "bold";

function contentWidth(): number {
  return PAGE.width - PAGE.marginLeft - PAGE.marginRight;
}

function pageBottom(): number {
  return PAGE.height - PAGE.marginBottom;
}

function newPage(doc: Document): void {
  doc.addPage();
  doc.y = PAGE.marginTop;
}

/** Starts a new page when fewer than `height` points are left on this one. */
function ensureSpace(doc: Document, height: number): void {
  if (doc.y + height > pageBottom()) newPage(doc);
}

/** Draws the blocks from the top of the first page's address window onwards. */
export function drawBlocks(doc: Document, blocks: LetterBlock[]): void {
  doc.y = PAGE.firstPageTop;
  for (const block of blocks) {
    switch (block.kind) {
      case "space":
        doc.y += BODY_SIZE * 0.9;
        break;
      case "title":
        drawLine(doc, block.text, { font: FONT_BOLD, size: 14, gapBefore: 4, gapAfter: 4 });
        break;
      case "heading":
        drawLine(doc, block.text, { font: FONT_BOLD, size: 11, gapBefore: 2, gapAfter: 2 });
        break;
      case "bullet":
        drawLine(doc, block.text, { indent: 12, bullet: true });
        break;
      case "right":
        drawLine(doc, block.text, { align: "right" });
        break;
      case "text":
        drawLine(doc, block.text, {});
        break;
      case "table":
        drawTable(doc, block.header, block.alignments, block.rows);
        break;
    }
  }
}

interface LineStyle {
  font?: string;
  size?: number;
  align?: Alignment;
  indent?: number;
  bullet?: boolean;
  gapBefore?: number;
  gapAfter?: number;
}

function drawLine(doc: Document, text: string, style: LineStyle): void {
  const indent = style.indent ?? 0;
  const width = contentWidth() - indent;
  doc.font(style.font ?? FONT_REGULAR).fontSize(style.size ?? BODY_SIZE);
  const height = doc.heightOfString(text, { width });
  ensureSpace(doc, (style.gapBefore ?? 0) + Math.min(height, doc.currentLineHeight(true) * 2));
  doc.y += style.gapBefore ?? 0;
  const x = PAGE.marginLeft + indent;
  if (style.bullet) doc.text("•", PAGE.marginLeft + indent - 9, doc.y, { lineBreak: false });
  doc.text(text, x, doc.y, { width, align: style.align ?? "left" });
  doc.y += style.gapAfter ?? 0;
}

/**
 * Sizes the columns to their widest cell. Spare width goes to the
 * left-aligned (text) columns in proportion. When the cells do not fit, the
 * widest text columns are narrowed to a common width so that short ones
 * (system, date) stay whole, and their text wraps. Right-aligned amounts
 * keep their width.
 */
function columnWidths(
  doc: Document,
  header: string[],
  alignments: Alignment[],
  rows: string[][],
): number[] {
  const natural = header.map((title, column) => {
    doc.font(FONT_BOLD).fontSize(TABLE_SIZE);
    let widest = doc.widthOfString(title);
    doc.font(FONT_REGULAR).fontSize(TABLE_SIZE);
    for (const row of rows) widest = Math.max(widest, doc.widthOfString(row[column] ?? ""));
    return Math.ceil(widest) + 2 * CELL_PADDING;
  });
  const flexible = natural.map((_, column) => alignments[column] !== "right");
  const fixedTotal = natural.reduce((sum, width, i) => sum + (flexible[i] ? 0 : width), 0);
  const flexibleWidths = natural.filter((_, i) => flexible[i]);
  const flexibleTotal = flexibleWidths.reduce((sum, width) => sum + width, 0);
  const budget = contentWidth() - fixedTotal;
  if (flexibleTotal === 0) return natural;
  if (flexibleTotal <= budget) {
    const factor = budget / flexibleTotal;
    return natural.map((width, i) => (flexible[i] ? width * factor : width));
  }
  const cap = Math.max(MIN_COLUMN_WIDTH, commonCap(flexibleWidths, budget));
  return natural.map((width, i) => (flexible[i] ? Math.min(width, cap) : width));
}

/** Returns the width w for which the sum of min(width, w) equals the budget. */
function commonCap(widths: number[], budget: number): number {
  const ascending = [...widths].sort((a, b) => a - b);
  let remaining = budget;
  for (let index = 0; index < ascending.length; index++) {
    const share = remaining / (ascending.length - index);
    if (ascending[index] > share) return share;
    remaining -= ascending[index];
  }
  return Number.POSITIVE_INFINITY;
}

function drawTable(
  doc: Document,
  header: string[],
  alignments: Alignment[],
  rows: string[][],
): void {
  const widths = columnWidths(doc, header, alignments, rows);
  const headerHeight = rowHeight(doc, header, widths, FONT_BOLD);
  // Keep the header with at least one row.
  ensureSpace(doc, headerHeight * 3);
  drawRow(doc, header, widths, alignments, FONT_BOLD);
  rule(doc);
  for (const row of rows) {
    const height = rowHeight(doc, row, widths, FONT_REGULAR);
    if (doc.y + height > pageBottom()) {
      // A table continued on a new page repeats its header.
      newPage(doc);
      drawRow(doc, header, widths, alignments, FONT_BOLD);
      rule(doc);
    }
    drawRow(doc, row, widths, alignments, FONT_REGULAR);
  }
  rule(doc);
  doc.y += CELL_PADDING;
}

function rowHeight(doc: Document, cells: string[], widths: number[], font: string): number {
  doc.font(font).fontSize(TABLE_SIZE);
  const heights = widths.map((width, i) =>
    doc.heightOfString(cells[i] ?? "", { width: width - 2 * CELL_PADDING }),
  );
  return Math.max(...heights) + 2 * CELL_PADDING;
}

function drawRow(
  doc: Document,
  cells: string[],
  widths: number[],
  alignments: Alignment[],
  font: string,
): void {
  const height = rowHeight(doc, cells, widths, font);
  const top = doc.y;
  let x = PAGE.marginLeft;
  widths.forEach((width, i) => {
    doc.text(cells[i] ?? "", x + CELL_PADDING, top + CELL_PADDING, {
      width: width - 2 * CELL_PADDING,
      align: alignments[i] ?? "left",
    });
    x += width;
  });
  doc.y = top + height;
}

function rule(doc: Document): void {
  doc
    .moveTo(PAGE.marginLeft, doc.y)
    .lineTo(PAGE.width - PAGE.marginRight, doc.y)
    .lineWidth(0.5)
    .stroke();
}

/** Writes "<letter id>  <page>/<pages>" at the foot of every buffered page. */
export function drawFooters(doc: Document, letterId: string): number {
  const range = doc.bufferedPageRange();
  for (let index = 0; index < range.count; index++) {
    doc.switchToPage(range.start + index);
    // Text below the bottom margin would otherwise start a new page.
    const margins = doc.page.margins;
    const bottom = margins.bottom;
    margins.bottom = 0;
    doc.font(FONT_REGULAR).fontSize(7);
    doc.text(
      `${letterId}  ${index + 1}/${range.count}`,
      PAGE.marginLeft,
      PAGE.height - PAGE.footerBaseline,
      { width: contentWidth(), align: "right", lineBreak: false },
    );
    margins.bottom = bottom;
  }
  return range.count;
}
