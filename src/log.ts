// Operator log: one line per start, finish, retry and caught error, with ids
// and counts as metadata. Never pass names, addresses, phones or e-mails here.

import winston from "winston";

export type Logger = winston.Logger;

export function createLogger(options: { level?: string; json?: boolean } = {}): Logger {
  const format = options.json
    ? winston.format.combine(winston.format.timestamp(), winston.format.json())
    : winston.format.combine(
        winston.format.timestamp(),
        winston.format.printf(({ timestamp, level, message, ...meta }) => {
          const fields = Object.entries(meta)
            .map(([key, value]) => `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`)
            .join(" ");
          return `${timestamp} ${level} ${message}${fields ? " " + fields : ""}`;
        }),
      );
  return winston.createLogger({
    level: options.level ?? process.env.DCMS_LOG_LEVEL ?? "info",
    format,
    transports: [new winston.transports.Console({ stderrLevels: ["error", "warn", "info", "debug"] })],
  });
}

/** A logger that drops everything, for tests and library use. */
export function silentLogger(): Logger {
  return winston.createLogger({ silent: true, transports: [new winston.transports.Console()] });
}
