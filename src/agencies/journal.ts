// Journals of agency remittances. What an agency collects is cash that dcms
// originates, so dcms journals it: Dr agency receivable / Cr receivable for
// the amount collected, and Dr commission expense / Cr agency payable for
// the agency's commission. Reversals post the same lines with the opposite
// sign. One journal per run, entity, agency, source and entered currency.
// The receivable account is the source's, as the GL mapping gives it.

import { costCentre, glAccount } from "../accounting/gl.ts";
import type { ResolvedConfig } from "../config/resolve.ts";
import { RequestError } from "../errors.ts";
import { journalLines, type JournalLine } from "../journal.ts";
import { convertMinor } from "../money.ts";
import { compareCodePoints } from "../outputs/csv.ts";

/** Totals of one agency's remittances of a night, in one entity, source and currency. */
export interface RemittanceTotal {
  entity: string;
  agency: string;
  /** Billing system of the placed accounts. */
  source: string;
  /** Entered currency: the currency of the placed account. */
  currency: string;
  /** Collected less reversed, in minor units of currency. */
  collectedMinor: number;
  /** Commission on collected less reversed commission, in minor units of currency. */
  commissionMinor: number;
  payments: number;
  reversals: number;
}

export function remittanceJournal(
  config: ResolvedConfig,
  runId: number,
  accountingDate: string,
  totals: readonly RemittanceTotal[],
): JournalLine[] {
  const lines: JournalLine[] = [];
  const ordered = [...totals].sort(
    (a, b) =>
      compareCodePoints(a.entity, b.entity) ||
      compareCodePoints(a.agency, b.agency) ||
      compareCodePoints(a.source, b.source) ||
      compareCodePoints(a.currency, b.currency),
  );
  for (const total of ordered) {
    if (total.collectedMinor === 0 && total.commissionMinor === 0) continue;
    const gl = config.gl.get(total.entity);
    const entity = config.entities.get(total.entity);
    if (!gl || !entity) throw new RequestError(`gl.${total.entity}: GL accounts are missing for entity ${total.entity}`);
    const { agencyReceivable, commissionExpense, agencyPayable } = gl;
    if (!agencyReceivable || !commissionExpense || !agencyPayable) {
      throw new RequestError(
        `gl.${total.entity}: agency_receivable, commission_expense and agency_payable are required to journal remittances of agency ${total.agency}`,
      );
    }
    const functional = entity.functionalCurrency;
    const rate = config.closingRate(accountingDate, total.currency, functional);
    if (!rate) {
      throw new RequestError(
        `rates: no closing rate from ${total.currency} to ${functional} on or before ${accountingDate} for the remittances of agency ${total.agency}`,
      );
    }
    const collected = convertMinor(total.collectedMinor, total.currency, functional, rate);
    const commission = convertMinor(total.commissionMinor, total.currency, functional, rate);
    const description = `agency ${total.agency} remittance: ${total.payments} payment(s), ${total.reversals} reversal(s)`;
    const centre = costCentre(config.accounting, total.entity, total.source);
    const posting = (accountCode: string, amountMinor: number, enteredMinor: number) => ({
      accountCode,
      amountMinor,
      enteredCurrency: total.currency,
      enteredMinor,
      rate: rate.text,
      description,
      costCentre: centre,
    });
    const receivable = glAccount(config.accounting, total.entity, "receivable", { source: total.source });
    const journalId = `R${runId}-${total.entity}-AGENCY-${total.agency}-${total.source}-${total.currency}`;
    lines.push(
      ...journalLines(journalId, total.entity, accountingDate, functional, [
        posting(agencyReceivable, collected, total.collectedMinor),
        posting(receivable, -collected, -total.collectedMinor),
        posting(commissionExpense, commission, total.commissionMinor),
        posting(agencyPayable, -commission, -total.commissionMinor),
      ]),
    );
  }
  return lines;
}
