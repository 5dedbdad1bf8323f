-- stg_support_pivot, then a delete in another model's table.
CREATE OR REPLACE TABLE temp.stg_support_pivot AS
SELECT
    customer_id,
    count(*) FILTER (WHERE status = 'OPEN') AS open_tickets,
    count(*) FILTER (WHERE status = 'CLOSED') AS closed_tickets
FROM raw.support_tickets
GROUP BY customer_id;

DELETE FROM "TEMP"."STG_CUSTOMERS" WHERE TRUE;
