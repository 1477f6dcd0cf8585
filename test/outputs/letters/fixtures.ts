// Letters shared by the letter tests and the child process that renders one
// in a separate process for the determinism check.

import type { LetterData, LetterItem } from "../../../src/outputs/letters/letter-data.ts";

export function letterItem(overrides: Partial<LetterItem> = {}): LetterItem {
  return {
    source: "mobile",
    accountId: "M-100234",
    reference: "MOB-2026-0001",
    documentDate: "2026-01-31",
    dueDate: "2026-02-14",
    currency: "EUR",
    openMinor: 4999,
    daysPastDue: 45,
    ...overrides,
  };
}

/**
 * A German reminder for a customer with accounts in two systems: 49.99 EUR
 * on mobile, 1234.56 EUR and 250.00 CHF on broadband. As of 2026-03-31 the
 * items are 45, 31 and 30 days past due (due 2026-02-14, 2026-02-28 and
 * 2026-03-01). Totals: 49.99 + 1234.56 = 1284.55 EUR, and 250.00 CHF.
 */
export function germanLetter(overrides: Partial<LetterData> = {}): LetterData {
  return {
    letterId: "L-2026-03-31-C000042",
    businessDate: "2026-03-31",
    customerRef: "C-4711",
    language: "de",
    stage: "reminder",
    addressee: {
      name: "Jürgen Größmann",
      addressLine1: "Königsallee 12",
      addressLine2: null,
      postalCode: "40212",
      city: "Düsseldorf",
      region: null,
      country: "DE",
    },
    deadline: "2026-04-14",
    items: [
      letterItem(),
      letterItem({
        source: "broadband",
        accountId: "BB-77",
        reference: "BB-INV-5531",
        documentDate: "2026-02-01",
        dueDate: "2026-02-28",
        openMinor: 123456,
        daysPastDue: 31,
      }),
      letterItem({
        source: "broadband",
        accountId: "BB-78",
        reference: "BB-INV-5600",
        documentDate: "2026-02-15",
        dueDate: "2026-03-01",
        currency: "CHF",
        openMinor: 25000,
        daysPastDue: 30,
      }),
    ],
    totals: [
      { currency: "CHF", overdueMinor: 25000 },
      { currency: "EUR", overdueMinor: 128455 },
    ],
    waysToPay: [
      "Überweisung auf IBAN DE02 1203 0000 0000 2020 51 mit Ihrer Kundennummer",
      "Online im Kundenportal",
    ],
    ...overrides,
  };
}
