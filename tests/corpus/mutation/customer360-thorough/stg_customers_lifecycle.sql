-- Unit test of stg_customers: every CRM status maps to its lifecycle stage, a ten-digit phone
-- gets +1, and each customer keeps its own address (an address without a customer adds no row).
CREATE OR REPLACE TEMP TABLE raw.crm_customers AS (
  SELECT 1 AS customer_id, 'a@x.com' AS email, '555 123 4567' AS phone, 'active' AS status
  UNION ALL SELECT 2, 'b@x.com', '1 555 123 4567', 'prospect'
  UNION ALL SELECT 3, 'c@x.com', '555 123 456', 'trial'
  UNION ALL SELECT 4, 'd@x.com', NULL, 'closed'
);
CREATE OR REPLACE TEMP TABLE raw.crm_addresses AS (
  SELECT 1 AS customer_id, 'US' AS country, 'Austin' AS city
  UNION ALL SELECT 2, 'CA', 'Toronto'
  UNION ALL SELECT 99, 'GB', 'London'
);

ASSERT (SELECT COUNT(*) FROM temp.stg_customers) = 4 AS 'one row per customer, none for an address without its customer';
ASSERT (SELECT lifecycle_stage FROM temp.stg_customers WHERE customer_id = 1) = 'active' AS 'active stays active';
ASSERT (SELECT lifecycle_stage FROM temp.stg_customers WHERE customer_id = 2) = 'prospect' AS 'prospect stays prospect';
ASSERT (SELECT lifecycle_stage FROM temp.stg_customers WHERE customer_id = 4) = 'unknown' AS 'an unmapped status is unknown';
ASSERT (SELECT phone_e164 FROM temp.stg_customers WHERE customer_id = 1) = '+15551234567' AS 'ten digits get +1';
ASSERT (SELECT phone_e164 FROM temp.stg_customers WHERE customer_id = 2) = '+15551234567' AS 'eleven digits starting with 1 too';
ASSERT (SELECT phone_e164 IS NULL FROM temp.stg_customers WHERE customer_id = 3) AS 'nine digits are no phone number';
ASSERT (SELECT country FROM temp.stg_customers WHERE customer_id = 2) = 'CA' AS 'each customer keeps its own address';
ASSERT (SELECT country IS NULL FROM temp.stg_customers WHERE customer_id = 3) AS 'a customer without an address has none';
