-- Conversion events from the web shop and the lead forms. Amounts in USD.
CREATE TABLE raw.conversions (
  conversion_id INT64 NOT NULL,
  user_id       INT64,
  converted_at  TIMESTAMP,
  event_name    STRING,
  order_ref     STRING,
  revenue       NUMERIC,
  tax           NUMERIC,
  is_test       BOOL,
  PRIMARY KEY (conversion_id) NOT ENFORCED
);
