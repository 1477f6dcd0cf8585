// Builders shared by the connector tests: a sink that collects what a
// connector stages, and a temporary folder for hand-written extract files.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parse } from "yaml";
import { sourceSchema, type SourceConfig } from "../../src/config/sources.ts";
import type {
  ExtractSink,
  RejectRow,
  StagedAccount,
  StagedAllocation,
  StagedHold,
  StagedItem,
} from "../../src/extract.ts";

export const BUSINESS_DATE = "2026-03-31";

export class CollectingSink implements ExtractSink {
  accounts: StagedAccount[] = [];
  items: StagedItem[] = [];
  allocations: StagedAllocation[] = [];
  holds: StagedHold[] = [];
  rejects: RejectRow[] = [];

  account(row: StagedAccount) {
    this.accounts.push(row);
  }
  item(row: StagedItem) {
    this.items.push(row);
  }
  allocation(row: StagedAllocation) {
    this.allocations.push(row);
  }
  hold(row: StagedHold) {
    this.holds.push(row);
  }
  reject(row: RejectRow) {
    this.rejects.push(row);
  }

  item$(itemId: string): StagedItem | undefined {
    return this.items.find((item) => item.itemId === itemId);
  }
}

/** A temporary folder that the test writes files into and removes afterwards. */
export class TempFolder {
  readonly path = mkdtempSync(path.join(tmpdir(), "dcms-connectors-"));

  /** Writes a file, creating its folders; name is relative to the temporary folder. */
  write(name: string, content: string | Buffer): string {
    const filePath = path.join(this.path, name);
    mkdirSync(path.dirname(filePath), { recursive: true });
    writeFileSync(filePath, content);
    return filePath;
  }

  remove(): void {
    rmSync(this.path, { recursive: true, force: true });
  }
}

/** Parses YAML through the source schema, as the configuration loader does. */
export function sourceFromYaml(text: string): SourceConfig {
  return sourceSchema.parse(parse(text));
}

/** Returns file, line, field and code of a reject as one string, for deep equality. */
export function rejectKey(reject: RejectRow): string {
  return `${reject.file}:${reject.line}:${reject.field}:${reject.code}`;
}
