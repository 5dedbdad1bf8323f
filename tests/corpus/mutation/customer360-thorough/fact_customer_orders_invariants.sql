-- On the synthetic data of the main run: order metrics are consistent with each other.
ASSERT NOT EXISTS (
  SELECT customer_id, order_count, first_order_ts, last_order_ts
  FROM analytics.fact_customer_orders
  WHERE order_count < 1 OR first_order_ts > last_order_ts
) AS 'every customer has an order, first before last';
