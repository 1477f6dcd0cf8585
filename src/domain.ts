// Domain types that the planners work on: one customer's ledger rows as of
// the business date, in camelCase with amounts in minor units.

import type { AccountStatus, Channel, HoldKind, ItemType } from "./extract.ts";

export interface LedgerAccount {
  customerKey: number;
  customerRef: string;
  source: string;
  accountId: string;
  customerId: string | null;
  entity: string;
  segment: string | null;
  status: AccountStatus;
  currency: string;
  language: string | null;
  country: string | null;
  channel: Channel | null;
  autopay: boolean;
  /** Postal addressee for letters; personal data that never goes to logs. */
  contact: {
    name: string | null;
    addressLine1: string | null;
    addressLine2: string | null;
    postalCode: string | null;
    city: string | null;
    region: string | null;
  };
}

export interface LedgerItem {
  source: string;
  itemId: string;
  accountId: string;
  type: ItemType;
  documentDate: string;
  dueDate: string;
  currency: string;
  amountMinor: number;
  appliesTo: string | null;
  disputedMinor: number;
  reference: string | null;
  /** fee or interest (items.dcms_charge) for charges that dcms posted; principal when absent. */
  kind?: "fee" | "interest" | "principal" | null;
  /** dcms for items that dcms originated (bank payments, set-offs); absent for extracted items. */
  origin?: string | null;
  /** Remittance information of a bank payment, for the by_reference rule. */
  remittance?: string | null;
}

export interface SourceAllocation {
  source: string;
  itemId: string;
  appliesTo: string;
  amountMinor: number;
  date: string;
}

export interface Hold {
  source: string;
  accountId: string;
  kind: HoldKind;
  startDate: string;
  endDate: string | null;
  promisedMinor: number | null;
  promisedDate: string | null;
}

export interface AccountState {
  source: string;
  accountId: string;
  strategy: string;
  /** 0 when the account is in no stage. */
  level: number;
  stage: string | null;
  /** Business date on which the account entered its level. */
  since: string;
  suspended: boolean;
  agency: string | null;
}

/** Everything the planners need about one customer. */
export interface CustomerData {
  customerKey: number;
  customerRef: string;
  accounts: LedgerAccount[];
  /** Posted items dated on or before the business date, current versions. */
  items: LedgerItem[];
  sourceAllocations: SourceAllocation[];
  holds: Hold[];
  states: Map<string, AccountState>;
}

export function accountKey(source: string, accountId: string): string {
  return `${source}\u0000${accountId}`;
}

export function itemKey(source: string, itemId: string): string {
  return `${source}\u0000${itemId}`;
}
