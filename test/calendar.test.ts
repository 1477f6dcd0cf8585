import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import {
  addBusinessDays,
  blackoutOn,
  createCalendar,
  isAllowedDay,
  isBusinessDay,
  isPublicHoliday,
  nextAllowedDay,
  nextBusinessDay,
  publicHolidays,
} from "../src/calendar.ts";
import { RequestError } from "../src/errors.ts";

const germany = createCalendar({ country: "DE" });

describe("calendar public holidays", function () {
  it("lists Germany's 2026 public holidays", function () {
    // New Year, Good Friday, Easter Monday, Labour Day, Ascension, Whit
    // Monday, German Unity, Christmas Day and Boxing Day.
    expect([...publicHolidays(2026, germany)].sort()).to.deep.equal([
      "2026-01-01",
      "2026-04-03",
      "2026-04-06",
      "2026-05-01",
      "2026-05-14",
      "2026-05-25",
      "2026-10-03",
      "2026-12-25",
      "2026-12-26",
    ]);
  });

  it("treats Easter 2026 as holidays", function () {
    expect(isBusinessDay("2026-04-02", germany)).to.equal(true);
    expect(isBusinessDay("2026-04-03", germany)).to.equal(false);
    expect(isBusinessDay("2026-04-06", germany)).to.equal(false);
    expect(isBusinessDay("2026-04-07", germany)).to.equal(true);
  });

  it("moves a Saturday suspension to Tuesday", function () {
    // Saturday 04-04, Sunday 04-05, Easter Monday 04-06: Tuesday 04-07.
    expect(nextAllowedDay("2026-04-04", germany)).to.equal("2026-04-07");
    expect(nextAllowedDay("2026-04-07", germany)).to.equal("2026-04-07");
  });

  it("skips Christmas", function () {
    // 24 December is not a public holiday in Germany; 25th is Friday, 26th Saturday.
    expect(isBusinessDay("2026-12-24", germany)).to.equal(true);
    expect(isPublicHoliday("2026-12-25", germany)).to.equal(true);
    expect(isPublicHoliday("2026-12-26", germany)).to.equal(true);
    expect(nextBusinessDay("2026-12-25", germany)).to.equal("2026-12-28");
  });

  it("adds regional holidays", function () {
    const bavaria = createCalendar({ country: "DE", region: "BY" });
    // Epiphany is a public holiday in Bavaria only.
    expect(isPublicHoliday("2026-01-06", bavaria)).to.equal(true);
    expect(isPublicHoliday("2026-01-06", germany)).to.equal(false);
  });

  it("expands multi-day holidays", function () {
    const emirates = createCalendar({ country: "AE" });
    // date-holidays gives Eid al-Fitr 2026 as three days from 20 March.
    const days = publicHolidays(2026, emirates);
    expect(days.has("2026-03-20")).to.equal(true);
    expect(days.has("2026-03-21")).to.equal(true);
    expect(days.has("2026-03-22")).to.equal(true);
    expect(days.has("2026-03-23")).to.equal(false);
  });

  it("caches per country and year", function () {
    expect(publicHolidays(2026, germany)).to.equal(publicHolidays(2026, createCalendar({ country: "de" })));
  });
});

describe("addBusinessDays", function () {
  it("counts over Easter", function () {
    // Thursday 04-02 + 1: Friday and Monday are holidays, so Tuesday 04-07.
    expect(addBusinessDays("2026-04-02", 1, germany)).to.equal("2026-04-07");
    expect(addBusinessDays("2026-04-07", -1, germany)).to.equal("2026-04-02");
  });

  it("counts over Christmas", function () {
    // 12-23 + 2: Thursday 12-24 is one, then Friday to Sunday are skipped, Monday 12-28 is two.
    expect(addBusinessDays("2026-12-23", 2, germany)).to.equal("2026-12-28");
  });

  it("keeps the date for zero", function () {
    expect(addBusinessDays("2026-04-04", 0, germany)).to.equal("2026-04-04");
  });

  it("honours another weekend", function () {
    const fridaySaturday = createCalendar({ country: "DE", weekendDays: [5, 6] });
    // Easter Sunday 04-05 is not a national holiday in Germany.
    expect(isBusinessDay("2026-04-05", fridaySaturday)).to.equal(true);
    expect(isBusinessDay("2026-04-04", fridaySaturday)).to.equal(false);
  });
});

