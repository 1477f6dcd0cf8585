import { expect } from "chai";
import { readFileSync } from "node:fs";
import path from "node:path";
import YAML from "yaml";
import { parseConfig } from "../src/config/load.ts";
import { RequestError } from "../src/errors.ts";
import { configFrom, SAMPLE_DIR } from "./support/builders.ts";

const SAMPLE_PATH = path.join(SAMPLE_DIR, "dcms.yaml");
const SAMPLE_TEXT = readFileSync(SAMPLE_PATH, "utf8");

/** Returns a fresh copy of the sample configuration as plain data. */
function sample(): Record<string, any> {
  return YAML.parse(SAMPLE_TEXT);
}

/** Returns the problems that loading the configuration reports, or none when it loads. */
function problemsOf(raw: Record<string, any>): string[] {
  try {
    configFrom(raw);
  } catch (error) {
    if (error instanceof RequestError) return error.problems;
    throw error;
  }
  return [];
}

const STAGES = "dunning.strategies.standard.stages";

describe("parseConfig", () => {
  describe("the sample configuration", () => {
    const config = parseConfig(SAMPLE_TEXT, SAMPLE_PATH);

    it("resolves paths from the configuration's folder", () => {
      expect(config.baseDir).to.equal(path.resolve(SAMPLE_DIR));
      expect(config.ledger).to.deep.equal({ kind: "sqlite", filename: path.join(SAMPLE_DIR, "ledger.sqlite") });
      expect(config.outputFolder).to.equal(path.resolve(SAMPLE_DIR, "../../out"));
      expect(config.checksum).to.match(/^[0-9a-f]{64}$/);
    });

    it("fills in the default buckets", () => {
      expect(config.buckets.map((band) => [band.label, band.minDays, band.maxDays])).to.deep.equal([
        ["current", null, 0],
        ["1-30", 1, 30],
        ["31-60", 31, 60],
        ["61-90", 61, 90],
        ["91-120", 91, 120],
        ["121-180", 121, 180],
        ["181-365", 181, 365],
        ["over-365", 366, null],
      ]);
      expect(config.provision.bands).to.equal(config.buckets);
    });

    it("lists the enabled sources by name", () => {
      expect(config.sources.map((source) => [source.name, source.entity, source.customerIdsGlobal])).to.deep.equal([
        ["broadband", "DE01", true],
        ["cable", "DE01", true],
        ["mobile", "DE01", true],
      ]);
      expect(config.sources[0].rejectThreshold).to.equal(0.05);
    });

    it("parses stage thresholds into minor units", () => {
      const strategy = config.dunning.strategyForSegment(null);
      expect(strategy.name).to.equal("standard");
      expect(strategy.stages.map((stage) => [stage.level, stage.name, stage.daysPastDue, stage.waitDays])).to.deep.equal([
        [1, "reminder", 10, 0],
        [2, "final_notice", 30, 14],
        [3, "suspension", 45, 17],
        [4, "agency", 90, 30],
      ]);
      // "5.00" EUR = 500 cents, "100.00" = 10000.
      expect(strategy.stages[0].minAmountMinor("EUR")).to.equal(500);
      expect(strategy.stages[3].minAmountMinor("USD")).to.equal(10_000);
      expect(strategy.exitThresholdMinor("EUR")).to.equal(500);
      // A currency without an amount and without "default" gets the 1-unit floor.
      expect(strategy.stages[0].minAmountMinor("JPY")).to.equal(1);
      expect(strategy.stages[2].actions).to.deep.equal([{ kind: "suspension", template: "suspension" }]);
      expect(config.dunning.strategyForSegment("business").name).to.equal("standard");
    });

    it("looks up provision rates by segment", () => {
      expect(config.provision.rate("DE01", "business", "31-60")?.text).to.equal("0.03");
      // A segment without a row of its own takes the default row.
      expect(config.provision.rate("DE01", "consumer", "31-60")?.text).to.equal("0.05");
      expect(config.provision.rate("AT01", "default", "31-60")).to.equal(undefined);
      expect(config.provision.bankruptRate?.text).to.equal("1");
      expect(config.provision.disputedRate).to.equal(undefined);
    });

    it("takes the latest closing rate on or before a date", () => {
      // USD to EUR: 0.9200 from 2026-03-01, 0.9250 from 2026-03-31.
      expect(config.closingRate("2026-02-28", "USD", "EUR")).to.equal(undefined);
      expect(config.closingRate("2026-03-01", "USD", "EUR")?.text).to.equal("0.92");
      expect(config.closingRate("2026-03-30", "USD", "EUR")?.text).to.equal("0.92");
      expect(config.closingRate("2026-03-31", "USD", "EUR")?.text).to.equal("0.925");
      expect(config.closingRate("2026-03-31", "EUR", "EUR")?.text).to.equal("1");
      expect(config.closingRate("2026-03-31", "EUR", "USD")).to.equal(undefined);
    });

    it("is frozen", () => {
      expect(Object.isFrozen(config)).to.equal(true);
      expect(Object.isFrozen(config.dunning)).to.equal(true);
      expect(() => {
        (config as { timeZone: string }).timeZone = "UTC";
      }).to.throw(TypeError);
    });
  });

  it("fills in defaults", () => {
    const config = parseConfig(
      [
        "ledger: ledger.sqlite",
        "entities: { DE01: { functional_currency: EUR } }",
        "sources: {}",
        "dunning:",
        "  strategies:",
        "    standard: { stages: [{ name: reminder, days_past_due: 10, actions: [letter] }] }",
        "provision:",
        "  matrix:",
        "    DE01:",
        "      default: { current: 0, 1-30: 0.01, 31-60: 0.05, 61-90: 0.1, 91-120: 0.2, 121-180: 0.4, 181-365: 0.6, over-365: 1 }",
        "gl: { DE01: { receivable: '1', allowance: '2', bad_debt_expense: '3' } }",
      ].join("\n"),
      path.join(SAMPLE_DIR, "minimal.yaml"),
    );
    expect(config.timeZone).to.equal("UTC");
    expect(config.outputFolder).to.equal(path.join(SAMPLE_DIR, "out"));
    expect(config.agingBasis).to.equal("due_date");
    expect(config.dunning).to.include({
      escalation: "step",
      noticeDays: 14,
      postalDays: 3,
      deadlineDays: 14,
      defaultLanguage: "en",
    });
    expect(config.provision.includeDisputed).to.equal(true);
    expect(config.agencies).to.deep.equal([]);
    // Without amounts a stage and the exit threshold need 1 minor unit.
    expect(config.dunning.strategyForSegment(null).stages[0].minAmountMinor("EUR")).to.equal(1);
  });

  it("lists several schema problems at once", () => {
    const raw = sample();
    raw.colour = "red";
    raw.dunning.escalation = "sometimes";
    raw.dunning.strategies.standard.stages[0].days_past_due = "ten";
    raw.gl.DE01.cost_center = "4711";
    expect(() => configFrom(raw)).to.throw(RequestError, "planner-test.yaml is invalid");
    expect(problemsOf(raw)).to.deep.equal([
      'dunning.escalation: Invalid option: expected one of "step"|"jump"',
      `${STAGES}[0].days_past_due: Invalid input: expected number, received string`,
      'gl.DE01: Unrecognized key: "cost_center"',
      '(top level): Unrecognized key: "colour"',
    ]);
  });

  it("rejects an unknown key in a stage", () => {
    const raw = sample();
    raw.dunning.strategies.standard.stages[1].wait = 14;
    expect(problemsOf(raw)).to.deep.equal([`${STAGES}[1]: Unrecognized key: "wait"`]);
  });

  it("rejects a bounded last bucket", () => {
    const raw = sample();
    raw.aging.buckets = [
      { label: "current", max_days: 0 },
      { label: "1-30", max_days: 30 },
      { label: "31-60", max_days: 60 },
      { label: "61-90", max_days: 90 },
      { label: "91-120", max_days: 120 },
      { label: "121-180", max_days: 180 },
      { label: "181-365", max_days: 365 },
      { label: "over-365", max_days: 9_999 },
    ];
    expect(problemsOf(raw)).to.deep.equal([
      "aging.buckets[7].max_days: the last bucket must be open-ended (remove max_days)",
    ]);
  });

  it("rejects buckets that do not increase", () => {
    const raw = sample();
    raw.provision.bands = [
      { label: "current", max_days: 0 },
      { label: "1-30", max_days: 30 },
      { label: "31-60", max_days: 30 },
      { label: "over-365" },
    ];
    raw.provision.matrix.DE01 = { default: { current: "0", "1-30": "0.1", "31-60": "0.2", "over-365": "1" } };
    expect(problemsOf(raw)).to.deep.equal([
      "provision.bands[2].max_days: must be greater than the previous bucket's 30",
    ]);
  });

  it("rejects a default row without every band", () => {
    const raw = sample();
    delete raw.provision.matrix.DE01.default["61-90"];
    expect(problemsOf(raw)).to.deep.equal([
      "provision.matrix.DE01.default: a rate is required for every band; missing 61-90",
    ]);
  });

  it("rejects a suspension sooner than notice and postal days", () => {
    // 16 waiting days < 14 notice days + 3 postal days.
    const raw = sample();
    raw.dunning.strategies.standard.stages[2].wait_days = 16;
    expect(problemsOf(raw)).to.deep.equal([
      `${STAGES}[2].wait_days: 16 is shorter than the notice period plus postal days (14 + 3 = 17)`,
    ]);
  });

  it("checks suspension waits against the configured notice", () => {
    // 17 waiting days < 20 notice days + 3 postal days.
    const raw = sample();
    raw.dunning.notice_days = 20;
    expect(problemsOf(raw)).to.deep.equal([
      `${STAGES}[2].wait_days: 17 is shorter than the notice period plus postal days (20 + 3 = 23)`,
    ]);
  });

  it("rejects a suspension without an earlier letter", () => {
    const raw = sample();
    raw.dunning.strategies.standard.stages[0].actions = ["sms"];
    raw.dunning.strategies.standard.stages[1].actions = ["email"];
    expect(problemsOf(raw)).to.deep.equal([
      `${STAGES}[2].actions: a suspension needs a letter in an earlier stage`,
    ]);
  });

  it("rejects stage days that do not increase", () => {
    const raw = sample();
    raw.dunning.strategies.standard.stages[1].days_past_due = 10;
    expect(problemsOf(raw)).to.deep.equal([
      `${STAGES}[1].days_past_due: must be greater than the previous stage's 10`,
    ]);
  });

  it("lists several rule problems at once", () => {
    const raw = sample();
    raw.dunning.strategies.standard.stages[1].days_past_due = 10;
    raw.dunning.strategies.standard.stages[2].wait_days = 3;
    raw.dunning.strategies.standard.stages[0].min_amount.EUR = "5.001";
    raw.agencies = [];
    raw.business_time_zone = "Europe/Atlantis";
    expect(problemsOf(raw)).to.deep.equal([
      "business_time_zone: Europe/Atlantis is not an IANA time zone",
      `${STAGES}[0].min_amount.EUR: "5.001" is not a non-negative amount with at most 2 decimals`,
      `${STAGES}[1].days_past_due: must be greater than the previous stage's 10`,
      `${STAGES}[2].wait_days: 3 is shorter than the notice period plus postal days (14 + 3 = 17)`,
      `${STAGES}[3].actions: placement needs at least one entry under agencies`,
    ]);
  });

  it("rejects references to what is not defined", () => {
    const raw = sample();
    raw.dunning.segments.business = "premium";
    raw.sources.mobile.entity = "AT01";
    raw.provision.matrix.DE01.default.overdue = "0.5";
    delete raw.gl.DE01;
    expect(problemsOf(raw)).to.deep.equal([
      "gl.DE01: GL accounts are missing for entity DE01",
      "sources.mobile.entity: AT01 is not one of the entities",
      "dunning.segments.business: strategy premium is not defined",
      "provision.matrix.DE01.default.overdue: overdue is not a provision band",
    ]);
  });

  it("rejects text that is not YAML", () => {
    const configPath = path.join(SAMPLE_DIR, "broken.yaml");
    try {
      parseConfig("ledger: [ledger.sqlite\nentities: {}\n", configPath);
      expect.fail("parseConfig accepted broken YAML");
    } catch (error) {
      expect(error).to.be.instanceOf(RequestError);
      expect((error as RequestError).message).to.equal(`configuration ${configPath} is not valid YAML`);
      expect((error as RequestError).problems).to.have.length.greaterThan(0);
    }
  });
});
