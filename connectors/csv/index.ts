// Reads a billing system's delimited files in their own layout: encoding,
// delimiter, quote, decimal and date conventions, a column mapping per file
// and optional trailer records with control totals.

import path from "node:path";
import type { CsvSourceConfig, CsvTrailer } from "../../src/config/sources.ts";
import type {
  Connector,
  ExtractContext,
  ExtractResult,
  ExtractSink,
} from "../../src/extract.ts";
import type { TrailerReader } from "../control.ts";
import type { FileLocation } from "../delimited.ts";
import { checkFieldCount, delimitedRecords, readFileSource } from "../file-source.ts";
import {
  derivedPaymentOf,
  isDistinct,
  mappedDefaults,
  mappedFiles,
  mappedValueFormat,
} from "../mapped.ts";
import { createRowMapper, headerColumns, headerPaidDate } from "../mapping.ts";
import type { FilePlan } from "../stage-file.ts";

export class CsvConnector implements Connector {
  constructor(
    private readonly name: string,
    private readonly config: CsvSourceConfig,
  ) {}

  async read(context: ExtractContext, sink: ExtractSink): Promise<ExtractResult> {
    const { config } = this;
    const folder = path.resolve(context.baseDir, config.path);
    const options = { encoding: config.encoding, delimiter: config.delimiter, quote: config.quote };
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
        records: delimitedRecords({ location }, options),
        hasHeader: true,
        checkRecord: checkFieldCount,
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
        trailer: mapping.trailer ? delimitedTrailer(mapping.trailer) : undefined,
      };
    });
    return readFileSource({ source: this.name, folder, controlFile: config.control_file, plans }, sink);
  }
}

/** Reads trailer records: records whose first field is the prefix, with fields counted from 1. */
function delimitedTrailer(layout: CsvTrailer): TrailerReader {
  const field = (values: string[], number: number | undefined) =>
    number === undefined ? undefined : (values[number - 1] ?? "").trim();
  return {
    isTrailer: (values) => values[0]?.trim() === layout.prefix,
    read: (values) => ({
      rows: field(values, layout.count_column) ?? "",
      amount: field(values, layout.amount_column),
      currency: field(values, layout.currency_column),
    }),
  };
}
