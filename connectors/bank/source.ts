// A bank source: every XML file of a folder, read as camt.053, camt.054 or
// pain.002. The folder is accepted or rejected whole: one malformed file
// fails the source for the night and nothing from any of its files is used.

import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import type { BankSourceConfig } from "../../src/config/sources.ts";
import type { Connector, ExtractContext, ExtractResult, ExtractSink } from "../../src/extract.ts";
import { ExtractError } from "../../src/extract.ts";
import { parseCamt, type CamtFile } from "./camt.ts";
import { parsePain002, type PaymentStatusReport } from "./pain002.ts";
import { fileError, parseIsoDocument } from "./xml.ts";

export interface BankFolder {
  /** SHA-256 over the file names and bytes, in name order. */
  checksum: string;
  camt: CamtFile[];
  statusReports: PaymentStatusReport[];
}

/**
 * Reads every *.xml file of a folder in name order. Throws ExtractError
 * (BankFileError for a file that fails to parse) when the folder is missing
 * or any file is malformed or of another message type.
 */
export async function readBankFolder(
  folder: string,
  options: { source: string; timeZone: string },
): Promise<BankFolder> {
  if (!existsSync(folder)) {
    throw new ExtractError(
      `source ${options.source}: bank folder ${folder} does not exist; create it or correct path`,
      options.source,
      folder,
      "folder_not_found",
    );
  }
  const names = (await readdir(folder)).filter((name) => name.toLowerCase().endsWith(".xml")).sort();
  const hash = createHash("sha256");
  const result: BankFolder = { checksum: "", camt: [], statusReports: [] };
  for (const name of names) {
    const content = await readFile(path.join(folder, name));
    hash.update(name).update("\u0000").update(content).update("\u0000");
    const context = { file: name, source: options.source };
    const { message } = parseIsoDocument(content, context);
    if (message.startsWith("camt.053.") || message.startsWith("camt.054.")) {
      result.camt.push(parseCamt(content, { ...context, timeZone: options.timeZone }));
    } else if (message.startsWith("pain.002.")) {
      result.statusReports.push(parsePain002(content, context));
    } else {
      throw fileError(
        context,
        "message_not_supported",
        "Document",
        `is a ${message} message; a bank folder holds camt.053, camt.054 and pain.002 files only`,
      );
    }
  }
  result.checksum = hash.digest("hex");
  return result;
}

/**
 * The extract pass's view of a bank source: it checks every file and
 * fingerprints the folder, but stages no rows. The cash pass reads the
 * entries after consolidation, when the accounts they pay are in the ledger.
 */
export class BankConnector implements Connector {
  constructor(
    private readonly name: string,
    private readonly config: BankSourceConfig,
  ) {}

  async read(context: ExtractContext, _sink: ExtractSink): Promise<ExtractResult> {
    const folder = path.resolve(context.baseDir, this.config.path);
    // The date of a DtTm does not decide whether a file is valid, so UTC
    // serves here; the cash pass reads again in the configured time zone.
    const files = await readBankFolder(folder, { source: this.name, timeZone: this.config.time_zone ?? "UTC" });
    const entries = files.camt.reduce((sum, file) => sum + file.entries.length, 0);
    const transactions = files.statusReports.reduce((sum, report) => sum + report.transactions.length, 0);
    return { checksum: files.checksum, rowsRead: { entries, status_reports: transactions } };
  }
}
