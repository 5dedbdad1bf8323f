-- fact_customer_orders aggregating orders after the join: the ticket metrics are pre-aggregated
-- to one row per customer in a CTE, so the join cannot fan orders out.
WITH ticket_metrics AS (
    SELECT
        customer_id,
        CAST(sum(open_tickets) AS BIGINT) AS open_tickets,
        CAST(sum(closed_tickets) AS BIGINT) AS closed_tickets
    FROM temp.stg_support_pivot
    GROUP BY customer_id
)

SELECT
    orders.customer_id AS customer_id,
    count(*) AS order_count,
    sum(orders.amount_usd) AS total_spent_usd,
    CAST(avg(orders.amount_usd) AS DECIMAL(38, 9)) AS aov_usd,
    sum(orders.refund_usd) AS total_refund_usd,
    min(orders.order_ts) AS first_order_ts,
    max(orders.order_ts) AS last_order_ts,
    any_value(ticket_metrics.open_tickets) AS open_tickets,
    any_value(ticket_metrics.closed_tickets) AS closed_tickets
FROM temp.stg_orders AS orders
LEFT JOIN ticket_metrics ON orders.customer_id = ticket_metrics.customer_id
GROUP BY orders.customer_id
