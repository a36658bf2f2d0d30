-- Every claim of a deal or observation whose claims disagree (the build's aikg:claimsDisagree), as stated
WITH stated AS (
  SELECT d.deal AS fact_id, c.date, c.status, c.amount AS "value", c.min_amount AS "min", c.max_amount AS "max",
         c.currency, c.preferred, c.reason, c.source
  FROM deals d JOIN claims c USING (deal) WHERE d.claims_disagree
  UNION ALL
  SELECT o.obs, c.date, NULL, c.value, c.min_value, c.max_value, c.currency, c.preferred, c.reason, c.source
  FROM observations o JOIN obs_claims c USING (obs) WHERE o.claims_disagree)
SELECT f.fact_id, f.date, f.status, f."value", f."min", f."max", f.currency, f.preferred, f.reason, s.publisher
FROM stated f JOIN sources s USING (source)
ORDER BY fact_id, date, publisher, fact_id, date, status, "value", "min", "max", currency, preferred, reason, publisher
