-- stg_orders reading the sources directly under short aliases, no CTEs.
SELECT
    o.order_id,
    o.customer_id,
    o.order_ts,
    CAST(CAST(o.total_amount AS DOUBLE) * CAST(fx.rate_to_usd AS DOUBLE) AS DECIMAL(38, 9)) AS amount_usd,
    CAST(SUM(i.quantity) AS BIGINT) AS items,
    CAST(CAST(SUM(i.refund_amount) AS DOUBLE) * CAST(fx.rate_to_usd AS DOUBLE) AS DECIMAL(38, 9)) AS refund_usd
FROM raw.commerce_orders o
LEFT JOIN raw.commerce_order_items i ON o.order_id = i.order_id
LEFT JOIN raw.fx_rates fx ON o.currency = fx.currency
GROUP BY o.order_id, o.customer_id, o.order_ts, o.total_amount, fx.rate_to_usd
