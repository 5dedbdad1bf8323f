-- Unit test of fct_campaign_daily on hand-written spend rows and touchpoints: one row per
-- spend row, touchpoint metrics per campaign and day, NULL on a day without touchpoints;
-- touchpoints of a campaign or day without spend are not reported. Worked out by hand.
CREATE OR REPLACE TEMP TABLE raw.campaign_spend_daily AS (
  SELECT 1 AS campaign_id, DATE '2024-06-01' AS activity_date, 100.5 AS spend, 1000 AS impressions
  UNION ALL SELECT 1, DATE '2024-06-02', 80, 900
  UNION ALL SELECT 2, DATE '2024-06-01', 20, NULL
);
CREATE OR REPLACE TEMP TABLE staging.stg_touchpoints AS (
  SELECT 'a' AS click_id, 's1' AS session_id, 1 AS campaign_id, DATE '2024-06-01' AS activity_date, 1.25 AS cost_usd, 'mobile' AS device_type, TRUE AS is_bounce
  UNION ALL SELECT 'b', 's1', 1, DATE '2024-06-01', 0.75, 'desktop', NULL
  UNION ALL SELECT 'c', 's2', 1, DATE '2024-06-01', NULL, 'mobile', FALSE
  UNION ALL SELECT 'd', 's3', 3, DATE '2024-06-01', 1, 'mobile', TRUE
  UNION ALL SELECT 'e', 's4', 2, DATE '2024-06-03', 1, 'mobile', TRUE
);

ASSERT (SELECT COUNT(*) FROM marts.fct_campaign_daily) = 3 AS 'one row per spend row';

-- campaign 1 on 1 June: 3 clicks in 2 sessions, cost 1.25 + 0.75, 1 bounce of 3 clicks, 2 mobile
SELECT campaign_id FROM marts.fct_campaign_daily
WHERE campaign_id = 1 AND activity_date = DATE '2024-06-01'
  AND NOT (spend_usd = 100.5 AND impressions = 1000 AND clicks = 3 AND sessions = 2
           AND click_cost_usd = 2 AND ABS(bounce_rate - 1.0 / 3) < 0.000000001 AND mobile_clicks = 2);

ASSERT (SELECT COUNT(*) FROM marts.fct_campaign_daily
        WHERE campaign_id = 1 AND activity_date = DATE '2024-06-02' AND spend_usd = 80
          AND clicks IS NULL AND sessions IS NULL AND click_cost_usd IS NULL
          AND bounce_rate IS NULL AND mobile_clicks IS NULL) = 1
  AS 'a day without touchpoints has NULL touchpoint metrics';
ASSERT (SELECT impressions FROM marts.fct_campaign_daily WHERE campaign_id = 2) IS NULL
  AS 'missing impressions stay NULL';
ASSERT (SELECT clicks FROM marts.fct_campaign_daily WHERE campaign_id = 2) IS NULL
  AS 'the 3 June touchpoint of campaign 2 has no spend row and is not counted on 1 June';
