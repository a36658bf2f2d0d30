SELECT o.id AS org_id, o.label AS name, COALESCE(n.n, 0) AS deals
FROM orgs o
LEFT JOIN (SELECT org, count(*) AS n FROM parties GROUP BY org) n ON n.org = o.id
WHERE NOT EXISTS (
  SELECT 1 FROM org_props p
  WHERE p.iri = o.iri AND p.p IN ('https://w3id.org/aikg/ontology#wikidataId', 'https://w3id.org/aikg/ontology#lei',
                                  'https://w3id.org/aikg/ontology#ticker'))
ORDER BY deals DESC, org_id, org_id, name, deals
