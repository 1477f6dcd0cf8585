// GL mapping: which account code and dimensions a journal line of an entity
// gets, from the entity's defaults, its source (billing system) overrides
// and the document type of the item.

import { RequestError } from "../errors.ts";
import type { AccountingConfig, EntityGl, GlRole } from "./config.ts";

/** Dimensions a journal line carries besides its account. */
export interface LineDimensions {
  costCentre: string | null;
  segment: string | null;
}

function entityGl(accounting: AccountingConfig, entity: string): EntityGl {
  const gl = accounting.gl.get(entity);
  if (!gl) throw new RequestError(`gl.${entity}: GL accounts are missing for entity ${entity}`);
  return gl;
}

/**
 * Returns the account code of a role for an entity. The receivable account
 * is looked up by source and document type first (gl.<entity>.sources.
 * <source>.document_types.<type>.receivable), then by source, then the
 * entity's default. Throws RequestError when the role has no account.
 */
export function glAccount(
  accounting: AccountingConfig,
  entity: string,
  role: GlRole,
  where: { source?: string; documentType?: string } = {},
): string {
  const gl = entityGl(accounting, entity);
  if (role === "receivable" && where.source !== undefined) {
    const source = gl.sources.get(where.source);
    const byType = where.documentType === undefined ? undefined : source?.documentTypes.get(where.documentType);
    const code = byType ?? source?.receivable;
    if (code) return code;
  }
  const code = gl.accounts[role];
  if (!code) {
    throw new RequestError(`gl.${entity}.${role}: no account is configured for ${role}; add it under gl.${entity}`);
  }
  return code;
}

/** Returns the cost centre of an entity's lines: the source's, else the entity's. */
export function costCentre(accounting: AccountingConfig, entity: string, source?: string): string | null {
  const gl = entityGl(accounting, entity);
  const bySource = source === undefined ? null : (gl.sources.get(source)?.costCentre ?? null);
  return bySource ?? gl.costCentre;
}
