// Reads a billing system's fixed-width files: each field at a configured
// position of the line, with the same value parsing, encodings and line
// numbers as the delimited kinds. Positions count characters of the decoded
// line, which are bytes in the single-byte encodings.

import { createReadStream } from "node:fs";
import type { Hash } from "node:crypto";
import path from "node:path";
import { createInterface } from "node:readline";
import { pipeline } from "node:stream/promises";
import iconv from "iconv-lite";
import type {
  FixedPosition,
  FixedWidthFileMapping,
  FixedWidthSourceConfig,
  FixedWidthTrailer,
} from "../../src/config/sources.ts";
import {
  ExtractError,
  type Connector,
  type ExtractContext,
  type ExtractResult,
  type ExtractSink,
} from "../../src/extract.ts";
import type { TrailerReader } from "../control.ts";
import {
  hashTap,
  replacementCheck,
  requireFile,
  type DelimitedRecord,
  type FileLocation,
} from "../delimited.ts";
import { RowProblem } from "../fields.ts";
import { readFileSource } from "../file-source.ts";
import {
  derivedPaymentOf,
  isDistinct,
  mappedDefaults,
  mappedFiles,
  mappedValueFormat,
} from "../mapped.ts";
import { createRowMapper, type ColumnReader } from "../mapping.ts";
import type { FilePlan } from "../stage-file.ts";

export class FixedWidthConnector implements Connector {
  constructor(
    private readonly name: string,
    private readonly config: FixedWidthSourceConfig,
  ) {}

  async read(context: ExtractContext, sink: ExtractSink): Promise<ExtractResult> {
    const { config } = this;
    const folder = path.resolve(context.baseDir, config.path);
    const plans = mappedFiles(config.files).map(({ file, mapping }): FilePlan => {
      const location: FileLocation = {
        source: this.name,
        file: mapping.file,
        filePath: path.resolve(folder, mapping.file),
      };
      const derived = derivedPaymentOf(mapping);
      return {
        file,
        location,
        records: (hash) => readLines(location, config.encoding, mapping.skip_lines, hash),
        hasHeader: false,
        checkRecord: lineLengthCheck(mapping),
        format: mappedValueFormat(config),
        defaults: mappedDefaults(config),
        mapHeader: () =>
          createRowMapper(
            mapping,
            positionColumns(mapping),
            derived ? (values) => slice(values[0], derived.column) : undefined,
          ),
        distinct: isDistinct(mapping),
        paymentIdSuffix: derived?.id_suffix,
        trailer: mapping.trailer ? fixedTrailer(mapping.trailer) : undefined,
      };
    });
    return readFileSource({ source: this.name, folder, controlFile: config.control_file, plans }, sink);
  }
}

/** Returns the characters at a position; a line that ends earlier yields what it has. */
function slice(line: string, position: FixedPosition): string {
  return line.slice(position.start - 1, position.start - 1 + position.width);
}

function positionColumns(mapping: FixedWidthFileMapping): ColumnReader[] {
  return Object.entries(mapping.columns as Record<string, FixedPosition>).map(([field, position]) => ({
    field,
    label: `${position.start}+${position.width}`,
    read: (values: string[]) => slice(values[0], position),
  }));
}

function lineLengthCheck(mapping: FixedWidthFileMapping): FilePlan["checkRecord"] {
  const length = mapping.line_length;
  if (length === undefined) return undefined;
  return (values) => {
    const actual = values[0].length;
    if (actual === length) return null;
    return new RowProblem(
      "row",
      "wrong_line_length",
      `the line has ${actual} characters but records have ${length}; ` +
        "the file may be truncated or use another encoding",
    );
  };
}

/** Reads trailer records: lines that start with the prefix. */
function fixedTrailer(layout: FixedWidthTrailer): TrailerReader {
  const field = (line: string, position: FixedPosition | undefined) =>
    position === undefined ? undefined : slice(line, position).trim();
  return {
    isTrailer: (values) => values[0].startsWith(layout.prefix),
    read: (values) => ({
      rows: field(values[0], layout.count_column) ?? "",
      amount: field(values[0], layout.amount_column),
      currency: field(values[0], layout.currency_column),
    }),
  };
}

/**
 * Yields every non-blank line as a record of one value, after the first
 * skipLines lines. Line numbers count every physical line from 1.
 */
async function* readLines(
  location: FileLocation,
  encoding: FixedWidthSourceConfig["encoding"],
  skipLines: number,
  hash: Hash,
): AsyncGenerator<DelimitedRecord> {
  await requireFile(location);
  const decoded = iconv.decodeStream(encoding);
  const checked = replacementCheck(location, encoding);
  const done = pipeline(createReadStream(location.filePath), hashTap(hash), decoded, checked);
  done.catch(() => undefined);
  const lines = createInterface({ input: checked, crlfDelay: Infinity });
  let line = 0;
  try {
    for await (const text of lines) {
      line += 1;
      if (line <= skipLines || text.trim() === "") continue;
      yield { line, values: [text] };
    }
    await done;
  } finally {
    lines.close();
    checked.destroy();
  }
  if (line < skipLines) {
    throw new ExtractError(
      `source ${location.source}: ${location.file} has ${line} lines, fewer than the ` +
        `${skipLines} header lines of skip_lines; the file is empty or truncated`,
      location.source,
      location.file,
      "file_empty",
    );
  }
}
