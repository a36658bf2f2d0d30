WITH pairs AS (
  -- each (organisation, source) once, with its claims: their count is the organisation's distinct sources (one
  -- grouping, cheaper here than COUNT(DISTINCT) beside the other aggregates)
  SELECT p.org, c.source, count(*) AS n, min(c.date) AS first, max(c.date) AS last
  FROM parties p JOIN claims c USING (deal) GROUP BY p.org, c.source),
per_org AS (
  SELECT org, count(*) AS sources, sum(n) AS claims, min(first) AS first, max(last) AS last FROM pairs GROUP BY org),
dealt AS (SELECT org, count(*) AS deals FROM parties GROUP BY org)
SELECT o.id AS org_id, o.label AS name, d.deals, g.claims, g.sources, g.first, g.last
FROM per_org g JOIN dealt d USING (org) JOIN orgs o ON o.id = g.org
ORDER BY deals DESC, org_id, org_id, name, deals, claims, sources, first, last
