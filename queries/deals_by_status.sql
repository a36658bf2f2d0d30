SELECT c.status, d.deal AS deal_id, d.kind, d.title, c.date, c.value_usd AS usd, c.min_usd, c.max_usd, c.evidence
FROM claims c JOIN deals d USING (deal)
WHERE c.preferred AND c.status = $status
ORDER BY date, deal_id, status, deal_id, kind, title, date, usd, min_usd, max_usd, evidence
