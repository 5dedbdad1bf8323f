-- stg_customers with the phone and lifecycle CASEs written as nested if(): same branches,
-- same columns read.
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
    lower(regexp_replace(customers.email, '^[[:space:]]+|[[:space:]]+$', '', 'g')) AS email,
    if(regexp_matches(regexp_replace(customers.phone, '[^0-9]', '', 'g'), '^1?[0-9]{10}$'), '+1' || right(regexp_replace(customers.phone, '[^0-9]', '', 'g'), 10), if(regexp_matches(regexp_replace(customers.phone, '[^0-9]', '', 'g'), '^[0-9]{11,15}$'), '+' || regexp_replace(customers.phone, '[^0-9]', '', 'g'), NULL)) AS phone_e164,
    if(customers.status = 'active', 'active', if(customers.status = 'inactive', 'churned', if(customers.status = 'trial', 'trial', if(customers.status = 'prospect', 'prospect', 'unknown')))) AS lifecycle_stage,
    addresses.country AS country,
    addresses.city AS city,
    addresses.state AS state,
    addresses.postal_code AS postal_code,
    customers.created_at AS created_at
FROM customers
LEFT JOIN addresses ON customers.customer_id = addresses.customer_id
