// The charts of the month-end page as inline SVG, rendered in Node by
// ECharts' server-side SVG renderer. Every chart names its axes, its unit and
// its currency. ECharts numbers its SVG classes and ids with counters that
// run on across a process, so each chart gets its own names instead: the
// page is the same on every render, and two charts' names never collide.

import * as echarts from "echarts";
import { currencyExponent, formatMinor } from "../money.ts";
import type { AgingTrend, DsoTrend } from "./build.ts";
import type { FunnelRow } from "./funnel.ts";
import type { RollRateMatrix } from "./roll-rate.ts";

export interface Chart {
  /** Stable id within the page, also the prefix of the SVG's classes. */
  id: string;
  title: string;
  svg: string;
}

const WIDTH = 960;
const HEIGHT = 420;
const BUCKET_COLOURS = ["#4caf50", "#cddc39", "#ffc107", "#ff9800", "#ff5722", "#e53935", "#b71c1c", "#6d1b1b"];

/** Returns minor units as a number of major units, for chart values only. */
function major(minor: number, currency: string): number {
  return Number(formatMinor(minor, currencyExponent(currency)));
}

/**
 * Renames ECharts' SVG class names and element ids (zr<instance>-<kind>-<n>,
 * with counters that run on across the charts of a process) to
 * <chart id>-<kind>-<n>, numbered from 0 in order of appearance.
 */
export function renameSvgIds(svg: string, id: string): string {
  const names = new Map<string, string>();
  const counters = new Map<string, number>();
  return svg
    .replace(/\bzr\d+-([a-z]+)-?(\d+)\b/g, (token: string, kind: string) => {
      let name = names.get(token);
      if (!name) {
        const next = counters.get(kind) ?? 0;
        counters.set(kind, next + 1);
        name = `${id}-${kind}-${next}`;
        names.set(token, name);
      }
      return name;
    })
    .replace(/\bzr\d+-/g, `${id}-`);
}

function render(id: string, title: string, option: echarts.EChartsOption, height = HEIGHT): Chart {
  const chart = echarts.init(null, null, { renderer: "svg", ssr: true, width: WIDTH, height });
  try {
    chart.setOption({ animation: false, title: { text: title, left: "center", top: 6, textStyle: { fontSize: 15 } }, ...option });
    return { id, title, svg: renameSvgIds(chart.renderToSVGString(), id) };
  } finally {
    chart.dispose();
  }
}

/** Renders the aging as stacked bars: one bar per business date, one part per bucket. */
export function agingTrendChart(trend: AgingTrend, bucketLabels: readonly string[], index: number): Chart {
  const currency = trend.currency;
  const series: echarts.SeriesOption[] = bucketLabels.map((label, bucket) => ({
    type: "bar",
    name: label,
    stack: "aging",
    itemStyle: { color: BUCKET_COLOURS[bucket % BUCKET_COLOURS.length] },
    data: trend.points.map((point) => major(point.bucketsMinor[bucket], currency)),
  }));
  series.push({
    type: "bar",
    name: "unapplied credit",
    stack: "aging",
    itemStyle: { color: "#607d8b" },
    data: trend.points.map((point) => major(point.unappliedMinor, currency)),
  });
  return render(`aging-trend-${index}`, `Aging by bucket per business date (${currency})`, {
    legend: { top: 38 },
    grid: { top: 100, left: 90, right: 30, bottom: 60 },
    xAxis: {
      type: "category",
      name: "Business date",
      nameLocation: "middle",
      nameGap: 40,
      data: trend.points.map((point) => point.businessDate),
      axisLabel: { formatter: (value: string) => value.slice(5) },
    },
    yAxis: { type: "value", name: `Amount (${currency})`, nameLocation: "middle", nameGap: 70 },
    series,
  });
}

/** Renders the roll-rate matrix as a heat map of shares in percent. */
export function rollRateChart(matrix: RollRateMatrix, index: number): Chart {
  const rows = matrix.rows.map((row) => row.bucket);
  const data: [number, number, number | string][] = [];
  matrix.rows.forEach((row, y) => {
    row.sharesBp.forEach((share, x) => data.push([x, y, row.openingMinor > 0 ? share / 100 : "-"]));
  });
  return render(
    `roll-rate-${index}`,
    `Roll rates of ${matrix.entity}: share of the opening balance in ${matrix.currency} (%)`,
    {
      grid: { top: 60, left: 110, right: 40, bottom: 130 },
      xAxis: {
        type: "category",
        name: "Closing bucket or outcome",
        nameLocation: "middle",
        nameGap: 50,
        data: matrix.columns,
        splitArea: { show: true },
      },
      yAxis: {
        type: "category",
        name: "Opening bucket",
        nameLocation: "middle",
        nameGap: 90,
        data: rows,
        inverse: true,
        splitArea: { show: true },
      },
      visualMap: {
        min: 0,
        max: 100,
        calculable: false,
        orient: "horizontal",
        left: "center",
        bottom: 10,
        text: ["100 %", "0 %"],
        inRange: { color: ["#f7fbff", "#08306b"] },
      },
      series: [
        {
          type: "heatmap",
          name: "share of opening balance (%)",
          data,
          label: {
            show: true,
            // Empty cells stay blank so that the flows of the period stand out.
            formatter: (params: any) => (typeof params.value[2] === "number" && params.value[2] > 0 ? params.value[2].toFixed(2) : ""),
          },
        },
      ],
    },
    460,
  );
}

/** Renders DSO per business date by both methods as lines. */
export function dsoTrendChart(trend: DsoTrend, index: number): Chart {
  const days = (tenths: number | null) => (tenths === null ? null : tenths / 10);
  return render(`dso-trend-${index}`, `DSO of ${trend.entity} per business date (receivables and sales in ${trend.currency})`, {
    legend: { top: 38 },
    grid: { top: 90, left: 80, right: 30, bottom: 60 },
    xAxis: {
      type: "category",
      name: "Business date",
      nameLocation: "middle",
      nameGap: 40,
      data: trend.points.map((point) => point.businessDate),
      axisLabel: { formatter: (value: string) => value.slice(5) },
    },
    yAxis: { type: "value", name: "DSO (days)", nameLocation: "middle", nameGap: 55 },
    series: [
      { type: "line", name: "countback method", data: trend.points.map((point) => days(point.countbackTenths)) },
      { type: "line", name: "standard method", data: trend.points.map((point) => days(point.standardTenths)) },
    ],
  });
}

/** Renders the stage funnel: customers and the overdue amount per stage at the end. */
export function funnelChart(rows: readonly FunnelRow[], currency: string, index: number): Chart {
  const stages = rows.map((row) => row.stage);
  return render(`funnel-${index}`, `Dunning stages at the end of the period: customers and overdue (${currency})`, {
    legend: { top: 38 },
    grid: { top: 120, left: 130, right: 40, bottom: 60 },
    yAxis: { type: "category", name: "Stage", nameLocation: "middle", nameGap: 100, data: stages, inverse: true },
    xAxis: [
      { type: "value", name: "Customers", nameLocation: "middle", nameGap: 30, position: "bottom", minInterval: 1 },
      { type: "value", name: `Overdue (${currency})`, nameLocation: "middle", nameGap: 30, position: "top" },
    ],
    series: [
      { type: "bar", name: "customers", xAxisIndex: 0, data: rows.map((row) => row.customersAtEnd) },
      {
        type: "bar",
        name: `overdue (${currency})`,
        xAxisIndex: 1,
        data: rows.map((row) => major(row.overdueMinor[currency] ?? 0, currency)),
      },
    ],
  });
}
