// The line-based markup that letter templates produce once handlebars has
// filled them in. Each line is one block:
//   # Title            large bold line
//   ## Heading         bold line
//   - text             bullet
//   > text             right-aligned line (date and place)
//   | a | b |          table row; the first row of a table is its header, and
//   |---|--:|          an optional second row sets the alignment (--: right)
//   (empty line)       vertical space; several count as one
//   anything else      a line of body text, wrapped at the right margin
// A backslash makes the next character literal. Values from the ledger are
// escaped before they reach the template, so a reference containing "|" or
// a name starting with "#" cannot change the layout.

export type Alignment = "left" | "right";

export type LetterBlock =
  | { kind: "title" | "heading" | "bullet" | "right" | "text"; text: string }
  | { kind: "space" }
  | { kind: "table"; header: string[]; alignments: Alignment[]; rows: string[][] };

const SPECIAL = /[\\|#>-]/g;
const LINE_BREAKS = /[\r\n\t\v\f\u2028\u2029]/g;

/** Escapes a value so that the markup shows it literally, on one line. */
export function escapeMarkup(value: string): string {
  return value.replace(LINE_BREAKS, " ").replace(SPECIAL, "\\$&");
}

/** Removes the escaping backslashes: "\|" becomes "|" and "\\" becomes "\". */
export function unescapeMarkup(text: string): string {
  return text.replace(/\\(.)/g, "$1");
}

/** Splits a table line at its unescaped bars and unescapes each cell. */
function splitTableRow(line: string): string[] {
  const cells: string[] = [];
  let cell = "";
  for (let index = 0; index < line.length; index++) {
    const char = line[index];
    if (char === "\\" && index + 1 < line.length) {
      cell += char + line[index + 1];
      index += 1;
    } else if (char === "|") {
      cells.push(cell);
      cell = "";
    } else {
      cell += char;
    }
  }
  cells.push(cell);
  // The leading bar opens the row, and a trailing bar closes it.
  const inner = cells.slice(1);
  if (inner.length > 0 && inner[inner.length - 1].trim() === "") inner.pop();
  return inner.map((value) => unescapeMarkup(value.trim()));
}

const ALIGNMENT_CELL = /^:?-+:?$/;

function parseAlignmentRow(cells: string[]): Alignment[] | undefined {
  if (cells.length === 0 || !cells.every((cell) => ALIGNMENT_CELL.test(cell))) return undefined;
  return cells.map((cell) => (cell.endsWith(":") && !cell.startsWith(":") ? "right" : "left"));
}

/** Parses filled-in template text into layout blocks. */
export function parseLetterMarkup(text: string): LetterBlock[] {
  const blocks: LetterBlock[] = [];
  let table: Extract<LetterBlock, { kind: "table" }> | undefined;
  let alignmentAllowed = false;

  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trimEnd();
    if (line.startsWith("|")) {
      const cells = splitTableRow(line);
      if (!table) {
        table = { kind: "table", header: cells, alignments: cells.map(() => "left"), rows: [] };
        blocks.push(table);
        alignmentAllowed = true;
        continue;
      }
      const alignments = alignmentAllowed ? parseAlignmentRow(cells) : undefined;
      alignmentAllowed = false;
      if (alignments) table.alignments = table.header.map((_, i) => alignments[i] ?? "left");
      else table.rows.push(cells);
      continue;
    }
    table = undefined;
    blocks.push(parseLine(line));
  }
  return blocks.filter(
    (block, index) => block.kind !== "space" || (index > 0 && blocks[index - 1].kind !== "space"),
  );
}

function parseLine(line: string): LetterBlock {
  if (line.trim() === "") return { kind: "space" };
  const prefixes: [string, "title" | "heading" | "bullet" | "right"][] = [
    ["## ", "heading"],
    ["# ", "title"],
    ["- ", "bullet"],
    ["> ", "right"],
  ];
  for (const [prefix, kind] of prefixes) {
    if (line.startsWith(prefix)) {
      return { kind, text: unescapeMarkup(line.slice(prefix.length).trim()) };
    }
  }
  return { kind: "text", text: unescapeMarkup(line) };
}
