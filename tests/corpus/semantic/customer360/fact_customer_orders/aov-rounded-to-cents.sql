-- defect: aov_usd is round(avg(amount_usd), 2)
-- kind: premature-rounding
-- fact_customer_orders: one row per customer who has orders.
-- Order and ticket metrics are aggregated separately and then joined, so tickets never
-- multiply orders; a customer without tickets gets null ticket counts.
WITH order_metrics AS (
    SELECT
        customer_id,
        count(*) AS order_count,
        sum(amount_usd) AS total_spent_usd,
        CAST(round(avg(amount_usd), 2) AS DECIMAL(38, 9)) AS aov_usd,
        sum(refund_usd) AS total_refund_usd,
        min(order_ts) AS first_order_ts,
        max(order_ts) AS last_order_ts
    FROM temp.stg_orders
    GROUP BY customer_id
),

ticket_metrics AS (
    SELECT
        customer_id,
        CAST(sum(open_tickets) AS BIGINT) AS open_tickets,
        CAST(sum(closed_tickets) AS BIGINT) AS closed_tickets
    FROM temp.stg_support_pivot
    GROUP BY customer_id
)

SELECT
    order_metrics.customer_id AS customer_id,
    order_metrics.order_count AS order_count,
    order_metrics.total_spent_usd AS total_spent_usd,
    order_metrics.aov_usd AS aov_usd,
    order_metrics.total_refund_usd AS total_refund_usd,
    order_metrics.first_order_ts AS first_order_ts,
    order_metrics.last_order_ts AS last_order_ts,
    ticket_metrics.open_tickets AS open_tickets,
    ticket_metrics.closed_tickets AS closed_tickets
FROM order_metrics
LEFT JOIN ticket_metrics ON order_metrics.customer_id = ticket_metrics.customer_id
