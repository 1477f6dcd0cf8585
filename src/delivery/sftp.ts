// Delivery of one output file to one SFTP target.
//
// The file is uploaded as ".<name>.part", renamed to "<name>" and then
// described by "<name>.sha256" in the sha256sum format. A receiver that
// ignores dot files never reads a half-written file, and the checksum file
// appears last. A file that is already on the server with the same SHA-256
// counts as delivered and is not uploaded again. A file with another
// SHA-256 is not overwritten.

import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { basename, posix } from "node:path";
import { Transform, type Readable } from "node:stream";
import ssh2 from "ssh2";
import SftpClient from "ssh2-sftp-client";

/** An SFTP server that receives output files, as the configuration describes it. */
export interface SftpTarget {
  /** Name of the target in the configuration, used in messages and logs. */
  name: string;
  host: string;
  port: number;
  username: string;
  /** Path of the private key file, read at each delivery so that a rotated key needs no restart. */
  privateKeyPath: string;
  /** Passphrase of an encrypted private key. */
  passphrase?: string;
  /** Pinned host key as OpenSSH prints it: "SHA256:" and 43 base64 characters. */
  hostKeySha256: string;
  /** Absolute folder on the server that receives the files, which must exist. */
  remoteDir: string;
  /** Time allowed for the TCP connection and the SSH handshake. */
  connectTimeoutMs: number;
}

/** A local file to deliver. */
export interface DeliveryFile {
  localPath: string;
  /** File name on the server, by default the base name of localPath. */
  remoteName?: string;
  /** SHA-256 (hex) recorded when the file was written. A file that changed since is not sent. */
  sha256?: string | null;
}

/** The file on the server after a successful delivery. */
export interface DeliveryReceipt {
  remotePath: string;
  sha256: string;
  bytes: number;
  /** True when the server already held the same file and nothing was uploaded. */
  alreadyDelivered: boolean;
}

export type DeliveryErrorCode =
  | "invalid_target"
  | "local_file_missing"
  | "local_file_changed"
  | "connection_failed"
  | "authentication_failed"
  | "host_key_mismatch"
  | "remote_folder_not_found"
  | "remote_file_differs"
  | "checksum_file_differs"
  | "transfer_failed";

/** Codes that another attempt within the same invocation can cure. */
const RETRYABLE_CODES: ReadonlySet<DeliveryErrorCode> = new Set([
  "connection_failed",
  "transfer_failed",
]);

/** A delivery that did not complete. The message names the target and the next step. */
export class DeliveryError extends Error {
  readonly retryable: boolean;

  constructor(
    message: string,
    readonly code: DeliveryErrorCode,
    readonly target: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "DeliveryError";
    this.retryable = RETRYABLE_CODES.has(code);
  }
}

const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/;

/** ssh2 sends a keepalive at this interval and drops the connection after 3 unanswered ones. */
const KEEPALIVE_INTERVAL_MS = 10_000;
const KEEPALIVE_COUNT_MAX = 3;

/** Formats the SHA-256 fingerprint of an SSH public key blob as OpenSSH prints it. */
export function sha256Fingerprint(keyBlob: Buffer): string {
  const digest = createHash("sha256").update(keyBlob).digest("base64");
  return "SHA256:" + digest.replace(/=+$/, "");
}

/** Computes the fingerprint of a public key line such as "ssh-ed25519 AAAA... comment". */
export function publicKeyFingerprint(publicKey: string): string {
  const parsed = ssh2.utils.parseKey(publicKey);
  if (parsed instanceof Error) {
    throw new Error(`public key cannot be parsed: ${parsed.message}`);
  }
  return sha256Fingerprint(parsed.getPublicSSH());
}

/** Formats the line of a "<name>.sha256" file, as sha256sum writes it in text mode. */
export function checksumLine(sha256: string, name: string): string {
  return `${sha256}  ${name}\n`;
}

/**
 * Uploads a file to an SFTP target unless the target already contains it.
 * Raises DeliveryError, whose retryable flag shows whether another attempt
 * in the same invocation can succeed.
 */
