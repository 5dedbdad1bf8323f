-- rewrite: conversion_type is a searched CASE with IN lists instead of a simple CASE
-- stg_conversions: one row per real (non-test) conversion event, typed, with net revenue.
-- BigQuery's REGEXP_REPLACE replaces every match: DuckDB's needs the 'g' flag.
SELECT
    conversion_id,
    user_id,
    converted_at,
    CASE
        WHEN lower(regexp_replace(event_name, '^[\x{09}-\x{0D}\x{85}\p{Z}]+|[\x{09}-\x{0D}\x{85}\p{Z}]+$', '', 'g')) IN ('purchase', 'checkout_complete') THEN 'purchase'
        WHEN lower(regexp_replace(event_name, '^[\x{09}-\x{0D}\x{85}\p{Z}]+|[\x{09}-\x{0D}\x{85}\p{Z}]+$', '', 'g')) = 'sign_up' THEN 'signup'
        WHEN lower(regexp_replace(event_name, '^[\x{09}-\x{0D}\x{85}\p{Z}]+|[\x{09}-\x{0D}\x{85}\p{Z}]+$', '', 'g')) = 'lead_form' THEN 'lead'
        ELSE 'other'
    END AS conversion_type,
    nullif(regexp_replace(upper(order_ref), '[^A-Z0-9]', '', 'g'), '') AS order_ref,
    revenue AS revenue_usd,
    coalesce(revenue, 0) - coalesce(tax, 0) AS net_revenue_usd
FROM raw.conversions
WHERE is_test IS NOT TRUE
