-- Ad clicks (touchpoints) with their UTM tags. campaign_id is NULL for untagged clicks;
-- session_id is the web session the click landed in (sessions arrive from another feed,
-- so it is not a declared reference).
CREATE TABLE raw.ad_clicks (
  click_id    STRING NOT NULL,
  session_id  STRING NOT NULL,
  campaign_id INT64,
  user_id     INT64,
  clicked_at  TIMESTAMP,
  utm_source  STRING,
  utm_medium  STRING,
  landing_url STRING,
  cost_micros INT64,
  PRIMARY KEY (click_id) NOT ENFORCED,
  FOREIGN KEY (campaign_id) REFERENCES raw.ad_campaigns(campaign_id) NOT ENFORCED
);
