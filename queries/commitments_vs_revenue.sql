-- The plan of commitments_vs_revenue.rq over the build's tables (kg.projection.plans): one row for $org when it
-- has a counted commitment or a revenue figure (the SPARQL groups its rows by ?org: no rows, no group).
-- SAMPLE picks any of the latest revenue figures when several are latest (e.g. figures of segments, or two
-- forecasts ending the same day): here the first by observation id of those with a USD figure, and its basis.
WITH commitments AS (
  SELECT p.deal, coalesce(c.value_usd, (c.min_usd + c.max_usd) / 2, c.min_usd, c.max_usd) AS usd
  FROM parties p
  JOIN deals d ON d.deal = p.deal
  JOIN claims c ON c.deal = p.deal AND c.preferred
  WHERE p.org = $org AND p.role = 'customer' AND d.kind IN ('compute_commitment', 'chip_supply')
    AND c.status IN ('announced', 'committed', 'closed', 'in_progress')),
revenue AS (
  SELECT o.obs, o.period_end AS "end", c.basis,
         coalesce(c.value_usd, (c.min_usd + c.max_usd) / 2, c.min_usd, c.max_usd) AS revenue
  FROM obs_orgs oo
  JOIN observations o ON o.obs = oo.obs
  JOIN obs_claims c ON c.obs = o.obs AND c.preferred
  WHERE oo.org = $org AND o.metric = 'revenue'),
latest AS (
  SELECT r.* FROM revenue r
  WHERE NOT EXISTS (SELECT 1 FROM revenue l
                    WHERE l."end" > r."end" OR (l."end" = r."end" AND l.basis = 'actual' AND r.basis != 'actual'))
  ORDER BY r.revenue IS NULL, r.obs
  LIMIT 1),
totals AS (
  SELECT coalesce(sum(usd), 0) AS commitments_usd, count(DISTINCT deal) AS deals,
         count(*) FILTER (WHERE usd IS NULL) AS undisclosed, count(*) AS n
  FROM commitments)
SELECT $org AS org, t.commitments_usd, t.deals, t.undisclosed, l.revenue AS revenue_usd, l.basis AS revenue_basis,
       year(l."end") AS revenue_year
FROM totals t LEFT JOIN latest l ON true
WHERE t.n > 0 OR l.obs IS NOT NULL
