-- Unit test of stg_touchpoints on five clicks and four sessions: bot sessions and clicks
-- logged after their session started are dropped, so are clicks without a session; UTM tags,
-- landing path, cost and device are derived as the spec says. Worked out by hand.
CREATE OR REPLACE TEMP TABLE raw.web_sessions AS (
  SELECT 's1' AS session_id, 100 AS user_id, TIMESTAMP '2024-06-01 10:00:05' AS started_at, 1 AS pageviews, 'Android Tablet' AS device, FALSE AS is_bot
  UNION ALL SELECT 's2', 200, TIMESTAMP '2024-06-01 23:30:00', 5, 'iPhone', NULL
  UNION ALL SELECT 's3', 300, TIMESTAMP '2024-06-02 08:00:00', 2, NULL, TRUE
  UNION ALL SELECT 's4', 400, TIMESTAMP '2024-06-02 09:00:00', NULL, 'Mac Desktop', FALSE
);
CREATE OR REPLACE TEMP TABLE raw.ad_clicks AS (
  SELECT 'c1' AS click_id, 's1' AS session_id, 1 AS campaign_id, NULL AS user_id, TIMESTAMP '2024-06-01 10:00:00' AS clicked_at, ' Google ' AS utm_source, 'CPC' AS utm_medium, 'https://shop.example.com/sale/shoes?utm_campaign=x' AS landing_url, 1250000 AS cost_micros
  UNION ALL SELECT 'c2', 's2', NULL, 201, TIMESTAMP '2024-06-01 23:30:00', 'newsletter', NULL, 'shop.example.com/x', NULL
  UNION ALL SELECT 'c3', 's3', 1, 300, TIMESTAMP '2024-06-02 07:59:00', 'google', 'cpc', 'https://shop.example.com/', 1000
  UNION ALL SELECT 'c4', 's4', 2, 400, TIMESTAMP '2024-06-02 09:00:01', 'google', 'cpc', 'https://shop.example.com/', 1000
  UNION ALL SELECT 'c5', 's9', 2, 500, TIMESTAMP '2024-06-02 09:00:00', 'google', 'cpc', 'https://shop.example.com/', 1000
);

ASSERT (SELECT COUNT(*) FROM staging.stg_touchpoints) = 2
  AS 'the bot session, the click after its session started and the click without a session are dropped';
ASSERT (SELECT user_id FROM staging.stg_touchpoints WHERE click_id = 'c1') = 100
  AS 'a click without a user takes the session''s user';
ASSERT (SELECT user_id FROM staging.stg_touchpoints WHERE click_id = 'c2') = 201
  AS 'the click''s own user wins over the session''s';
ASSERT (SELECT source_medium FROM staging.stg_touchpoints WHERE click_id = 'c1') = 'google / cpc'
  AS 'source / medium is trimmed and lower-cased';
ASSERT (SELECT source_medium FROM staging.stg_touchpoints WHERE click_id = 'c2') IS NULL
  AS 'source / medium is NULL without a medium';
ASSERT (SELECT landing_path FROM staging.stg_touchpoints WHERE click_id = 'c1') = '/sale/shoes'
  AS 'the landing path drops host and query string';
ASSERT (SELECT landing_path FROM staging.stg_touchpoints WHERE click_id = 'c2') IS NULL
  AS 'a URL without a scheme has no landing path';
ASSERT (SELECT cost_usd FROM staging.stg_touchpoints WHERE click_id = 'c1') = 1.25
  AS 'cost micros become USD';

-- device class, bounce and click date
SELECT click_id, device_type, is_bounce, activity_date
FROM staging.stg_touchpoints
WHERE NOT ((click_id = 'c1' AND device_type = 'tablet' AND is_bounce AND activity_date = DATE '2024-06-01')
        OR (click_id = 'c2' AND device_type = 'mobile' AND NOT is_bounce AND activity_date = DATE '2024-06-01'));
