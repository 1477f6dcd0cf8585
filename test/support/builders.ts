// Builders with defaults for the planner tests: one customer's ledger rows as
// of a fixed business date, and a small resolved configuration. A test sets
// only the fields its case is about.

import path from "node:path";
import { fileURLToPath } from "node:url";
import YAML from "yaml";
import { parseConfig } from "../../src/config/load.ts";
import type { ResolvedConfig } from "../../src/config/resolve.ts";
import { addDays } from "../../src/dates.ts";
import type {
  AccountState,
  CustomerData,
  Hold,
  LedgerAccount,
  LedgerItem,
  SourceAllocation,
} from "../../src/domain.ts";
import { accountKey } from "../../src/domain.ts";

/** The business date of every planner test: a Tuesday. */
export const BUSINESS_DATE = "2026-03-31";

/** Folder of the bundled sample configuration; relative paths resolve from it. */
export const SAMPLE_DIR = fileURLToPath(new URL("../../fixtures/sample/", import.meta.url));

/** Returns the date that lies a number of days before the business date. */
export function daysAgo(days: number, businessDate = BUSINESS_DATE): string {
  return addDays(businessDate, -days);
}

export function account(fields: Partial<LedgerAccount> = {}): LedgerAccount {
  return {
    customerKey: 1,
    customerRef: "C1001",
    source: "mobile",
    accountId: "A1",
    customerId: "C1001",
    entity: "DE01",
    segment: null,
    status: "active",
    currency: "EUR",
    language: null,
    country: "DE",
    channel: null,
    autopay: false,
    contact: {
      name: null,
      addressLine1: null,
      addressLine2: null,
      postalCode: null,
      city: null,
      region: null,
    },
    ...fields,
  };
}

type ItemFields = Partial<LedgerItem> & Pick<LedgerItem, "itemId">;

function item(type: LedgerItem["type"], fields: ItemFields): LedgerItem {
  const dueDate = fields.dueDate ?? fields.documentDate ?? BUSINESS_DATE;
  return {
    source: "mobile",
    accountId: "A1",
    type,
    // An invoice is issued 14 days before it falls due unless a test sets its date.
    documentDate: type === "invoice" ? addDays(dueDate, -14) : dueDate,
    dueDate,
    currency: "EUR",
    amountMinor: 10_000,
    appliesTo: null,
    disputedMinor: 0,
    reference: null,
    ...fields,
  };
}

/** Builds an invoice of 100.00 EUR on account mobile/A1, due on the business date. */
export function invoice(fields: ItemFields): LedgerItem {
  return item("invoice", fields);
}

/** Builds a payment of 100.00 EUR on account mobile/A1, received on the business date. */
export function payment(fields: ItemFields): LedgerItem {
  return item("payment", fields);
}

export function creditNote(fields: ItemFields): LedgerItem {
  return item("credit_note", fields);
}

/** Builds a reversal (returned direct debit, bounced cheque) of the payment it applies to. */
export function paymentReversal(fields: ItemFields): LedgerItem {
  return item("payment_reversal", fields);
}

export function sourceAllocation(
  fields: Pick<SourceAllocation, "itemId" | "appliesTo" | "amountMinor"> &
    Partial<SourceAllocation>,
): SourceAllocation {
  return { source: "mobile", date: BUSINESS_DATE, ...fields };
}

export function hold(fields: Pick<Hold, "kind"> & Partial<Hold>): Hold {
  return {
    source: "mobile",
    accountId: "A1",
    startDate: daysAgo(30),
    endDate: null,
    promisedMinor: null,
    promisedDate: null,
    ...fields,
  };
}

/** Builds the dunning state of an account before tonight's run. */
export function accountState(
  fields: Pick<AccountState, "level" | "stage"> & Partial<AccountState>,
): AccountState {
  return {
    source: "mobile",
    accountId: "A1",
    strategy: "standard",
    since: daysAgo(30),
    suspended: false,
    agency: null,
    ...fields,
  };
}

export interface CustomerFields {
  customerRef?: string;
  accounts?: LedgerAccount[];
  items?: LedgerItem[];
  sourceAllocations?: SourceAllocation[];
  holds?: Hold[];
  states?: AccountState[];
}

/** Builds a customer with the account mobile/A1 unless the test lists its own accounts. */
export function customer(fields: CustomerFields = {}): CustomerData {
  const customerRef = fields.customerRef ?? "C1001";
  const accounts = (fields.accounts ?? [account()]).map((entry) => ({ ...entry, customerRef }));
  return {
    customerKey: 1,
    customerRef,
    accounts,
    items: fields.items ?? [],
    sourceAllocations: fields.sourceAllocations ?? [],
    holds: fields.holds ?? [],
    states: new Map(
      (fields.states ?? []).map((state) => [accountKey(state.source, state.accountId), state]),
    ),
  };
}

/**
 * Returns the configuration of the planner tests as plain data: one German entity,
 * the default aging buckets, the sample's four-stage ladder and a provision
 * matrix. A test changes a copy and resolves it with `configFrom`.
 */
export function rawConfig(): Record<string, any> {
  return {
    ledger: "ledger.sqlite",
    entities: { DE01: { functional_currency: "EUR", country: "DE" } },
    rates: [
      { date: "2026-03-01", from: "USD", to: "EUR", rate: "0.9200" },
      { date: "2026-03-31", from: "USD", to: "EUR", rate: "0.9250" },
    ],
    sources: {},
    dunning: {
      escalation: "step",
      notice_days: 14,
      postal_days: 3,
      deadline_days: 14,
      default_language: "en",
      strategies: {
        standard: {
          exit_threshold: { EUR: "5.00" },
          stages: [
            { name: "reminder", days_past_due: 10, min_amount: { EUR: "5.00" }, actions: ["letter"] },
            {
              name: "final_notice",
              days_past_due: 30,
              min_amount: { EUR: "20.00" },
              wait_days: 14,
              actions: [{ kind: "letter", template: "final" }],
            },
            {
              name: "suspension",
              days_past_due: 45,
              min_amount: { EUR: "50.00" },
              wait_days: 17,
              actions: ["suspension"],
            },
            {
              name: "agency",
              days_past_due: 90,
              min_amount: { EUR: "100.00" },
              wait_days: 30,
              actions: ["placement"],
            },
          ],
        },
      },
    },
    provision: {
      matrix: {
        DE01: {
          default: {
            current: "0.005",
            "1-30": "0.02",
            "31-60": "0.05",
            "61-90": "0.10",
            "91-120": "0.25",
            "121-180": "0.40",
            "181-365": "0.60",
            "over-365": "1",
          },
          business: { current: "0.002", "1-30": "0.01", "31-60": "0.03" },
        },
      },
      specific: { bankrupt: "1" },
    },
    gl: {
      DE01: { receivable: "140000", allowance: "149000", bad_debt_expense: "685000" },
    },
    agencies: [
      { id: "inkasso-nord", share: 2 },
      { id: "collect-sued", share: 1 },
    ],
  };
}

/** Resolves configuration data through the YAML loader, as `dcms run` would. */
export function configFrom(raw: Record<string, any>): ResolvedConfig {
  return parseConfig(YAML.stringify(raw), path.join(SAMPLE_DIR, "planner-test.yaml"));
}

/** Resolves the planner tests' configuration, after the test's change if it makes one. */
export function testConfig(change?: (raw: Record<string, any>) => void): ResolvedConfig {
  const raw = rawConfig();
  change?.(raw);
  return configFrom(raw);
}
