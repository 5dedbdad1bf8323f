-- defect: valid_from is the run's date (midnight) instead of the run time
-- kind: date-truncation
-- dim_campaigns_scd2: type 2 history of staging.stg_campaigns, keyed on campaign_id.
-- Tracked: campaign_name, channel_code, campaign_status, daily_budget_usd. An open version has
-- valid_to 9999-12-31 23:59:59.
-- Each run closes the current version of every campaign whose tracked columns changed or that
-- vanished, then opens a version for every campaign in the snapshot with no current version.
-- Untracked columns keep the values of the version's first snapshot. Tracked columns compare
-- NULL-safely.
CREATE TABLE IF NOT EXISTS marts.dim_campaigns_scd2 (
  campaign_id BIGINT,
  campaign_name VARCHAR,
  channel_code VARCHAR,
  channel_name VARCHAR,
  channel_group VARCHAR,
  campaign_status VARCHAR,
  start_date DATE,
  flight_days BIGINT,
  daily_budget_usd DECIMAL(38, 9),
  campaign_label VARCHAR,
  valid_from TIMESTAMP,
  valid_to TIMESTAMP,
  is_current BOOLEAN
);

UPDATE marts.dim_campaigns_scd2 AS target
SET valid_to = CURRENT_TIMESTAMP, is_current = FALSE
WHERE target.is_current
  AND (
    NOT EXISTS (
      SELECT 1
      FROM staging.stg_campaigns AS source
      WHERE source.campaign_id = target.campaign_id
    )
    OR EXISTS (
      SELECT 1
      FROM staging.stg_campaigns AS source
      WHERE source.campaign_id = target.campaign_id
        AND (
          source.campaign_name IS DISTINCT FROM target.campaign_name
          OR source.channel_code IS DISTINCT FROM target.channel_code
          OR source.campaign_status IS DISTINCT FROM target.campaign_status
          OR source.daily_budget_usd IS DISTINCT FROM target.daily_budget_usd
        )
    )
  );

INSERT INTO marts.dim_campaigns_scd2 (
  campaign_id, campaign_name, channel_code, channel_name, channel_group, campaign_status,
  start_date, flight_days, daily_budget_usd, campaign_label,
  valid_from, valid_to, is_current
)
SELECT
  source.campaign_id,
  source.campaign_name,
  source.channel_code,
  source.channel_name,
  source.channel_group,
  source.campaign_status,
  source.start_date,
  source.flight_days,
  source.daily_budget_usd,
  source.campaign_label,
  CAST(current_date AS TIMESTAMP),
  TIMESTAMP '9999-12-31 23:59:59',
  TRUE
FROM staging.stg_campaigns AS source
WHERE NOT EXISTS (
  SELECT 1
  FROM marts.dim_campaigns_scd2 AS target
  WHERE target.campaign_id = source.campaign_id
    AND target.is_current
);
