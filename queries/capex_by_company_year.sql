-- The plan of capex_by_company_year.rq over the build's tables (kg.projection.plans): the preferred claim of
-- each capex observation about exactly one organisation (FILTER NOT EXISTS another), one row each
WITH single AS (
  SELECT obs, min(org) AS org FROM obs_orgs GROUP BY obs HAVING count(*) = 1)
SELECT s.org AS org_id, year(o.period_end) AS year, c.basis, c.value_usd AS usd, c.min_usd, c.max_usd,
       c.approximate, src.publisher
FROM observations o
JOIN single s ON s.obs = o.obs
JOIN obs_claims c ON c.obs = o.obs AND c.preferred
JOIN sources src ON src.source = c.source
WHERE o.metric = 'capex' AND src.publisher IS NOT NULL
ORDER BY org_id, year, basis, org_id, year, basis, usd, min_usd, max_usd, approximate, publisher
