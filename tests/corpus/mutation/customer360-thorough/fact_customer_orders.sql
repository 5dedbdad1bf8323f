-- Unit test of fact_customer_orders through stg_orders: amounts are converted to USD with the
-- order's currency, and each customer has one row.
CREATE OR REPLACE TEMP TABLE raw.commerce_orders AS (
  SELECT 1 AS order_id, 10 AS customer_id, TIMESTAMP '2024-01-05 10:00:00' AS order_ts, 'USD' AS currency, 100 AS total_amount
  UNION ALL SELECT 2, 10, TIMESTAMP '2024-02-05 10:00:00', 'EUR', 50
  UNION ALL SELECT 3, 20, TIMESTAMP '2024-03-05 10:00:00', 'USD', 30
);
CREATE OR REPLACE TEMP TABLE raw.fx_rates AS (
  SELECT 'USD' AS currency, 1 AS rate_to_usd
  UNION ALL SELECT 'EUR', 2
);

ASSERT (SELECT COUNT(*) FROM analytics.fact_customer_orders) = 2 AS 'one row per customer with orders';
ASSERT (SELECT order_count FROM analytics.fact_customer_orders WHERE customer_id = 10) = 2
  AS 'both orders of customer 10 are counted';
ASSERT (SELECT total_spent_usd FROM analytics.fact_customer_orders WHERE customer_id = 10) = 200
  AS 'EUR amounts are converted at the EUR rate';
