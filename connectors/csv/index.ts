// Reads a billing system's delimited files in their own layout: encoding,
// delimiter, decimal and date conventions, and a column mapping per file.

import { createHash } from "node:crypto";
import path from "node:path";
import type { DateFormat } from "../../src/dates.ts";
import {
  EXTRACT_FILES,
  type CsvSourceConfig,
} from "../../src/config/sources.ts";
import type {
  Connector,
  ExtractContext,
  ExtractResult,
  ExtractSink,
} from "../../src/extract.ts";
import type { FileLocation } from "../delimited.ts";
import type { ValueFormat } from "../fields.ts";
import { stageFile, type FilePlan } from "../stage-file.ts";
import { mapSourceHeader } from "./mapping.ts";

export class CsvConnector implements Connector {
  constructor(
    private readonly name: string,
    private readonly config: CsvSourceConfig,
  ) {}

  async read(context: ExtractContext, sink: ExtractSink): Promise<ExtractResult> {
    const { config } = this;
    const folder = path.resolve(context.baseDir, config.path);
    const hash = createHash("sha256");
    const rowsRead: Record<string, number> = {};
    for (const file of EXTRACT_FILES) {
      const mapping = config.files[file];
      if (mapping === undefined) continue;
      const location: FileLocation = {
        source: this.name,
        file: mapping.file,
        filePath: path.resolve(folder, mapping.file),
      };
      const derived = "derived_payment" in mapping ? mapping.derived_payment : undefined;
      const plan: FilePlan = {
        file,
        location,
        options: {
          encoding: config.encoding,
          delimiter: config.delimiter,
          quote: config.quote,
        },
        format: this.valueFormat(),
        defaults: {
          entity: config.entity ?? null,
          currency: config.default_currency ?? null,
        },
        mapHeader: (header) =>
          mapSourceHeader(mapping, header, location, derived?.column),
        distinct: "distinct" in mapping && mapping.distinct,
        paymentIdSuffix: derived?.id_suffix,
      };
      rowsRead[file] = await stageFile(plan, sink, hash);
    }
    return { checksum: hash.digest("hex"), rowsRead };
  }

  private valueFormat(): ValueFormat {
    const { config } = this;
    return {
      decimal: config.decimal,
      grouping: config.grouping === "none" ? "" : config.grouping,
      dateFormat: config.date_format as DateFormat,
      creditSign: config.credit_sign,
      amountsInMinor: false,
    };
  }
}
