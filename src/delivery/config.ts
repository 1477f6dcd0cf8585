// The delivery: key of the configuration: SFTP targets, the routes that send
// a run's files to them, and the retry settings. schema.ts adds the schema,
// resolve.ts the resolved settings, and load.ts the rules below.

import path from "node:path";
import ssh2 from "ssh2";
import { z } from "zod";
import type { Backoff } from "./outbox.ts";
import { publicKeyFingerprint, type SftpTarget } from "./sftp.ts";

const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/;

const targetSchema = z.strictObject({
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535).default(22),
  username: z.string().min(1),
  /** File with the client's private key, relative to the configuration file. */
  private_key: z.string().min(1),
  passphrase: z.string().optional(),
  /** The pinned host key: a "SHA256:..." fingerprint or the public key line itself. */
  host_key: z.string().min(1),
  /** Absolute folder on the server that receives the files. */
  remote_folder: z.string().min(1),
  connect_timeout_ms: z.number().int().positive().default(20_000),
});

const routeSchema = z.strictObject({
  /** Files of the run's folder, as a pattern where * matches within one folder name. */
  files: z.string().min(1),
  target: z.string().min(1),
});

export const deliverySchema = z.strictObject({
  targets: z.record(z.string().regex(/^[A-Za-z0-9_-]+$/, "must be letters, digits, _ or -"), targetSchema),
  routes: z.array(routeSchema).default([]),
  /** Folder that keeps each file until it is delivered; <output_folder>/.outbox by default. */
  spool_folder: z.string().optional(),
  retry: z
    .strictObject({
      max_attempts: z.number().int().min(1).default(3),
      initial_delay_ms: z.number().int().positive().default(5_000),
      max_delay_ms: z.number().int().positive().default(3_600_000),
      max_total_ms: z.number().int().positive().default(300_000),
    })
    .default({ max_attempts: 3, initial_delay_ms: 5_000, max_delay_ms: 3_600_000, max_total_ms: 300_000 }),
});

export type RawDelivery = z.infer<typeof deliverySchema>;

export interface DeliveryRoute {
  files: string;
  /** The pattern as a regular expression over paths relative to the run's folder. */
  pattern: RegExp;
  target: string;
}

export interface DeliverySettings {
  targets: ReadonlyMap<string, SftpTarget>;
  routes: readonly DeliveryRoute[];
  spoolFolder: string;
  maxAttempts: number;
  backoff: Backoff;
}

/**
 * Turns a file pattern into a regular expression over "/"-separated paths:
 * "*" matches any characters except "/", "**" also "/", "?" one character.
 */
export function filePattern(glob: string): RegExp {
  let source = "";
  for (let index = 0; index < glob.length; index++) {
    const char = glob[index];
    if (char === "*" && glob[index + 1] === "*") {
      source += ".*";
      index++;
    } else if (char === "*") {
      source += "[^/]*";
    } else if (char === "?") {
      source += "[^/]";
    } else {
      source += char.replace(/[.+^${}()|[\]\\]/g, "\\$&");
    }
  }
  return new RegExp(`^${source}$`);
}

/** Returns the SHA-256 fingerprint of a pinned host key given either way. */
export function hostKeyFingerprint(hostKey: string): string {
  const trimmed = hostKey.trim();
  return FINGERPRINT.test(trimmed) ? trimmed : publicKeyFingerprint(trimmed);
}

export function resolveDelivery(
  raw: RawDelivery | undefined,
  baseDir: string,
  outputFolder: string,
): DeliverySettings | null {
  if (!raw) return null;
  const targets = new Map<string, SftpTarget>();
  for (const [name, target] of Object.entries(raw.targets)) {
    targets.set(name, {
      name,
      host: target.host,
      port: target.port,
      username: target.username,
      privateKeyPath: path.resolve(baseDir, target.private_key),
      passphrase: target.passphrase,
      hostKeySha256: hostKeyFingerprint(target.host_key),
      remoteDir: target.remote_folder,
      connectTimeoutMs: target.connect_timeout_ms,
    });
  }
  return {
    targets,
    routes: raw.routes.map((route) => ({
      files: route.files,
      pattern: filePattern(route.files),
      target: route.target,
    })),
    spoolFolder: path.resolve(baseDir, raw.spool_folder ?? path.join(outputFolder, ".outbox")),
    maxAttempts: raw.retry.max_attempts,
    backoff: {
      initialDelayMs: raw.retry.initial_delay_ms,
      maxDelayMs: raw.retry.max_delay_ms,
      maxTotalMs: raw.retry.max_total_ms,
    },
  };
}

/** Rules across delivery keys; returns every problem with its key path. */
export function checkDeliveryRules(raw: RawDelivery | undefined): string[] {
  if (!raw) return [];
  const problems: string[] = [];
  for (const [name, target] of Object.entries(raw.targets)) {
    const key = `delivery.targets.${name}`;
    if (!target.remote_folder.startsWith("/")) {
      problems.push(`${key}.remote_folder: ${target.remote_folder} is not an absolute path on the server`);
    }
    const hostKey = target.host_key.trim();
    if (!FINGERPRINT.test(hostKey) && ssh2.utils.parseKey(hostKey) instanceof Error) {
      problems.push(
        `${key}.host_key: neither a SHA256: fingerprint as "ssh-keygen -lf" prints it nor an OpenSSH public key line`,
      );
    }
  }
  raw.routes.forEach((route, index) => {
    if (!raw.targets[route.target]) {
      problems.push(`delivery.routes[${index}].target: ${route.target} is not one of delivery.targets`);
    }
    if (route.files.startsWith("/") || route.files.split("/").includes("..")) {
      problems.push(`delivery.routes[${index}].files: ${route.files} must be a path inside the run's folder`);
    }
  });
  if (raw.retry.max_delay_ms < raw.retry.initial_delay_ms) {
    problems.push("delivery.retry.max_delay_ms: must be at least initial_delay_ms");
  }
  return problems;
}
