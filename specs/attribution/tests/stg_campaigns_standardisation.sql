-- Unit test of stg_campaigns on four hand-written campaigns and three catalogue channels:
-- channel codes are trimmed and upper-cased before the join, retired channels (DSP) are not
-- joined but their campaigns stay, statuses map to lifecycles, the flight counts both ends.
-- Expected values worked out by hand from the spec.
CREATE OR REPLACE TEMP TABLE raw.ad_campaigns AS (
  SELECT 1 AS campaign_id, ' Spring Sale ' AS campaign_name, ' srch ' AS channel_code, 'Active' AS status, DATE '2024-03-01' AS start_date, DATE '2024-03-10' AS end_date, 50 AS daily_budget
  UNION ALL SELECT 2, 'Brand', 'SOC', 'PAUSED ', DATE '2024-04-10', DATE '2024-04-01', NULL
  UNION ALL SELECT 3, 'Retarget', 'dsp', 'removed', DATE '2024-05-01', DATE '2024-05-01', 20
  UNION ALL SELECT 4, NULL, 'eml', 'pending', NULL, DATE '2024-01-01', 5
);
CREATE OR REPLACE TEMP TABLE raw.ad_channels AS (
  SELECT 'SRCH' AS channel_code, 'Paid Search' AS channel_name, TRUE AS is_paid, TRUE AS is_active
  UNION ALL SELECT 'SOC', 'Social', FALSE, TRUE
  UNION ALL SELECT 'DSP', 'Display', TRUE, FALSE
);

ASSERT (SELECT COUNT(*) FROM staging.stg_campaigns) = 4 AS 'every campaign is kept, joined or not';

-- campaign 1: ' srch ' joins SRCH; 'Active' is live; 1 to 10 March is 10 days
SELECT campaign_id FROM staging.stg_campaigns
WHERE campaign_id = 1
  AND NOT (campaign_name = 'Spring Sale' AND channel_code = 'SRCH' AND channel_name = 'Paid Search'
           AND channel_group = 'paid' AND campaign_status = 'live' AND flight_days = 10
           AND campaign_label = 'SRCH | Spring Sale');

ASSERT (SELECT channel_group FROM staging.stg_campaigns WHERE campaign_id = 2) = 'organic'
  AS 'a channel with is_paid FALSE is organic';
ASSERT (SELECT campaign_status FROM staging.stg_campaigns WHERE campaign_id = 2) = 'paused'
  AS 'a padded upper-case PAUSED is paused';
ASSERT (SELECT flight_days FROM staging.stg_campaigns WHERE campaign_id = 2) IS NULL
  AS 'an end before the start gives no flight length';

ASSERT (SELECT channel_name FROM staging.stg_campaigns WHERE campaign_id = 3) = 'Unknown'
  AS 'a retired channel is not joined: its campaign keeps an Unknown channel';
ASSERT (SELECT channel_group FROM staging.stg_campaigns WHERE campaign_id = 3) = 'unclassified'
  AS 'no joined channel is unclassified';
ASSERT (SELECT campaign_status FROM staging.stg_campaigns WHERE campaign_id = 3) = 'ended'
  AS 'removed is ended';
ASSERT (SELECT flight_days FROM staging.stg_campaigns WHERE campaign_id = 3) = 1
  AS 'a one-day flight is 1 day';

ASSERT (SELECT campaign_status FROM staging.stg_campaigns WHERE campaign_id = 4) = 'draft'
  AS 'an unmapped status is draft';
ASSERT (SELECT campaign_label FROM staging.stg_campaigns WHERE campaign_id = 4) IS NULL
  AS 'the label is NULL when the name is missing (CONCAT)';
