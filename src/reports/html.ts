// Writes the month-end pack as one self-contained HTML page: inline CSS, the
// charts as inline SVG, no scripts and nothing loaded over the network (the
// page's content security policy forbids it). Every text from the ledger is
// escaped.

import type { MonthEndReport } from "./build.ts";
import type { Chart } from "./charts.ts";
import { cellText, isAmount, isDays, isPercent, type Table } from "./table.ts";

const STYLE = `
body { font-family: "DejaVu Sans", Arial, sans-serif; margin: 24px; color: #1a1a1a; }
h1 { font-size: 22px; margin-bottom: 4px; }
h2 { font-size: 17px; margin-top: 32px; border-bottom: 1px solid #ccc; padding-bottom: 4px; }
p.period { color: #444; margin-top: 0; }
figure.chart { margin: 16px 0; }
figure.chart figcaption { font-size: 13px; color: #444; }
table { border-collapse: collapse; font-size: 12px; margin: 8px 0; }
th, td { border: 1px solid #d0d0d0; padding: 3px 6px; }
th { background: #f0f0f0; text-align: left; }
td.number { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.total td { font-weight: bold; background: #fafafa; }
ul.notes { font-size: 12px; color: #444; }
`;

export function escapeHtml(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

function tableHtml(table: Table): string {
  const header = table.headers.map((name) => `<th>${escapeHtml(name)}</th>`).join("");
  const rows = table.rows
    .map((row) => {
      const cells = row.cells
        .map((cell) => {
          const numeric = typeof cell === "number" || (cell !== null && (isAmount(cell) || isPercent(cell) || isDays(cell)));
          return `<td${numeric ? ' class="number"' : ""}>${escapeHtml(cellText(cell))}</td>`;
        })
        .join("");
      return `<tr${row.total ? ' class="total"' : ""}>${cells}</tr>`;
    })
    .join("\n");
  const notes = (table.notes ?? []).map((note) => `<li>${escapeHtml(note)}</li>`).join("");
  return [
    `<section id="${escapeHtml(sectionId(table.name))}">`,
    `<h2>${escapeHtml(table.title)}</h2>`,
    `<table><thead><tr>${header}</tr></thead><tbody>\n${rows}\n</tbody></table>`,
    notes ? `<ul class="notes">${notes}</ul>` : "",
    "</section>",
  ].join("\n");
}

function sectionId(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, "-");
}

function chartHtml(chart: Chart): string {
  return `<figure class="chart" id="${escapeHtml(chart.id)}">\n${chart.svg}\n<figcaption>${escapeHtml(chart.title)}</figcaption>\n</figure>`;
}

/** Returns the page's complete HTML. */
export function renderPage(report: MonthEndReport, tables: readonly Table[], charts: readonly Chart[]): string {
  const { period } = report;
  const title = `Month-end pack ${period.closing.businessDate}`;
  return [
    "<!DOCTYPE html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    `<title>${escapeHtml(title)}</title>`,
    `<style>${STYLE}</style>`,
    "</head>",
    "<body>",
    `<h1>${escapeHtml(title)}</h1>`,
    `<p class="period">From the run of ${escapeHtml(period.opening.businessDate)} to the run of ${escapeHtml(period.closing.businessDate)} (${period.days} days, ${period.runs.length} committed runs).</p>`,
    '<section id="charts">',
    "<h2>Charts</h2>",
    ...charts.map(chartHtml),
    "</section>",
    ...tables.map(tableHtml),
    "</body>",
    "</html>",
    "",
  ].join("\n");
}
