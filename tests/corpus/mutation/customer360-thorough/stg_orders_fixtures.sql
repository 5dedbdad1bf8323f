-- Unit test of stg_orders: one row per order whatever its items, amounts and refunds in USD at the
-- order's rate, an order whose currency has no rate keeps a NULL amount (not 0), two identical
-- items both count, and an item whose order does not exist (or a rate no order uses) adds no order.
CREATE OR REPLACE TEMP TABLE raw.commerce_orders AS (
  SELECT 1 AS order_id, 10 AS customer_id, TIMESTAMP '2024-01-05 10:00:00' AS order_ts, 'USD' AS currency, 100 AS total_amount
  UNION ALL SELECT 2, 10, TIMESTAMP '2024-02-05 10:00:00', 'EUR', 50
  UNION ALL SELECT 3, 20, TIMESTAMP '2024-03-05 10:00:00', 'GBP', 30
  UNION ALL SELECT 4, 20, TIMESTAMP '2024-04-05 10:00:00', 'USD', NULL
);
CREATE OR REPLACE TEMP TABLE raw.commerce_order_items AS (
  SELECT 1 AS order_id, 2 AS quantity, 5 AS refund_amount
  UNION ALL SELECT 1, 2, 5
  UNION ALL SELECT 2, 1, 4
  UNION ALL SELECT 3, 1, 3
  UNION ALL SELECT 99, 7, 1
);
CREATE OR REPLACE TEMP TABLE raw.fx_rates AS (
  SELECT 'USD' AS currency, 1 AS rate_to_usd
  UNION ALL SELECT 'EUR', 2
  UNION ALL SELECT 'JPY', 3
);

ASSERT (SELECT COUNT(*) FROM temp.stg_orders) = 4 AS 'one row per order, none for an item without its order or a rate without orders';
ASSERT (SELECT items FROM temp.stg_orders WHERE order_id = 1) = 4 AS 'two identical items both count';
ASSERT (SELECT refund_usd FROM temp.stg_orders WHERE order_id = 1) = 10 AS 'refunds are summed, then converted';
ASSERT (SELECT amount_usd FROM temp.stg_orders WHERE order_id = 2) = 100 AS 'EUR converts at the EUR rate';
ASSERT (SELECT refund_usd FROM temp.stg_orders WHERE order_id = 2) = 8 AS 'refunds convert at the same rate';
ASSERT (SELECT amount_usd IS NULL FROM temp.stg_orders WHERE order_id = 4) AS 'an order without an amount has none in USD';
ASSERT (SELECT amount_usd IS NULL AND refund_usd IS NULL FROM temp.stg_orders WHERE order_id = 3)
  AS 'a currency without a rate gives NULL amounts, not 0';
