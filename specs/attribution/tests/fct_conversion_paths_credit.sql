-- Unit test of fct_conversion_paths: linear credit is not rounded (100 over 3 touches),
-- and campaigns are counted once however many touches they have. Worked out by hand.
CREATE OR REPLACE TEMP TABLE staging.stg_conversions AS (
  SELECT 1 AS conversion_id, 5 AS user_id, TIMESTAMP '2024-03-31 12:00:00' AS converted_at, 'purchase' AS conversion_type, 100 AS net_revenue_usd
);
CREATE OR REPLACE TEMP TABLE staging.stg_touchpoints AS (
  SELECT 'a' AS click_id, 's1' AS session_id, 5 AS user_id, 7 AS campaign_id, TIMESTAMP '2024-03-30 10:59:00' AS touch_ts
  UNION ALL SELECT 'b', 's2', 5, 7, TIMESTAMP '2024-03-31 11:00:00'
  UNION ALL SELECT 'c', 's3', 5, 8, TIMESTAMP '2024-03-31 12:00:00'
);

ASSERT (SELECT ABS(linear_credit_usd - 100.0 / 3) FROM marts.fct_conversion_paths WHERE conversion_id = 1) < 0.000001
  AS 'linear credit is 100 / 3, unrounded';
ASSERT (SELECT campaigns_touched FROM marts.fct_conversion_paths WHERE conversion_id = 1) = 2
  AS 'two distinct campaigns';
ASSERT (SELECT hours_to_convert FROM marts.fct_conversion_paths WHERE conversion_id = 1) = 25
  AS '2024-03-30 10:59 to 2024-03-31 12:00 is 25 whole hours (and 1 minute)';
