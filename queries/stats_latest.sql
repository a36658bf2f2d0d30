-- The plan of stats_latest.rq: the latest claim date and source publication date on or before $today
-- (0001-01-01 where there is none, as the SPARQL's COALESCE gives it; no row when neither has one, as the
-- SPARQL's group over no rows gives none)
WITH dated AS (
  SELECT date AS claim_date, NULL AS published FROM claims WHERE date <= $today
  UNION ALL
  SELECT date, NULL FROM obs_claims WHERE date <= $today
  UNION ALL
  SELECT NULL, published FROM sources WHERE published <= $today)
SELECT $today AS today, coalesce(max(claim_date), DATE '0001-01-01') AS latest_claim,
       coalesce(max(published), DATE '0001-01-01') AS latest_source
FROM dated
HAVING count(*) > 0
