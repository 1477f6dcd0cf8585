// Customer linking: which customer a new account of a source belongs to.
// An account already in the ledger keeps its customer, because linking it
// elsewhere is an explicit merge. A new account joins the customer of its
// customer id, else of its normalised tax id, else of the source's match
// rules in their order. Otherwise it starts a customer of its own. An
// account whose customer id and tax id point to two different customers is
// rejected.
//
// Keys are looked up in account_match_keys (accounts consolidated earlier,
// by any source) and in stg_link_keys (accounts of this extract planned
// before), so that planning needs memory for one chunk of accounts only.

import type { Knex } from "knex";
import type { SourceSettings } from "../src/config/resolve.ts";
import { customerMatchRules, type CustomerMatchRule } from "../src/config/sources.ts";
import type { RejectRow, StagedAccount } from "../src/extract.ts";
import { insertRows } from "../src/ledger/db.ts";
import { ACCOUNT_STAGING, stagedRows } from "../src/ledger/staging.ts";

export type LinkRule = "customer_id" | "tax_id" | CustomerMatchRule;

/** Every key kind, written for every account so that any source's rules can match it. */
export const KEY_KINDS: readonly LinkRule[] = ["customer_id", "tax_id", "email", "name_postal_code"];

export interface MatchKey {
  kind: LinkRule;
  value: string;
}

/** The customer an account joins: an existing one by key, or a new one by its ref. */
export type LinkTarget = { key: number; ref?: undefined } | { key?: undefined; ref: string };

export interface LinkDecision {
  target: LinkTarget;
  /** The rule that linked the account, or "account" for a customer of its own. */
  rule: LinkRule | "account";
  matched: { source: string; accountId: string } | null;
}

export function normaliseTaxId(text: string | null): string | null {
  const value = text?.toUpperCase().replace(/[^A-Z0-9]/g, "");
  return value ? value : null;
}

export function normaliseEmail(text: string | null): string | null {
  const value = text?.trim().toLowerCase();
  return value && /^[^@\s]+@[^@\s]+$/.test(value) ? value : null;
}

/** Letters and digits of the name in lower case, and the postal code without spaces. */
export function normaliseNamePostalCode(name: string | null, postalCode: string | null): string | null {
  const plainName = name
    ?.normalize("NFKC")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();
  const plainCode = postalCode?.toUpperCase().replace(/\s+/g, "");
  return plainName && plainCode ? `${plainName}|${plainCode}` : null;
}

/** Returns the customer id as a ref: itself when the source's ids are global, else prefixed with the source. */
export function customerIdRef(source: SourceSettings, customerId: string): string {
  return source.customerIdsGlobal ? customerId : `${source.name}:${customerId}`;
}

/** Returns every key of an account, whether or not its source matches by it. */
export function matchKeys(source: SourceSettings, account: StagedAccount): MatchKey[] {
  const keys: MatchKey[] = [];
  if (account.customerId) keys.push({ kind: "customer_id", value: customerIdRef(source, account.customerId) });
  const taxId = normaliseTaxId(account.taxId);
  if (taxId) keys.push({ kind: "tax_id", value: taxId });
  const email = normaliseEmail(account.email);
  if (email) keys.push({ kind: "email", value: email });
  const namePostal = normaliseNamePostalCode(account.name, account.postalCode);
  if (namePostal) keys.push({ kind: "name_postal_code", value: namePostal });
  return keys;
}

function keyId(kind: string, value: string): string {
  return `${kind}\u0000${value}`;
}

function targetId(target: LinkTarget): string {
  return target.key !== undefined ? `key:${target.key}` : `ref:${target.ref}`;
}

interface Hit {
  target: LinkTarget;
  matched: { source: string; accountId: string } | null;
}

/** Index of the customers that each key of a chunk's accounts already points to, read once per chunk. */
export class KeyIndex {
  private readonly hits = new Map<string, Hit[]>();
  private readonly refKeys = new Map<string, number>();
  private readonly keyRefs = new Map<number, string>();

  add(kind: string, value: string, hit: Hit): void {
    const id = keyId(kind, value);
    this.hits.set(id, [...(this.hits.get(id) ?? []), hit]);
  }

  addRef(ref: string, key: number): void {
    this.refKeys.set(ref, key);
    this.keyRefs.set(key, ref);
  }

  /** Returns the ref of an existing customer, for messages. */
  refOf(key: number): string | undefined {
    return this.keyRefs.get(key);
  }

