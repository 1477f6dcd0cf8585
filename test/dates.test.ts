import { expect } from "chai";
import {
  addDays,
  dateInTimeZone,
  dayNumber,
  daysBetween,
  endOfMonth,
  fromDayNumber,
  isIsoDate,
  isValidTimeZone,
  maxDate,
  parseDate,
  todayIn,
  toDayNumber,
  weekday,
  type DateFormat,
} from "../src/dates.ts";

describe("isIsoDate", () => {
  const cases: Array<[string, boolean]> = [
    ["2026-03-31", true],
    ["2023-02-28", true],
    ["2023-02-29", false],
    ["2023-02-30", false],
    ["2024-02-29", true],
    // Century years are leap years only when divisible by 400.
    ["1900-02-29", false],
    ["2000-02-29", true],
    ["2100-02-29", false],
    ["2026-04-30", true],
    ["2026-04-31", false],
    ["2026-12-31", true],
    ["2026-13-01", false],
    ["2026-00-10", false],
    ["2026-01-00", false],
    ["2026-1-01", false],
    ["2026-01-01T00:00:00Z", false],
    ["31.03.2026", false],
    ["", false],
  ];
  for (const [text, valid] of cases) {
    it(`${valid ? "accepts" : "rejects"} ${JSON.stringify(text)}`, () => {
      expect(isIsoDate(text)).to.equal(valid);
    });
  }
});

describe("day numbers", () => {
  it("counts days from 1970-01-01", () => {
    expect(toDayNumber("1970-01-01")).to.equal(0);
    expect(toDayNumber("1970-02-01")).to.equal(31);
    expect(toDayNumber("1969-12-31")).to.equal(-1);
    expect(fromDayNumber(31)).to.equal("1970-02-01");
  });

  it("keeps years below 100 as written", () => {
    // Year 4 is a leap year and year 100 is not, as in the Gregorian rules.
    for (const iso of ["0050-01-01", "0004-02-29", "0099-12-31"]) {
      expect(fromDayNumber(toDayNumber(iso))).to.equal(iso);
    }
    expect(isIsoDate("0100-02-29")).to.equal(false);
    // Years 50 to 1969: 1920 x 365 days plus 465 leap days (480 years
    // divisible by 4, less the 15 centuries not divisible by 400).
    expect(daysBetween("0050-01-01", "1970-01-01")).to.equal(701_265);
  });

  it("rejects an invalid date", () => {
    expect(dayNumber("2023-02-30")).to.equal(undefined);
    expect(() => toDayNumber("2023-02-30")).to.throw(RangeError, 'invalid date "2023-02-30"');
  });
});

describe("addDays", () => {
  const cases: Array<[string, number, string]> = [
    ["2024-02-28", 1, "2024-02-29"],
    ["2024-02-28", 2, "2024-03-01"],
    ["2023-02-28", 1, "2023-03-01"],
    ["2025-12-31", 1, "2026-01-01"],
    ["2026-03-31", -44, "2026-02-15"],
    ["2026-03-31", 0, "2026-03-31"],
    ["2024-03-01", -1, "2024-02-29"],
  ];
  for (const [date, days, expected] of cases) {
    it(`adds ${days} days to ${date}`, () => {
      expect(addDays(date, days)).to.equal(expected);
    });
  }
});

describe("daysBetween", () => {
  it("counts calendar days across leap days", () => {
    expect(daysBetween("2024-02-01", "2024-03-01")).to.equal(29);
    expect(daysBetween("2023-02-01", "2023-03-01")).to.equal(28);
    expect(daysBetween("2024-01-01", "2025-01-01")).to.equal(366);
    expect(daysBetween("2025-01-01", "2026-01-01")).to.equal(365);
  });

  it("is negative when the dates are reversed", () => {
    expect(daysBetween("2026-03-31", "2026-03-30")).to.equal(-1);
  });

  it("ignores daylight saving time", () => {
    // Europe changes to summer time on 2026-03-29; the day still counts once.
    expect(daysBetween("2026-03-28", "2026-03-30")).to.equal(2);
  });
});

