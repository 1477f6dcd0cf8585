// The outbox kept in the ledger's outbox table: one row per file and target,
// unique by target, file and checksum, so a file with the same content is
// recorded (and sent) once however often its run is repeated or rendered.
// Each file waits in the spool folder, named by its SHA-256, until it is
// delivered; the run's own folder may be replaced in the meantime.

import type { Knex } from "knex";
import path from "node:path";
import type { OutboxEntry, OutboxStore } from "./outbox.ts";

type Row = Record<string, any>;

/** One row of the outbox table. */
export interface OutboxRow {
  outbox_id: number;
  /** The run that recorded the file. */
  run_id: number;
  /** <business date>/<path in the run's folder>, the same for every rendering of the date. */
  file: string;
  /** Name of the SFTP target in the configuration. */
  target: string;
  /** SHA-256 of the content, hex. */
  checksum: string;
  /** pending, failed (waiting for a retry) or delivered. */
  status: string;
  attempts: number;
  next_attempt_at: string | null;
  delivered_at: string | null;
  last_error: string | null;
  /** File name on the server. */
  remote_name: string | null;
}

export class LedgerOutboxStore implements OutboxStore {
  constructor(
    private readonly db: Knex,
    private readonly spoolFolder: string,
  ) {}

  /** Path of the spooled copy of a file with this SHA-256. */
  spoolPath(checksum: string): string {
    return path.join(this.spoolFolder, checksum);
  }

  async pending(): Promise<OutboxEntry[]> {
    const rows: OutboxRow[] = await this.db("outbox").whereNot("status", "delivered").orderBy("outbox_id");
    return rows.map((row) => this.toEntry(row));
  }

  async markDelivered(id: string, at: string, sha256: string): Promise<void> {
    await this.db("outbox")
      .where({ outbox_id: Number(id), checksum: sha256 })
      .update({ status: "delivered", delivered_at: at, next_attempt_at: null, last_error: null });
  }

  async markFailed(id: string, attempt: number, error: string, nextAttemptAt: string): Promise<void> {
    await this.db("outbox")
      .where({ outbox_id: Number(id) })
      .whereNot("status", "delivered")
      .update({ status: "failed", attempts: attempt, last_error: error.slice(0, 2000), next_attempt_at: nextAttemptAt });
  }

  /** Returns the rows of the given ids, in id order. */
  async rows(ids: readonly number[]): Promise<OutboxRow[]> {
    const rows: Row[] = [];
    for (let start = 0; start < ids.length; start += 500) {
      rows.push(...(await this.db("outbox").whereIn("outbox_id", ids.slice(start, start + 500))));
    }
    return (rows as OutboxRow[]).sort((a, b) => Number(a.outbox_id) - Number(b.outbox_id));
  }

  private toEntry(row: OutboxRow): OutboxEntry {
    return {
      id: String(row.outbox_id),
      target: row.target,
      localPath: this.spoolPath(row.checksum),
      remoteName: row.remote_name ?? path.posix.basename(row.file),
      sha256: row.checksum,
      attempts: Number(row.attempts),
      nextAttemptAt: row.next_attempt_at,
      deliveredAt: row.delivered_at,
    };
  }
}
