-- stg_customers, with the filtered addresses as a derived table instead of a CTE and the
-- customers read directly.
SELECT
    c.customer_id AS customer_id,
    lower(regexp_replace(c.email, '^[[:space:]]+|[[:space:]]+$', '', 'g')) AS email,
    CASE WHEN regexp_matches(regexp_replace(c.phone, '[^0-9]', '', 'g'), '^1?[0-9]{10}$') THEN '+1' || right(regexp_replace(c.phone, '[^0-9]', '', 'g'), 10) WHEN regexp_matches(regexp_replace(c.phone, '[^0-9]', '', 'g'), '^[0-9]{11,15}$') THEN '+' || regexp_replace(c.phone, '[^0-9]', '', 'g') ELSE NULL END AS phone_e164,
    CASE WHEN c.status = 'active' THEN 'active' WHEN c.status = 'inactive' THEN 'churned' WHEN c.status = 'trial' THEN 'trial' WHEN c.status = 'prospect' THEN 'prospect' ELSE 'unknown' END AS lifecycle_stage,
    a.country AS country,
    a.city AS city,
    a.state AS state,
    a.postal_code AS postal_code,
    c.created_at AS created_at
FROM raw.crm_customers AS c
LEFT JOIN (
    SELECT customer_id, country, city, state, postal_code
    FROM raw.crm_addresses
    WHERE country IS NOT NULL
) AS a ON c.customer_id = a.customer_id
