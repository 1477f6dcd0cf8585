// Checks of a source entry that span several keys, reported as zod issues
// with their key paths so that the loader lists every problem at once.

import type { z } from "zod";
import type {
  AnyFileMapping,
  MappedSourceConfig,
  SqlSourceConfig,
} from "./sources.ts";
import {
  EXTRACT_FILES,
  REQUIRED_FIELDS,
  STANDARD_FIELDS,
  type ExtractFile,
} from "./standard-fields.ts";

type Issues = z.RefinementCtx;

function issue(context: Issues, path: (string | number)[], message: string): void {
  context.addIssue({ code: "custom", path, message });
}

/** Rules of the csv, fixed_width and xlsx kinds. */
export function checkFileSource(source: MappedSourceConfig, context: Issues): void {
  if (source.grouping === source.decimal) {
    issue(context, ["grouping"], `must differ from the decimal separator "${source.decimal}"`);
  }
  if (source.kind === "csv" && source.delimiter === source.quote) {
    issue(context, ["quote"], "must differ from the delimiter");
  }
  for (const file of EXTRACT_FILES) {
    const mapping = source.files[file] as AnyFileMapping | undefined;
    if (mapping) checkFileMapping(file, mapping, context);
  }
}

function checkFileMapping(file: ExtractFile, mapping: AnyFileMapping, context: Issues): void {
  const columns = mapping.columns as Record<string, unknown>;
  const values = mapping.values as Record<string, string | undefined>;
  const provided = (field: string) =>
    columns[field] !== undefined || values[field] !== undefined;
  for (const field of REQUIRED_FIELDS[file] as string[]) {
    if (!provided(field)) {
      issue(context, ["files", file], `${field} is required: map it in columns or set it in values`);
    }
  }
  for (const field of Object.keys(columns)) {
    if (values[field] !== undefined) {
      issue(
        context,
        ["files", file, "values", field],
        `${field} is already read from a column; keep one of the two`,
      );
    }
  }
  const maps = mapping.maps as Record<string, Record<string, unknown>>;
  for (const [field, map] of Object.entries(maps)) {
    if (columns[field] === undefined) {
      issue(context, ["files", file, "maps", field], `${field} has a value map but no column to read from`);
    }
    for (const [key, value] of Object.entries(map)) {
      if (typeof value !== "object" || value === null) continue;
      const target = (value as { field: string }).field;
      const isField = (STANDARD_FIELDS[file] as readonly string[]).includes(target);
      if (!isField || !provided(target) || maps[target] !== undefined) {
        issue(
          context,
          ["files", file, "maps", field, key, "field"],
          `${target} must be a field of ${file} read from a column or a value, without a map of its own`,
        );
      }
    }
  }
  const trailer = (mapping as { trailer?: Partial<Record<string, unknown>> }).trailer;
  const hasAmount = (STANDARD_FIELDS[file] as readonly string[]).includes("amount");
  if (trailer && !hasAmount) {
    for (const key of ["amount_column", "currency_column"] as const) {
      if (trailer[key] === undefined) continue;
      issue(context, ["files", file, "trailer", key], `${file} has no amount to total; remove ${key}`);
    }
  }
}

/** Named parameters of a query; `::` casts of PostgreSQL are no parameters. */
export function queryParameters(sql: string): string[] {
  return sql.replace(/::/g, "").match(/:[A-Za-z_]\w*/g) ?? [];
}

/** Queries take bound parameters only: :business_date, and :watermark with a watermark. */
export function checkSqlSource(source: SqlSourceConfig, context: Issues): void {
  const allowed = source.watermark ? [":business_date", ":watermark"] : [":business_date"];
  const hint = source.watermark
    ? "the parameters are :business_date and :watermark"
    : "the only parameter is :business_date";
  let usesWatermark = false;
  for (const [file, sql] of Object.entries(source.queries)) {
    if (sql === undefined) continue;
    for (const parameter of queryParameters(sql)) {
      if (parameter === ":watermark") usesWatermark = true;
      if (allowed.includes(parameter)) continue;
      const unknown =
        parameter === ":watermark"
          ? "parameter :watermark needs the watermark key with its column"
          : `unknown parameter ${parameter}; ${hint}`;
      issue(context, ["queries", file], unknown);
    }
  }
  const watermark = source.watermark;
  if (!watermark) return;
  if (usesWatermark && watermark.initial === undefined) {
    issue(
      context,
      ["watermark", "initial"],
      "is required when a query uses :watermark: the value to bind on the first run, such as 1970-01-01",
    );
  }
  for (const [index, file] of (watermark.queries ?? []).entries()) {
    if (source.queries[file] === undefined) {
      issue(context, ["watermark", "queries", index], `${file} has no query to read incrementally`);
    }
  }
  if (source.mode === "snapshot") {
    issue(
      context,
      ["mode"],
      "a source read by watermark delivers only changed rows; use mode: delta or remove the watermark",
    );
  }
}
