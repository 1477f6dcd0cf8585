import { expect } from "chai";

import {
  escapeMarkup,
  parseLetterMarkup,
  unescapeMarkup,
} from "../../../src/outputs/letters/markup.ts";

describe("parseLetterMarkup", function () {
  it("reads each kind of line", function () {
    const blocks = parseLetterMarkup(
      ["", "Jürgen Größmann", "> 31.03.2026", "# Reminder", "## Ways to pay", "- Portal", "", ""].join(
        "\n",
      ),
    );
    // The leading empty line is dropped and the two trailing ones become one space.
    expect(blocks).to.deep.equal([
      { kind: "text", text: "Jürgen Größmann" },
      { kind: "right", text: "31.03.2026" },
      { kind: "title", text: "Reminder" },
      { kind: "heading", text: "Ways to pay" },
      { kind: "bullet", text: "Portal" },
      { kind: "space" },
    ]);
  });

  it("reads a table with alignments", function () {
    const blocks = parseLetterMarkup(
      [
        "| Reference | Amount |",
        "|---|--:|",
        "| INV\\|1 | 1.00 |",
        "| INV 2 | 2.00 |",
        "after",
      ].join("\n"),
    );
    expect(blocks).to.deep.equal([
      {
        kind: "table",
        header: ["Reference", "Amount"],
        alignments: ["left", "right"],
        rows: [
          ["INV|1", "1.00"],
          ["INV 2", "2.00"],
        ],
      },
      { kind: "text", text: "after" },
    ]);
  });

  it("keeps escaped values literal", function () {
    const value = escapeMarkup("# |Größmann\\ - >\nnext");
    // Line breaks become spaces, and markup characters and backslashes are escaped.
    expect(value).to.equal("\\# \\|Größmann\\\\ \\- \\> next");
    expect(unescapeMarkup(value)).to.equal("# |Größmann\\ - > next");
    expect(parseLetterMarkup(value)).to.deep.equal([
      { kind: "text", text: "# |Größmann\\ - > next" },
    ]);
    expect(parseLetterMarkup(`| ${value} |`)).to.deep.equal([
      { kind: "table", header: ["# |Größmann\\ - > next"], alignments: ["left"], rows: [] },
    ]);
  });
});
