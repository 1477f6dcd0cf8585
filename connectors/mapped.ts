// Settings shared by the kinds that read files in the billing system's own
// layout (csv, fixed_width, xlsx): value format, row defaults, and the
// configured files in extract order.

import type { DateFormat } from "../src/dates.ts";
import {
  EXTRACT_FILES,
  type AnyFileMapping,
  type ExtractFile,
  type MappedSourceConfig,
} from "../src/config/sources.ts";
import type { ValueFormat } from "./fields.ts";
import type { RowDefaults } from "./rows.ts";

export function mappedValueFormat(config: MappedSourceConfig): ValueFormat {
  return {
    decimal: config.decimal,
    grouping: config.grouping === "none" ? "" : config.grouping,
    dateFormat: config.date_format as DateFormat,
    creditSign: config.credit_sign,
    typeSigns: config.signs,
    amountsInMinor: false,
  };
}

export function mappedDefaults(config: MappedSourceConfig): RowDefaults {
  return {
    entity: config.entity ?? null,
    currency: config.default_currency ?? null,
  };
}

/** Lists the configured files of a source with their mappings, in extract order. */
export function mappedFiles<M extends AnyFileMapping>(
  files: Partial<Record<ExtractFile, M>>,
): { file: ExtractFile; mapping: M }[] {
  return EXTRACT_FILES.flatMap((file) => {
    const mapping = files[file];
    return mapping === undefined ? [] : [{ file, mapping }];
  });
}

/** Returns the paid-date column and id suffix of derived payments, when the items file has them. */
export function derivedPaymentOf<M extends AnyFileMapping>(
  mapping: M,
): { column: M extends { derived_payment?: { column: infer C } } ? C : never; id_suffix: string } | undefined {
  return "derived_payment" in mapping ? (mapping.derived_payment as never) : undefined;
}

/** Tells whether an accounts file lists an account on several rows, the first valid row winning. */
export function isDistinct(mapping: AnyFileMapping): boolean {
  return (mapping as { distinct?: boolean }).distinct === true;
}
