-- Ad campaigns as the ad platforms export them. channel_code is typed in by hand in the
-- platforms' UIs: it may be lower-case or padded, and is not a declared reference.
CREATE TABLE raw.ad_campaigns (
  campaign_id   INT64 NOT NULL,
  campaign_name STRING,
  channel_code  STRING,
  status        STRING,
  start_date    DATE,
  end_date      DATE,
  daily_budget  NUMERIC,
  created_at    TIMESTAMP,
  PRIMARY KEY (campaign_id) NOT ENFORCED
);
