-- The plan of warrants.rq over the build's tables (kg.projection.plans): one row per grantor × grantee of each
-- warrant deal, with the preferred claim's quantity as stated, its date and status (aikg:currentDate and
-- aikg:currentStatus are the preferred claim's)
SELECT d.deal AS deal_id, g.org AS grantor_id, r.org AS grantee_id, c.quantity, c.max_quantity, c.unit, c.date,
       c.status
FROM deals d
JOIN claims c ON c.deal = d.deal AND c.preferred
JOIN parties g ON g.deal = d.deal AND g.role = 'grantor'
JOIN parties r ON r.deal = d.deal AND r.role = 'grantee'
WHERE d.kind = 'warrant'
  AND g.org IN (SELECT id FROM orgs) AND r.org IN (SELECT id FROM orgs)
ORDER BY date, deal_id, grantor_id, grantee_id, quantity, max_quantity, unit, date, status
