-- defect: the lookback window starts at converted_at - INTERVAL 1 MONTH instead of 30 days
-- kind: wrong-interval
-- fct_conversion_paths: one row per purchase with its paid touches in the 30 days before it.
-- Untagged touches are dropped before the LEFT JOIN, so a purchase without a paid touch is
-- kept with touch_count 0.
-- BigQuery's TIMESTAMP_DIFF(a, b, HOUR) counts whole hours: DuckDB's date_sub, not date_diff
-- (which counts hour boundaries crossed). SAFE_DIVIDE is NULL on a zero divisor.
WITH purchases AS (
    SELECT conversion_id, user_id, converted_at, conversion_type, net_revenue_usd
    FROM staging.stg_conversions
),

paid_touches AS (
    SELECT click_id, user_id, campaign_id, touch_ts
    FROM staging.stg_touchpoints
    WHERE campaign_id IS NOT NULL
)

SELECT
    purchases.conversion_id AS conversion_id,
    purchases.user_id AS user_id,
    purchases.converted_at AS converted_at,
    count(paid_touches.click_id) AS touch_count,
    count(DISTINCT paid_touches.campaign_id) AS campaigns_touched,
    min(paid_touches.touch_ts) AS first_touch_ts,
    max(paid_touches.touch_ts) AS last_touch_ts,
    date_sub('hour', min(paid_touches.touch_ts), purchases.converted_at) AS hours_to_convert,
    CAST(CASE
        WHEN count(paid_touches.click_id) = 0 THEN NULL
        ELSE max(purchases.net_revenue_usd) / count(paid_touches.click_id)
    END AS DECIMAL(38, 9)) AS linear_credit_usd
FROM purchases
LEFT JOIN paid_touches
    ON purchases.user_id = paid_touches.user_id
    AND paid_touches.touch_ts <= purchases.converted_at
    AND paid_touches.touch_ts > purchases.converted_at - INTERVAL 1 MONTH
WHERE purchases.conversion_type = 'purchase'
GROUP BY purchases.conversion_id, purchases.user_id, purchases.converted_at