export async function deliverFile(
  target: SftpTarget,
  file: DeliveryFile,
): Promise<DeliveryReceipt> {
  checkTarget(target);
  const remoteName = file.remoteName ?? basename(file.localPath);
  checkRemoteName(target, remoteName);
  const local = await hashLocalFile(target, file);
  const privateKey = await readPrivateKey(target);

  let presentedFingerprint: string | undefined;
  const client = new SftpClient(`dcms-${target.name}`, {
    // The promise of each call already reports these events.
    error: () => undefined,
    end: () => undefined,
    close: () => undefined,
  });
  try {
    await client.connect({
      host: target.host,
      port: target.port,
      username: target.username,
      privateKey,
      passphrase: target.passphrase,
      readyTimeout: target.connectTimeoutMs,
      keepaliveInterval: KEEPALIVE_INTERVAL_MS,
      keepaliveCountMax: KEEPALIVE_COUNT_MAX,
      hostVerifier: (key: Buffer) => {
        presentedFingerprint = sha256Fingerprint(key);
        return presentedFingerprint === target.hostKeySha256;
      },
    });
  } catch (error) {
    destroyConnection(client);
    throw connectError(target, error, presentedFingerprint);
  }

  try {
    return await upload(client, target, file.localPath, remoteName, local);
  } catch (error) {
    if (error instanceof DeliveryError) throw error;
    throw new DeliveryError(
      `SFTP target ${target.name}: transfer of ${remoteName} to ` +
        `${target.host}:${target.port} failed: ${messageOf(error)}`,
      "transfer_failed",
      target.name,
      { cause: error },
    );
  } finally {
    await client.end().catch(() => undefined);
    destroyConnection(client);
  }
}

interface LocalFile {
  sha256: string;
  bytes: number;
}

async function upload(
  client: SftpClient,
  target: SftpTarget,
  localPath: string,
  remoteName: string,
  local: LocalFile,
): Promise<DeliveryReceipt> {
  await checkRemoteFolder(client, target);
  const remotePath = posix.join(target.remoteDir, remoteName);
  const receipt = { remotePath, sha256: local.sha256, bytes: local.bytes };

  if (await client.exists(remotePath)) {
    const remoteSha256 = await hashRemoteFile(client, remotePath);
    if (remoteSha256 !== local.sha256) {
      throw new DeliveryError(
        `SFTP target ${target.name}: ${remotePath} already exists on ` +
          `${target.host} with SHA-256 ${remoteSha256}, but the file to ` +
          `deliver has SHA-256 ${local.sha256}; it was not overwritten. ` +
          `Ask the receiver whether the existing file was processed, then ` +
          `remove it or deliver the new file under another name.`,
        "remote_file_differs",
        target.name,
      );
    }
    await ensureChecksumFile(client, target, remoteName, local.sha256);
    return { ...receipt, alreadyDelivered: true };
  }

  const partPath = posix.join(target.remoteDir, `.${remoteName}.part`);
  const hash = createHash("sha256");
  const source = createReadStream(localPath);
  const counted = source.pipe(
    new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        hash.update(chunk);
        callback(null, chunk);
      },
    }),
  );
  source.on("error", (error) => counted.destroy(error));
  await client.put(counted, partPath);
  const sentSha256 = hash.digest("hex");
  if (sentSha256 !== local.sha256) {
    await client.delete(partPath, true);
    throw localChangedError(target, localPath, local.sha256, sentSha256);
  }
  const uploaded = await client.stat(partPath);
  if (uploaded.size !== local.bytes) {
    throw new DeliveryError(
      `SFTP target ${target.name}: ${partPath} has ${uploaded.size} bytes ` +
        `after the upload instead of ${local.bytes}; the next attempt uploads it again.`,
      "transfer_failed",
      target.name,
    );
  }
  // SFTP version 3, which OpenSSH's server implements, defines RENAME to fail
  // when the destination exists. A file that appeared in the meantime is
  // then kept, and the next attempt compares checksums.
  await client.rename(partPath, remotePath);
  await ensureChecksumFile(client, target, remoteName, local.sha256);
  return { ...receipt, alreadyDelivered: false };
}

/** Writes "<name>.sha256" unless it exists, and raises when an existing one differs. */
async function ensureChecksumFile(
  client: SftpClient,
  target: SftpTarget,
  remoteName: string,
  sha256: string,
): Promise<void> {
  const checksumName = `${remoteName}.sha256`;
  const checksumPath = posix.join(target.remoteDir, checksumName);
  const expected = checksumLine(sha256, remoteName);
  if (await client.exists(checksumPath)) {
    const existing = (await client.get(checksumPath)) as Buffer;
    if (existing.toString("utf8") === expected) return;
    throw new DeliveryError(
      `SFTP target ${target.name}: ${checksumPath} on ${target.host} does ` +
        `not match the delivered file (expected "${expected.trim()}"); it was ` +
        `not overwritten. Ask the receiver who wrote it, then remove it.`,
      "checksum_file_differs",
      target.name,
    );
  }
  const partPath = posix.join(target.remoteDir, `.${checksumName}.part`);
  await client.put(Buffer.from(expected, "utf8"), partPath);
  await client.rename(partPath, checksumPath);
}

async function checkRemoteFolder(client: SftpClient, target: SftpTarget): Promise<void> {
  const kind = await client.exists(target.remoteDir);
  if (kind === "d") return;
  throw new DeliveryError(
    `SFTP target ${target.name}: remote folder ${target.remoteDir} was not ` +
      `found on ${target.host}; ask the receiver to create it or correct remote_folder.`,
    "remote_folder_not_found",
    target.name,
  );
}

