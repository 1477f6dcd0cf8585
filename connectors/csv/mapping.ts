// Maps the columns of a billing system's own file layout to standard fields:
// a column per field, constant values, and value maps for codes.

import type { CsvFileMapping } from "../../src/config/sources.ts";
import type { FileLocation } from "../delimited.ts";
import { quote, RowProblem, type RawRow } from "../fields.ts";
import { PAID_DATE_FIELD, requireColumn, type RowMapper } from "../stage-file.ts";

type MapValue = string | { field: string };

/**
 * Builds the mapper of one file from its header. A map entry may name another
 * field instead of a constant: `Yes: { field: amount }` disputes the whole
 * amount of the row.
 */
export function mapSourceHeader(
  mapping: CsvFileMapping,
  header: string[],
  location: FileLocation,
  paidDateColumn?: string,
): RowMapper {
  const columns = Object.entries(mapping.columns as Record<string, string>).map(
    ([field, column]) => ({
      field,
      column,
      index: requireColumn(header, column, location, `mapped to ${field}`),
    }),
  );
  const paidIndex =
    paidDateColumn === undefined
      ? undefined
      : requireColumn(header, paidDateColumn, location, "the paid date of derived payments");
  const constants = mapping.values as Record<string, string>;
  const maps = mapping.maps as Record<string, Record<string, MapValue>>;

  return (values) => {
    const raw: RawRow = { ...constants };
    const references: [string, string][] = [];
    for (const { field, column, index } of columns) {
      const text = values[index];
      const map = maps[field];
      if (map === undefined || text.trim() === "") {
        raw[field] = text;
        continue;
      }
      const target = lookUp(map, text.trim());
      if (target === undefined) {
        throw new RowProblem(
          field,
          "value_not_mapped",
          `${field} ${quote(text.trim())} in column ${quote(column)} has no entry ` +
            `in the source's value map; add it to maps.${field}`,
        );
      }
      if (typeof target === "string") raw[field] = target;
      else references.push([field, target.field]);
    }
    for (const [field, target] of references) raw[field] = raw[target];
    if (paidIndex !== undefined) raw[PAID_DATE_FIELD] = values[paidIndex];
    return raw;
  };
}

function lookUp(map: Record<string, MapValue>, key: string): MapValue | undefined {
  return Object.hasOwn(map, key) ? map[key] : undefined;
}
