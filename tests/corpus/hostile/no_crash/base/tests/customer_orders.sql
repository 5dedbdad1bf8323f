-- Unit test of customer_orders on two hand-written orders of one customer.
CREATE OR REPLACE TEMP TABLE raw.orders AS (
  SELECT 1 AS order_id, 7 AS customer_id, CAST(10 AS NUMERIC) AS amount
  UNION ALL SELECT 2, 7, CAST(5.5 AS NUMERIC)
);

ASSERT (SELECT order_count FROM analytics.customer_orders WHERE customer_id = 7) = 2
  AS 'orders are counted per customer';
ASSERT (SELECT total_amount FROM analytics.customer_orders WHERE customer_id = 7) = 15.5
  AS 'amounts are summed per customer';
