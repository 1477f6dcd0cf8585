// Reads a folder with the standard extract: accounts.csv and items.csv, plus
// allocations.csv and holds.csv when the billing system writes them.

import path from "node:path";
import {
  EXTRACT_FILES,
  REQUIRED_FIELDS,
  STANDARD_FIELDS,
  type ExtractFile,
  type StandardSourceConfig,
} from "../../src/config/sources.ts";
import type {
  Connector,
  ExtractContext,
  ExtractResult,
  ExtractSink,
} from "../../src/extract.ts";
import { fileExists, type FileLocation } from "../delimited.ts";
import { STANDARD_FORMAT, type RawRow } from "../fields.ts";
import { checkFieldCount, delimitedRecords, readFileSource } from "../file-source.ts";
import { requireColumn, type FilePlan, type RowMapper } from "../stage-file.ts";

const OPTIONAL_FILES: ReadonlySet<ExtractFile> = new Set(["allocations", "holds"]);

const STANDARD_CSV = { encoding: "utf-8", delimiter: ",", quote: '"' } as const;

export class StandardConnector implements Connector {
  constructor(
    private readonly name: string,
    private readonly config: StandardSourceConfig,
  ) {}

  async read(context: ExtractContext, sink: ExtractSink): Promise<ExtractResult> {
    const folder = path.resolve(context.baseDir, this.config.path);
    const defaults = {
      entity: this.config.entity ?? null,
      currency: this.config.default_currency ?? null,
    };
    const plans: FilePlan[] = [];
    for (const file of EXTRACT_FILES) {
      const location: FileLocation = {
        source: this.name,
        file: `${file}.csv`,
        filePath: path.join(folder, `${file}.csv`),
      };
      if (OPTIONAL_FILES.has(file) && !(await fileExists(location.filePath))) continue;
      plans.push({
        file,
        location,
        records: delimitedRecords({ location }, STANDARD_CSV),
        hasHeader: true,
        checkRecord: checkFieldCount,
        format: STANDARD_FORMAT,
        defaults,
        mapHeader: (header: string[]) => mapStandardHeader(file, header, location),
      });
    }
    return readFileSource(
      { source: this.name, folder, controlFile: this.config.control_file, plans },
      sink,
    );
  }
}

/** Columns carry the standard names; unknown columns are ignored. */
function mapStandardHeader(
  file: ExtractFile,
  header: string[],
  location: FileLocation,
): RowMapper {
  for (const field of REQUIRED_FIELDS[file] as string[]) {
    requireColumn(header, field, location, "a required column of the standard extract");
  }
  const positions = (STANDARD_FIELDS[file] as readonly string[])
    .map((field) => [field, header.indexOf(field)] as const)
    .filter(([, index]) => index >= 0);
  return (values) => {
    const raw: RawRow = {};
    for (const [field, index] of positions) raw[field] = values[index];
    return raw;
  };
}
