// Delivery of a night's files over SFTP, end to end: the agency fixture
// operator routes alpha's placement files to an ssh2 test server that each
// test starts on 127.0.0.1.

import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { generateKeyPair } from "../support/ssh-keys.ts";
import { loadConfig } from "../../src/config/load.ts";
import { deliverPendingFiles } from "../../src/cli/deliver.ts";
import { openLedger } from "../../src/ledger/db.ts";
import { silentLogger } from "../../src/log.ts";
import { remoteFileName } from "../../src/delivery/run-delivery.ts";
import { copyFolder, removeFolder, runCli, runDate } from "../support/run.ts";
import { freePort, TestSftpServer } from "./sftp-server.ts";

const NIGHT = "2026-03-31";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** alpha's three files of a night, under the names the server receives. */
const ALPHA_FILES = ["alpha-20260331.csv", "alpha-recalls-20260331.csv", "alpha-updates-20260331.csv"];

describe("delivery of a run's files", function () {
  const hostKey = generateKeyPair();
  const otherHostKey = generateKeyPair();
  const clientKey = generateKeyPair();
  let folder: string;
  let config: string;
  let servers: TestSftpServer[];

  beforeEach(function () {
    folder = copyFolder("test/fixtures/agencies");
    config = path.join(folder, "dcms.yaml");
    mkdirSync(path.join(folder, "keys"));
    writeFileSync(path.join(folder, "keys", "client"), clientKey.private, { mode: 0o600 });
    servers = [];
  });

  afterEach(async function () {
    for (const server of servers) await server.close();
    removeFolder(folder);
  });

  /** Creates a server serving <folder>/sftp with an /inbox folder. */
  function createServer(key = hostKey.private) {
    const root = path.join(folder, `sftp-${servers.length}`);
    mkdirSync(path.join(root, "inbox"), { recursive: true });
    const server = new TestSftpServer({ root, hostKey: key, username: "dcms", clientPublicKey: clientKey.public });
    servers.push(server);
    return { server, inbox: path.join(root, "inbox") };
  }

  /** Adds the delivery section, pinning the public key of hostKey. */
  function configureDelivery(port: number): void {
    appendFileSync(
      config,
      [
        "",
        "delivery:",
        "  targets:",
        "    alpha-sftp:",
        "      host: 127.0.0.1",
        `      port: ${port}`,
        "      username: dcms",
        "      private_key: keys/client",
        `      host_key: "${hostKey.public.trim()}"`,
        "      remote_folder: /inbox",
        "      connect_timeout_ms: 3000",
        "  routes:",
        '    - { files: "placements/alpha*.csv", target: alpha-sftp }',
        "  retry: { max_attempts: 2, initial_delay_ms: 10, max_delay_ms: 20, max_total_ms: 5000 }",
        "",
      ].join("\n"),
    );
  }

  const runJson = (out: string) => JSON.parse(readFileSync(path.join(out, "run.json"), "utf8"));
  const delivered = (inbox: string) => readdirSync(inbox).filter((name) => !name.endsWith(".sha256")).sort();

  async function outboxRows() {
    const knex = openLedger(loadConfig(config).ledger);
    try {
      return await knex("outbox").orderBy("outbox_id");
    } finally {
      await knex.destroy();
    }
  }

  it("delivers each routed file once, also on a repeat and a re-run", async function () {
    const { server, inbox } = createServer();
    configureDelivery(await server.listen());
    const out = path.join(folder, "out-1");

    const first = await runDate(config, NIGHT, out);
    expect(first.exitStatus).to.equal(0);
    expect(delivered(inbox)).to.deep.equal(ALPHA_FILES);
    expect(readFileSync(path.join(inbox, "alpha-20260331.csv"))).to.deep.equal(readFileSync(path.join(out, "placements/alpha.csv")));
    expect(runJson(out).delivery.files.map((file: Record<string, string>) => `${file.file} ${file.remote_name} ${file.status}`)).to.deep.equal([
      "2026-03-31/placements/alpha-recalls.csv alpha-recalls-20260331.csv delivered",
      "2026-03-31/placements/alpha-updates.csv alpha-updates-20260331.csv delivered",
      "2026-03-31/placements/alpha.csv alpha-20260331.csv delivered",
    ]);
    expect(runJson(out).delivery.waiting).to.deep.equal([]);
    const uploads = server.openedForWrite.length;
    // Three files and their three .sha256 files, each written once.
    expect(uploads).to.equal(6);

    // The same date and inputs: nothing new is committed, the files are
    // rendered again with the same bytes, and nothing is sent.
    const repeat = await runDate(config, NIGHT, path.join(folder, "out-2"));
    expect(repeat.result).to.equal("unchanged");
    expect(repeat.exitStatus).to.equal(0);
    // A re-run posts the night anew from the same inputs: same files again.
    const rerun = await runDate(config, NIGHT, path.join(folder, "out-3"), { rerun: true });
    expect(rerun.result).to.equal("committed");
    expect(rerun.exitStatus).to.equal(0);
    expect(server.openedForWrite.length).to.equal(uploads);
    expect(await outboxRows()).to.have.length(3);
    expect(existsSync(path.join(folder, "out", ".outbox"))).to.equal(true);
    expect(readdirSync(path.join(folder, "out", ".outbox"))).to.deep.equal([]);
  });

  it("sends a corrected file under a versioned name", async function () {
    const { server, inbox } = createServer();
    configureDelivery(await server.listen());
    await runDate(config, NIGHT, path.join(folder, "out-1"));
    // Billing corrects A1's invoice from 300.00 to 310.00, so alpha's
    // placement file changes; the recall and update files do not.
    const items = path.join(folder, "billing", "items.csv");
    writeFileSync(items, readFileSync(items, "utf8").replace("USD,300.00,,,W-1001", "USD,310.00,,,W-1001"));
    const rerun = await runDate(config, NIGHT, path.join(folder, "out-2"), { rerun: true });
    expect(rerun.exitStatus).to.equal(0);
    expect(delivered(inbox)).to.deep.equal(["alpha-20260331-v2.csv", ...ALPHA_FILES]);
    expect(readFileSync(path.join(inbox, "alpha-20260331-v2.csv"), "utf8")).to.include(",USD,310.00,");
  });

  it("keeps the files for a retry while the server is down", async function () {
    const port = await freePort();
    configureDelivery(port);
    const out = path.join(folder, "out-1");

    const outcome = await runDate(config, NIGHT, out);
    expect(outcome.result).to.equal("committed");
    expect(outcome.exitStatus).to.equal(3);
    const report = runJson(out);
    expect(report.exit_status).to.equal(3);
    expect(report.delivery.waiting.map((entry: Record<string, unknown>) => `${entry.remote_name} ${entry.code} ${entry.attempts}`)).to.deep.equal([
      "alpha-recalls-20260331.csv connection_failed 2",
      "alpha-updates-20260331.csv connection_failed 2",
      "alpha-20260331.csv connection_failed 2",
    ]);
    expect((await outboxRows()).map((row) => row.status)).to.deep.equal(["failed", "failed", "failed"]);
    // The spool keeps a copy of each file, named by its SHA-256.
    expect(readdirSync(path.join(folder, "out", ".outbox"))).to.have.length(3);

    // The last failure scheduled the next attempt 20 ms later at most.
    await sleep(50);
    const stillDown = runCli(["deliver", "--config", config]);
    expect(stillDown.status).to.equal(3);
    expect(stillDown.stdout.split("\n")[0]).to.equal("delivered 0, waiting 3");

    const { server, inbox } = createServer();
    await server.listen(port);
    await sleep(50);
    // In this process, because the server answers from this process's event loop.
    const retried = await deliverPendingFiles(loadConfig(config), silentLogger());
    expect(retried.delivered.map((entry) => `${entry.remoteName} ${entry.attempts}`)).to.deep.equal([
      // Two attempts by the run, two by the command above, then success.
      "alpha-recalls-20260331.csv 5",
      "alpha-updates-20260331.csv 5",
      "alpha-20260331.csv 5",
    ]);
    expect(retried.waiting).to.deep.equal([]);
    expect(delivered(inbox)).to.deep.equal(ALPHA_FILES);
    expect(readFileSync(path.join(inbox, "alpha-20260331.csv"))).to.deep.equal(readFileSync(path.join(out, "placements/alpha.csv")));
    expect((await outboxRows()).map((row) => row.status)).to.deep.equal(["delivered", "delivered", "delivered"]);
    expect(readdirSync(path.join(folder, "out", ".outbox"))).to.deep.equal([]);
  });

  it("refuses a server whose host key changed", async function () {
    const { server, inbox } = createServer(otherHostKey.private);
    configureDelivery(await server.listen());
    const out = path.join(folder, "out-1");

    const outcome = await runDate(config, NIGHT, out);
    expect(outcome.exitStatus).to.equal(3);
    const waiting = runJson(out).delivery.waiting;
    expect(waiting.map((entry: Record<string, unknown>) => entry.code)).to.deep.equal([
      "host_key_mismatch", "host_key_mismatch", "host_key_mismatch",
    ]);
    expect(waiting[0].reason).to.include("presented host key SHA256:");
    expect(waiting[0].attempts).to.equal(1);
    expect(readdirSync(inbox)).to.deep.equal([]);
    expect(server.openedForWrite).to.deep.equal([]);
  });

  it("delivers nothing on a dry run", async function () {
    const { server, inbox } = createServer();
    configureDelivery(await server.listen());
    const outcome = await runDate(config, NIGHT, path.join(folder, "out-1"), { dryRun: true });
    expect(outcome.result).to.equal("dry_run");
    expect(await outboxRows()).to.deep.equal([]);
    expect(readdirSync(inbox)).to.deep.equal([]);
  });
});

describe("remoteFileName", () => {
  it("puts the business date and the version before the extension", () => {
    expect(remoteFileName("placements/alpha.csv", "2026-03-31", 1)).to.equal("alpha-20260331.csv");
    expect(remoteFileName("placements/alpha.csv", "2026-03-31", 2)).to.equal("alpha-20260331-v2.csv");
    expect(remoteFileName("bureau/metro2.txt", "2026-04-01", 1)).to.equal("metro2-20260401.txt");
    expect(remoteFileName("README", "2026-04-01", 3)).to.equal("README-20260401-v3");
  });
});
