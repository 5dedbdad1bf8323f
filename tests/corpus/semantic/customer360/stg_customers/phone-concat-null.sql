-- defect: phone_e164 factors the '+' out as concat('+', CASE ... END): DuckDB's concat skips the NULL of an invalid phone and returns '+'
-- kind: concat-null
-- stg_customers: one row per CRM customer, standardised, with its address.
-- Addresses without a country are dropped before the LEFT JOIN, so a customer whose only
-- address lacks a country is kept with null address columns.
WITH customers AS (
    SELECT customer_id, email, phone, status, created_at
    FROM raw.crm_customers
),

addresses AS (
    SELECT customer_id, country, city, state, postal_code
    FROM raw.crm_addresses
    WHERE country IS NOT NULL
)

SELECT
    customers.customer_id AS customer_id,
    lower(regexp_replace(customers.email, '^[\x{09}-\x{0D}\x{85}\p{Z}]+|[\x{09}-\x{0D}\x{85}\p{Z}]+$', '', 'g')) AS email,
    concat('+', CASE WHEN regexp_matches(regexp_replace(customers.phone, '[^0-9]', '', 'g'), '^1?[0-9]{10}$') THEN '1' || right(regexp_replace(customers.phone, '[^0-9]', '', 'g'), 10) WHEN regexp_matches(regexp_replace(customers.phone, '[^0-9]', '', 'g'), '^[0-9]{11,15}$') THEN regexp_replace(customers.phone, '[^0-9]', '', 'g') END) AS phone_e164,
    CASE WHEN customers.status = 'active' THEN 'active' WHEN customers.status = 'inactive' THEN 'churned' WHEN customers.status = 'trial' THEN 'trial' WHEN customers.status = 'prospect' THEN 'prospect' ELSE 'unknown' END AS lifecycle_stage,
    addresses.country AS country,
    addresses.city AS city,
    addresses.state AS state,
    addresses.postal_code AS postal_code,
    customers.created_at AS created_at
FROM customers
LEFT JOIN addresses ON customers.customer_id = addresses.customer_id
