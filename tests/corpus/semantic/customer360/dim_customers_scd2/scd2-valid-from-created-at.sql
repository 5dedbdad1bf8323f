-- defect: valid_from is the source's created_at instead of the run time
-- kind: scd2-effective-from-source
-- dim_customers_scd2: type 2 history of temp.stg_customers, keyed on customer_id.
-- Each run closes the current version of every key that changed or vanished, then opens a
-- version for every key in the snapshot that has no current version (new, changed or back).
-- Tracked columns compare NULL-safely; an open version has valid_to NULL.
CREATE TABLE IF NOT EXISTS analytics.dim_customers_scd2 (
    customer_id BIGINT,
    email VARCHAR,
    phone_e164 VARCHAR,
    lifecycle_stage VARCHAR,
    country VARCHAR,
    city VARCHAR,
    state VARCHAR,
    postal_code VARCHAR,
    created_at TIMESTAMP,
    valid_from TIMESTAMP,
    valid_to TIMESTAMP,
    is_current BOOLEAN
);

UPDATE analytics.dim_customers_scd2 AS target
SET valid_to = CURRENT_TIMESTAMP, is_current = FALSE
WHERE target.is_current
    AND (
        NOT EXISTS (
            SELECT 1
            FROM temp.stg_customers AS source
            WHERE source.customer_id = target.customer_id
        )
        OR EXISTS (
            SELECT 1
            FROM temp.stg_customers AS source
            WHERE source.customer_id = target.customer_id
                AND (
                    source.email IS DISTINCT FROM target.email
                    OR source.phone_e164 IS DISTINCT FROM target.phone_e164
                    OR source.lifecycle_stage IS DISTINCT FROM target.lifecycle_stage
                    OR source.country IS DISTINCT FROM target.country
                    OR source.city IS DISTINCT FROM target.city
                    OR source.state IS DISTINCT FROM target.state
                    OR source.postal_code IS DISTINCT FROM target.postal_code
                    OR source.created_at IS DISTINCT FROM target.created_at
                )
        )
    );

INSERT INTO analytics.dim_customers_scd2 (
    customer_id, email, phone_e164, lifecycle_stage, country, city, state, postal_code, created_at,
    valid_from, valid_to, is_current
)
SELECT
    source.customer_id,
    source.email,
    source.phone_e164,
    source.lifecycle_stage,
    source.country,
    source.city,
    source.state,
    source.postal_code,
    source.created_at,
    source.created_at,
    CAST(NULL AS TIMESTAMP),
    TRUE
FROM temp.stg_customers AS source
WHERE NOT EXISTS (
    SELECT 1
    FROM analytics.dim_customers_scd2 AS target
    WHERE target.customer_id = source.customer_id
        AND target.is_current
);
