-- The plan of market_value_events.rq over the build's tables (kg.projection.plans). Observations with the same
-- date, metric, segment, figures and quote make one row. GROUP_CONCAT has no defined order: orgs lists the
-- organisations' ids in code-point order; it is unbound where some observation of the row has no organisation
-- (Oxigraph's GROUP_CONCAT over an unbound value is unbound). A fraction's min (max) is its value, else its min (max).
WITH events AS (
  SELECT o.obs, o.period_start AS date, o.metric, o.segment, c.value_usd AS usd, c.min_usd, c.max_usd,
         CASE WHEN c.unit = 'fraction' THEN coalesce(c.value, c.min_value) END AS fraction_min,
         CASE WHEN c.unit = 'fraction' THEN coalesce(c.value, c.max_value) END AS fraction_max, c.quote
  FROM observations o JOIN obs_claims c ON c.obs = o.obs AND c.preferred
  WHERE o.metric IN ('market_value_loss', 'share_price_decline', 'market_value_gain', 'share_price_rise', 'market_cap'))
SELECT e.date, e.metric,
       CASE WHEN bool_and(oo.org IS NOT NULL) THEN string_agg(DISTINCT oo.org, ', ' ORDER BY oo.org) END AS orgs,
       e.segment, e.usd, e.min_usd, e.max_usd, e.fraction_min, e.fraction_max, e.quote
FROM events e LEFT JOIN obs_orgs oo ON oo.obs = e.obs
GROUP BY e.date, e.metric, e.segment, e.usd, e.min_usd, e.max_usd, e.fraction_min, e.fraction_max, e.quote
ORDER BY date, metric, date, metric, orgs, segment, usd, min_usd, max_usd, fraction_min, fraction_max, quote
