-- Daily spend per campaign, as billed by the ad platforms. One row per campaign and day.
CREATE TABLE raw.campaign_spend_daily (
  campaign_id   INT64 NOT NULL,
  activity_date DATE NOT NULL,
  spend         NUMERIC,
  impressions   INT64,
  PRIMARY KEY (campaign_id, activity_date) NOT ENFORCED,
  FOREIGN KEY (campaign_id) REFERENCES raw.ad_campaigns(campaign_id) NOT ENFORCED
);
