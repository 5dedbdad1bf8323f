-- Ad channel catalogue (search, social, display, email, ...). One row per channel code.
CREATE TABLE raw.ad_channels (
  channel_code STRING NOT NULL,
  channel_name STRING,
  is_paid      BOOL,
  is_active    BOOL,
  PRIMARY KEY (channel_code) NOT ENFORCED
);
