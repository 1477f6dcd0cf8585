// The tabular form of the month-end pack that both the workbook and the
// HTML page render: typed cells, so that each writer formats amounts with
// their currency's decimals, percentages and days in its own way.

import { currencyExponent, formatMinor } from "../money.ts";

export interface AmountCell {
  minor: number;
  currency: string;
}

/** A share or rate in hundredths of a percent. */
export interface PercentCell {
  bp: number;
}

/** A number of days in tenths of a day. */
export interface DaysCell {
  tenths: number;
}

export type Cell = string | number | null | AmountCell | PercentCell | DaysCell;

export interface TableRow {
  cells: Cell[];
  /** A total row, written in bold. */
  total?: boolean;
}

export interface Table {
  /** Sheet name: at most 31 characters, unique in the workbook. */
  name: string;
  title: string;
  headers: string[];
  rows: TableRow[];
  /** Sentences printed under the table. */
  notes?: string[];
}

export function amount(minor: number, currency: string): AmountCell {
  return { minor, currency };
}

export function percent(bp: number | null): PercentCell | null {
  return bp === null ? null : { bp };
}

export function days(tenths: number | null): DaysCell | null {
  return tenths === null ? null : { tenths };
}

export function isAmount(cell: Cell): cell is AmountCell {
  return typeof cell === "object" && cell !== null && "minor" in cell;
}

export function isPercent(cell: Cell): cell is PercentCell {
  return typeof cell === "object" && cell !== null && "bp" in cell;
}

export function isDays(cell: Cell): cell is DaysCell {
  return typeof cell === "object" && cell !== null && "tenths" in cell;
}

/** Formats a cell as text: amounts with their currency's decimals and thousands separators. */
export function cellText(cell: Cell): string {
  if (cell === null) return "";
  if (typeof cell === "string") return cell;
  if (typeof cell === "number") return String(cell);
  if (isAmount(cell)) return groupThousands(formatMinor(cell.minor, currencyExponent(cell.currency)));
  if (isPercent(cell)) return `${formatMinor(cell.bp, 2)} %`;
  return formatMinor(cell.tenths, 1);
}

function groupThousands(decimal: string): string {
  const negative = decimal.startsWith("-");
  const [whole, fraction] = (negative ? decimal.slice(1) : decimal).split(".");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return (negative ? "-" : "") + grouped + (fraction === undefined ? "" : `.${fraction}`);
}
