-- Unit test of stg_stock_movements: WMS types map to the inventory vocabulary, outbound
-- quantities turn negative, zero quantities and unknown warehouse codes drop out, and so do
-- movements booked before their warehouse opened (or in a warehouse with no opening date).
-- Expected values computed by hand from the spec.
CREATE OR REPLACE TEMP TABLE raw.warehouses AS (
  SELECT 1 AS warehouse_id, 'WH-A' AS warehouse_code, 'Alpha' AS warehouse_name, 'EU' AS region, TIMESTAMP '2024-01-01 00:00:00' AS opened_at
  UNION ALL SELECT 2, 'WH-B', 'Beta', 'US', NULL
);
CREATE OR REPLACE TEMP TABLE raw.stock_movements AS (
  SELECT 1 AS movement_id, 'WH-A' AS warehouse_code, ' ab-100 ' AS sku, 'RECEIPT' AS movement_type, 10 AS quantity, 2.5 AS unit_cost, TIMESTAMP '2024-03-01 23:30:00' AS moved_at
  UNION ALL SELECT 2, 'WH-A', 'AB-100', ' pick ', 4, 2.5, TIMESTAMP '2024-03-02 10:00:00'
  UNION ALL SELECT 3, 'WH-A', 'AB-100', 'TRANSFER_OUT', 3, NULL, TIMESTAMP '2024-03-03 00:00:00'
  UNION ALL SELECT 4, 'WH-A', 'AB-100', 'DAMAGED', 1, 1.0, TIMESTAMP '2024-03-04 00:00:00'
  UNION ALL SELECT 5, 'WH-A', 'AB-100', 'RECEIPT', 0, 1.0, TIMESTAMP '2024-03-05 00:00:00'
  UNION ALL SELECT 6, 'wh-a', 'AB-100', 'RECEIPT', 5, 1.0, TIMESTAMP '2024-03-06 00:00:00'
  UNION ALL SELECT 7, 'WH-A', 'AB-100', 'RECEIPT', 5, 1.0, TIMESTAMP '2023-12-31 23:59:59'
  UNION ALL SELECT 8, 'WH-B', 'AB-100', 'RECEIPT', 5, 1.0, TIMESTAMP '2024-03-01 00:00:00'
  UNION ALL SELECT 9, 'WH-A', 'AB-100', NULL, 2, 1.0, TIMESTAMP '2024-01-01 00:00:00'
);

ASSERT (SELECT COUNT(*) FROM staging.stg_stock_movements) = 5
  AS 'zero quantity, unknown code, before opening and no opening date drop out (5 of 9 kept)';
ASSERT (SELECT SUM(signed_quantity) FROM staging.stg_stock_movements) = 6
  AS 'receipts and other count positive, picks and transfers out negative: 10 - 4 - 3 + 1 + 2';
ASSERT (SELECT movement_type FROM staging.stg_stock_movements WHERE movement_id = 2) = 'shipment'
  AS 'a padded lower-case pick is a shipment';
ASSERT (SELECT movement_type FROM staging.stg_stock_movements WHERE movement_id = 9) = 'other'
  AS 'a movement booked at the opening instant is kept, and a missing type is other';
ASSERT (SELECT sku FROM staging.stg_stock_movements WHERE movement_id = 1) = 'AB-100'
  AS 'SKUs are trimmed and upper-cased';
ASSERT (SELECT movement_value FROM staging.stg_stock_movements WHERE movement_id = 1) = 25
  AS 'value is quantity times unit cost';
ASSERT (SELECT movement_value FROM staging.stg_stock_movements WHERE movement_id = 3) IS NULL
  AS 'no unit cost, no value';
ASSERT (SELECT movement_date FROM staging.stg_stock_movements WHERE movement_id = 1) = DATE '2024-03-01'
  AS 'the movement date is the UTC date';
ASSERT (SELECT movement_ref FROM staging.stg_stock_movements WHERE movement_id = 1) = 'WH-A:1'
  AS 'the reference is the warehouse code and the movement id';
