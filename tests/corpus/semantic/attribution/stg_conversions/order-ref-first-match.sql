-- defect: order_ref strips non-alphanumerics with regexp_replace without the 'g' flag
-- kind: regexp-first-match
-- stg_conversions: one row per real (non-test) conversion event, typed, with net revenue.
-- BigQuery's REGEXP_REPLACE replaces every match: DuckDB's needs the 'g' flag.
SELECT
    conversion_id,
    user_id,
    converted_at,
    CASE lower(regexp_replace(event_name, '^[\x{09}-\x{0D}\x{85}\p{Z}]+|[\x{09}-\x{0D}\x{85}\p{Z}]+$', '', 'g'))
        WHEN 'purchase' THEN 'purchase'
        WHEN 'checkout_complete' THEN 'purchase'
        WHEN 'sign_up' THEN 'signup'
        WHEN 'lead_form' THEN 'lead'
        ELSE 'other'
    END AS conversion_type,
    nullif(regexp_replace(upper(order_ref), '[^A-Z0-9]', ''), '') AS order_ref,
    revenue AS revenue_usd,
    coalesce(revenue, 0) - coalesce(tax, 0) AS net_revenue_usd
FROM raw.conversions
WHERE is_test IS NOT TRUE
