-- Unit test of stg_touchpoints: UTM tags are trimmed of all surrounding whitespace (BigQuery's
-- TRIM strips tabs too, not only spaces; the literals below hold real tab characters).
-- Worked out by hand.
CREATE OR REPLACE TEMP TABLE raw.web_sessions AS (
  SELECT 's1' AS session_id, 1 AS user_id, TIMESTAMP '2024-06-01 10:00:00' AS started_at, 3 AS pageviews, 'Windows' AS device, FALSE AS is_bot
);
CREATE OR REPLACE TEMP TABLE raw.ad_clicks AS (
  SELECT 'c1' AS click_id, 's1' AS session_id, 1 AS campaign_id, 1 AS user_id, TIMESTAMP '2024-06-01 09:59:00' AS clicked_at,
         '	Google ' AS utm_source, 'CPC	' AS utm_medium
);

ASSERT (SELECT traffic_source FROM staging.stg_touchpoints WHERE click_id = 'c1') = 'google'
  AS 'a tab before the source is trimmed';
ASSERT (SELECT source_medium FROM staging.stg_touchpoints WHERE click_id = 'c1') = 'google / cpc'
  AS 'a tab after the medium is trimmed';
ASSERT (SELECT device_type FROM staging.stg_touchpoints WHERE click_id = 'c1') = 'desktop'
  AS 'a device matching neither pattern is desktop';
