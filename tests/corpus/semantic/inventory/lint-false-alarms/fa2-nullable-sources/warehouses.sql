-- Warehouse master. One row per warehouse; warehouse_code is the code scanners and the WMS print.
CREATE TABLE raw.warehouses (
  warehouse_id   INT64 NOT NULL,
  warehouse_code STRING NOT NULL,
  warehouse_name STRING,
  region         STRING,
  opened_at      TIMESTAMP,
  PRIMARY KEY (warehouse_id) NOT ENFORCED
);
