-- defect: fx_rates is joined with INNER JOIN instead of LEFT JOIN
-- kind: inner-for-left
-- stg_orders: one row per order header, with its item totals and amounts in USD.
-- Items fan out the order; grouping by every non-aggregated column collapses them again.
-- NUMERIC * NUMERIC is computed in DOUBLE and cast back to DECIMAL(38, 9): DuckDB's
-- DECIMAL(38, 9) * DECIMAL(38, 9) is DECIMAL(38, 18) and overflows past 1e20, where
-- BigQuery's NUMERIC keeps 29 integer digits.
WITH orders AS (
    SELECT order_id, customer_id, order_ts, currency, total_amount
    FROM raw.commerce_orders
),

order_items AS (
    SELECT order_id, quantity, refund_amount
    FROM raw.commerce_order_items
),

rates AS (
    SELECT currency, rate_to_usd
    FROM raw.fx_rates
)

SELECT
    orders.order_id AS order_id,
    orders.customer_id AS customer_id,
    orders.order_ts AS order_ts,
    CAST(CAST(orders.total_amount AS DOUBLE) * CAST(rates.rate_to_usd AS DOUBLE) AS DECIMAL(38, 9)) AS amount_usd,
    CAST(SUM(order_items.quantity) AS BIGINT) AS items,
    CAST(CAST(SUM(order_items.refund_amount) AS DOUBLE) * CAST(rates.rate_to_usd AS DOUBLE) AS DECIMAL(38, 9)) AS refund_usd
FROM orders
LEFT JOIN order_items ON orders.order_id = order_items.order_id
INNER JOIN rates ON orders.currency = rates.currency
GROUP BY orders.order_id, orders.customer_id, orders.order_ts, orders.total_amount, rates.rate_to_usd
