// The source side of a reconciliation: the source's current extract, that
// is its files as they are now or its database read live and whole. The
// items are staged into a temporary SQLite file keyed by item id, so that
// they can be read back in item id order however many there are.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { createConnector } from "../connectors/index.ts";
import type { SourceConfig } from "../src/config/sources.ts";
import type { ExtractContext, ExtractSink, RejectRow, StagedItem } from "../src/extract.ts";

/** An item as the source lists it. */
export interface ExtractItem {
  item_id: string;
  account_id: string;
  type: string;
  status: string;
  currency: string;
  amount_minor: number;
  /** 1 when the row was rejected or its id appears twice, so it cannot be compared. */
  invalid: number;
}

const BATCH_ROWS = 1000;

/** Extract items of one source in a temporary SQLite file that close() deletes. */
export class StagedExtract {
  private readonly folder = mkdtempSync(path.join(tmpdir(), "dcms-reconcile-"));
  private readonly db = new Database(path.join(this.folder, "extract.sqlite"));
  /** Data rows the connector rejected. */
  rejects: RejectRow[] = [];
  rowsRead = 0;

  constructor() {
    this.db.pragma("journal_mode = OFF");
    this.db.pragma("synchronous = OFF");
    this.db.exec(
      `CREATE TABLE extract_items (
         item_id TEXT PRIMARY KEY, account_id TEXT NOT NULL, type TEXT NOT NULL,
         status TEXT NOT NULL, currency TEXT NOT NULL, amount_minor INTEGER NOT NULL,
         invalid INTEGER NOT NULL)`,
    );
    this.db.exec("CREATE TABLE extract_accounts (account_id TEXT PRIMARY KEY)");
  }

  /** Reads the source in full, with no watermark, as of a business date. */
  async read(name: string, config: SourceConfig, context: ExtractContext): Promise<void> {
    // As in a nightly run, the first valid row of an id counts: a later
    // duplicate and a rejected row with the same id are rejects of their
    // own and leave it alone.
    const upsert = this.db.prepare(
      `INSERT INTO extract_items VALUES (@item_id, @account_id, @type, @status, @currency, @amount_minor, 0)
       ON CONFLICT (item_id) DO UPDATE SET account_id = excluded.account_id, type = excluded.type,
         status = excluded.status, currency = excluded.currency, amount_minor = excluded.amount_minor, invalid = 0
       WHERE extract_items.invalid = 1 AND extract_items.account_id = ''`,
    );
    const markInvalid = this.db.prepare(
      `INSERT INTO extract_items VALUES (?, '', '', '', '', 0, 1)
       ON CONFLICT (item_id) DO NOTHING`,
    );
    const addAccount = this.db.prepare("INSERT OR IGNORE INTO extract_accounts VALUES (?)");
    const pending: (() => void)[] = [];
    const flush = this.db.transaction(() => {
      for (const write of pending.splice(0)) write();
    });
    const queue = (write: () => void) => {
      pending.push(write);
      if (pending.length >= BATCH_ROWS) flush();
    };
    const sink: ExtractSink = {
      account: (row) => queue(() => addAccount.run(row.accountId)),
      allocation: () => undefined,
      hold: () => undefined,
      item: (row: StagedItem) =>
        queue(() =>
          upsert.run({
            item_id: row.itemId,
            account_id: row.accountId,
            type: row.type,
            status: row.status,
            currency: row.currency,
            amount_minor: row.amountMinor,
          }),
        ),
      reject: (row: RejectRow) => {
        this.rejects.push(row);
      },
      rejectedItem: (_source: string, itemId: string) => queue(() => markInvalid.run(itemId)),
    };
    const result = await createConnector(name, config).read(context, sink);
    flush();
    // An item of an account that the extract does not list is rejected by a
    // run (account_not_found), so it cannot be compared either.
    const accounts = this.db.prepare("SELECT count(*) AS n FROM extract_accounts").get() as { n: number };
    if (accounts.n > 0) {
      this.db.exec(
        `UPDATE extract_items SET invalid = 1
         WHERE invalid = 0 AND account_id NOT IN (SELECT account_id FROM extract_accounts)`,
      );
    }
    this.rowsRead = result.rowsRead.items ?? 0;
  }

  /** Yields the staged items in code point order of their ids. */
  *items(): Generator<ExtractItem> {
    yield* this.db.prepare("SELECT * FROM extract_items ORDER BY item_id").iterate() as Iterable<ExtractItem>;
  }

  close(): void {
    this.db.close();
    rmSync(this.folder, { recursive: true, force: true });
  }
}
