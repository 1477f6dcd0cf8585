// gl_interface.csv: the run's journal lines in the column layout of Oracle
// General Ledger's GL_INTERFACE table, which Journal Import reads. Column
// names and meanings follow Oracle's table reference ("GL_INTERFACE",
// Oracle Fusion Cloud Financials tables and views,
// docs.oracle.com/en/cloud/saas/financials/24d/oedmf/glinterface-8261.html)
// and the GL_INTERFACE mapping of the Oracle Utilities CC&B to EBS
// integration guide (STATUS NEW, ACTUAL_FLAG A, required ACCOUNTING_DATE,
// CURRENCY_CODE, DATE_CREATED, CREATED_BY, USER_JE_CATEGORY_NAME,
// USER_JE_SOURCE_NAME). Dates are written YYYY/MM/DD and amounts with a
// decimal point and no thousands separator, as Oracle's file-based import
// template expects. The side of a line that is not used stays empty.
// The REFERENCE columns carry batch and journal names: REFERENCE1 batch
// name, REFERENCE2 batch description, REFERENCE4 journal name, REFERENCE5
// journal description, REFERENCE10 line description.

import type { AccountingConfig } from "../accounting/config.ts";
import { formatMoney } from "../money.ts";
import type { CsvColumn } from "./csv.ts";
import type { JournalRow } from "./journal-xlsx.ts";

export interface GlInterfaceContext {
  accounting: AccountingConfig;
  runId: number;
  businessDate: string;
}

/** Returns the journal category of a dcms journal id (R<run>-<entity>-<kind>). */
export function journalCategory(journalId: string): string {
  if (/-REV-/.test(journalId)) return "Reversal";
  if (journalId.endsWith("-WRITEOFF-REVERSAL")) return "Write-off reversal";
  if (journalId.endsWith("-WRITEOFF")) return "Write-off";
  if (journalId.endsWith("-RECOVERY")) return "Recovery";
  if (journalId.endsWith("-PROVISION")) return "Provision";
  return "dcms";
}

function slashDate(isoDate: string): string {
  return isoDate.replaceAll("-", "/");
}

/** Returns the value of one configured segment of a line. */
function segmentValue(segment: string, line: JournalRow, context: GlInterfaceContext): string | null {
  switch (segment) {
    case "company":
      return context.accounting.gl.get(line.entity)?.company ?? line.entity;
    case "account":
      return line.account_code;
    case "cost_centre":
      return line.cost_centre ?? null;
    case "segment":
      return line.segment ?? null;
    default:
      return null;
  }
}

/** Columns of gl_interface.csv for a configuration's segment layout. */
export function glInterfaceColumns(context: GlInterfaceContext): CsvColumn<JournalRow>[] {
  const { accounting, runId, businessDate } = context;
  const converted = (line: JournalRow) => line.entered_currency !== line.currency;
  const side = (line: JournalRow, debit: boolean, accounted: boolean) => {
    const isDebit = Number(line.debit_minor) > 0;
    if (isDebit !== debit) return null;
    if (accounted) return formatMoney(Number(isDebit ? line.debit_minor : line.credit_minor), line.currency);
    return formatMoney(Math.abs(Number(line.entered_minor)), line.entered_currency);
  };
  const batch = `dcms ${businessDate} run ${runId}`;
  return [
    { name: "STATUS", kind: "text", value: () => "NEW" },
    { name: "LEDGER_ID", kind: "text", value: (line) => accounting.gl.get(line.entity)?.ledgerId ?? null },
    { name: "ACCOUNTING_DATE", kind: "text", value: (line) => slashDate(line.accounting_date) },
    { name: "CURRENCY_CODE", kind: "text", value: (line) => line.entered_currency },
    { name: "DATE_CREATED", kind: "text", value: () => slashDate(businessDate) },
    { name: "CREATED_BY", kind: "integer", value: () => accounting.glInterface.createdBy },
    { name: "ACTUAL_FLAG", kind: "text", value: () => "A" },
    { name: "USER_JE_CATEGORY_NAME", kind: "text", value: (line) => journalCategory(line.journal_id) },
    { name: "USER_JE_SOURCE_NAME", kind: "text", value: () => accounting.glInterface.sourceName },
    { name: "CURRENCY_CONVERSION_DATE", kind: "text", value: (line) => (converted(line) ? slashDate(businessDate) : null) },
    { name: "USER_CURRENCY_CONVERSION_TYPE", kind: "text", value: (line) => (converted(line) ? "User" : null) },
    { name: "CURRENCY_CONVERSION_RATE", kind: "rate", value: (line) => (converted(line) ? line.rate : null) },
    ...accounting.glInterface.segments.map(
      (segment, index): CsvColumn<JournalRow> => ({
        name: `SEGMENT${index + 1}`,
        kind: "text",
        value: (line) => segmentValue(segment, line, context),
      }),
    ),
    { name: "ENTERED_DR", kind: "amount", value: (line) => side(line, true, false) },
    { name: "ENTERED_CR", kind: "amount", value: (line) => side(line, false, false) },
    { name: "ACCOUNTED_DR", kind: "amount", value: (line) => side(line, true, true) },
    { name: "ACCOUNTED_CR", kind: "amount", value: (line) => side(line, false, true) },
    { name: "REFERENCE1", kind: "text", value: () => batch },
    { name: "REFERENCE2", kind: "text", value: () => `dcms journals of business date ${businessDate}` },
    { name: "REFERENCE4", kind: "text", value: (line) => line.journal_id },
    { name: "REFERENCE5", kind: "text", value: (line) => `${journalCategory(line.journal_id)} ${line.entity} ${businessDate}` },
    { name: "REFERENCE10", kind: "text", value: (line) => line.description },
    { name: "GROUP_ID", kind: "integer", value: () => runId },
  ];
}
