-- defect: open_qty is ordered_qty - coalesce(received_qty, 0) without the CASE that makes an over-delivery 0
-- kind: missing-clamp
-- stg_po_lines: one row per purchase order line with a positive quantity, of orders that left
-- draft: receiving status, open quantity, lateness in days (negative when early).
WITH sent_orders AS (
    SELECT po_id, supplier_id, warehouse_id, order_date, status
    FROM raw.purchase_orders
    WHERE status <> 'DRAFT'
),

lines AS (
    SELECT po_id, line_no, sku, ordered_qty, received_qty, unit_price, expected_date, received_at
    FROM raw.purchase_order_lines
)

SELECT
    lines.po_id AS po_id,
    lines.line_no AS line_no,
    CAST(lines.po_id AS VARCHAR) || '/' || CAST(lines.line_no AS VARCHAR) AS po_line_key,
    sent_orders.supplier_id AS supplier_id,
    sent_orders.warehouse_id AS warehouse_id,
    upper(regexp_replace(lines.sku, '^[\x{09}-\x{0D}\x{85}\p{Z}]+|[\x{09}-\x{0D}\x{85}\p{Z}]+$', '', 'g')) AS sku,
    lines.ordered_qty AS ordered_qty,
    coalesce(lines.received_qty, 0) AS received_qty,
    lines.ordered_qty - coalesce(lines.received_qty, 0) AS open_qty,
    lines.unit_price * lines.ordered_qty AS line_amount,
    sent_orders.order_date AS order_date,
    lines.expected_date AS expected_date,
    CAST(lines.received_at AS DATE) AS received_date,
    date_diff('day', lines.expected_date, CAST(lines.received_at AS DATE)) AS days_late,
    CASE
        WHEN sent_orders.status = 'CANCELLED' THEN 'cancelled'
        WHEN lines.received_qty >= lines.ordered_qty THEN 'received'
        WHEN lines.received_qty > 0 THEN 'partial'
        ELSE 'open'
    END AS line_status
FROM lines
INNER JOIN sent_orders ON lines.po_id = sent_orders.po_id
WHERE lines.ordered_qty > 0
