// The error classes that bin/dcms maps to exit statuses. Everything else that
// escapes a command is a failed run (exit status 1).

/** Exit statuses of every dcms command. */
export const EXIT = {
  ok: 0,
  failed: 1,
  invalidRequest: 2,
  partial: 3,
  locked: 4,
} as const;

/** Invalid command line, configuration or request: exit status 2. */
export class RequestError extends Error {
  constructor(
    message: string,
    readonly problems: string[] = [],
  ) {
    super(message);
    this.name = "RequestError";
  }
}

/** Another run holds the ledger lock: exit status 4. */
export class LockError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LockError";
  }
}

/** A broken invariant of dcms itself; the run stops before anything is written. */
export class InvariantError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InvariantError";
  }
}

export function invariant(condition: unknown, message: string): asserts condition {
  if (!condition) throw new InvariantError(message);
}

/**
 * Returns an error's message without the SQL text that knex puts in front of
 * database errors, because that text can carry customer data.
 */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const native = (error as { nativeError?: unknown }).nativeError;
  if (native instanceof Error) return native.message;
  const sqlPrefix = /^(insert|update|delete|select|with|create|alter|drop)\b[\s\S]* - /i;
  return error.message.replace(sqlPrefix, "");
}
