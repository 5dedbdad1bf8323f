-- defect: needs_reorder is on hand < reorder point instead of <=
-- kind: lt-vs-le
-- fct_stock_on_hand: stock on hand per warehouse and SKU from the movements booked so far,
-- valued at the product's standard cost, with the reorder signal. Movements are matched to the
-- product master on the normalised SKU; a SKU the master does not know keeps its quantities and
-- gets no value, reorder point or signal. Sums of BIGINT are HUGEINT in DuckDB: cast back.
SELECT
    movements.warehouse_id AS warehouse_id,
    movements.sku AS sku,
    CAST(sum(movements.signed_quantity) AS BIGINT) AS on_hand_qty,
    count(*) AS movement_count,
    count(*) FILTER (WHERE movements.movement_type = 'receipt') AS receipt_count,
    sum(movements.signed_quantity * products.unit_cost) AS stock_value,
    max(movements.moved_at) AS last_movement_at,
    max(products.reorder_point) AS reorder_point,
    sum(movements.signed_quantity) < max(products.reorder_point) AS needs_reorder
FROM staging.stg_stock_movements AS movements
LEFT JOIN staging.stg_products AS products
    ON movements.sku = upper(regexp_replace(products.sku, '^[\x{09}-\x{0D}\x{85}\p{Z}]+|[\x{09}-\x{0D}\x{85}\p{Z}]+$', '', 'g'))
WHERE movements.moved_at <= CURRENT_TIMESTAMP
GROUP BY movements.warehouse_id, movements.sku
