// Turns the month-end pack into tables, one per sheet of the workbook and
// section of the page, each with its total rows.

import type { MonthEndReport } from "./build.ts";
import { amount, days, percent, type Cell, type Table, type TableRow } from "./table.ts";

function currenciesOf(records: readonly Record<string, number>[]): string[] {
  return [...new Set(records.flatMap((record) => Object.keys(record)))].sort();
}

function sumBy<T>(rows: readonly T[], value: (row: T) => number): number {
  return rows.reduce((sum, row) => sum + value(row), 0);
}

export function summaryTable(report: MonthEndReport): Table {
  const { period } = report;
  return {
    name: "Summary",
    title: "Period",
    headers: ["item", "value"],
    rows: [
      { cells: ["requested from", period.requestedFrom] },
      { cells: ["requested as of", period.requestedAsOf] },
      { cells: ["opening business date", period.opening.businessDate] },
      { cells: ["opening run", period.opening.runId] },
      { cells: ["closing business date", period.closing.businessDate] },
      { cells: ["closing run", period.closing.runId] },
      { cells: ["committed runs in the period", period.runs.length] },
      { cells: ["days in the period", period.days] },
    ],
    notes: report.notes,
  };
}

export function agingTable(report: MonthEndReport): Table {
  const rows: TableRow[] = [];
  const figures = (currency: string, figure: (typeof report.aging.totals)[number]): Cell[] => [
    figure.accounts,
    amount(figure.balanceMinor, currency),
    amount(figure.unappliedMinor, currency),
    amount(figure.disputedMinor, currency),
    ...figure.bucketsMinor.map((minor) => amount(minor, currency)),
    amount(figure.overdueMinor, currency),
  ];
  for (const total of report.aging.totals) {
    for (const group of report.aging.groups.filter((entry) => entry.currency === total.currency)) {
      rows.push({ cells: [group.currency, group.entity, group.segment ?? "(none)", group.source, ...figures(group.currency, group)] });
    }
    rows.push({ cells: [total.currency, "total", "", "", ...figures(total.currency, total)], total: true });
  }
  return {
    name: "Aging",
    title: `Aging on ${report.period.closing.businessDate} by entity, segment, source and currency`,
    headers: ["currency", "entity", "segment", "source", "accounts", "balance", "unapplied", "disputed", ...report.bucketLabels, "overdue"],
    rows,
    notes: ["Amounts in the account's currency. The totals equal the sum of the closing run's aging rows (aging.csv)."],
  };
}

export function agingTrendTable(report: MonthEndReport): Table {
  const rows: TableRow[] = report.agingTrend.flatMap((trend) =>
    trend.points.map((point) => ({
      cells: [
        point.businessDate,
        trend.currency,
        ...point.bucketsMinor.map((minor) => amount(minor, trend.currency)),
        amount(point.unappliedMinor, trend.currency),
        amount(point.balanceMinor, trend.currency),
      ],
    })),
  );
  return {
    name: "Aging trend",
    title: "Aging per business date in functional currency",
    headers: ["business date", "currency", ...report.bucketLabels, "unapplied", "balance"],
    rows,
    notes: ["Converted into each entity's functional currency at the closing rate of the business date."],
  };
}

export function dsoTable(report: MonthEndReport): Table {
  return {
    name: "DSO",
    title: `Days sales outstanding on ${report.period.closing.businessDate}`,
    headers: [
      "entity",
      "currency",
      "receivables",
      "days in period",
      "credit sales of period",
      "documents",
      "standard DSO (days)",
      "countback DSO (days)",
    ],
    rows: report.dso.map((row) => ({
      cells: [
        row.entity,
        row.currency,
        amount(row.receivablesMinor, row.currency),
        row.periodDays,
        amount(row.periodSalesMinor, row.currency),
        row.periodDocuments,
        days(row.standardTenths),
        days(row.countback.daysTenths),
      ],
    })),
    notes: [
      "Standard: receivables / credit sales of the period x days in the period.",
      "Countback: receivables matched against the credit sales of the latest calendar months (sheet DSO sales).",
      "Credit sales are invoices and debit notes by document date; an empty standard DSO means the period had no sales.",
    ],
  };
}

