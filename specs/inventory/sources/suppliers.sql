-- Supplier master from procurement. status is 'ACTIVE', 'ON_HOLD' or 'BLOCKED'.
CREATE TABLE raw.suppliers (
  supplier_id    INT64 NOT NULL,
  supplier_name  STRING,
  country_code   STRING,
  status         STRING,
  lead_time_days INT64,
  PRIMARY KEY (supplier_id) NOT ENFORCED
);
