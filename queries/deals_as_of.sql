WITH preferred AS (SELECT deal, date AS preferred_date FROM claims WHERE preferred),
speaking AS (
  SELECT c.* FROM claims c WHERE c.preferred AND c.date <= $as_of
  UNION ALL
  SELECT c.* EXCLUDE (rn) FROM (
    SELECT c.*, row_number() OVER (PARTITION BY c.deal ORDER BY c.date DESC, c.claim DESC) AS rn
    FROM claims c JOIN preferred p USING (deal)
    WHERE NOT c.preferred AND c.date <= $as_of AND p.preferred_date > $as_of) c
  WHERE rn = 1)
SELECT $as_of AS as_of, s.deal AS deal_id, d.kind, s.date, s.status, s.value_usd AS usd, s.min_usd, s.max_usd,
       src.publisher
FROM speaking s JOIN deals d USING (deal) JOIN sources src USING (source)
ORDER BY date, deal_id, as_of, deal_id, kind, date, status, usd, min_usd, max_usd, publisher
