// The agency, bureau and delivery keys of the configuration: defaults, and
// the problems the loader lists with their key paths.

import { expect } from "chai";
import { RequestError } from "../../src/errors.ts";
import { testConfig } from "../support/builders.ts";

function problems(change: (raw: Record<string, any>) => void): string[] {
  try {
    testConfig(change);
  } catch (error) {
    if (error instanceof RequestError) return error.problems;
    throw error;
  }
  return [];
}

const HOST_KEY = "SHA256:b9RMoUZLLLO3FPjAUyhKENrfa+C/1H7Fp9l4vZXGuFk";

describe("agency configuration", () => {
  it("fills in the defaults", () => {
    const terms = testConfig().agencyTerms.get("inkasso-nord");
    expect(terms).to.include({ tier: "first", maxOpenPlacements: null, placementDays: null, endOfPeriod: "recall", fixedWidth: false });
    expect(terms?.commissionRate.text).to.equal("0");
    expect(terms?.minBalanceMinor("EUR")).to.equal(null);
  });

  it("lists every broken agency rule", () => {
    expect(
      problems((raw) => {
        raw.agencies = [
          { id: "nord", tier: "second", commission_rate: "1.5", encoding: "ebcdic", min_balance: { EUR: "1.001" } },
          { id: "nord", tier: "legal", remittance_folder: "remittances/nord" },
        ];
      }),
    ).to.deep.equal([
      "agencies[0].min_balance.EUR: \"1.001\" is not a non-negative amount with at most 2 decimals",
      "agencies[0].commission_rate: 1.5 is above 1; write 0.15 for 15 %",
      "agencies[0].encoding: ebcdic is not supported; use utf-8, latin1 or windows-1252",
      "agencies[1].id: nord is used twice; agency ids name files",
      "agencies: placement stages need at least one agency with tier first",
      "gl.DE01.agency_receivable: required because an agency sends remittance files",
      "gl.DE01.commission_expense: required because an agency sends remittance files",
      "gl.DE01.agency_payable: required because an agency sends remittance files",
    ]);
  });

  it("checks the bureau stage and furnisher id", () => {
    expect(
      problems((raw) => {
        raw.bureau = { stage: "collections", identification_number: "12", reporter_name: "X", reporter_address: "Y" };
      }),
    ).to.deep.equal([
      "bureau.stage: collections is not a stage of any dunning strategy",
      "bureau.identification_number: must be the 5 to 20 letters and digits that the bureau assigned",
    ]);
    const config = testConfig((raw) => {
      raw.bureau = { stage: "agency", identification_number: "ABC12345", reporter_name: "X", reporter_address: "Y" };
    });
    expect(config.bureau).to.include({ stage: "agency", portfolioType: "O", accountType: "4D", termsDuration: "001" });
    expect(config.bureau?.segments).to.deep.equal(["consumer"]);
  });
});

describe("delivery configuration", () => {
  const target = { host: "127.0.0.1", username: "dcms", private_key: "keys/client", host_key: HOST_KEY, remote_folder: "/inbox" };

  it("resolves targets, routes and retry settings", () => {
    const config = testConfig((raw) => {
      raw.delivery = { targets: { nord: target }, routes: [{ files: "placements/inkasso-nord*.csv", target: "nord" }] };
    });
    const delivery = config.delivery!;
    expect(delivery.targets.get("nord")).to.include({ port: 22, hostKeySha256: HOST_KEY, remoteDir: "/inbox", connectTimeoutMs: 20_000 });
    expect(delivery.targets.get("nord")?.privateKeyPath.endsWith("/fixtures/sample/keys/client")).to.equal(true);
    expect(delivery.routes[0].pattern.test("placements/inkasso-nord.csv")).to.equal(true);
    expect(delivery.routes[0].pattern.test("placements/inkasso-nord-recalls.csv")).to.equal(true);
    expect(delivery.routes[0].pattern.test("placements/collect-sued.csv")).to.equal(false);
    expect(delivery.routes[0].pattern.test("placements/x/inkasso-nord.csv")).to.equal(false);
    expect(delivery.maxAttempts).to.equal(3);
    expect(delivery.backoff).to.deep.equal({ initialDelayMs: 5_000, maxDelayMs: 3_600_000, maxTotalMs: 300_000 });
    expect(delivery.spoolFolder.endsWith("/out/.outbox")).to.equal(true);
  });

  it("accepts the host key as a public key line", () => {
    // The key whose fingerprint ssh-keygen -lf prints as HOST_KEY.
    const line = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAII6G+c/i11+9BUJrr6tnZ4jeBdpEEBNvPx63PIlU07W7 fixture";
    const config = testConfig((raw) => {
      raw.delivery = { targets: { nord: { ...target, host_key: line } } };
    });
    expect(config.delivery?.targets.get("nord")?.hostKeySha256).to.equal(HOST_KEY);
  });

  it("lists every broken delivery rule", () => {
    expect(
      problems((raw) => {
        raw.delivery = {
          targets: { nord: { ...target, host_key: "not a key", remote_folder: "inbox" } },
          routes: [{ files: "../secrets/*", target: "sued" }],
          retry: { initial_delay_ms: 1000, max_delay_ms: 10 },
        };
      }),
    ).to.deep.equal([
      "delivery.targets.nord.remote_folder: inbox is not an absolute path on the server",
      "delivery.targets.nord.host_key: neither a SHA256: fingerprint as \"ssh-keygen -lf\" prints it nor an OpenSSH public key line",
      "delivery.routes[0].target: sued is not one of delivery.targets",
      "delivery.routes[0].files: ../secrets/* must be a path inside the run's folder",
      "delivery.retry.max_delay_ms: must be at least initial_delay_ms",
    ]);
  });
});
