-- the money edges (links holds each derived edge once; DISTINCT as the sub-selects, over the three kinds);
-- ids are slugs and the IRIs end in them after one prefix, so ids compare as STR(?iri) does
WITH money AS (
  SELECT DISTINCT "from" AS x, "to" AS y FROM links WHERE link IN ('investsIn', 'commitsSpendTo', 'lendsTo'))
SELECT ab.x AS a_id, ab.y AS b_id, bc.y AS c_id
FROM money ab JOIN money bc ON bc.x = ab.y JOIN money ca ON ca.x = bc.y AND ca.y = ab.x
WHERE ab.x <> ab.y AND bc.x <> bc.y AND ab.x <> bc.y AND ab.x < ab.y AND ab.x < bc.y
ORDER BY a_id, b_id, c_id, a_id, b_id, c_id
