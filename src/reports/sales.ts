// Credit sales per entity in its functional currency over a range of
// document dates, from the daily sums read from the items table.

import type { FunctionalConverter } from "./convert.ts";
import type { DailySales } from "./ledger.ts";

export interface SalesFigure {
  salesMinor: number;
  documents: number;
}

export class SalesBook {
  constructor(
    private readonly days: readonly DailySales[],
    private readonly converter: FunctionalConverter,
  ) {}

  /**
   * Sums an entity's credit sales with a document date in (after, until],
   * converted at the closing rate of rateDate once per currency.
   */
  between(entity: string, after: string, until: string, rateDate: string): SalesFigure {
    const byCurrency = new Map<string, number>();
    let documents = 0;
    for (const day of this.days) {
      if (day.entity !== entity || day.date <= after || day.date > until) continue;
      byCurrency.set(day.currency, (byCurrency.get(day.currency) ?? 0) + day.amountMinor);
      documents += day.documents;
    }
    let salesMinor = 0;
    for (const [currency, amount] of [...byCurrency].sort()) {
      salesMinor += this.converter.toFunctional(amount, currency, entity, rateDate);
    }
    return { salesMinor, documents };
  }
}
