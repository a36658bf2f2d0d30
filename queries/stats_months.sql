-- The plan of stats_months.rq: claims (of deals and observations) by the month of their date, sources by the
-- month they were published
WITH months AS (
  SELECT strftime(date, '%Y-%m') AS month, 1 AS claim, 0 AS source FROM claims
  UNION ALL
  SELECT strftime(date, '%Y-%m'), 1, 0 FROM obs_claims
  UNION ALL
  SELECT strftime(published, '%Y-%m'), 0, 1 FROM sources)
SELECT month, sum(claim) AS claims, sum(source) AS sources
FROM months
GROUP BY month
ORDER BY month, month, claims, sources
