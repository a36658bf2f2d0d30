-- The plan of stats_years.rq: each deal and observation by the year of its preferred claim (aikg:currentDate)
WITH facts AS (
  SELECT year(date) AS year, 0 AS observation FROM claims WHERE preferred
  UNION ALL
  SELECT year(date), 1 FROM obs_claims WHERE preferred)
SELECT year, count(*) - sum(observation) AS deals, sum(observation) AS observations
FROM facts
GROUP BY year
ORDER BY year, year, deals, observations
