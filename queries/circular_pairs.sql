-- ?inv aikg:investsIn ?target . ?target aikg:commitsSpendTo ?provider (the derived edges, each once)
WITH RECURSIVE loops AS (
  SELECT i."from" AS inv, i."to" AS target, s."to" AS provider
  FROM links i JOIN links s ON s."from" = i."to"
  WHERE i.link = 'investsIn' AND s.link = 'commitsSpendTo'),
parent AS (
  SELECT iri, o AS parent FROM org_props WHERE p = 'https://w3id.org/aikg/ontology#parentOrganisation'),
-- ?provider aikg:parentOrganisation+ ?x, over IRIs, from the providers that are not the investor
up(start, node) AS (
  SELECT iri, parent FROM parent
  WHERE iri IN (SELECT o.iri FROM loops l JOIN orgs o ON o.id = l.provider WHERE l.provider <> l.inv)
  UNION
  SELECT up.start, parent.parent FROM up JOIN parent ON parent.iri = up.node),
kept AS MATERIALIZED (
  SELECT l.* FROM loops l WHERE l.provider = l.inv OR EXISTS (
    SELECT 1 FROM up JOIN orgs p ON p.iri = up.start JOIN orgs i ON i.iri = up.node
    WHERE p.id = l.provider AND i.id = l.inv)),
-- a deal's aikg:currentStatus: its preferred claim's status; only the counted ones
counted AS (
  SELECT deal FROM claims
  WHERE preferred AND status IN ('announced', 'committed', 'closed', 'in_progress')),
-- ?d1 aikg:involves ?inv , ?target (a funding deal, counted) for each kept pair
investments AS (
  SELECT k.inv, k.target, a.deal
  FROM (SELECT DISTINCT inv, target FROM kept) k
  JOIN parties a ON a.org = k.inv JOIN parties b ON b.deal = a.deal AND b.org = k.target
  JOIN deals d ON d.deal = a.deal JOIN counted c ON c.deal = a.deal
  WHERE d.kind IN ('equity_investment', 'funding_round')),
-- ?d2 aikg:involves ?target (as customer) , ?provider (counted) for each kept pair
spends AS (
  SELECT k.target, k.provider, a.deal
  FROM (SELECT DISTINCT target, provider FROM kept) k
  JOIN parties a ON a.org = k.target JOIN parties b ON b.deal = a.deal AND b.org = k.provider
  JOIN counted c ON c.deal = a.deal
  WHERE a.role = 'customer')
SELECT k.inv AS investor_id, k.target AS investee_id, i.deal AS investment_deal, s.deal AS spend_deal,
       k.provider AS spend_provider_id
FROM kept k
JOIN investments i ON i.inv = k.inv AND i.target = k.target
JOIN spends s ON s.target = k.target AND s.provider = k.provider
ORDER BY investor_id, investee_id, investment_deal, spend_deal,
         investor_id, investee_id, investment_deal, spend_deal, spend_provider_id
