// Reads receivables from XLSX workbooks with the exceljs streaming reader:
// one worksheet per extract file, chosen by name or position, a header row
// at a configured row, and the same column mapping as the csv kind. Memory
// keeps the workbook's shared strings and one row, not the sheet.

import { createReadStream } from "node:fs";
import type { Hash } from "node:crypto";
import path from "node:path";
import ExcelJS from "exceljs";
import type { DateFormat } from "../../src/dates.ts";
import type { XlsxFileMapping, XlsxSourceConfig } from "../../src/config/sources.ts";
import {
  ExtractError,
  type Connector,
  type ExtractContext,
  type ExtractResult,
  type ExtractSink,
} from "../../src/extract.ts";
import { hashTap, requireFile, type DelimitedRecord, type FileLocation } from "../delimited.ts";
import { readFileSource } from "../file-source.ts";
import {
  derivedPaymentOf,
  isDistinct,
  mappedDefaults,
  mappedFiles,
  mappedValueFormat,
} from "../mapped.ts";
import { createRowMapper, headerColumns, headerPaidDate } from "../mapping.ts";
import type { FilePlan } from "../stage-file.ts";
import { cellText, type CellFormat, type CellKind } from "./cells.ts";

/** Standard fields that hold calendar dates. */
const DATE_FIELDS = new Set([
  "document_date",
  "due_date",
  "mandate_date",
  "date",
  "start_date",
  "end_date",
  "promised_date",
]);

export class XlsxConnector implements Connector {
  constructor(
    private readonly name: string,
    private readonly config: XlsxSourceConfig,
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
      const sheet = { location, mapping, dateFormat: config.date_format as DateFormat, decimal: config.decimal };
      return {
        file,
        location,
        records: (hash) => readSheet(sheet, hash),
        hasHeader: true,
        format: mappedValueFormat(config),
        defaults: mappedDefaults(config),
        mapHeader: (header) =>
          createRowMapper(
            mapping,
            headerColumns(mapping, header, location),
            headerPaidDate(derived?.column, header, location),
          ),
        distinct: isDistinct(mapping),
        paymentIdSuffix: derived?.id_suffix,
      };
    });
    return readFileSource({ source: this.name, folder, controlFile: config.control_file, plans }, sink);
  }
}

interface SheetRead {
  location: FileLocation;
  mapping: XlsxFileMapping;
  dateFormat: DateFormat;
  decimal: "." | ",";
}

/** Kind of each header column: a date when a date field or the paid date is read from it. */
function columnKinds(mapping: XlsxFileMapping, header: string[]): CellKind[] {
  const dateColumns = new Set<string>();
  for (const [field, column] of Object.entries(mapping.columns as Record<string, string>)) {
    if (DATE_FIELDS.has(field)) dateColumns.add(column);
  }
  const derived = derivedPaymentOf(mapping);
  if (derived) dateColumns.add(derived.column);
  return header.map((name) => (dateColumns.has(name) ? "date" : "text"));
}

type WorkbookReader = AsyncIterable<WorksheetReader> & {
  model?: { sheets?: { name: string }[] };
  properties?: { model?: { date1904?: boolean } };
};
type WorksheetReader = AsyncIterable<{ number: number; values: unknown[] }> & { name?: string };

/**
 * Yields the header row and the non-empty data rows of the configured sheet
 * as text, with their row numbers as line numbers. Every byte of the file is
 * read and hashed, other sheets included.
 */
async function* readSheet(read: SheetRead, hash: Hash): AsyncGenerator<DelimitedRecord> {
  const { location, mapping } = read;
  await requireFile(location);
  const input = createReadStream(location.filePath).pipe(hashTap(hash));
  const workbook = new ExcelJS.stream.xlsx.WorkbookReader(input as never, {
    sharedStrings: "cache",
    styles: "ignore",
    hyperlinks: "ignore",
    worksheets: "emit",
    entries: "ignore",
  }) as unknown as WorkbookReader;
  let found = false;
  let headerSeen = false;
  try {
    for await (const worksheet of workbook) {
      if (found || !isChosenSheet(workbook, worksheet, mapping.sheet)) {
        // Every other sheet is read to its end: exceljs deletes the temporary
        // file of a sheet once the loop moves on, and a sheet left unread
        // would then fail to open it in the background.
        for await (const _row of worksheet) continue;
        continue;
      }
      found = true;
      const format: CellFormat = {
        dateFormat: read.dateFormat,
        decimal: read.decimal,
        date1904: workbook.properties?.model?.date1904 === true,
      };
      let kinds: CellKind[] = [];
      for await (const row of worksheet) {
        if (row.number < mapping.header_row) continue;
        const cells = row.values.slice(1);
        if (row.number === mapping.header_row) {
          const header = Array.from(cells, (value) => cellText(value, "text", format).trim());
          kinds = columnKinds(mapping, header);
          headerSeen = true;
          yield { line: row.number, values: header };
          continue;
        }
        if (!headerSeen) break;
        const values = Array.from({ length: Math.max(cells.length, kinds.length) }, (_, index) =>
          cellText(cells[index], kinds[index] ?? "text", format),
        );
        if (values.every((value) => value.trim() === "")) continue;
        yield { line: row.number, values };
      }
    }
  } catch (error) {
    if (error instanceof ExtractError) throw error;
    throw new ExtractError(
      `source ${location.source}: ${location.file} cannot be read as an XLSX workbook ` +
        `(${(error as Error).message}); the file may be truncated or in another format`,
      location.source,
      location.file,
      "malformed_file",
      { cause: error },
    );
  }
  if (!found) {
    throw new ExtractError(
      `source ${location.source}: ${location.file} has no worksheet ${JSON.stringify(mapping.sheet)}; ` +
        "check the file's sheet names or the sheet key of the mapping",
      location.source,
      location.file,
      "sheet_missing",
    );
  }
}

function isChosenSheet(workbook: WorkbookReader, worksheet: WorksheetReader, sheet: string | number): boolean {
  if (typeof sheet === "string") return worksheet.name === sheet;
  const name = workbook.model?.sheets?.[sheet - 1]?.name;
  return name !== undefined && worksheet.name === name;
}
