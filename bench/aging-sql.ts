// The aging query of the reference pipelines: open amount per invoice after
// the payments that name it, bucketed by days past due on 2026-03-31.

const BUCKETS = `case when days <= 0 then 'current' when days <= 30 then '1-30'
  when days <= 60 then '31-60' when days <= 90 then '61-90' when days <= 120 then '91-120'
  when days <= 180 then '121-180' when days <= 365 then '181-365' else 'over-365' end`;

function agingSql(daysExpression: string): string {
  return `with paid as (
    select applies_to, sum(amount_minor) as paid from items where type = 'payment' group by applies_to
  ), open as (
    select i.account_id, ${daysExpression} as days, i.amount_minor - coalesce(p.paid, 0) as open_minor
    from items i left join paid p on p.applies_to = i.item_id
    where i.type = 'invoice'
  )
  select account_id, ${BUCKETS} as bucket, sum(open_minor) as amount
  from open where open_minor <> 0 group by 1, 2`;
}

export const AGING_SQL_SQLITE = agingSql("cast(julianday('2026-03-31') - julianday(i.due_date) as integer)");
export const AGING_SQL_DUCKDB = agingSql("(date '2026-03-31' - i.due_date)");
