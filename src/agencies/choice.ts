// The choice of a collection agency for an account that dunning places.
//
// Among the agencies of the requested tier whose rules take the account
// (segment, region, country, placed amount within the balance band), the
// customer goes to the agency that already has one of its accounts, else
// to the agency that a hash of the customer ref picks, weighted by share.
// The hash is FNV-1a, so the choice is the same on every night and machine.
// An agency at its maximum of open placements is skipped for the next one
// in configuration order that has room. When none has room the account
// waits (see jobs/agencies.ts) and the choice returns null.
//
// The nightly run opens an AgencyBook for its configuration before the
// customer passes, and each run opens a new one. The book counts open
// placements across customers, so the choice depends on the order of
// customers, which is the customer key. Planner tests that open no book get
// the choice without capacity limits.

import type { Knex } from "knex";
import type { ResolvedConfig } from "../config/resolve.ts";
import type { AgencyTerms, AgencyTier } from "./config.ts";

/** The account to place, with the figures the dunning planner decided on. */
export interface PlacementRequest {
  customerRef: string;
  account: {
    customerKey: number;
    source: string;
    accountId: string;
    segment: string | null;
    country: string | null;
    contact: { region: string | null };
  };
  currency: string;
  /** The dunnable overdue amount that would be placed, in minor units. */
  amountMinor: number;
  /** first unless the account moves on after a placement period. */
  tier?: AgencyTier;
}

/** A placement that found no agency, because none matched or none had room. */
export interface UnplacedRequest {
  customerKey: number;
  source: string;
  accountId: string;
  tier: AgencyTier;
  reason: "no_agency_matches" | "no_capacity";
}

/** Open placements per agency and customer during one run. */
export class AgencyBook {
  readonly openCounts = new Map<string, number>();
  readonly customerAgencies = new Map<string, Set<string>>();
  readonly unplaced: UnplacedRequest[] = [];

  constructor(readonly tracking: boolean) {}

  hasRoom(agency: AgencyTerms): boolean {
    if (!this.tracking || agency.maxOpenPlacements === null) return true;
    return (this.openCounts.get(agency.id) ?? 0) < agency.maxOpenPlacements;
  }

  /** Records an account placed with an agency. */
  place(agencyId: string, customerRef: string): void {
    this.openCounts.set(agencyId, (this.openCounts.get(agencyId) ?? 0) + 1);
    const agencies = this.customerAgencies.get(customerRef) ?? new Set<string>();
    agencies.add(agencyId);
    this.customerAgencies.set(customerRef, agencies);
  }

  /** Records the end of a placement (recall or closure), which frees room at the agency. */
  release(agencyId: string): void {
    this.openCounts.set(agencyId, Math.max(0, (this.openCounts.get(agencyId) ?? 0) - 1));
  }
}

const books = new WeakMap<ResolvedConfig, AgencyBook>();

/**
 * Opens the book of a run: open placements per agency and customer as the
 * ledger records them, registered for the configuration the passes receive.
 */
export async function openAgencyBook(
  db: Knex | Knex.Transaction,
  config: ResolvedConfig,
): Promise<AgencyBook> {
  const book = new AgencyBook(true);
  await reloadAgencyBook(db, book);
  books.set(config, book);
  return book;
}

/**
 * Counts the open placements again from the ledger, keeping the unplaced
 * requests, so that the agency pass finds the room that tonight's recalls
 * freed.
 */
export async function reloadAgencyBook(db: Knex | Knex.Transaction, book: AgencyBook): Promise<void> {
  book.openCounts.clear();
  book.customerAgencies.clear();
  const rows: { agency: string; customer_ref: string }[] = await db("account_state as s")
    .join("customers as c", "c.customer_key", "s.customer_key")
    .whereNull("s.superseded_run")
    .whereNotNull("s.agency")
    .select("s.agency", "c.customer_ref");
  for (const row of rows) book.place(row.agency, row.customer_ref);
}

/**
 * Chooses the agency for a placement and records it in the run's book.
 * Returns null when no agency of the tier takes the account or has room.
 */
export function chooseAgency(
  context: { config: ResolvedConfig },
  request: PlacementRequest,
): string | null {
  const book = books.get(context.config) ?? new AgencyBook(false);
  const tier = request.tier ?? "first";
  const agencies = [...context.config.agencyTerms.values()];
  const chosen = selectAgency(agencies, request, tier, book);
  if (chosen === null) {
    const eligible = agencies.some((agency) => agency.tier === tier && takesAccount(agency, request));
    book.unplaced.push({
      customerKey: request.account.customerKey,
      source: request.account.source,
      accountId: request.account.accountId,
      tier,
      reason: eligible ? "no_capacity" : "no_agency_matches",
    });
    return null;
  }
  book.place(chosen, request.customerRef);
  return chosen;
}

/** Selects the agency without recording it; agencies are in configuration order. */
export function selectAgency(
  agencies: readonly AgencyTerms[],
  request: PlacementRequest,
  tier: AgencyTier,
  book: AgencyBook,
): string | null {
  const eligible = agencies.filter((agency) => agency.tier === tier && takesAccount(agency, request));
  if (eligible.length === 0) return null;
  const current = book.customerAgencies.get(request.customerRef);
  const kept = eligible.find((agency) => current?.has(agency.id) && book.hasRoom(agency));
  if (kept) return kept.id;
  const first = weightedIndex(eligible, request.customerRef);
  for (let offset = 0; offset < eligible.length; offset++) {
    const agency = eligible[(first + offset) % eligible.length];
    if (book.hasRoom(agency)) return agency.id;
  }
  return null;
}

/** Returns whether the agency's rules take the account at the placed amount. */
export function takesAccount(agency: AgencyTerms, request: PlacementRequest): boolean {
  const { account } = request;
  if (agency.segments && !(account.segment !== null && agency.segments.includes(account.segment))) {
    return false;
  }
  const region = account.contact.region;
  if (agency.regions && !(region !== null && agency.regions.includes(region))) return false;
  if (agency.countries && !(account.country !== null && agency.countries.includes(account.country))) {
    return false;
  }
  const min = agency.minBalanceMinor(request.currency);
  const max = agency.maxBalanceMinor(request.currency);
  if (min !== null && request.amountMinor < min) return false;
  if (max !== null && request.amountMinor > max) return false;
  return true;
}

/** FNV-1a (32 bit) of the code points of a text. */
export function fnv1a(text: string): number {
  let hash = 2166136261;
  for (const char of text) {
    hash ^= char.codePointAt(0) as number;
    hash = Math.imul(hash, 16777619) >>> 0;
  }
  return hash;
}

/** Returns the index of the agency whose share interval contains the customer's hash point. */
function weightedIndex(agencies: readonly AgencyTerms[], customerRef: string): number {
  const total = agencies.reduce((sum, agency) => sum + agency.share, 0);
  let point = (fnv1a(customerRef) / 2 ** 32) * total;
  for (let index = 0; index < agencies.length; index++) {
    if (point < agencies[index].share) return index;
    point -= agencies[index].share;
  }
  return agencies.length - 1;
}
