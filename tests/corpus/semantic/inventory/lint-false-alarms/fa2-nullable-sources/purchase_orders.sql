-- Purchase order headers. status is 'DRAFT', 'SENT', 'CONFIRMED', 'CLOSED' or 'CANCELLED'.
CREATE TABLE raw.purchase_orders (
  po_id        INT64 NOT NULL,
  supplier_id  INT64 NOT NULL,
  warehouse_id INT64,
  order_date   DATE,
  status       STRING,
  PRIMARY KEY (po_id) NOT ENFORCED,
  FOREIGN KEY (supplier_id) REFERENCES raw.suppliers(supplier_id) NOT ENFORCED,
  FOREIGN KEY (warehouse_id) REFERENCES raw.warehouses(warehouse_id) NOT ENFORCED
);
