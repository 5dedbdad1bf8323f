-- cte: stg_customers.addresses
-- The addresses CTE drops addresses without a country before the LEFT JOIN.
CREATE OR REPLACE TEMP TABLE raw.crm_addresses AS (
  SELECT 1 AS customer_id, 'US' AS country, 'Austin' AS city
  UNION ALL SELECT 2, NULL, 'Nowhere'
);

ASSERT (SELECT COUNT(*) FROM addresses) = 1 AS 'only addresses with a country are kept';
