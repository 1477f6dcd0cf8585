// Delivery against a real SFTP server that each test starts on 127.0.0.1.

import { expect } from "chai";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { generateKeyPair } from "../support/ssh-keys.ts";
import winston from "winston";
import { deliverPending, type DeliverOptions } from "../../src/delivery/outbox.ts";
import {
  deliverFile,
  DeliveryError,
  publicKeyFingerprint,
  type SftpTarget,
} from "../../src/delivery/sftp.ts";
import { silentLogger } from "../../src/log.ts";
import { MemoryOutboxStore, outboxEntry } from "./memory-store.ts";
import { freePort, TestSftpServer } from "./sftp-server.ts";

const CONTENT = "dcms delivery test\n";
// printf 'dcms delivery test\n' | sha256sum
const CONTENT_SHA256 = "e1c1967ddf488409df2733e16a8f891d4be8f738440175a5025f649a78c03a00";
// printf 'older content\n' | sha256sum
const OLDER_SHA256 = "4c5665e73b49b61353b45e8d53741d06c70af0dd97d11a4972a95cee73b4b29f";

describe("publicKeyFingerprint", () => {
  it("matches ssh-keygen -lf", () => {
    // Key and fingerprint as printed by OpenSSH's ssh-keygen -t ed25519 and -lf.
    const line =
      "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAII6G+c/i11+9BUJrr6tnZ4jeBdpEEBNvPx63PIlU07W7 fixture";
    const fingerprint = "SHA256:b9RMoUZLLLO3FPjAUyhKENrfa+C/1H7Fp9l4vZXGuFk";
    expect(publicKeyFingerprint(line)).to.equal(fingerprint);
  });
});

