-- defect: bounce_rate is avg(CAST(is_bounce AS INTEGER)), which skips clicks whose is_bounce is NULL
-- kind: avg-vs-safe-divide
-- fct_campaign_daily: one row per campaign and day with billed spend, plus the day's
-- touchpoint metrics (NULL on a day without touchpoints).
-- Spend and touchpoints are aggregated separately, then joined on the day's spend rows:
-- clicks never multiply spend. count(*) FILTER keeps COUNTIF's meaning (0, never NULL).
WITH spend AS (
    SELECT
        campaign_id,
        activity_date,
        sum(spend) AS spend_usd,
        CAST(sum(impressions) AS BIGINT) AS impressions
    FROM raw.campaign_spend_daily
    GROUP BY campaign_id, activity_date
),

touches AS (
    SELECT
        campaign_id,
        activity_date,
        count(click_id) AS clicks,
        count(DISTINCT session_id) AS sessions,
        sum(cost_usd) AS click_cost_usd,
        avg(CAST(is_bounce AS INTEGER)) AS bounce_rate,
        count(*) FILTER (WHERE device_type = 'mobile') AS mobile_clicks
    FROM staging.stg_touchpoints
    GROUP BY campaign_id, activity_date
)

SELECT
    spend.campaign_id AS campaign_id,
    spend.activity_date AS activity_date,
    spend.spend_usd AS spend_usd,
    spend.impressions AS impressions,
    touches.clicks AS clicks,
    touches.sessions AS sessions,
    touches.click_cost_usd AS click_cost_usd,
    touches.bounce_rate AS bounce_rate,
    touches.mobile_clicks AS mobile_clicks
FROM spend
LEFT JOIN touches
    ON spend.campaign_id = touches.campaign_id
    AND spend.activity_date = touches.activity_date
