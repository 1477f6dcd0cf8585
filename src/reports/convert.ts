// Conversion of report amounts into an entity's functional currency at the
// closing rate of a business date, rounded once per converted amount, half
// away from zero.

import type { ResolvedConfig } from "../config/resolve.ts";
import { RequestError } from "../errors.ts";
import { convertMinor, type Rate } from "../money.ts";

export class FunctionalConverter {
  private readonly rates = new Map<string, Rate>();

  constructor(private readonly config: ResolvedConfig) {}

  /** Returns the entity's functional currency; throws RequestError for an unknown entity. */
  functionalCurrency(entity: string): string {
    const found = this.config.entities.get(entity);
    if (!found) {
      throw new RequestError(`entity ${entity} is in the ledger but not under entities in the configuration; add it`);
    }
    return found.functionalCurrency;
  }

  /** Converts minor units of a currency into the entity's functional currency. */
  toFunctional(minor: number, currency: string, entity: string, date: string): number {
    const functional = this.functionalCurrency(entity);
    if (currency === functional || minor === 0) return minor;
    return convertMinor(minor, currency, functional, this.rate(date, currency, functional));
  }

  private rate(date: string, from: string, to: string): Rate {
    const key = `${date} ${from} ${to}`;
    let rate = this.rates.get(key);
    if (!rate) {
      rate = this.config.closingRate(date, from, to);
      if (!rate) {
        throw new RequestError(`no closing rate from ${from} to ${to} on or before ${date}; add one under rates`);
      }
      this.rates.set(key, rate);
    }
    return rate;
  }
}
