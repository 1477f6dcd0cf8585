// Maps the columns of a billing system's own file layout to standard fields:
// a column per field, constant values, and value maps for codes. The csv and
// xlsx kinds find columns by header name, fixed_width by position.

import type { AnyFileMapping } from "../src/config/sources.ts";
import type { FileLocation } from "./delimited.ts";
import { quote, RowProblem, type RawRow } from "./fields.ts";
import { PAID_DATE_FIELD, requireColumn, type RowMapper } from "./stage-file.ts";

type MapValue = string | { field: string };

/** Reads one mapped column's text from a record. */
export interface ColumnReader {
  field: string;
  /** The column as the configuration names it, for messages. */
  label: string;
  read(values: string[]): string;
}

/** Returns readers for the mapped columns of a file with a header row. */
export function headerColumns(
  mapping: AnyFileMapping,
  header: string[],
  location: FileLocation,
): ColumnReader[] {
  return Object.entries(mapping.columns as Record<string, string>).map(([field, column]) => {
    const index = requireColumn(header, column, location, `mapped to ${field}`);
    return { field, label: column, read: (values: string[]) => values[index] ?? "" };
  });
}

/** Returns the reader of the paid-date column of derived payments, by header name. */
export function headerPaidDate(
  column: string | undefined,
  header: string[],
  location: FileLocation,
): ((values: string[]) => string) | undefined {
  if (column === undefined) return undefined;
  const index = requireColumn(header, column, location, "the paid date of derived payments");
  return (values) => values[index] ?? "";
}

/**
 * Builds the mapper of one file. A map entry may name another field instead
 * of a constant: `Yes: { field: amount }` disputes the whole amount of the row.
 */
export function createRowMapper(
  mapping: AnyFileMapping,
  columns: ColumnReader[],
  paidDate?: (values: string[]) => string,
): RowMapper {
  const constants = mapping.values as Record<string, string>;
  const maps = mapping.maps as Record<string, Record<string, MapValue>>;

  return (values) => {
    const raw: RawRow = { ...constants };
    const references: [string, string][] = [];
    let problem: RowProblem | null = null;
    for (const { field, label, read } of columns) {
      const text = read(values);
      const map = maps[field];
      if (map === undefined || text.trim() === "") {
        raw[field] = text;
        continue;
      }
      const target = lookUp(map, text.trim());
      if (target === undefined) {
        problem ??= new RowProblem(
          field,
          "value_not_mapped",
          `${field} ${quote(text.trim())} in column ${quote(label)} has no entry ` +
            `in the source's value map; add it to maps.${field}`,
        );
        continue;
      }
      if (typeof target === "string") raw[field] = target;
      else references.push([field, target.field]);
    }
    for (const [field, target] of references) raw[field] = raw[target];
    if (paidDate !== undefined) raw[PAID_DATE_FIELD] = paidDate(values);
    if (problem !== null) {
      problem.partialRow = raw;
      throw problem;
    }
    return raw;
  };
}

function lookUp(map: Record<string, MapValue>, key: string): MapValue | undefined {
  return Object.hasOwn(map, key) ? map[key] : undefined;
}
