// Keys of a source of kind `bank`: a folder of bank files (camt.053
// statements, camt.054 notifications, pain.002 status reports) whose entries
// become payments that dcms applies to the accounts of billing sources. The
// keys common to every source kind are added where the source union is built.

import { z } from "zod";

/** Ways an entry finds its account, tried in the configured order. */
export const BANK_MATCH_RULES = ["reference", "iban"] as const;
export type BankMatchRule = (typeof BANK_MATCH_RULES)[number];

export const bankSourceKeys = {
  kind: z.literal("bank"),
  /** Folder of the bank's XML files, relative to the configuration file. */
  path: z.string().trim().min(1, "must not be empty"),
  /** Legal entity that holds the bank account; its GL codes are journalled. */
  entity: z.string().trim().min(1, "must not be empty"),
  /** Billing sources whose accounts the payments settle; every billing source when absent. */
  sources: z.array(z.string().trim().min(1)).optional(),
  /**
   * reference: an item reference or id, or an account id, in the remittance
   * information; iban: the debtor's IBAN equals the account's iban.
   */
  match: z.array(z.enum(BANK_MATCH_RULES)).min(1).default(["reference", "iban"]),
  /** Time zone of booking date-times; the business time zone when absent. */
  time_zone: z.string().optional(),
};