export function dsoSalesTable(report: MonthEndReport): Table {
  const rows: TableRow[] = [];
  for (const row of report.dso) {
    for (const month of row.months) {
      const step = row.countback.steps.find((entry) => entry.month === month.month);
      rows.push({
        cells: [
          row.entity,
          row.currency,
          month.month,
          month.firstDate,
          month.lastDate,
          month.days,
          amount(month.salesMinor, row.currency),
          month.documents,
          step ? amount(step.remainingBeforeMinor, row.currency) : null,
          step ? days(step.daysTenths) : null,
        ],
      });
    }
    rows.push({
      cells: [row.entity, row.currency, "total", "", "", null, amount(sumBy(row.months, (month) => month.salesMinor), row.currency), sumBy(row.months, (month) => month.documents), null, days(row.countback.daysTenths)],
      total: true,
    });
  }
  return {
    name: "DSO sales",
    title: "Credit sales per calendar month used by the countback",
    headers: ["entity", "currency", "month", "first date", "last date", "days", "credit sales", "documents", "receivables left", "days counted"],
    rows,
  };
}

export function dsoTrendTable(report: MonthEndReport): Table {
  return {
    name: "DSO trend",
    title: "DSO per business date",
    headers: ["business date", "entity", "currency", "standard DSO (days)", "countback DSO (days)"],
    rows: report.dsoTrend.flatMap((trend) =>
      trend.points.map((point) => ({
        cells: [point.businessDate, trend.entity, trend.currency, days(point.standardTenths), days(point.countbackTenths)],
      })),
    ),
    notes: [`The standard method uses the credit sales of the ${report.period.days} days up to each business date.`],
  };
}

export function rollRateTables(report: MonthEndReport): Table[] {
  const columns = report.rollRates[0]?.columns ?? [...report.bucketLabels, "paid", "cured", "written off"];
  const amounts: TableRow[] = [];
  const shares: TableRow[] = [];
  for (const matrix of report.rollRates) {
    for (const row of matrix.rows) {
      const head = [matrix.entity, matrix.currency, row.bucket, row.accounts];
      amounts.push({ cells: [...head, amount(row.openingMinor, matrix.currency), ...row.toMinor.map((minor) => amount(minor, matrix.currency))] });
      const total = row.sharesBp.reduce((sum, share) => sum + share, 0);
      shares.push({ cells: [...head, ...row.sharesBp.map((share) => percent(share)), percent(total)] });
    }
    amounts.push({
      cells: [
        matrix.entity,
        matrix.currency,
        "total",
        sumBy(matrix.rows, (row) => row.accounts),
        amount(sumBy(matrix.rows, (row) => row.openingMinor), matrix.currency),
        ...matrix.columns.map((_, index) => amount(sumBy(matrix.rows, (row) => row.toMinor[index]), matrix.currency)),
      ],
      total: true,
    });
  }
  const period = `${report.period.opening.businessDate} to ${report.period.closing.businessDate}`;
  return [
    {
      name: "Roll rates",
      title: `Roll of opening balances, ${period}`,
      headers: ["entity", "currency", "opening bucket", "accounts", "opening balance", ...columns],
      rows: amounts,
      notes: [
        "An account's bucket is that of its largest days past due. The part of the opening balance still open at the closing goes to the closing bucket, or to cured when the account had nothing overdue at the closing; the rest was written off (up to what the period's write-offs took from the account) or paid.",
        "Converted into the functional currency at the closing rate of the closing date.",
      ],
    },
    {
      name: "Roll shares",
      title: `Roll rates as shares of the opening balance, ${period}`,
      headers: ["entity", "currency", "opening bucket", "accounts", ...columns, "total"],
      rows: shares,
      notes: ["Shares are rounded to hundredths of a percent by the largest remainder, so every row with an opening balance adds up to 100 %."],
    },
  ];
}

