// Agency performance over the period, per agency: accounts placed at the
// start, placements and recalls made by the runs of the period, and accounts
// placed at the end with their overdue amount. The paid rate is the recalls
// for the reason "paid" (the account was cured while placed) over the
// accounts placed at the start plus the placements of the period.

import type { FunctionalConverter } from "./convert.ts";
import { rateBp } from "./funnel.ts";
import { compareText } from "./order.ts";
import type { AccountHistory } from "./history.ts";
import type { AgingRow, PeriodPlacement } from "./ledger.ts";

export interface AgencyRow {
  agency: string;
  name: string;
  placedAtStart: number;
  placements: number;
  /** Amount placed in the period, per currency of the placements. */
  placedMinor: Record<string, number>;
  recallsPaid: number;
  /** Recalls for other reasons (bankrupt, deceased). */
  recallsOther: number;
  /** Overdue amount when recalled, per currency of the recalls. */
  recalledMinor: Record<string, number>;
  placedAtEnd: number;
  /** Overdue amount at the end of the accounts placed at the end, per functional currency. */
  overdueAtEndMinor: Record<string, number>;
  /** recallsPaid over placedAtStart plus placements, in hundredths of a percent. */
  paidRateBp: number | null;
}

function addTo(amounts: Record<string, number>, currency: string, minor: number): void {
  amounts[currency] = (amounts[currency] ?? 0) + minor;
}

export class AgencyAccumulator {
  private readonly rows = new Map<string, AgencyRow>();

  constructor(
    agencies: readonly { id: string; name: string }[],
    private readonly converter: FunctionalConverter,
    private readonly closingDate: string,
  ) {
    for (const agency of agencies) this.rowOf(agency.id, agency.name);
  }

  private rowOf(agency: string, name = agency): AgencyRow {
    let row = this.rows.get(agency);
    if (!row) {
      row = {
        agency,
        name,
        placedAtStart: 0,
        placements: 0,
        placedMinor: {},
        recallsPaid: 0,
        recallsOther: 0,
        recalledMinor: {},
        placedAtEnd: 0,
        overdueAtEndMinor: {},
        paidRateBp: null,
      };
      this.rows.set(agency, row);
    }
    return row;
  }

  addPlacements(placements: readonly PeriodPlacement[]): void {
    for (const placement of placements) {
      const row = this.rowOf(placement.agency);
      if (placement.kind === "placement") {
        row.placements += 1;
        addTo(row.placedMinor, placement.currency, placement.amountMinor);
      } else {
        if (placement.reason === "paid") row.recallsPaid += 1;
        else row.recallsOther += 1;
        addTo(row.recalledMinor, placement.currency, placement.amountMinor);
      }
    }
  }

  /** Adds one account's history and its closing aging rows. */
  addAccount(history: AccountHistory, closingRows: readonly AgingRow[]): void {
    if (history.opening?.agency) this.rowOf(history.opening.agency).placedAtStart += 1;
    const agency = history.closing?.agency;
    if (!agency) return;
    const row = this.rowOf(agency);
    row.placedAtEnd += 1;
    for (const aging of closingRows) {
      const currency = this.converter.functionalCurrency(aging.entity);
      addTo(row.overdueAtEndMinor, currency, this.converter.toFunctional(aging.overdueMinor, aging.currency, aging.entity, this.closingDate));
    }
  }

  result(): AgencyRow[] {
    return [...this.rows.values()]
      .map((row) => ({ ...row, paidRateBp: rateBp(row.recallsPaid, row.placedAtStart + row.placements) }))
      .sort((a, b) => compareText(a.agency, b.agency));
  }
}
