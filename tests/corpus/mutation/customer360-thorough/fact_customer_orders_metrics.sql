-- Unit test of fact_customer_orders from its two upstream models given as fixtures: order
-- metrics per customer, ticket metrics summed per customer and joined on the customer, and a
-- customer with tickets but no orders has no row.
CREATE OR REPLACE TEMP TABLE temp.stg_orders AS (
  SELECT 1 AS order_id, 10 AS customer_id, TIMESTAMP '2024-01-05 10:00:00' AS order_ts, 100 AS amount_usd, 2 AS items, 10 AS refund_usd
  UNION ALL SELECT 2, 10, TIMESTAMP '2024-03-05 10:00:00', 50, 1, 4
  UNION ALL SELECT 3, 20, TIMESTAMP '2024-02-05 10:00:00', 30, 1, 1
);
CREATE OR REPLACE TEMP TABLE temp.stg_support_pivot AS (
  SELECT 10 AS customer_id, 2 AS open_tickets, 1 AS closed_tickets
  UNION ALL SELECT 10, 1, 0
  UNION ALL SELECT 30, 5, 5
);

ASSERT (SELECT COUNT(*) FROM analytics.fact_customer_orders) = 2 AS 'one row per customer with orders';
ASSERT (SELECT total_spent_usd FROM analytics.fact_customer_orders WHERE customer_id = 10) = 150 AS 'amounts are summed';
ASSERT (SELECT aov_usd FROM analytics.fact_customer_orders WHERE customer_id = 10) = 75 AS 'the average order';
ASSERT (SELECT total_refund_usd FROM analytics.fact_customer_orders WHERE customer_id = 10) = 14 AS 'refunds are summed';
ASSERT (SELECT first_order_ts FROM analytics.fact_customer_orders WHERE customer_id = 10) = TIMESTAMP '2024-01-05 10:00:00'
  AS 'the first order is the earliest';
ASSERT (SELECT last_order_ts FROM analytics.fact_customer_orders WHERE customer_id = 10) = TIMESTAMP '2024-03-05 10:00:00'
  AS 'the last order is the latest';
ASSERT (SELECT open_tickets FROM analytics.fact_customer_orders WHERE customer_id = 10) = 3 AS 'ticket rows are summed per customer';
ASSERT (SELECT closed_tickets FROM analytics.fact_customer_orders WHERE customer_id = 10) = 1 AS 'closed tickets too';
ASSERT (SELECT open_tickets IS NULL FROM analytics.fact_customer_orders WHERE customer_id = 20) AS 'no tickets, no count';
