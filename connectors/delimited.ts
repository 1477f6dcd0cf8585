// Streams the records of a delimited text file with their physical line
// numbers, decoding its bytes with iconv-lite and feeding them to a hash on
// the way. Problems with the file as a whole raise ExtractError.

import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { Hash } from "node:crypto";
import { Transform, type TransformCallback } from "node:stream";
import { pipeline } from "node:stream/promises";
import { parse, CsvError } from "csv-parse";
import iconv from "iconv-lite";
import { ExtractError } from "../src/extract.ts";

export interface DelimitedOptions {
  encoding: "utf-8" | "latin1" | "windows-1252";
  delimiter: string;
  quote: string;
}

export interface DelimitedRecord {
  /** Physical line where the record starts; the header is line 1. */
  line: number;
  values: string[];
}

/** Names the file in errors and rejects. */
export interface FileLocation {
  source: string;
  /** File name as the configuration gives it. */
  file: string;
  /** Absolute path to open. */
  filePath: string;
}

/** Raises file_missing when a configured file does not exist. */
export async function requireFile(location: FileLocation): Promise<void> {
  if (await fileExists(location.filePath)) return;
  throw new ExtractError(
    `source ${location.source}: ${location.file} not found; ` +
      "check the source's path and file names",
    location.source,
    location.file,
    "file_missing",
  );
}

export async function fileExists(filePath: string): Promise<boolean> {
  try {
    return (await stat(filePath)).isFile();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
}

/**
 * Yields every record of the file, header first. Empty lines are skipped but
 * still counted, and a quoted field that spans lines moves the next record's
 * line number on by as many lines.
 */
export async function* readDelimited(
  location: FileLocation,
  options: DelimitedOptions,
  hash: Hash,
): AsyncGenerator<DelimitedRecord> {
  await requireFile(location);
  const parser = parse({
    delimiter: options.delimiter,
    quote: options.quote,
    info: true,
    skip_empty_lines: true,
    relax_column_count: true,
  });
  const done = pipeline(
    createReadStream(location.filePath),
    hashTap(hash),
    iconv.decodeStream(options.encoding),
    replacementCheck(location, options.encoding),
    parser,
  );
  done.catch(() => undefined);
  // csv-parse 7 counts a CRLF inside a quoted field as two lines, and keeps
  // that extra count for every later record; surplus undoes it.
  let surplus = 0;
  try {
    for await (const { record, info } of parser as AsyncIterable<{
      record: string[];
      info: { lines: number };
    }>) {
      const breaks = lineBreaksInside(record);
      surplus += breaks.crlf;
      yield { line: info.lines - surplus - breaks.total, values: record };
    }
    await done;
  } catch (error) {
    throw asExtractError(error, location);
  } finally {
    parser.destroy();
  }
}

/**
 * Counts the line breaks inside a record's quoted fields; CRLF, LF and a lone
 * CR each end one line. A CR left at the end of the record belongs to its own
 * line ending and is not counted.
 */
function lineBreaksInside(values: string[]): { total: number; crlf: number } {
  let total = 0;
  let crlf = 0;
  values.forEach((value, index) => {
    const text = index === values.length - 1 ? value.replace(/\r$/, "") : value;
    crlf += count(text, "\r\n");
    total += count(text, "\n") + count(text, "\r");
  });
  return { total: total - crlf, crlf };
}

function count(text: string, part: string): number {
  let found = 0;
  for (let index = text.indexOf(part); index >= 0; index = text.indexOf(part, index + 1)) {
    found += 1;
  }
  return found;
}

/** Feeds every chunk that passes to the hash. */
export function hashTap(hash: Hash): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      hash.update(chunk);
      callback(null, chunk);
    },
  });
}

/**
 * iconv-lite decodes bytes that are invalid in the encoding as U+FFFD. Such a
 * file was written in another encoding, and guessing would corrupt names.
 */
export function replacementCheck(location: FileLocation, encoding: string): Transform {
  let lineBreaks = 0;
  return new Transform({
    decodeStrings: false,
    transform(chunk: string, _encoding, callback: TransformCallback) {
      const bad = chunk.indexOf("\uFFFD");
      if (bad >= 0) {
        const line = lineBreaks + countLineBreaks(chunk.slice(0, bad)) + 1;
        callback(
          new ExtractError(
            `source ${location.source}: ${location.file} line ${line} has bytes that ` +
              `are not valid ${encoding}; set encoding for the source to the file's encoding`,
            location.source,
            location.file,
            "invalid_encoding",
          ),
        );
        return;
      }
      lineBreaks += countLineBreaks(chunk);
      callback(null, chunk);
    },
  });
}

function countLineBreaks(text: string): number {
  return count(text, "\n");
}

function asExtractError(error: unknown, location: FileLocation): unknown {
  if (error instanceof ExtractError) return error;
  if (error instanceof CsvError) {
    const line = (error as CsvError & { lines?: number }).lines;
    return new ExtractError(
      `source ${location.source}: ${location.file} line ${line ?? "?"} cannot be ` +
        `parsed (${error.message}); the file may be truncated or use another quote character`,
      location.source,
      location.file,
      "malformed_file",
      { cause: error },
    );
  }
  return error;
}
