-- stg_customers: one row per customer, emails trimmed and lower-cased.
SELECT
  customer_id,
  LOWER(TRIM(email)) AS email
FROM raw.customers
