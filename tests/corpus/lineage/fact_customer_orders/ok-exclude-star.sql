-- fact_customer_orders taking the metric CTEs' columns with a star; the ticket side's key is
-- excluded, so the output columns are the spec's, in its order.
WITH order_metrics AS (
    SELECT
        customer_id,
        count(*) AS order_count,
        sum(amount_usd) AS total_spent_usd,
        CAST(avg(amount_usd) AS DECIMAL(38, 9)) AS aov_usd,
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
    order_metrics.*,
    ticket_metrics.* EXCLUDE (customer_id)
FROM order_metrics
LEFT JOIN ticket_metrics ON order_metrics.customer_id = ticket_metrics.customer_id