export function cureRateTable(report: MonthEndReport): Table {
  const rows: TableRow[] = report.funnel.map((row) => ({
    cells: [row.stage, row.accountsAtStart, row.entries, row.exitsCured, percent(row.cureRateBp)],
  }));
  rows.push({
    cells: [
      "total",
      sumBy(report.funnel, (row) => row.accountsAtStart),
      sumBy(report.funnel, (row) => row.entries),
      sumBy(report.funnel, (row) => row.exitsCured),
      null,
    ],
    total: true,
  });
  return {
    name: "Cure rates",
    title: "Cure rate per stage",
    headers: ["stage", "accounts at start", "entries", "cures", "cure rate"],
    rows,
    notes: ["Cure rate = cures from the stage / (accounts in it at the start + entries into it). A cure returns the account to no stage."],
  };
}

export function ceiTable(report: MonthEndReport): Table {
  return {
    name: "CEI",
    title: "Collection effectiveness index",
    headers: ["entity", "currency", "beginning receivables", "credit sales", "ending receivables", "ending current receivables", "CEI"],
    rows: report.cei.map((row) => ({
      cells: [
        row.entity,
        row.currency,
        amount(row.beginningMinor, row.currency),
        amount(row.salesMinor, row.currency),
        amount(row.endingMinor, row.currency),
        amount(row.endingCurrentMinor, row.currency),
        percent(row.ceiBp),
      ],
    })),
    notes: [
      "CEI = (beginning receivables + credit sales - ending receivables) / (beginning receivables + credit sales - ending current receivables) x 100.",
      "Current receivables are the first aging bucket, not yet due. Amounts at the closing rate of the closing date.",
    ],
  };
}

export function funnelTable(report: MonthEndReport): Table {
  const currencies = currenciesOf(report.funnel.flatMap((row) => [row.balanceMinor, row.overdueMinor]));
  const money = (row: { balanceMinor: Record<string, number>; overdueMinor: Record<string, number> }) =>
    currencies.flatMap((currency) => [amount(row.balanceMinor[currency] ?? 0, currency), amount(row.overdueMinor[currency] ?? 0, currency)]);
  const counts = (row: (typeof report.funnel)[number]) => [
    row.accountsAtStart,
    row.entries,
    row.exitsEscalated,
    row.exitsCured,
    row.exitsOther,
    row.accountsAtEnd,
    row.customersAtEnd,
  ];
  const rows: TableRow[] = report.funnel.map((row) => ({ cells: [row.stage, ...counts(row), ...money(row)] }));
  const total = (field: (row: (typeof report.funnel)[number]) => number) => sumBy(report.funnel, field);
  const totalAmounts = (field: "balanceMinor" | "overdueMinor") =>
    Object.fromEntries(currencies.map((currency) => [currency, total((row) => row[field][currency] ?? 0)]));
  rows.push({
    cells: [
      "total",
      ...counts({
        ...report.funnel[0],
        accountsAtStart: total((row) => row.accountsAtStart),
        entries: total((row) => row.entries),
        exitsEscalated: total((row) => row.exitsEscalated),
        exitsCured: total((row) => row.exitsCured),
        exitsOther: total((row) => row.exitsOther),
        accountsAtEnd: total((row) => row.accountsAtEnd),
        customersAtEnd: total((row) => row.customersAtEnd),
      }),
      ...money({ balanceMinor: totalAmounts("balanceMinor"), overdueMinor: totalAmounts("overdueMinor") }),
    ],
    total: true,
  });
  return {
    name: "Stage funnel",
    title: "Stage funnel: accounts over the period, customers and amounts at the end",
    headers: [
      "stage",
      "accounts at start",
      "entries",
      "exits escalated",
      "exits cured",
      "exits other",
      "accounts at end",
      "customers at end",
      ...currencies.flatMap((currency) => [`balance ${currency}`, `overdue ${currency}`]),
    ],
    rows,
    notes: [
      "For every stage, accounts at start + entries - exits = accounts at end.",
      "A customer counts once, in the highest stage of its accounts. Amounts at the closing rate of the closing date.",
    ],
  };
}

