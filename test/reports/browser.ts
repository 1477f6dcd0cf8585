// Headless Chromium for tests that check rendered pages: Debian's chromium
// package, driven by playwright-core with a fresh profile folder and every
// background service that would reach the network switched off. Without the
// browser the test skips with a message, and fails instead under
// DCMS_REQUIRE_SERVERS=1 (as in CI, which installs it).

import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Context } from "mocha";
import { chromium, type BrowserContext } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";

const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Starts Chromium, or skips the test when it is not installed. */
export async function startChromium(test: Context): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    const reason = `Chromium is not installed at ${CHROMIUM} (apt-get install chromium)`;
    if (process.env.DCMS_REQUIRE_SERVERS === "1") {
      throw new Error(`${reason}; DCMS_REQUIRE_SERVERS=1 turns this skip into a failure`);
    }
    console.log(`    skipped: ${reason}`);
    test.skip();
  }
  const profile = mkdtempSync(path.join(tmpdir(), "dcms-chromium-"));
  // playwright takes the profile folder as an argument of its own and adds
  // --user-data-dir itself.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1280, height: 900 },
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
