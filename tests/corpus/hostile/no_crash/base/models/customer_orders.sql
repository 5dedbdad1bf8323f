-- customer_orders: one row per customer with orders.
SELECT
  customer_id,
  COUNT(*) AS order_count,
  SUM(amount) AS total_amount
FROM staging.stg_orders
GROUP BY customer_id
