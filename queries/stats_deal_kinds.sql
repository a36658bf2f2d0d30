SELECT d.kind, count(*) AS deals, sum(c.n) AS claims
FROM deals d JOIN (SELECT deal, count(*) AS n FROM claims GROUP BY deal) c USING (deal)
GROUP BY d.kind
ORDER BY deals DESC, kind, kind, deals, claims
