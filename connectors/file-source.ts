// Reads the files of one source in extract order and checks its control
// file, for every kind that reads files. The checksum covers every byte
// read, the control file included.

import { createHash } from "node:crypto";
import type { ExtractResult, ExtractSink } from "../src/extract.ts";
import { checkControlFile, type ReadFile } from "./control.ts";
import type { DelimitedOptions } from "./delimited.ts";
import { readDelimited } from "./delimited.ts";
import { RowProblem } from "./fields.ts";
import { stageFile, type FilePlan } from "./stage-file.ts";

export interface FileSourceRead {
  source: string;
  /** Folder of the source's files; the control file is looked up here. */
  folder: string;
  controlFile?: string;
  plans: FilePlan[];
}

export async function readFileSource(read: FileSourceRead, sink: ExtractSink): Promise<ExtractResult> {
  const hash = createHash("sha256");
  const rowsRead: Record<string, number> = {};
  const files: ReadFile[] = [];
  for (const plan of read.plans) {
    const staged = await stageFile(plan, sink, hash);
    rowsRead[plan.file] = staged.rowsRead;
    files.push({ extract: plan.file, location: plan.location, totals: staged.totals });
  }
  if (read.controlFile !== undefined) {
    await checkControlFile(read.source, read.folder, read.controlFile, files, hash);
  }
  return { checksum: hash.digest("hex"), rowsRead };
}

/** Returns the reader of a delimited file's records, for FilePlan.records. */
export function delimitedRecords(plan: { location: FilePlan["location"] }, options: DelimitedOptions) {
  return (hash: Parameters<FilePlan["records"]>[0]) => readDelimited(plan.location, options, hash);
}

/** Rejects a delimited record whose field count differs from the header's. */
export function checkFieldCount(values: string[], header: string[]): RowProblem | null {
  if (values.length === header.length) return null;
  return new RowProblem(
    "row",
    "wrong_column_count",
    `the row has ${values.length} fields but the header has ${header.length}; ` +
      "the file may be truncated or a delimiter may be unquoted",
  );
}