export function provisionTables(report: MonthEndReport): Table[] {
  const { rows, lines } = report.provision;
  const movementRows: TableRow[] = rows.map((row) => ({
    cells: [
      row.entity,
      row.currency,
      amount(row.openingMinor, row.currency),
      amount(row.chargeMinor, row.currency),
      amount(row.releaseMinor, row.currency),
      amount(row.writeOffsUsedMinor, row.currency),
      amount(row.otherMinor, row.currency),
      amount(row.closingMinor, row.currency),
      amount(row.differenceMinor, row.currency),
    ],
  }));
  for (const currency of [...new Set(rows.map((row) => row.currency))].sort()) {
    const same = rows.filter((row) => row.currency === currency);
    const total = (field: (row: (typeof rows)[number]) => number) => amount(sumBy(same, field), currency);
    movementRows.push({
      cells: [
        "total",
        currency,
        total((row) => row.openingMinor),
        total((row) => row.chargeMinor),
        total((row) => row.releaseMinor),
        total((row) => row.writeOffsUsedMinor),
        total((row) => row.otherMinor),
        total((row) => row.closingMinor),
        total((row) => row.differenceMinor),
      ],
      total: true,
    });
  }
  const movementOf = new Map(lines.map((line) => [`${line.journalId}\u0000${line.line}`, line.movement]));
  const journalRows: TableRow[] = report.provision.journal.map((line) => ({
    cells: [
      line.businessDate,
      line.journalId,
      line.line,
      line.entity,
      line.accountingDate,
      line.accountCode,
      amount(line.debitMinor, line.currency),
      amount(line.creditMinor, line.currency),
      line.currency,
      movementOf.get(`${line.journalId}\u0000${line.line}`) ?? "",
      line.description,
    ],
  }));
  for (const currency of [...new Set(report.provision.journal.map((line) => line.currency))].sort()) {
    const same = report.provision.journal.filter((line) => line.currency === currency);
    journalRows.push({
      cells: [
        "total",
        "",
        null,
        "",
        "",
        "",
        amount(sumBy(same, (line) => line.debitMinor), currency),
        amount(sumBy(same, (line) => line.creditMinor), currency),
        currency,
        "",
        "",
      ],
      total: true,
    });
  }
  return [
    {
      name: "Provision movement",
      title: "Movement of the doubtful-debt allowance",
      headers: ["entity", "currency", "opening", "charge", "release", "write-offs used", "other", "closing", "difference"],
      rows: movementRows,
      notes: [
        "closing = opening + charge - release - write-offs used + other; the difference column is zero when the journals tie to the allowance.",
        "Each amount is the sum of the allowance-account lines of the sheet Journal with that movement.",
      ],
    },
    {
      name: "Journal",
      title: "Journal lines of the period's runs",
      headers: ["business date", "journal_id", "line", "entity", "accounting_date", "account_code", "debit", "credit", "currency", "movement", "description"],
      rows: journalRows,
      notes: ["The lines of every run after the opening run up to the closing run, as in each run's journal.csv."],
    },
  ];
}

