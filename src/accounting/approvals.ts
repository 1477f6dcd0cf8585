// The write-off approval file: a CSV that an operator returns with the
// accounts whose proposed write-off is approved, or whose write-off is to be
// reversed. Every run reads it; its checksum is part of the run's inputs, so
// a changed file on the same business date needs --rerun like any input.

import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { parse } from "csv-parse/sync";
import { accountKey } from "../domain.ts";
import { RequestError } from "../errors.ts";
import type { WriteOffPolicy } from "./config.ts";

export type ApprovalAction = "approve" | "reverse";

export interface WriteOffApprovals {
  /** Account key (source, account id) to the requested action. */
  actions: ReadonlyMap<string, ApprovalAction>;
  /** SHA-256 of the file's bytes; empty when there is no file. */
  checksum: string;
}

export const NO_APPROVALS: WriteOffApprovals = { actions: new Map(), checksum: "" };

/**
 * Reads the approval file: header source, account_id and an optional action
 * column (approve, the default, or reverse). A missing file means nothing is
 * approved. Throws RequestError listing every invalid line.
 */
export function readWriteOffApprovals(policy: WriteOffPolicy | null): WriteOffApprovals {
  const file = policy?.approvalFile;
  if (!file || !existsSync(file)) return NO_APPROVALS;
  const bytes = readFileSync(file);
  const checksum = createHash("sha256").update(bytes).digest("hex");
  let rows: Record<string, string>[];
  try {
    rows = parse(bytes.toString("utf8").replace(/^\uFEFF/, ""), {
      columns: (header: string[]) => header.map((name) => name.trim().toLowerCase()),
      skip_empty_lines: true,
      trim: true,
    });
  } catch (error) {
    throw new RequestError(`write-off approval file ${file} is not valid CSV: ${(error as Error).message}`);
  }
  const problems: string[] = [];
  const actions = new Map<string, ApprovalAction>();
  rows.forEach((row, index) => {
    const line = index + 2;
    const source = row.source ?? "";
    const accountId = row.account_id ?? "";
    const action = (row.action || "approve").toLowerCase();
    if (!source || !accountId) {
      problems.push(`line ${line}: source and account_id are required`);
      return;
    }
    if (action !== "approve" && action !== "reverse") {
      problems.push(`line ${line}, column action: ${JSON.stringify(row.action)} is not approve or reverse`);
      return;
    }
    const key = accountKey(source, accountId);
    const earlier = actions.get(key);
    if (earlier && earlier !== action) {
      problems.push(`line ${line}: account ${source}/${accountId} is listed both to approve and to reverse`);
      return;
    }
    actions.set(key, action);
  });
  if (problems.length > 0) {
    throw new RequestError(`write-off approval file ${file} is invalid; correct these lines`, problems);
  }
  return { actions, checksum };
}
