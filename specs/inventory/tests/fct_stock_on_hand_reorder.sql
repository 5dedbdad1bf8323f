-- Unit test of fct_stock_on_hand on given staging rows: on hand per warehouse and SKU, valued
-- at the product's cost through the normalised SKU, future-dated movements left out (the run
-- time is 2024-06-30 12:00:00), and the reorder signal. Expected values computed by hand.
CREATE OR REPLACE TEMP TABLE staging.stg_products AS (
  SELECT 'ab-100 ' AS sku, 2.0 AS unit_cost, 10 AS reorder_point
  UNION ALL SELECT 'CD-1', 1.0, 0
);
CREATE OR REPLACE TEMP TABLE staging.stg_stock_movements AS (
  SELECT 1 AS movement_id, 1 AS warehouse_id, 'AB-100' AS sku, 'receipt' AS movement_type, 20 AS signed_quantity, TIMESTAMP '2024-01-01 00:00:00' AS moved_at
  UNION ALL SELECT 2, 1, 'AB-100', 'shipment', -15, TIMESTAMP '2024-02-01 00:00:00'
  UNION ALL SELECT 3, 1, 'ZZ-9', 'receipt', 5, TIMESTAMP '2024-02-01 00:00:00'
  UNION ALL SELECT 4, 2, 'AB-100', 'receipt', 30, TIMESTAMP '2024-03-01 00:00:00'
  UNION ALL SELECT 5, 1, 'AB-100', 'receipt', 100, TIMESTAMP '2030-01-01 00:00:00'
);

ASSERT (SELECT COUNT(*) FROM inventory.fct_stock_on_hand) = 3
  AS 'one row per warehouse and SKU';
ASSERT (SELECT on_hand_qty FROM inventory.fct_stock_on_hand WHERE warehouse_id = 1 AND sku = 'AB-100') = 5
  AS '20 in, 15 out; the future receipt is not stock yet';
ASSERT (SELECT receipt_count FROM inventory.fct_stock_on_hand WHERE warehouse_id = 1 AND sku = 'AB-100') = 1
  AS 'one receipt counted, the future one left out';
ASSERT (SELECT movement_count FROM inventory.fct_stock_on_hand WHERE warehouse_id = 1 AND sku = 'AB-100') = 2
  AS 'two movements so far';
ASSERT (SELECT stock_value FROM inventory.fct_stock_on_hand WHERE warehouse_id = 1 AND sku = 'AB-100') = 10
  AS '5 units at the cost of the master row ab-100 (matched after trimming and upper-casing)';
ASSERT (SELECT needs_reorder FROM inventory.fct_stock_on_hand WHERE warehouse_id = 1 AND sku = 'AB-100')
  AS '5 on hand is at or below the reorder point 10';
ASSERT (SELECT NOT needs_reorder FROM inventory.fct_stock_on_hand WHERE warehouse_id = 2 AND sku = 'AB-100')
  AS '30 on hand is above the reorder point 10';
ASSERT (SELECT last_movement_at FROM inventory.fct_stock_on_hand WHERE warehouse_id = 1 AND sku = 'AB-100') = TIMESTAMP '2024-02-01 00:00:00'
  AS 'the latest movement booked so far';
ASSERT (SELECT COUNT(*) FROM inventory.fct_stock_on_hand WHERE sku = 'ZZ-9' AND stock_value IS NULL AND needs_reorder IS NULL AND on_hand_qty = 5) = 1
  AS 'a SKU the master does not know keeps its quantity, without value or signal';
