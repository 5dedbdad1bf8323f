-- Purchase order lines, numbered within their order. received_qty and received_at stay NULL
-- until goods are booked in.
CREATE TABLE raw.purchase_order_lines (
  po_id         INT64 NOT NULL,
  line_no       INT64 NOT NULL,
  sku           STRING NOT NULL,
  ordered_qty   INT64,
  received_qty  INT64,
  unit_price    NUMERIC,
  expected_date DATE,
  received_at   TIMESTAMP,
  PRIMARY KEY (po_id, line_no) NOT ENFORCED,
  FOREIGN KEY (po_id) REFERENCES raw.purchase_orders(po_id) NOT ENFORCED
);
