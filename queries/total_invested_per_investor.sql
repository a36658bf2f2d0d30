-- The plan of total_invested_per_investor.rq over the build's tables (kg.projection.plans)
WITH per_group AS (
  SELECT p.org, c.status IN ('closed', 'in_progress') AS settled, COUNT(DISTINCT p.deal) AS n,
         SUM(COALESCE(p.credited_usd, 0)) AS usd, SUM(CASE WHEN p.credited_usd IS NULL THEN 1 ELSE 0 END) AS unknown
  FROM parties p
  JOIN deals d ON d.deal = p.deal
  JOIN claims c ON c.deal = p.deal AND c.preferred
  WHERE d.kind IN ('equity_investment', 'funding_round') AND p.role = 'investor'
    AND c.status IN ('closed', 'in_progress', 'announced', 'committed')
  GROUP BY p.org, settled
)
SELECT $include_announced AS include_announced, o.id AS investor_id, o.label AS investor, SUM(g.n) AS deals,
       SUM(g.usd) AS total_usd, SUM(g.unknown) AS without_amount
FROM per_group g
JOIN orgs o ON o.id = g.org
WHERE g.settled OR $include_announced
GROUP BY o.id, o.label
ORDER BY total_usd DESC, investor_id, include_announced, investor_id, investor, deals, total_usd, without_amount
