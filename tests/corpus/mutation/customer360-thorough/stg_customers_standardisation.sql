-- Unit test of stg_customers on three hand-written customers: phone numbers become E.164,
-- CRM statuses map to lifecycle stages, emails are trimmed and lower-cased.
CREATE OR REPLACE TEMP TABLE raw.crm_customers AS (
  SELECT 1 AS customer_id, '  Ann@Example.COM ' AS email, '(555) 123-4567' AS phone, 'inactive' AS status
  UNION ALL SELECT 2, NULL, '44 20 7946 0958', 'trial'
  UNION ALL SELECT 3, 'bo@example.com', '12-34', 'on hold'
);

ASSERT (SELECT phone_e164 FROM temp.stg_customers WHERE customer_id = 1) = '+15551234567'
  AS 'a ten-digit phone gets the +1 country code';
ASSERT (SELECT phone_e164 FROM temp.stg_customers WHERE customer_id = 2) = '+442079460958'
  AS 'an international phone keeps its own country code';
ASSERT (SELECT phone_e164 FROM temp.stg_customers WHERE customer_id = 3) IS NULL
  AS 'a phone too short to be a number is NULL';

-- lifecycle stages: inactive is churned, an unmapped status is unknown
SELECT customer_id, lifecycle_stage
FROM temp.stg_customers
WHERE NOT ((customer_id = 1 AND lifecycle_stage = 'churned')
        OR (customer_id = 2 AND lifecycle_stage = 'trial')
        OR (customer_id = 3 AND lifecycle_stage = 'unknown'));

ASSERT (SELECT email FROM temp.stg_customers WHERE customer_id = 1) = 'ann@example.com'
  AS 'emails are trimmed and lower-cased';
