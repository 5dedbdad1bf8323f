-- Unit test of fct_conversion_paths on hand-written upstream models: the 30-day lookback
-- window excludes its start and includes the conversion instant, untagged touches are not
-- credited, non-purchases are dropped, whole hours are counted. Worked out by hand.
CREATE OR REPLACE TEMP TABLE staging.stg_conversions AS (
  SELECT 1001 AS conversion_id, 1 AS user_id, TIMESTAMP '2024-06-20 14:00:00' AS converted_at, 'purchase' AS conversion_type, 90 AS net_revenue_usd
  UNION ALL SELECT 1002, 2, TIMESTAMP '2024-06-20 00:00:00', 'purchase', 50
  UNION ALL SELECT 1003, 1, TIMESTAMP '2024-06-20 14:00:00', 'signup', 0
  UNION ALL SELECT 1004, NULL, TIMESTAMP '2024-06-20 00:00:00', 'purchase', 10
);
CREATE OR REPLACE TEMP TABLE staging.stg_touchpoints AS (
  SELECT 't1' AS click_id, 's1' AS session_id, 1 AS user_id, 10 AS campaign_id, TIMESTAMP '2024-06-01 00:30:00' AS touch_ts
  UNION ALL SELECT 't2', 's2', 1, 11, TIMESTAMP '2024-06-10 12:00:00'
  UNION ALL SELECT 't3', 's3', 1, 10, TIMESTAMP '2024-06-20 12:30:00'
  UNION ALL SELECT 't4', 's4', 1, NULL, TIMESTAMP '2024-06-20 13:00:00'
  UNION ALL SELECT 't5', 's5', 1, 12, TIMESTAMP '2024-05-01 00:00:00'
  UNION ALL SELECT 't6', 's6', 2, 10, TIMESTAMP '2024-06-21 00:00:00'
  UNION ALL SELECT 't7', 's7', 1, 13, TIMESTAMP '2024-06-25 00:00:00'
  UNION ALL SELECT 't8', 's8', 1, 14, TIMESTAMP '2024-05-21 14:00:00'
  UNION ALL SELECT 't9', 's9', 2, 15, TIMESTAMP '2024-06-20 00:00:00'
);

ASSERT (SELECT COUNT(*) FROM marts.fct_conversion_paths) = 3 AS 'one row per purchase, the signup is dropped';

-- 1001: t1, t2, t3 are in (2024-05-21 14:00, 2024-06-20 14:00]; t4 is untagged, t5 and t8
-- (exactly 30 days before) too early, t7 after. 2024-06-01 00:30 to 2024-06-20 14:00 is
-- 469 h 30 min: 469 whole hours. 90 / 3 touches = 30.
SELECT conversion_id FROM marts.fct_conversion_paths
WHERE conversion_id = 1001
  AND NOT (touch_count = 3 AND campaigns_touched = 2
           AND first_touch_ts = TIMESTAMP '2024-06-01 00:30:00'
           AND last_touch_ts = TIMESTAMP '2024-06-20 12:30:00'
           AND hours_to_convert = 469 AND linear_credit_usd = 30);

-- 1002: t9 at the conversion instant counts, t6 after it does not.
SELECT conversion_id FROM marts.fct_conversion_paths
WHERE conversion_id = 1002
  AND NOT (touch_count = 1 AND campaigns_touched = 1
           AND first_touch_ts = TIMESTAMP '2024-06-20 00:00:00'
           AND last_touch_ts = TIMESTAMP '2024-06-20 00:00:00'
           AND hours_to_convert = 0 AND linear_credit_usd = 50);

-- 1004: no user, so no touch; kept with 0 touches and NULLs.
ASSERT (SELECT touch_count FROM marts.fct_conversion_paths WHERE conversion_id = 1004) = 0
  AS 'a purchase without touches has touch_count 0';
ASSERT (SELECT COUNT(*) FROM marts.fct_conversion_paths WHERE conversion_id = 1004
        AND campaigns_touched = 0 AND first_touch_ts IS NULL AND last_touch_ts IS NULL
        AND hours_to_convert IS NULL AND linear_credit_usd IS NULL) = 1
  AS 'a purchase without touches has no first or last touch and no credit';