describe("deliverFile over SFTP", function () {
  const hostKey = generateKeyPair();
  const otherHostKey = generateKeyPair();
  const clientKey = generateKeyPair();
  const strangerKey = generateKeyPair();
  let workDir: string;
  let servers: TestSftpServer[];

  beforeEach(() => {
    workDir = mkdtempSync(join(tmpdir(), "dcms-delivery-"));
    mkdirSync(join(workDir, "keys"));
    writeFileSync(join(workDir, "keys", "client"), clientKey.private, { mode: 0o600 });
    writeFileSync(join(workDir, "keys", "stranger"), strangerKey.private, { mode: 0o600 });
    writeFileSync(join(workDir, "metro2.txt"), CONTENT);
    servers = [];
  });

  afterEach(async () => {
    for (const server of servers) await server.close();
    rmSync(workDir, { recursive: true, force: true });
  });

  /** Creates a server with its own root and /inbox folder; it listens once listen() is called. */
  function createServer(name: string, key = hostKey.private) {
    const root = join(workDir, name);
    mkdirSync(join(root, "inbox"), { recursive: true });
    const server = new TestSftpServer({
      root,
      hostKey: key,
      username: "dcms",
      clientPublicKey: clientKey.public,
    });
    servers.push(server);
    return { server, inbox: join(root, "inbox") };
  }

  function target(port: number, fields: Partial<SftpTarget> = {}): SftpTarget {
    return {
      name: "bureau",
      host: "127.0.0.1",
      port,
      username: "dcms",
      privateKeyPath: join(workDir, "keys", "client"),
      hostKeySha256: publicKeyFingerprint(hostKey.public),
      remoteDir: "/inbox",
      connectTimeoutMs: 5000,
      ...fields,
    };
  }

  function options(overrides: Partial<DeliverOptions> = {}): DeliverOptions {
    return {
      maxAttempts: 3,
      backoff: { initialDelayMs: 10, maxDelayMs: 1000, maxTotalMs: 30_000 },
      logger: silentLogger(),
      ...overrides,
    };
  }

  async function deliveryError(promise: Promise<unknown>): Promise<DeliveryError> {
    try {
      await promise;
    } catch (error) {
      if (error instanceof DeliveryError) return error;
      throw error;
    }
    throw new Error("expected the delivery to fail");
  }

  it("puts the file and its checksum in place", async () => {
    const { server, inbox } = createServer("server");
    const port = await server.listen();

    const receipt = await deliverFile(target(port), { localPath: join(workDir, "metro2.txt") });

    expect(receipt).to.deep.equal({
      remotePath: "/inbox/metro2.txt",
      sha256: CONTENT_SHA256,
      bytes: 19,
      alreadyDelivered: false,
    });
    expect(readdirSync(inbox).sort()).to.deep.equal(["metro2.txt", "metro2.txt.sha256"]);
    expect(readFileSync(join(inbox, "metro2.txt"), "utf8")).to.equal(CONTENT);
    expect(readFileSync(join(inbox, "metro2.txt.sha256"), "utf8")).to.equal(
      `${CONTENT_SHA256}  metro2.txt\n`,
    );
    // The data file went through its temporary name, then the checksum file through its own.
    expect(server.openedForWrite).to.deep.equal([
      "/inbox/.metro2.txt.part",
      "/inbox/.metro2.txt.sha256.part",
    ]);
  });

  it("retries after the server was down", async () => {
    const port = await freePort();
    const { server, inbox } = createServer("server");
    const store = new MemoryOutboxStore([
      outboxEntry({ localPath: join(workDir, "metro2.txt"), remoteName: "metro2.txt" }),
    ]);
    const sleeps: number[] = [];

    // The server starts while the loop waits after the refused first attempt.
    const summary = await deliverPending(store, { bureau: target(port) }, options({
      sleep: async (ms) => {
        sleeps.push(ms);
        if (sleeps.length === 1) await server.listen(port);
      },
    }));

    expect(store.failures).to.have.length(1);
    expect(store.failures[0].attempt).to.equal(1);
    expect(store.failures[0].error).to.contain(`connection to 127.0.0.1:${port} failed`);
    expect(sleeps).to.deep.equal([10]);
    expect(summary.waiting).to.deep.equal([]);
    expect(summary.delivered).to.have.length(1);
    expect(summary.delivered[0].attempts).to.equal(2);
    expect(store.deliveries[0].sha256).to.equal(CONTENT_SHA256);
    expect(readFileSync(join(inbox, "metro2.txt"), "utf8")).to.equal(CONTENT);
  });

  it("sends nothing when run again", async () => {
    const { server, inbox } = createServer("server");
    const port = await server.listen();
    const entry = { localPath: join(workDir, "metro2.txt"), remoteName: "metro2.txt" };
    const store = new MemoryOutboxStore([outboxEntry(entry)]);
    const targets = { bureau: target(port) };

    const first = await deliverPending(store, targets, options());
    const second = await deliverPending(store, targets, options());
    // A store that lost the delivered mark, while the server already has the file.
    const forgetful = new MemoryOutboxStore([outboxEntry(entry)]);
    const third = await deliverPending(forgetful, targets, options());

    expect(first.delivered[0].alreadyDelivered).to.equal(false);
    expect(second.delivered).to.deep.equal([]);
    expect(third.delivered[0].alreadyDelivered).to.equal(true);
    expect(forgetful.deliveries[0].sha256).to.equal(CONTENT_SHA256);
    const dataUploads = server.openedForWrite.filter((path) => path === "/inbox/.metro2.txt.part");
    expect(dataUploads).to.have.length(1);
    expect(server.openedForWrite).to.have.length(2);
    expect(readdirSync(inbox).sort()).to.deep.equal(["metro2.txt", "metro2.txt.sha256"]);
  });

  it("rejects a changed host key", async () => {
    const { server, inbox } = createServer("impostor", otherHostKey.private);
    const port = await server.listen();

    const error = await deliveryError(
      deliverFile(target(port), { localPath: join(workDir, "metro2.txt") }),
    );

    expect(error.code).to.equal("host_key_mismatch");
    expect(error.retryable).to.equal(false);
    expect(error.message).to.contain(`127.0.0.1:${port}`);
    expect(error.message).to.contain(publicKeyFingerprint(otherHostKey.public));
    expect(error.message).to.contain(publicKeyFingerprint(hostKey.public));
    expect(server.openedForWrite).to.deep.equal([]);
    expect(readdirSync(inbox)).to.deep.equal([]);
  });

  it("keeps a remote file with another checksum", async () => {
    const { server, inbox } = createServer("server");
    writeFileSync(join(inbox, "metro2.txt"), "older content\n");
    const port = await server.listen();

    const error = await deliveryError(
      deliverFile(target(port), { localPath: join(workDir, "metro2.txt") }),
    );

    expect(error.code).to.equal("remote_file_differs");
    expect(error.retryable).to.equal(false);
    expect(error.message).to.contain(OLDER_SHA256);
    expect(error.message).to.contain(CONTENT_SHA256);
    expect(readFileSync(join(inbox, "metro2.txt"), "utf8")).to.equal("older content\n");
    expect(readdirSync(inbox)).to.deep.equal(["metro2.txt"]);
    expect(server.openedForWrite).to.deep.equal([]);
  });

  it("completes a missing checksum file", async () => {
    const { server, inbox } = createServer("server");
    writeFileSync(join(inbox, "metro2.txt"), CONTENT);
    const port = await server.listen();

    const receipt = await deliverFile(target(port), { localPath: join(workDir, "metro2.txt") });

    expect(receipt.alreadyDelivered).to.equal(true);
    expect(readFileSync(join(inbox, "metro2.txt.sha256"), "utf8")).to.equal(
      `${CONTENT_SHA256}  metro2.txt\n`,
    );
    expect(server.openedForWrite).to.deep.equal(["/inbox/.metro2.txt.sha256.part"]);
  });

  it("refuses a local file that changed", async () => {
    const { server } = createServer("server");
    const port = await server.listen();

    const error = await deliveryError(
      deliverFile(target(port), { localPath: join(workDir, "metro2.txt"), sha256: OLDER_SHA256 }),
    );

    expect(error.code).to.equal("local_file_changed");
    expect(server.openedForWrite).to.deep.equal([]);
  });

  it("reports a rejected client key", async () => {
    const { server } = createServer("server");
    const port = await server.listen();
    const stranger = target(port, { privateKeyPath: join(workDir, "keys", "stranger") });

    const error = await deliveryError(
      deliverFile(stranger, { localPath: join(workDir, "metro2.txt") }),
    );

    expect(error.code).to.equal("authentication_failed");
    expect(error.retryable).to.equal(false);
  });

  it("reports a missing remote folder", async () => {
    const { server } = createServer("server");
    const port = await server.listen();

    const error = await deliveryError(
      deliverFile(target(port, { remoteDir: "/outgoing" }), {
        localPath: join(workDir, "metro2.txt"),
      }),
    );

    expect(error.code).to.equal("remote_folder_not_found");
    expect(error.message).to.contain("/outgoing");
  });

  it("logs ids and names, never contents", async () => {
    const { server } = createServer("server");
    const port = await server.listen();
    const lines: string[] = [];
    const logger = winston.createLogger({
      format: winston.format.json(),
      transports: [
        new winston.transports.Stream({
          stream: new Writable({
            write(chunk, _encoding, callback) {
              lines.push(String(chunk));
              callback();
            },
          }),
        }),
      ],
    });
    const store = new MemoryOutboxStore([
      outboxEntry({ id: "outbox-7", localPath: join(workDir, "metro2.txt") }),
    ]);

    await deliverPending(store, { bureau: target(port) }, options({ logger }));

    const records = lines.map((line) => JSON.parse(line));
    const delivered = records.find((record) => record.message === "file delivered");
    expect(delivered).to.include({
      id: "outbox-7",
      remoteName: "metro2.txt",
      attempt: 1,
      bytes: 19,
    });
    expect(lines.join("")).not.to.contain("dcms delivery test");
  });
});