describe("calendar blackout periods", function () {
  const winter = createCalendar({
    country: "DE",
    blackouts: [
      { from: "12-15", to: "01-15", recurring: true, name: "winter moratorium" },
      { from: "2026-07-01", to: "2026-07-03", name: "system migration" },
    ],
  });

  it("spans the turn of the year", function () {
    expect(isAllowedDay("2026-12-14", winter)).to.equal(true);
    expect(isAllowedDay("2026-12-15", winter)).to.equal(false);
    expect(isAllowedDay("2027-01-15", winter)).to.equal(false);
    // A blackout day can still be a business day.
    expect(isBusinessDay("2027-01-15", winter)).to.equal(true);
    expect(blackoutOn("2027-01-04", winter)?.name).to.equal("winter moratorium");
  });

  it("moves past the moratorium", function () {
    // The moratorium ends Friday 2027-01-15; Monday 01-18 is the next allowed day.
    expect(nextAllowedDay("2026-12-20", winter)).to.equal("2027-01-18");
  });

  it("applies a dated period", function () {
    // Wednesday to Friday blocked, then the weekend: Monday 07-06.
    expect(nextAllowedDay("2026-07-01", winter)).to.equal("2026-07-06");
    expect(blackoutOn("2027-07-01", winter)).to.equal(undefined);
  });
});

describe("createCalendar", function () {
  function problemsOf(settings: Parameters<typeof createCalendar>[0]): string[] {
    try {
      createCalendar(settings);
    } catch (error) {
      expect(error).to.be.instanceOf(RequestError);
      return (error as RequestError).problems;
    }
    throw new Error("the settings were accepted");
  }

  it("rejects an unknown country", function () {
    expect(problemsOf({ country: "XX" })[0]).to.contain("country \"XX\"");
  });

  it("rejects an unknown region", function () {
    expect(problemsOf({ country: "DE", region: "ZZ" })[0]).to.contain("region \"ZZ\"");
  });

  it("collects every problem", function () {
    const problems = problemsOf({
      country: "DE",
      weekendDays: [0, 7],
      blackouts: [
        { from: "13-01", to: "01-15", recurring: true },
        { from: "2026-07-03", to: "2026-07-01" },
      ],
    });
    expect(problems).to.have.length(3);
    expect(problems[1]).to.contain("blackouts[0]");
    expect(problems[2]).to.contain("blackouts[1]");
  });

  it("rejects a week without business days", function () {
    expect(problemsOf({ country: "DE", weekendDays: [0, 1, 2, 3, 4, 5, 6] })).to.have.length(1);
  });
});

describe("calendar time zone independence", function () {
  const calendarModule = fileURLToPath(new URL("../src/calendar.ts", import.meta.url));
  // Evaluated in a child process whose TZ differs; prints what it computed.
  const probe = `
    import * as calendar from ${JSON.stringify(calendarModule)};
    const result = { zone: Intl.DateTimeFormat().resolvedOptions().timeZone };
    for (const country of ["DE", "NZ", "US", "JP", "AE"]) {
      const settings = calendar.createCalendar({ country });
      for (const year of [2025, 2026, 2027]) {
        result[country + year] = [...calendar.publicHolidays(year, settings)].sort();
      }
    }
    const germany = calendar.createCalendar({ country: "DE" });
    result.suspension = calendar.nextAllowedDay("2026-04-04", germany);
    result.goodFriday = calendar.isBusinessDay("2026-04-03", germany);
    console.log(JSON.stringify(result));
  `;

  function computeIn(timeZone: string): Record<string, unknown> {
    const child = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", probe], {
      env: { ...process.env, TZ: timeZone },
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(child.status, child.stderr).to.equal(0);
    return JSON.parse(child.stdout);
  }

  it("agrees in Auckland and Los Angeles", function () {
    // Each child process loads tsx and date-holidays, about a second each.
    this.timeout(60_000);
    const auckland = computeIn("Pacific/Auckland");
    const losAngeles = computeIn("America/Los_Angeles");
    // The children really ran in those zones.
    expect(auckland.zone).to.equal("Pacific/Auckland");
    expect(losAngeles.zone).to.equal("America/Los_Angeles");
    expect(auckland.suspension).to.equal("2026-04-07");
    expect(auckland.goodFriday).to.equal(false);
    const { zone: _auckland, ...aucklandDays } = auckland;
    const { zone: _losAngeles, ...losAngelesDays } = losAngeles;
    expect(aucklandDays).to.deep.equal(losAngelesDays);
    // And both agree with this process, whatever its own TZ is.
    for (const country of ["DE", "NZ", "US", "JP", "AE"]) {
      const settings = createCalendar({ country });
      for (const year of [2025, 2026, 2027]) {
        const here = [...publicHolidays(year, settings)].sort();
        expect(aucklandDays[country + year], `${country} ${year}`).to.deep.equal(here);
      }
    }
  });
});
