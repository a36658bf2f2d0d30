-- the money edges (links holds each derived edge once; DISTINCT as the sub-selects, over the three kinds);
-- ids are slugs and the IRIs end in them after one prefix, so ids compare as STR(?iri) does
WITH money AS (
  SELECT DISTINCT "from" AS x, "to" AS y FROM links WHERE link IN ('investsIn', 'commitsSpendTo', 'lendsTo'))
SELECT ab.x AS a_id, ab.y AS b_id, bc.y AS c_id, cd.y AS d_id
FROM money ab JOIN money bc ON bc.x = ab.y JOIN money cd ON cd.x = bc.y JOIN money da ON da.x = cd.y AND da.y = ab.x
WHERE ab.x < ab.y AND ab.x < bc.y AND ab.x <> bc.y AND ab.y <> cd.y AND ab.x < cd.y
ORDER BY a_id, b_id, c_id, d_id, a_id, b_id, c_id, d_id