  /** Returns the key of the existing customer whose ref is this text, if any. */
  refKey(ref: string): number | undefined {
    return this.refKeys.get(ref);
  }

  /** Distinct targets of a key, ledger customers first in key order. */
  targets(kind: string, value: string): Hit[] {
    const distinct = new Map<string, Hit>();
    for (const hit of this.hits.get(keyId(kind, value)) ?? []) {
      const id = targetId(this.resolve(hit.target));
      if (!distinct.has(id)) distinct.set(id, { ...hit, target: this.resolve(hit.target) });
    }
    return [...distinct.values()];
  }

  /** Returns a target with a new customer's ref as the existing customer of that ref, if there is one. */
  resolve(target: LinkTarget): LinkTarget {
    if (target.ref === undefined) return target;
    const key = this.refKeys.get(target.ref);
    return key === undefined ? target : { key };
  }
}

/**
 * Decides the customer of one new account from the keys found so far.
 * Returns a conflict when the customer id and the tax id point to two
 * different customers.
 */
export function decideLink(
  keys: MatchKey[],
  rules: readonly CustomerMatchRule[],
  index: KeyIndex,
  ownRef: string,
): LinkDecision | { conflict: { customerId: LinkTarget; taxId: LinkTarget } } {
  const value = (kind: LinkRule) => keys.find((key) => key.kind === kind)?.value;
  const strongHit = (kind: "customer_id" | "tax_id"): Hit | undefined => {
    const text = value(kind);
    if (text === undefined) return undefined;
    const byRef = index.refKey(kind === "customer_id" ? text : `tax:${text}`);
    const [first] = index.targets(kind, text);
    if (first) return first;
    return byRef === undefined ? undefined : { target: { key: byRef }, matched: null };
  };
  const byCustomerId = strongHit("customer_id");
  const byTaxId = strongHit("tax_id");
  if (byCustomerId && byTaxId && targetId(byCustomerId.target) !== targetId(byTaxId.target)) {
    return { conflict: { customerId: byCustomerId.target, taxId: byTaxId.target } };
  }
  if (byCustomerId) return { ...byCustomerId, rule: "customer_id" };
  if (byTaxId) return { ...byTaxId, rule: "tax_id" };
  for (const rule of rules) {
    const text = value(rule);
    if (text === undefined) continue;
    const hits = index.targets(rule, text);
    // A rule that points to several customers (a shared family address) links nothing.
    if (hits.length === 1) return { ...hits[0], rule };
  }
  const rule = value("customer_id") !== undefined ? "customer_id" : value("tax_id") !== undefined ? "tax_id" : "account";
  return { target: index.resolve({ ref: ownRef }), rule, matched: null };
}

const CHUNK = 500;

/**
 * Plans the customer of every new staged account of a source into
 * stg_links, and rejects accounts whose links conflict (removing them from
 * staging). Returns the number of rejected accounts.
 */
export async function planCustomerLinks(
  trx: Knex.Transaction,
  source: SourceSettings,
  rejects: RejectRow[],
  refOf: (account: StagedAccount) => string,
): Promise<number> {
  const rules = customerMatchRules(source.config);
  let rejected = 0;
  await stagedRows(trx, ACCOUNT_STAGING, source.name, async (accounts) => {
    rejected += await planChunk(trx, source, rules, accounts, rejects, refOf);
  });
  return rejected;
}

async function planChunk(
  trx: Knex.Transaction,
  source: SourceSettings,
  rules: readonly CustomerMatchRule[],
  accounts: StagedAccount[],
  rejects: RejectRow[],
  refOf: (account: StagedAccount) => string,
): Promise<number> {
  const existing = new Set<string>();
  const ids = accounts.map((account) => account.accountId);
  const found: { account_id: string }[] = await trx("accounts")
    .select("account_id")
    .where({ source: source.name })
    .whereIn("account_id", ids)
    .whereNull("superseded_run");
  for (const row of found) existing.add(row.account_id);

  const fresh = accounts
    .filter((account) => !existing.has(account.accountId))
    .map((account) => ({ account, keys: matchKeys(source, account), ownRef: refOf(account) }));
  if (fresh.length === 0) return 0;
  const index = await loadKeyIndex(trx, source.name, fresh);

  let rejected = 0;
  const links: Record<string, unknown>[] = [];
  const plannedKeys: Record<string, unknown>[] = [];
  for (const { account, keys, ownRef } of fresh) {
    const decision = decideLink(keys, rules, index, ownRef);
    if ("conflict" in decision) {
      rejected += 1;
      rejects.push(conflictReject(account, decision.conflict, index));
      await trx("stg_accounts")
        .where({ source: source.name, file: account.file, line: account.line, account_id: account.accountId })
        .delete();
      continue;
    }
    const target = decision.target;
    links.push({
      source: source.name,
      account_id: account.accountId,
      customer_key: target.key ?? null,
      customer_ref: target.ref ?? null,
      rule: decision.rule,
      matched_source: decision.matched?.source ?? null,
      matched_account_id: decision.matched?.accountId ?? null,
    });
    for (const key of keys) {
      const matched = { source: source.name, accountId: account.accountId };
      index.add(key.kind, key.value, { target, matched });
      plannedKeys.push({
        source: source.name,
        account_id: account.accountId,
        kind: key.kind,
        value: key.value,
        customer_key: target.key ?? null,
        customer_ref: target.ref ?? null,
      });
    }
  }
  await insertRows(trx, "stg_links", links);
  await insertRows(trx, "stg_link_keys", plannedKeys);
  return rejected;
}

