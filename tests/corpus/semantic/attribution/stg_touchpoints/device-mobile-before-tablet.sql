-- defect: device_type tests the mobile pattern before the tablet pattern
-- kind: case-branch-order
-- stg_touchpoints: one row per ad click that opened a human web session.
-- Bot sessions are dropped before the join; a click logged after its session had started is
-- mid-session noise and is dropped after it.
-- BigQuery's REGEXP_EXTRACT is NULL when the pattern does not match (DuckDB's regexp_extract
-- gives ''), and its TRIM strips all whitespace (DuckDB's trim strips spaces only).
WITH clicks AS (
    SELECT click_id, session_id, campaign_id, user_id, clicked_at, utm_source, utm_medium, landing_url, cost_micros
    FROM raw.ad_clicks
),

human_sessions AS (
    SELECT session_id, user_id, started_at, pageviews, device
    FROM raw.web_sessions
    WHERE is_bot IS NOT TRUE
)

SELECT
    clicks.click_id AS click_id,
    clicks.session_id AS session_id,
    coalesce(clicks.user_id, human_sessions.user_id) AS user_id,
    clicks.campaign_id AS campaign_id,
    clicks.clicked_at AS touch_ts,
    CAST(clicks.clicked_at AS DATE) AS activity_date,
    lower(regexp_replace(clicks.utm_source, '^[\x{09}-\x{0D}\x{85}\p{Z}]+|[\x{09}-\x{0D}\x{85}\p{Z}]+$', '', 'g')) AS traffic_source,
    lower(regexp_replace(clicks.utm_source, '^[\x{09}-\x{0D}\x{85}\p{Z}]+|[\x{09}-\x{0D}\x{85}\p{Z}]+$', '', 'g')) || ' / ' || lower(regexp_replace(clicks.utm_medium, '^[\x{09}-\x{0D}\x{85}\p{Z}]+|[\x{09}-\x{0D}\x{85}\p{Z}]+$', '', 'g')) AS source_medium,
    CASE
        WHEN regexp_matches(clicks.landing_url, '^https?://[^/?#]+(/[^?#]*)') THEN regexp_extract(clicks.landing_url, '^https?://[^/?#]+(/[^?#]*)', 1)
    END AS landing_path,
    CAST(CAST(clicks.cost_micros AS DECIMAL(38, 9)) / 1000000 AS DECIMAL(38, 9)) AS cost_usd,
    CASE
        WHEN regexp_matches(lower(human_sessions.device), 'mobile|phone|android') THEN 'mobile'
        WHEN regexp_matches(lower(human_sessions.device), 'tablet|ipad') THEN 'tablet'
        WHEN human_sessions.device IS NULL THEN 'unknown'
        ELSE 'desktop'
    END AS device_type,
    human_sessions.pageviews <= 1 AS is_bounce
FROM clicks
INNER JOIN human_sessions ON clicks.session_id = human_sessions.session_id
WHERE clicks.clicked_at <= human_sessions.started_at
