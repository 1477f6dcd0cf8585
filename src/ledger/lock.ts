// One run at a time per ledger. SQLite ledgers use a lock file beside the
// database holding the owner's process id; a lock whose process is gone is
// stale and taken over. PostgreSQL ledgers use a session advisory lock.

import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import type { Knex } from "knex";
import type { LedgerLocation } from "../config/resolve.ts";
import { LockError } from "../errors.ts";

export interface LedgerLock {
  release(): Promise<void>;
}

const ADVISORY_KEY = 0x64636d73; // "dcms"

export async function acquireLock(location: LedgerLocation, knex: Knex): Promise<LedgerLock> {
  if (location.kind === "postgres") return acquireAdvisoryLock(knex);
  return acquireFileLock(`${location.filename}.lock`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function acquireFileLock(lockPath: string): LedgerLock {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockPath, "wx", 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return {
        async release() {
          try {
            unlinkSync(lockPath);
          } catch {
            // Already gone: nothing to release.
          }
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const owner = Number.parseInt(readFileSync(lockPath, "utf8"), 10);
      if (Number.isInteger(owner) && owner !== process.pid && isAlive(owner)) {
        throw new LockError(
          `another dcms run (process ${owner}) holds the ledger lock ${lockPath}; wait for it to finish`,
        );
      }
      // The owner died without releasing the lock: take it over.
      unlinkSync(lockPath);
    }
  }
  throw new LockError(`cannot take the ledger lock ${lockPath}`);
}

async function acquireAdvisoryLock(knex: Knex): Promise<LedgerLock> {
  const connection = await knex.client.acquireConnection();
  const result = await connection.query("select pg_try_advisory_lock($1) as locked", [ADVISORY_KEY]);
  if (!result.rows[0].locked) {
    await knex.client.releaseConnection(connection);
    throw new LockError("another dcms run holds the ledger's advisory lock; wait for it to finish");
  }
  return {
    async release() {
      await connection.query("select pg_advisory_unlock($1)", [ADVISORY_KEY]);
      await knex.client.releaseConnection(connection);
    },
  };
}