export function strategyTable(report: MonthEndReport): Table {
  const currencies = currenciesOf(report.strategies.map((row) => row.overdueMinor));
  const rows: TableRow[] = report.strategies.map((row) => ({
    cells: [
      row.strategy,
      row.accountsAtStart,
      row.entries,
      row.escalations,
      row.cures,
      percent(row.cureRateBp),
      row.accountsAtEnd,
      ...currencies.map((currency) => amount(row.overdueMinor[currency] ?? 0, currency)),
    ],
  }));
  const total = (field: (row: (typeof report.strategies)[number]) => number) => sumBy(report.strategies, field);
  rows.push({
    cells: [
      "total",
      total((row) => row.accountsAtStart),
      total((row) => row.entries),
      total((row) => row.escalations),
      total((row) => row.cures),
      null,
      total((row) => row.accountsAtEnd),
      ...currencies.map((currency) => amount(total((row) => row.overdueMinor[currency] ?? 0), currency)),
    ],
    total: true,
  });
  return {
    name: "Strategies",
    title: "Strategy comparison",
    headers: [
      "strategy",
      "in a stage at start",
      "entries",
      "escalations",
      "cures",
      "cure rate",
      "in a stage at end",
      ...currencies.map((currency) => `overdue at end ${currency}`),
    ],
    rows,
    notes: ["Per strategy name recorded in the accounts' dunning states; a challenger strategy appears under its own name."],
  };
}

export function agencyTable(report: MonthEndReport): Table {
  const placed = currenciesOf(report.agencies.map((row) => row.placedMinor));
  const recalled = currenciesOf(report.agencies.map((row) => row.recalledMinor));
  const overdue = currenciesOf(report.agencies.map((row) => row.overdueAtEndMinor));
  const cellsOf = (row: (typeof report.agencies)[number]): Cell[] => [
    row.placedAtStart,
    row.placements,
    ...placed.map((currency) => amount(row.placedMinor[currency] ?? 0, currency)),
    row.recallsPaid,
    row.recallsOther,
    ...recalled.map((currency) => amount(row.recalledMinor[currency] ?? 0, currency)),
    row.placedAtEnd,
    ...overdue.map((currency) => amount(row.overdueAtEndMinor[currency] ?? 0, currency)),
  ];
  const rows: TableRow[] = report.agencies.map((row) => ({ cells: [row.agency, row.name, ...cellsOf(row), percent(row.paidRateBp)] }));
  const total = (field: (row: (typeof report.agencies)[number]) => number) => sumBy(report.agencies, field);
  const totalAmounts = (field: "placedMinor" | "recalledMinor" | "overdueAtEndMinor", currencies: string[]) =>
    Object.fromEntries(currencies.map((currency) => [currency, total((row) => row[field][currency] ?? 0)]));
  if (report.agencies.length > 0) {
    rows.push({
      cells: [
        "total",
        "",
        ...cellsOf({
          ...report.agencies[0],
          placedAtStart: total((row) => row.placedAtStart),
          placements: total((row) => row.placements),
          placedMinor: totalAmounts("placedMinor", placed),
          recallsPaid: total((row) => row.recallsPaid),
          recallsOther: total((row) => row.recallsOther),
          recalledMinor: totalAmounts("recalledMinor", recalled),
          placedAtEnd: total((row) => row.placedAtEnd),
          overdueAtEndMinor: totalAmounts("overdueAtEndMinor", overdue),
        }),
        null,
      ],
      total: true,
    });
  }
  return {
    name: "Agencies",
    title: "Agency performance",
    headers: [
      "agency",
      "name",
      "placed at start",
      "placements",
      ...placed.map((currency) => `placed ${currency}`),
      "recalls paid",
      "recalls other",
      ...recalled.map((currency) => `recalled ${currency}`),
      "placed at end",
      ...overdue.map((currency) => `overdue at end ${currency}`),
      "paid rate",
    ],
    rows,
    notes: ["Paid rate = recalls for the reason paid / (accounts placed at the start + placements of the period)."],
  };
}

/** Returns every table of the pack in the order of the workbook's sheets. */
export function reportTables(report: MonthEndReport): Table[] {
  return [
    summaryTable(report),
    agingTable(report),
    agingTrendTable(report),
    dsoTable(report),
    dsoSalesTable(report),
    dsoTrendTable(report),
    ...rollRateTables(report),
    cureRateTable(report),
    ceiTable(report),
    funnelTable(report),
    ...provisionTables(report),
    strategyTable(report),
    agencyTable(report),
  ];
}
