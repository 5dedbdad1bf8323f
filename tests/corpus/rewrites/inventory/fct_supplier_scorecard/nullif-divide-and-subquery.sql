-- rewrite: fill_rate divides by nullif(sum, 0), and the product metrics are a subquery in the LEFT JOIN instead of a CTE
-- fct_supplier_scorecard: one row per supplier with purchase order lines. Purchase order
-- metrics and product metrics are aggregated apart and then joined, so that a supplier's
-- products never multiply its order lines; a supplier preferred for no product gets a NULL
-- active_sku_count. SAFE_DIVIDE is NULL on a zero divisor.
WITH po_metrics AS (
    SELECT
        supplier_id,
        count(*) AS po_line_count,
        CAST(sum(ordered_qty) AS BIGINT) AS ordered_units,
        CAST(sum(received_qty) AS BIGINT) AS received_units,
        CAST(sum(received_qty) AS DOUBLE) / nullif(CAST(sum(ordered_qty) AS DOUBLE), 0) AS fill_rate,
        count(*) FILTER (WHERE days_late > 0) AS late_line_count,
        avg(days_late) AS avg_days_late,
        max(order_date) AS last_order_date
    FROM staging.stg_po_lines
    GROUP BY supplier_id
)

SELECT
    po_metrics.supplier_id AS supplier_id,
    po_metrics.po_line_count AS po_line_count,
    po_metrics.ordered_units AS ordered_units,
    po_metrics.received_units AS received_units,
    po_metrics.fill_rate AS fill_rate,
    po_metrics.late_line_count AS late_line_count,
    po_metrics.avg_days_late AS avg_days_late,
    po_metrics.last_order_date AS last_order_date,
    product_metrics.active_sku_count AS active_sku_count
FROM po_metrics
LEFT JOIN (
    SELECT
        supplier_id,
        count(*) FILTER (WHERE NOT is_discontinued) AS active_sku_count
    FROM staging.stg_products
    GROUP BY supplier_id
) AS product_metrics ON po_metrics.supplier_id = product_metrics.supplier_id
