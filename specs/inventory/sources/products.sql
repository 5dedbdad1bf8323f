-- Product (SKU) master. supplier_id is the preferred supplier, when one is set.
CREATE TABLE raw.products (
  sku           STRING NOT NULL,
  product_name  STRING,
  category      STRING,
  gtin          STRING,
  unit_cost     NUMERIC,
  reorder_point INT64,
  safety_stock  INT64,
  supplier_id   INT64,
  discontinued  BOOL,
  PRIMARY KEY (sku) NOT ENFORCED,
  FOREIGN KEY (supplier_id) REFERENCES raw.suppliers(supplier_id) NOT ENFORCED
);
