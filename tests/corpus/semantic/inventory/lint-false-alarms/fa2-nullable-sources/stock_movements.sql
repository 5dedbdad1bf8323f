-- Stock movements as the WMS exports them: SKUs as scanned or typed (case and padding vary),
-- movement types in the WMS's own vocabulary, quantities unsigned.
CREATE TABLE raw.stock_movements (
  movement_id    INT64 NOT NULL,
  warehouse_code STRING,
  sku            STRING NOT NULL,
  movement_type  STRING,
  quantity       INT64 NOT NULL,
  unit_cost      NUMERIC,
  moved_at       TIMESTAMP,
  PRIMARY KEY (movement_id) NOT ENFORCED
);
