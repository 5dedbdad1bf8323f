-- Unit test of stg_po_lines: drafts and orders without a status drop out before the join, lines
-- without a positive quantity after it; receiving status, open quantity and lateness per line.
-- Expected values computed by hand from the spec.
CREATE OR REPLACE TEMP TABLE raw.purchase_orders AS (
  SELECT 100 AS po_id, 1 AS supplier_id, 1 AS warehouse_id, DATE '2024-02-01' AS order_date, 'SENT' AS status
  UNION ALL SELECT 101, 1, 1, DATE '2024-02-05', 'CANCELLED'
  UNION ALL SELECT 102, 2, NULL, DATE '2024-02-10', 'DRAFT'
  UNION ALL SELECT 103, 2, 2, DATE '2024-02-12', NULL
);
CREATE OR REPLACE TEMP TABLE raw.purchase_order_lines AS (
  SELECT 100 AS po_id, 1 AS line_no, ' ab-100' AS sku, 10 AS ordered_qty, CAST(NULL AS INT64) AS received_qty, 2.5 AS unit_price, DATE '2024-02-10' AS expected_date, CAST(NULL AS TIMESTAMP) AS received_at
  UNION ALL SELECT 100, 2, 'AB-200', 10, 4, 1.0, DATE '2024-02-10', TIMESTAMP '2024-02-12 08:00:00'
  UNION ALL SELECT 100, 3, 'AB-300', 5, 7, 1.0, DATE '2024-02-10', TIMESTAMP '2024-02-09 23:00:00'
  UNION ALL SELECT 100, 4, 'AB-400', 0, NULL, 1.0, DATE '2024-02-10', NULL
  UNION ALL SELECT 101, 1, 'AB-100', 3, 3, 1.0, DATE '2024-02-20', TIMESTAMP '2024-02-25 12:00:00'
  UNION ALL SELECT 102, 1, 'AB-100', 3, NULL, 1.0, NULL, NULL
  UNION ALL SELECT 103, 1, 'AB-100', 3, NULL, 1.0, NULL, NULL
);

ASSERT (SELECT COUNT(*) FROM staging.stg_po_lines) = 4
  AS 'the zero-quantity line, the draft and the order without status drop out';
ASSERT (SELECT line_status FROM staging.stg_po_lines WHERE po_id = 100 AND line_no = 1) = 'open'
  AS 'nothing received: open';
ASSERT (SELECT line_status FROM staging.stg_po_lines WHERE po_id = 100 AND line_no = 2) = 'partial'
  AS 'some received: partial';
ASSERT (SELECT line_status FROM staging.stg_po_lines WHERE po_id = 100 AND line_no = 3) = 'received'
  AS 'more than ordered: received';
ASSERT (SELECT line_status FROM staging.stg_po_lines WHERE po_id = 101 AND line_no = 1) = 'cancelled'
  AS 'a cancelled order wins over a full receipt';
ASSERT (SELECT received_qty FROM staging.stg_po_lines WHERE po_id = 100 AND line_no = 1) = 0
  AS 'nothing booked in is 0 received';
ASSERT (SELECT open_qty FROM staging.stg_po_lines WHERE po_id = 100 AND line_no = 2) = 6
  AS 'open quantity is ordered minus received';
ASSERT (SELECT open_qty FROM staging.stg_po_lines WHERE po_id = 100 AND line_no = 3) = 0
  AS 'an over-delivery leaves nothing open';
ASSERT (SELECT days_late FROM staging.stg_po_lines WHERE po_id = 100 AND line_no = 2) = 2
  AS 'booked in two days after the promised date';
ASSERT (SELECT days_late FROM staging.stg_po_lines WHERE po_id = 100 AND line_no = 3) = -1
  AS 'booked in the day before: one day early';
ASSERT (SELECT days_late FROM staging.stg_po_lines WHERE po_id = 100 AND line_no = 1) IS NULL
  AS 'not received: lateness unknown';
ASSERT (SELECT po_line_key FROM staging.stg_po_lines WHERE po_id = 100 AND line_no = 2) = '100/2'
  AS 'the line key is order/line';
ASSERT (SELECT line_amount FROM staging.stg_po_lines WHERE po_id = 100 AND line_no = 1) = 25
  AS 'line amount is unit price times ordered quantity';
ASSERT (SELECT sku FROM staging.stg_po_lines WHERE po_id = 100 AND line_no = 1) = 'AB-100'
  AS 'SKUs are trimmed and upper-cased';