/** Reads where the keys of a chunk's new accounts point: ledger keys, planned keys, customer refs. */
async function loadKeyIndex(
  trx: Knex.Transaction,
  source: string,
  fresh: { keys: MatchKey[]; ownRef: string }[],
): Promise<KeyIndex> {
  const index = new KeyIndex();
  const values = [...new Set(fresh.flatMap(({ keys }) => keys.map((key) => key.value)))];
  const refs = new Set(fresh.map(({ ownRef }) => ownRef));
  for (const { keys } of fresh) {
    for (const key of keys) {
      if (key.kind === "customer_id") refs.add(key.value);
      if (key.kind === "tax_id") refs.add(`tax:${key.value}`);
    }
  }
  for (let start = 0; start < values.length; start += CHUNK) {
    const part = values.slice(start, start + CHUNK);
    const ledger: {
      kind: string;
      value: string;
      customer_key: number;
      customer_ref: string;
      source: string;
      account_id: string;
    }[] = await trx("account_match_keys as k")
      .join("customers as c", "c.customer_key", "k.customer_key")
      .select("k.kind", "k.value", "k.customer_key", "c.customer_ref", "k.source", "k.account_id")
      .whereIn("k.value", part)
      .whereNull("k.superseded_run")
      .orderBy([{ column: "k.customer_key" }, { column: "k.source" }, { column: "k.account_id" }]);
    for (const row of ledger) {
      const matched = { source: row.source, accountId: row.account_id };
      index.addRef(row.customer_ref, Number(row.customer_key));
      index.add(row.kind, row.value, { target: { key: Number(row.customer_key) }, matched });
    }
    const planned: { kind: string; value: string; customer_key: number | null; customer_ref: string | null; account_id: string }[] =
      await trx("stg_link_keys")
        .select("kind", "value", "customer_key", "customer_ref", "account_id")
        .where({ source })
        .whereIn("value", part);
    for (const row of planned) {
      const target: LinkTarget =
        row.customer_key === null ? { ref: row.customer_ref as string } : { key: Number(row.customer_key) };
      index.add(row.kind, row.value, { target, matched: { source, accountId: row.account_id } });
    }
  }
  const refList = [...refs];
  for (let start = 0; start < refList.length; start += CHUNK) {
    const customers: { customer_ref: string; customer_key: number }[] = await trx("customers")
      .select("customer_ref", "customer_key")
      .whereIn("customer_ref", refList.slice(start, start + CHUNK));
    for (const row of customers) index.addRef(row.customer_ref, Number(row.customer_key));
  }
  return index;
}

/** Names a customer for a message by its ref, but never by a ref made of a tax id. */
function describeTarget(target: LinkTarget, index: KeyIndex): string {
  const ref = target.key !== undefined ? index.refOf(target.key) : target.ref;
  if (ref === undefined || ref.startsWith("tax:")) return "the customer of that tax id";
  return `customer ${ref}`;
}

function conflictReject(
  account: StagedAccount,
  conflict: { customerId: LinkTarget; taxId: LinkTarget },
  index: KeyIndex,
): RejectRow {
  return {
    source: account.source,
    file: account.file,
    line: account.line,
    field: "customer_id",
    code: "conflicting_customer_link",
    message:
      `account ${account.accountId}: its customer_id points to ${describeTarget(conflict.customerId, index)} ` +
      `but its tax_id to ${describeTarget(conflict.taxId, index)}; correct one of them ` +
      "in the billing system, or merge the two customers",
  };
}
