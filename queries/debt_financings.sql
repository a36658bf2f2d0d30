WITH debt AS (
  SELECT d.deal, d.title, c.value_usd, c.min_usd, c.max_usd, c.date, c.status
  FROM deals d JOIN claims c USING (deal)
  WHERE d.kind = 'debt_financing' AND c.preferred),
roles AS (
  -- GROUP_CONCAT has no defined order: here each list is in code-point order of the organisations' ids (Oxigraph
  -- concatenates in the order it finds the participations, not by id). lenders (borrowers) is unbound for a deal
  -- without any: its rows leave ?lender unbound, and Oxigraph's GROUP_CONCAT over an unbound value is unbound
  SELECT p.deal,
         string_agg(DISTINCT p.org, ', ' ORDER BY p.org) FILTER (WHERE p.role = 'lender') AS lenders,
         string_agg(DISTINCT p.org, ', ' ORDER BY p.org) FILTER (WHERE p.role = 'borrower') AS borrowers
  FROM parties p JOIN debt USING (deal) JOIN orgs o ON o.id = p.org
  WHERE p.role IN ('lender', 'borrower')
  GROUP BY p.deal)
SELECT debt.deal AS deal_id, debt.title, r.lenders, r.borrowers,
       debt.value_usd AS usd, debt.min_usd, debt.max_usd, debt.date, debt.status
FROM debt LEFT JOIN roles r USING (deal)
ORDER BY date, deal_id, title, lenders, borrowers, usd, min_usd, max_usd, date, status
