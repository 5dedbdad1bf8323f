-- Unit test of fct_campaign_daily: a campaign-day with touchpoints but none from a mobile
-- session has 0 mobile clicks (COUNTIF), not NULL; its bounce rate counts every click.
-- Worked out by hand.
CREATE OR REPLACE TEMP TABLE raw.campaign_spend_daily AS (
  SELECT 9 AS campaign_id, DATE '2024-06-05' AS activity_date, 10 AS spend, 100 AS impressions
);
CREATE OR REPLACE TEMP TABLE staging.stg_touchpoints AS (
  SELECT 'x' AS click_id, 's1' AS session_id, 9 AS campaign_id, DATE '2024-06-05' AS activity_date, 0.5 AS cost_usd, 'desktop' AS device_type, FALSE AS is_bounce
  UNION ALL SELECT 'y', 's2', 9, DATE '2024-06-05', 0.25, 'tablet', TRUE
);

ASSERT (SELECT mobile_clicks FROM marts.fct_campaign_daily WHERE campaign_id = 9) = 0
  AS 'no mobile click is 0, not NULL';
ASSERT (SELECT bounce_rate FROM marts.fct_campaign_daily WHERE campaign_id = 9) = 0.5
  AS 'one bounce of two clicks';