async function hashRemoteFile(client: SftpClient, remotePath: string): Promise<string> {
  const hash = createHash("sha256");
  const stream = client.createReadStream(remotePath) as Readable;
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

async function hashLocalFile(target: SftpTarget, file: DeliveryFile): Promise<LocalFile> {
  let bytes: number;
  let sha256: string;
  try {
    bytes = (await stat(file.localPath)).size;
    const hash = createHash("sha256");
    for await (const chunk of createReadStream(file.localPath)) hash.update(chunk as Buffer);
    sha256 = hash.digest("hex");
  } catch (error) {
    throw new DeliveryError(
      `SFTP target ${target.name}: local file ${file.localPath} cannot be ` +
        `read (${messageOf(error)}). Re-render the run's outputs before delivering.`,
      "local_file_missing",
      target.name,
      { cause: error },
    );
  }
  if (file.sha256 && file.sha256 !== sha256) {
    throw localChangedError(target, file.localPath, file.sha256, sha256);
  }
  return { sha256, bytes };
}

function localChangedError(
  target: SftpTarget,
  localPath: string,
  expected: string,
  actual: string,
): DeliveryError {
  return new DeliveryError(
    `SFTP target ${target.name}: local file ${localPath} has SHA-256 ` +
      `${actual}, but ${expected} was recorded when it was written; it was ` +
      `not sent. Re-render the run's outputs so the file matches the ledger.`,
    "local_file_changed",
    target.name,
  );
}

async function readPrivateKey(target: SftpTarget): Promise<Buffer> {
  try {
    return await readFile(target.privateKeyPath);
  } catch (error) {
    throw new DeliveryError(
      `SFTP target ${target.name}: private key file ${target.privateKeyPath} ` +
        `cannot be read (${messageOf(error)}); correct private_key.`,
      "invalid_target",
      target.name,
      { cause: error },
    );
  }
}

function connectError(
  target: SftpTarget,
  error: unknown,
  presentedFingerprint: string | undefined,
): DeliveryError {
  const where = `${target.host}:${target.port}`;
  if (presentedFingerprint && presentedFingerprint !== target.hostKeySha256) {
    return new DeliveryError(
      `SFTP target ${target.name}: host ${where} presented host key ` +
        `${presentedFingerprint}, but the pinned key is ${target.hostKeySha256}; ` +
        `nothing was uploaded. If the server's key was changed on purpose, ` +
        `confirm the new fingerprint with its operator and update host_key.`,
      "host_key_mismatch",
      target.name,
      { cause: error },
    );
  }
  const message = messageOf(error);
  if (/authentication methods failed/i.test(message)) {
    return new DeliveryError(
      `SFTP target ${target.name}: ${where} rejected user ${target.username} ` +
        `with the configured private key; check username and private_key.`,
      "authentication_failed",
      target.name,
      { cause: error },
    );
  }
  return new DeliveryError(
    `SFTP target ${target.name}: connection to ${where} failed: ${message}`,
    "connection_failed",
    target.name,
    { cause: error },
  );
}

function checkTarget(target: SftpTarget): void {
  const problems: string[] = [];
  if (!target.host) problems.push("host is missing");
  if (!Number.isInteger(target.port) || target.port < 1 || target.port > 65535) {
    problems.push(`port ${target.port} is not between 1 and 65535`);
  }
  if (!target.username) problems.push("username is missing");
  if (!target.privateKeyPath) problems.push("private_key is missing");
  if (!FINGERPRINT.test(target.hostKeySha256)) {
    problems.push(
      `host_key ${JSON.stringify(target.hostKeySha256)} is not an ` +
        `OpenSSH SHA-256 fingerprint such as the one "ssh-keygen -lf" prints`,
    );
  }
  if (!target.remoteDir.startsWith("/")) {
    problems.push(`remote_folder ${JSON.stringify(target.remoteDir)} is not an absolute path`);
  }
  if (!(target.connectTimeoutMs > 0)) problems.push("connect_timeout_ms must be positive");
  if (problems.length > 0) {
    throw new DeliveryError(
      `SFTP target ${target.name} is invalid: ${problems.join("; ")}.`,
      "invalid_target",
      target.name,
    );
  }
}

function checkRemoteName(target: SftpTarget, remoteName: string): void {
  if (remoteName && !remoteName.startsWith(".") && !/[/\\\0]/.test(remoteName)) return;
  throw new DeliveryError(
    `SFTP target ${target.name}: remote file name ${JSON.stringify(remoteName)} ` +
      `is invalid; use a plain name without folders that does not start with a dot.`,
    "invalid_target",
    target.name,
  );
}

/**
 * Closes the SSH socket even when the SFTP session never started, because
 * SftpClient.end() only closes connections that reached the SFTP subsystem
 * and an open socket would keep the process alive.
 */
function destroyConnection(client: SftpClient): void {
  (client as unknown as { client: ssh2.Client }).client.destroy();
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
