-- stg_orders: one row per order.
SELECT
  order_id,
  customer_id,
  amount
FROM raw.orders
