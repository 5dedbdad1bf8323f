-- defect: the WMS type is normalised with DuckDB's trim(), which strips spaces only, instead of all whitespace
-- kind: missing-trim
-- stg_stock_movements: one row per stock movement with a quantity, in a known warehouse, booked
-- after the warehouse opened. Zero quantities are dropped before the join; movements booked
-- before their warehouse opened are dropped after it (the comparison needs both tables).
-- Trimming strips all whitespace, as BigQuery's TRIM does.
WITH movements AS (
    SELECT
        movement_id, warehouse_code, sku, quantity, unit_cost, moved_at,
        upper(trim(movement_type)) AS wms_type
    FROM raw.stock_movements
    WHERE quantity <> 0
)

SELECT
    movements.movement_id AS movement_id,
    warehouses.warehouse_id AS warehouse_id,
    upper(regexp_replace(movements.sku, '^[\x{09}-\x{0D}\x{85}\p{Z}]+|[\x{09}-\x{0D}\x{85}\p{Z}]+$', '', 'g')) AS sku,
    CASE
        WHEN movements.wms_type IN ('RECEIPT', 'PO_RECEIPT') THEN 'receipt'
        WHEN movements.wms_type IN ('SHIPMENT', 'PICK') THEN 'shipment'
        WHEN movements.wms_type IN ('TRANSFER_IN', 'TRANSFER_OUT') THEN 'transfer'
        WHEN movements.wms_type IN ('ADJUSTMENT', 'CYCLE_COUNT') THEN 'adjustment'
        ELSE 'other'
    END AS movement_type,
    movements.quantity * CASE WHEN movements.wms_type IN ('SHIPMENT', 'PICK', 'TRANSFER_OUT') THEN -1 ELSE 1 END AS signed_quantity,
    movements.quantity * movements.unit_cost AS movement_value,
    movements.moved_at AS moved_at,
    CAST(movements.moved_at AS DATE) AS movement_date,
    warehouses.warehouse_code || ':' || CAST(movements.movement_id AS VARCHAR) AS movement_ref
FROM movements
INNER JOIN raw.warehouses AS warehouses
    ON movements.warehouse_code = warehouses.warehouse_code
WHERE movements.moved_at >= warehouses.opened_at
