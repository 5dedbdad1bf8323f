-- Unit test of fct_supplier_scorecard on given staging rows: order-line metrics per supplier,
-- fill rate, lateness over received lines only, and the product count from stg_products, NULL
-- for a supplier preferred for no product. Expected values computed by hand.
CREATE OR REPLACE TEMP TABLE staging.stg_po_lines AS (
  SELECT 1 AS po_id, 1 AS line_no, 1 AS supplier_id, 10 AS ordered_qty, 10 AS received_qty, 2 AS days_late, DATE '2024-01-01' AS order_date
  UNION ALL SELECT 1, 2, 1, 10, 5, NULL, DATE '2024-02-01'
  UNION ALL SELECT 2, 1, 1, 20, 0, -1, DATE '2024-01-15'
  UNION ALL SELECT 3, 1, 2, 5, 0, NULL, NULL
);
CREATE OR REPLACE TEMP TABLE staging.stg_products AS (
  SELECT 'A' AS sku, 1 AS supplier_id, FALSE AS is_discontinued
  UNION ALL SELECT 'B', 1, TRUE
  UNION ALL SELECT 'C', 1, FALSE
  UNION ALL SELECT 'D', 3, FALSE
);

ASSERT (SELECT COUNT(*) FROM inventory.fct_supplier_scorecard) = 2
  AS 'one row per supplier with order lines (supplier 3 has products only)';
ASSERT (SELECT po_line_count FROM inventory.fct_supplier_scorecard WHERE supplier_id = 1) = 3
  AS 'three lines for supplier 1';
ASSERT (SELECT fill_rate FROM inventory.fct_supplier_scorecard WHERE supplier_id = 1) = 0.375
  AS '15 received of 40 ordered';
ASSERT (SELECT late_line_count FROM inventory.fct_supplier_scorecard WHERE supplier_id = 1) = 1
  AS 'one line booked in late';
ASSERT (SELECT avg_days_late FROM inventory.fct_supplier_scorecard WHERE supplier_id = 1) = 0.5
  AS 'mean of 2 and -1; the line without lateness is not averaged';
ASSERT (SELECT last_order_date FROM inventory.fct_supplier_scorecard WHERE supplier_id = 1) = DATE '2024-02-01'
  AS 'latest order date';
ASSERT (SELECT active_sku_count FROM inventory.fct_supplier_scorecard WHERE supplier_id = 1) = 2
  AS 'two of its three products are not discontinued';
ASSERT (SELECT active_sku_count FROM inventory.fct_supplier_scorecard WHERE supplier_id = 2) IS NULL
  AS 'a supplier preferred for no product gets NULL, not 0';
ASSERT (SELECT fill_rate FROM inventory.fct_supplier_scorecard WHERE supplier_id = 2) = 0
  AS 'nothing received of 5 ordered';
ASSERT (SELECT avg_days_late FROM inventory.fct_supplier_scorecard WHERE supplier_id = 2) IS NULL
  AS 'no received line, no average lateness';
