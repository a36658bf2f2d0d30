-- The plan of compute_commitments_by_provider.rq over the build's tables (kg.projection.plans)
WITH counted AS (
  -- compute commitments whose preferred claim has a counted status, with the build's one USD figure
  SELECT d.deal, d.current_usd
  FROM deals d JOIN claims c ON c.deal = d.deal AND c.preferred
  WHERE d.kind = 'compute_commitment' AND c.status IN ('announced', 'committed', 'closed', 'in_progress')),
providers AS (
  SELECT p.deal, p.org AS provider, k.current_usd
  FROM parties p JOIN counted k USING (deal)
  WHERE p.role = 'provider'),
pairs AS (
  -- one row per deal, provider and customer: an organisation takes part in a deal once
  SELECT v.provider, p.org AS customer, SUM(COALESCE(v.current_usd, 0)) AS committed_usd,
         SUM(CASE WHEN v.current_usd IS NULL THEN 1 ELSE 0 END) AS undisclosed_deals, COUNT(DISTINCT v.deal) AS deals
  FROM providers v JOIN parties p ON p.deal = v.deal AND p.role = 'customer'
  GROUP BY v.provider, p.org),
totals AS (
  SELECT provider, SUM(COALESCE(current_usd, 0)) AS provider_total
  FROM providers
  GROUP BY provider)
-- a provider's total of 0 leaves the share unbound, as SPARQL's division by zero does
SELECT s.provider AS provider_id, s.customer AS customer_id, s.committed_usd, s.undisclosed_deals, s.deals,
       s.committed_usd / NULLIF(t.provider_total, 0) AS share
FROM pairs s JOIN totals t USING (provider)
WHERE s.provider IN (SELECT id FROM orgs) AND s.customer IN (SELECT id FROM orgs)
ORDER BY provider_id, committed_usd DESC, customer_id, provider_id, customer_id, committed_usd, undisclosed_deals,
         deals, share
