// Progress of long passes: a bar on a terminal, a log line every few seconds
// otherwise (cron, CI), so that operators see a night moving.

import cliProgress from "cli-progress";
import type { Logger } from "../log.ts";

const LOG_INTERVAL_MS = 10_000;

export function createProgress(log: Logger, total: () => number): {
  update(pass: string, done: number): void;
  stop(): void;
} {
  const interactive = Boolean(process.stderr.isTTY) && process.env.CI !== "true";
  let bar: cliProgress.SingleBar | undefined;
  let lastLog = 0;
  return {
    update(pass, done) {
      if (interactive) {
        if (!bar) {
          bar = new cliProgress.SingleBar(
            { format: `${pass} [{bar}] {value}/{total} customers`, stream: process.stderr, clearOnComplete: true },
            cliProgress.Presets.shades_classic,
          );
          bar.start(Math.max(total(), done), 0);
        }
        bar.update(done);
        return;
      }
      const now = Date.now();
      if (now - lastLog >= LOG_INTERVAL_MS) {
        lastLog = now;
        log.info("pass progress", { pass, done, total: total() });
      }
    },
    stop() {
      bar?.stop();
    },
  };
}