describe("weekday", () => {
  const cases: Array<[string, number]> = [
    ["1970-01-01", 4],
    ["2026-03-31", 2],
    ["2026-04-04", 6],
    ["2026-04-05", 0],
    ["1969-12-31", 3],
    ["1969-12-28", 0],
    ["1969-12-27", 6],
  ];
  for (const [date, expected] of cases) {
    it(`gives ${expected} for ${date}`, () => {
      expect(weekday(date)).to.equal(expected);
    });
  }
});

describe("endOfMonth", () => {
  it("returns the last day of the month", () => {
    expect(endOfMonth("2024-02-10")).to.equal("2024-02-29");
    expect(endOfMonth("2023-02-10")).to.equal("2023-02-28");
    expect(endOfMonth("2026-03-31")).to.equal("2026-03-31");
  });

  it("looks months ahead", () => {
    expect(endOfMonth("2026-01-31", 1)).to.equal("2026-02-28");
    expect(endOfMonth("2026-12-15", 1)).to.equal("2027-01-31");
    expect(endOfMonth("2026-03-15", 11)).to.equal("2027-02-28");
  });
});

describe("maxDate", () => {
  it("returns the later date", () => {
    expect(maxDate("2026-03-01", "2026-03-10")).to.equal("2026-03-10");
    expect(maxDate("2026-03-10", "2026-03-01")).to.equal("2026-03-10");
  });
});

describe("parseDate", () => {
  const cases: Array<[string, DateFormat, string | undefined]> = [
    ["2026-03-31", "YYYY-MM-DD", "2026-03-31"],
    ["31.03.2026", "DD.MM.YYYY", "2026-03-31"],
    ["29.02.2024", "DD.MM.YYYY", "2024-02-29"],
    ["29.02.2023", "DD.MM.YYYY", undefined],
    ["30.02.2023", "DD.MM.YYYY", undefined],
    ["31.3.2026", "DD.MM.YYYY", undefined],
    ["1.3.2026", "D.M.YYYY", "2026-03-01"],
    ["31/03/2026", "DD/MM/YYYY", "2026-03-31"],
    ["03/31/2026", "MM/DD/YYYY", "2026-03-31"],
    ["31/03/2026", "MM/DD/YYYY", undefined],
    ["3/1/2026", "M/D/YYYY", "2026-03-01"],
    ["20240229", "YYYYMMDD", "2024-02-29"],
    ["20230229", "YYYYMMDD", undefined],
    [" 31.03.2026 ", "DD.MM.YYYY", "2026-03-31"],
    ["2026-03-31", "DD.MM.YYYY", undefined],
  ];
  for (const [text, format, expected] of cases) {
    it(`parses ${JSON.stringify(text)} as ${format}`, () => {
      expect(parseDate(text, format)).to.equal(expected);
    });
  }
});

describe("time zones", () => {
  it("gives today's date in a time zone", () => {
    // 22:30 UTC on 03-31 is 00:30 on 04-01 in Berlin (summer time, UTC+2)
    // and 18:30 on 03-31 in New York (UTC-4).
    const instant = new Date("2026-03-31T22:30:00Z");
    expect(todayIn("Europe/Berlin", instant)).to.equal("2026-04-01");
    expect(todayIn("UTC", instant)).to.equal("2026-03-31");
    expect(todayIn("America/New_York", instant)).to.equal("2026-03-31");
  });

  it("checks IANA names", () => {
    expect(isValidTimeZone("Europe/Berlin")).to.equal(true);
    expect(isValidTimeZone("Europe/Atlantis")).to.equal(false);
  });

  it("reduces a date-time to its local date", () => {
    // 23:30 UTC in winter is 00:30 the next day in Berlin (UTC+1).
    expect(dateInTimeZone("2026-01-31T23:30:00Z", "Europe/Berlin")).to.equal("2026-02-01");
    expect(dateInTimeZone("2026-01-31T23:30:00+01:00", "Europe/Berlin")).to.equal("2026-01-31");
    // Without an offset the sender's own date is kept.
    expect(dateInTimeZone("2026-01-31T23:30:00", "Europe/Berlin")).to.equal("2026-01-31");
    expect(dateInTimeZone("2026-02-30T10:00:00Z", "Europe/Berlin")).to.equal(undefined);
    expect(dateInTimeZone("2026-01-31", "Europe/Berlin")).to.equal(undefined);
  });
});
