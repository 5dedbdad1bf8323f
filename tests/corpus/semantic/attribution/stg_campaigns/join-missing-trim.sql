-- defect: the join to ad_channels compares upper(channel_code) without trimming it
-- kind: missing-trim
-- stg_campaigns: one row per ad campaign, standardised, with its channel from the active
-- channel catalogue. Retired channels are dropped before the LEFT JOIN, so their campaigns stay
-- with an 'Unknown' channel.
-- BigQuery's TRIM strips all whitespace; DuckDB's trim strips spaces only, hence the regexp.
WITH campaigns AS (
    SELECT campaign_id, campaign_name, channel_code, status, start_date, end_date, daily_budget
    FROM raw.ad_campaigns
),

active_channels AS (
    SELECT channel_code, channel_name, is_paid
    FROM raw.ad_channels
    WHERE is_active = TRUE
)

SELECT
    campaigns.campaign_id AS campaign_id,
    regexp_replace(campaigns.campaign_name, '^[\x{09}-\x{0D}\x{85}\p{Z}]+|[\x{09}-\x{0D}\x{85}\p{Z}]+$', '', 'g') AS campaign_name,
    upper(regexp_replace(campaigns.channel_code, '^[\x{09}-\x{0D}\x{85}\p{Z}]+|[\x{09}-\x{0D}\x{85}\p{Z}]+$', '', 'g')) AS channel_code,
    coalesce(active_channels.channel_name, 'Unknown') AS channel_name,
    CASE
        WHEN active_channels.is_paid THEN 'paid'
        WHEN NOT active_channels.is_paid THEN 'organic'
        ELSE 'unclassified'
    END AS channel_group,
    CASE
        WHEN lower(regexp_replace(campaigns.status, '^[\x{09}-\x{0D}\x{85}\p{Z}]+|[\x{09}-\x{0D}\x{85}\p{Z}]+$', '', 'g')) IN ('active', 'enabled', 'running') THEN 'live'
        WHEN lower(regexp_replace(campaigns.status, '^[\x{09}-\x{0D}\x{85}\p{Z}]+|[\x{09}-\x{0D}\x{85}\p{Z}]+$', '', 'g')) = 'paused' THEN 'paused'
        WHEN lower(regexp_replace(campaigns.status, '^[\x{09}-\x{0D}\x{85}\p{Z}]+|[\x{09}-\x{0D}\x{85}\p{Z}]+$', '', 'g')) IN ('ended', 'completed', 'removed') THEN 'ended'
        ELSE 'draft'
    END AS campaign_status,
    campaigns.start_date AS start_date,
    CASE
        WHEN campaigns.end_date >= campaigns.start_date THEN date_diff('day', campaigns.start_date, campaigns.end_date) + 1
    END AS flight_days,
    campaigns.daily_budget AS daily_budget_usd,
    upper(regexp_replace(campaigns.channel_code, '^[\x{09}-\x{0D}\x{85}\p{Z}]+|[\x{09}-\x{0D}\x{85}\p{Z}]+$', '', 'g')) || ' | ' || regexp_replace(campaigns.campaign_name, '^[\x{09}-\x{0D}\x{85}\p{Z}]+|[\x{09}-\x{0D}\x{85}\p{Z}]+$', '', 'g') AS campaign_label
FROM campaigns
LEFT JOIN active_channels
    ON upper(campaigns.channel_code) = active_channels.channel_code
