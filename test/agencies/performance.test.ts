// The liquidation rate of agency_performance.csv.

import { expect } from "chai";
import { liquidationRate } from "../../src/agencies/performance.ts";

describe("liquidationRate", () => {
  const cases: Array<[number, number, string]> = [
    // 500.00 of 620.00 = 0.806451... -> 0.8065
    [50_000, 62_000, "0.8065"],
    // 1 of 3 = 0.33333... -> 0.3333; 2 of 3 = 0.66666... -> 0.6667
    [100, 300, "0.3333"],
    [200, 300, "0.6667"],
    // 0.00005 exactly rounds half away from zero: 1 of 20000 -> 0.0001
    [1, 20_000, "0.0001"],
    // Reversals can take collections below zero.
    [-1_000, 40_000, "-0.0250"],
    [0, 0, "0.0000"],
    [62_000, 62_000, "1.0000"],
  ];
  for (const [collected, placed, rate] of cases) {
    it(`gives ${rate} for ${collected} of ${placed}`, () => {
      expect(liquidationRate(collected, placed)).to.equal(rate);
    });
  }
});
