-- Deals and observations with one claim each, its evidence, publisher and date
WITH facts AS (
  SELECT deal AS fact_id, 'deal' AS type, evidence, source, date FROM claims
  QUALIFY count(*) OVER (PARTITION BY deal) = 1
  UNION ALL
  SELECT obs AS fact_id, 'observation' AS type, evidence, source, date FROM obs_claims
  QUALIFY count(*) OVER (PARTITION BY obs) = 1)
SELECT $weak_only AS weak_only, f.fact_id, f.type, f.evidence, s.publisher, f.date
FROM facts f JOIN sources s USING (source)
WHERE $weak_only IS NULL OR NOT $weak_only OR f.evidence <> 'confirmed'
ORDER BY evidence = 'estimated' DESC, evidence = 'reported' DESC, fact_id,
         weak_only, fact_id, type, evidence, publisher, date
